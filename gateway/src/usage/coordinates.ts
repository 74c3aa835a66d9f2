/**
 * The schema coordinates an operation touches, read with graphql-js's TypeInfo: every type it
 * names or reaches (`Order`), field (`Order.status`), argument (`Query.orders(first:)`), input
 * field written as a literal (`OrderInput.note`), enum value written as a literal
 * (`OrderStatus.SHIPPED`) and directive (`@include`). Values sent in variables are never seen
 * (variables are never read here), so an enum value or input field a client sends only through
 * a variable is covered by the variable's type (`OrderStatus`), not by the value.
 *
 * The deprecated ones among them (`@deprecated` fields, arguments, input fields and enum values)
 * are returned too, for the deprecation counts.
 */
import {
  getNamedType,
  isEnumType,
  isInputObjectType,
  TypeInfo,
  typeFromAST,
  visit,
  visitWithTypeInfo,
  type DocumentNode,
  type GraphQLNamedType,
  type GraphQLSchema,
  type GraphQLType,
} from "graphql";

export interface TouchedCoordinates {
  /** Sorted, distinct. */
  readonly coordinates: readonly string[];
  /** The deprecated ones among `coordinates`. */
  readonly deprecated: readonly string[];
}

export function coordinatesOf(schema: GraphQLSchema, document: DocumentNode): TouchedCoordinates {
  const touched = new Set<string>();
  const deprecated = new Set<string>();
  const typeInfo = new TypeInfo(schema);
  const addType = (type: GraphQLType | null | undefined | GraphQLNamedType) => {
    if (!type) return;
    const named = getNamedType(type);
    if (named && !named.name.startsWith("__")) touched.add(named.name);
  };
  visit(
    document,
    visitWithTypeInfo(typeInfo, {
      VariableDefinition(node) {
        addType(typeFromAST(schema, node.type as never));
      },
      InlineFragment(node) {
        if (node.typeCondition) addType(schema.getType(node.typeCondition.name.value));
      },
      FragmentDefinition(node) {
        addType(schema.getType(node.typeCondition.name.value));
      },
      Field(node) {
        const parent = typeInfo.getParentType();
        const field = typeInfo.getFieldDef();
        if (!parent || !field || node.name.value.startsWith("__")) return;
        const coordinate = `${parent.name}.${field.name}`;
        addType(parent);
        addType(field.type);
        touched.add(coordinate);
        if (field.deprecationReason != null) deprecated.add(coordinate);
      },
      Argument(node) {
        const argument = typeInfo.getArgument();
        if (!argument) return;
        const directive = typeInfo.getDirective();
        const parent = typeInfo.getParentType();
        const field = typeInfo.getFieldDef();
        const owner = directive ? `@${directive.name}` : parent && field ? `${parent.name}.${field.name}` : undefined;
        if (!owner || node.name.value.startsWith("__")) return;
        const coordinate = `${owner}(${argument.name}:)`;
        touched.add(coordinate);
        addType(argument.type);
        if (argument.deprecationReason != null) deprecated.add(coordinate);
      },
      Directive(node) {
        touched.add(`@${node.name.value}`);
      },
      ObjectField(node) {
        const parent = getNamedType(typeInfo.getParentInputType() ?? undefined);
        if (!parent || !isInputObjectType(parent)) return;
        const field = parent.getFields()[node.name.value];
        if (!field) return;
        const coordinate = `${parent.name}.${field.name}`;
        touched.add(coordinate);
        addType(parent);
        addType(field.type);
        if (field.deprecationReason != null) deprecated.add(coordinate);
      },
      EnumValue(node) {
        const type = getNamedType(typeInfo.getInputType() ?? undefined);
        if (!type || !isEnumType(type)) return;
        const value = type.getValue(node.value);
        if (!value) return;
        const coordinate = `${type.name}.${value.name}`;
        touched.add(coordinate);
        if (value.deprecationReason != null) deprecated.add(coordinate);
      },
    }),
  );
  return { coordinates: [...touched].sort(), deprecated: [...deprecated].sort() };
}

/** Every deprecated coordinate of a schema, with its reason (for `schema:check --deprecated`). */
export function deprecatedCoordinates(schema: GraphQLSchema): Map<string, string> {
  const out = new Map<string, string>();
  for (const type of Object.values(schema.getTypeMap())) {
    if (type.name.startsWith("__")) continue;
    if (isEnumType(type)) {
      for (const value of type.getValues()) if (value.deprecationReason != null) out.set(`${type.name}.${value.name}`, value.deprecationReason);
    } else if (isInputObjectType(type)) {
      for (const field of Object.values(type.getFields())) if (field.deprecationReason != null) out.set(`${type.name}.${field.name}`, field.deprecationReason);
    } else if ("getFields" in type) {
      for (const field of Object.values(type.getFields())) {
        if (field.deprecationReason != null) out.set(`${type.name}.${field.name}`, field.deprecationReason);
        for (const arg of field.args) if (arg.deprecationReason != null) out.set(`${type.name}.${field.name}(${arg.name}:)`, arg.deprecationReason);
      }
    }
  }
  return out;
}
