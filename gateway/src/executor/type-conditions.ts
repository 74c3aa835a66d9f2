/**
 * "Is this object of that type?" for the plan's inline fragments (representations and rewrites),
 * with `@apollo/gateway`'s rules: decided by the object's `__typename` against the supergraph
 * schema, and answered once per (condition, typename) then remembered.
 */
import { isAbstractType, isInterfaceType, isObjectType, type GraphQLSchema } from "graphql";

export type TypeTest = (typename: unknown) => boolean;

export function typeTest(schema: GraphQLSchema, condition: string, whenUnknown = false): TypeTest {
  const known = new Map<string, boolean>();
  const conditionType = schema.getType(condition);
  return (typename) => {
    if (!typename) return whenUnknown;
    if (typename === condition) return true;
    const name = String(typename);
    let answer = known.get(name);
    if (answer === undefined) {
      const type = schema.getType(name);
      answer =
        type !== undefined && conditionType !== undefined && isAbstractType(conditionType) && (isObjectType(type) || isInterfaceType(type)) && schema.isSubType(conditionType, type);
      known.set(name, answer);
    }
    return answer;
  };
}
