/**
 * Parse and validate, remembered per supergraph snapshot and document text: the same few
 * documents arrive over and over, and a hostile one is refused as cheaply the second time.
 *
 * Order inside the stage, cheapest refusal first: the nesting scan (before graphql-js recurses),
 * the parser with its token limit, the operation limits (linear, fragments measured once), then
 * graphql-js's rules (their overlap check is quadratic in the selections) with introspection
 * refused when it is off.
 */
import { createHash } from "node:crypto";
import { GraphQLError, NoSchemaIntrospectionCustomRule, parse, specifiedRules, validate, type DocumentNode, type GraphQLFormattedError, type ValidationRule } from "graphql";
import { LruCache } from "../auth/lru.ts";
import type { OperationLimits } from "../config/operations.ts";
import { errorCodes, type ErrorCode } from "../errors/codes.ts";
import { documentNesting, MAX_DOCUMENT_NESTING } from "../hardening/document-guard.ts";
import { checkOperationLimits } from "../hardening/operation-limits.ts";
import type { SupergraphSnapshot } from "../supergraph/snapshot.ts";
import { refuse, type Refusal } from "./refusal.ts";

export interface DocumentStageOptions {
  limits: OperationLimits;
  introspection: boolean;
  /** Production: graphql-js's "Did you mean …?" suggestions would describe the schema to anyone. */
  hideSuggestions: boolean;
  /** Documents remembered per snapshot. */
  cacheEntries?: number;
}

/** `hash`: SHA-256 of the text, hex; computed once per remembered document (the plan cache keys on it). */
export type DocumentOutcome = { readonly kind: "ok"; readonly document: DocumentNode; readonly hash: string } | Refusal;

const tooManyTokens = /^Syntax Error: Document contains more (?:than|that) (\d+) tokens/;

export interface DocumentStage {
  /** The nesting scan and the parser with its token limit; remembered per document text. */
  parse(source: string): DocumentOutcome;
  /** The operation limits and graphql-js's rules against this snapshot's API schema; remembered per snapshot and document. */
  validate(snapshot: SupergraphSnapshot, document: DocumentNode): Refusal | undefined;
}

export function createDocumentStage(options: DocumentStageOptions): DocumentStage {
  const entries = options.cacheEntries ?? 1_000;
  const parsed = new LruCache<string, DocumentOutcome>(entries);
  const validated = new WeakMap<SupergraphSnapshot, WeakMap<DocumentNode, Refusal | "valid">>();
  const rules: ValidationRule[] = options.introspection ? [...specifiedRules] : [...specifiedRules, NoSchemaIntrospectionCustomRule];

  const parseOnce = (source: string): DocumentOutcome => {
    if (documentNesting(source) > MAX_DOCUMENT_NESTING) {
      return refuse("MAX_DEPTH_EXCEEDED", `The document nests braces, parentheses or brackets deeper than ${MAX_DOCUMENT_NESTING} levels`, { limit: MAX_DOCUMENT_NESTING });
    }
    let document: DocumentNode;
    try {
      document = parse(source, { maxTokens: options.limits.maxTokens });
    } catch (e) {
      const message = e instanceof Error ? e.message : String(e);
      const tokens = tooManyTokens.exec(message);
      if (tokens) return refuse("MAX_TOKENS_EXCEEDED", `The document has more than ${tokens[1]} tokens, over the limit; parsing stopped`, { limit: options.limits.maxTokens });
      if (!(e instanceof GraphQLError)) return refuse("GRAPHQL_PARSE_FAILED", "The document could not be parsed");
      return { kind: "refused", status: errorCodes.GRAPHQL_PARSE_FAILED, errors: [withCode(e, "GRAPHQL_PARSE_FAILED")], headers: {} };
    }
    return { kind: "ok", document, hash: createHash("sha256").update(source).digest("hex") };
  };

  const validateOnce = (snapshot: SupergraphSnapshot, document: DocumentNode): Refusal | undefined => {
    const violation = checkOperationLimits(document, options.limits);
    if (violation) return refuse(violation.code, violation.message, { limit: violation.limit, actual: violation.actual });
    const errors = validate(snapshot.apiSchema, document, rules, { maxErrors: 20 });
    if (errors.length > 0) {
      return { kind: "refused", status: errorCodes.GRAPHQL_VALIDATION_FAILED, errors: errors.map((e) => validationError(e, options.hideSuggestions)), headers: {} };
    }
    return undefined;
  };

  return {
    parse(source) {
      const known = parsed.get(source);
      if (known) return known;
      const outcome = parseOnce(source);
      // Large documents are not kept: a client sending many distinct huge ones must not fill memory.
      if (source.length <= 65_536) parsed.set(source, outcome);
      return outcome;
    },
    validate(snapshot, document) {
      let bySnapshot = validated.get(snapshot);
      if (!bySnapshot) validated.set(snapshot, (bySnapshot = new WeakMap()));
      const known = bySnapshot.get(document);
      if (known) return known === "valid" ? undefined : known;
      const outcome = validateOnce(snapshot, document);
      bySnapshot.set(document, outcome ?? "valid");
      return outcome;
    },
  };
}

function withCode(error: GraphQLError, code: ErrorCode): GraphQLFormattedError {
  const formatted = error.toJSON();
  return { ...formatted, extensions: { ...formatted.extensions, code } };
}

const introspectionRefused = /^GraphQL introspection has been disabled/;

function validationError(error: GraphQLError, hideSuggestions: boolean): GraphQLFormattedError {
  if (introspectionRefused.test(error.message)) {
    return {
      message: "Introspection is off: the document asks for __schema or __type. Set operations.introspection: true in the gateway config to allow it (it is off in production mode by default)",
      ...(error.locations ? { locations: error.locations } : {}),
      extensions: { code: "INTROSPECTION_DISABLED" },
    };
  }
  const formatted = withCode(error, "GRAPHQL_VALIDATION_FAILED");
  return hideSuggestions ? { ...formatted, message: formatted.message.replace(/ Did you mean .*\?$/, "") } : formatted;
}
