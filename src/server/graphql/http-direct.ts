/**
 * The common GraphQL-over-HTTP request answered without yoga (issue 18): a POST of a JSON body
 * `{query, variables?, operationName?, extensions?}` from a client that is no browser (no Origin
 * header), whose document parses and validates, for a query or a mutation. That is every request of
 * the runtime and of the Python client. yoga builds a WHATWG Request and Response around each
 * request (headers objects, abort signals, body streams) and runs its plugin chain: about half of the
 * server's CPU per task when callers assign over HTTP (figures in BENCHMARKS.md).
 *
 * The answer is the one yoga gives for a result without errors: status 200, the media type yoga's
 * negotiation picks from `Accept` (application/json or application/graphql-response+json), the body
 * serialised with stored JSON texts expanded. Anything else goes to yoga unchanged: a browser (CORS),
 * another method or content type, a malformed body, a document that does not parse or validate, a
 * subscription, and every result WITH errors: yoga then answers that already computed result (it is
 * not executed twice) with its own error masking and status codes (`precomputed`).
 */
import type { DocumentNode, ExecutionArgs, ExecutionResult, GraphQLSchema } from "graphql";
import type { Identity } from "../auth.js";
import type { GraphqlContext } from "./context.js";
import { executeWithinCost } from "./cost.js";
import { stringifyAnswer } from "./spliced.js";
import type { DocumentCache } from "./document-cache.js";
import { graphql } from "./graphql-module.js";
import type { JitExecutor } from "./jit.js";
import { variablesRefusal } from "./variables.js";

const { getOperationAST } = graphql;

/** What the direct path did: answered (the response to send), or left the request to yoga. */
export type DirectOutcome =
  | { readonly answered: true; readonly contentType: string; readonly body: string }
  | { readonly answered: false; readonly precomputed?: ExecutionResult };

export interface DirectHttpOptions {
  schema: GraphQLSchema;
  documents: DocumentCache;
  executor: JitExecutor;
  maxVariablesDepth: number;
  contextFor(identity: Identity): GraphqlContext;
}

const LEAVE: DirectOutcome = { answered: false };
const BODY_KEYS = new Set(["query", "variables", "operationName", "extensions"]);
const MEDIA_TYPES = ["application/graphql-response+json", "application/json"] as const;

/**
 * The media type yoga's result negotiation settles on for a result that is no stream, or undefined
 * when another processor (SSE, multipart) would answer: yoga walks `Accept` from its last entry to its
 * first and keeps the last match, so the first listed type that is one of ours wins.
 */
export function negotiatedMediaType(accept: string | undefined): string | undefined {
  const asked = (accept || "*/*")
    .replace(/\s/g, "")
    .toLowerCase()
    .split(",")
    .filter((entry) => {
      const charset = entry.split(";").slice(1).find((param) => param.includes("charset="));
      return charset === undefined || charset === "charset=utf-8";
    })
    .map((entry) => entry.split(";")[0]!);
  for (const type of asked) {
    const [askedPre, askedSuf] = type.split("/");
    // of our two types, the last that matches is the one yoga keeps
    let chosen: string | undefined;
    for (const ours of MEDIA_TYPES) {
      const [pre, suf] = ours.split("/");
      if ((askedPre === "*" || askedPre === pre) && (askedSuf === "*" || askedSuf === suf)) chosen = ours;
    }
    if (chosen) return chosen;
  }
  return undefined;
}

/** A parsed request body of the plain shape, or undefined (yoga answers it, with its errors). */
function plainBody(body: Buffer): { query: string; variables: Record<string, unknown>; operationName: string | null } | undefined {
  let value: unknown;
  try {
    value = JSON.parse(body.toString("utf8"));
  } catch {
    return undefined;
  }
  if (!value || typeof value !== "object" || Array.isArray(value)) return undefined;
  const record = value as Record<string, unknown>;
  for (const key of Object.keys(record)) if (!BODY_KEYS.has(key)) return undefined;
  const { query, variables, operationName, extensions } = record;
  if (typeof query !== "string") return undefined;
  if (variables !== undefined && variables !== null && (typeof variables !== "object" || Array.isArray(variables))) return undefined;
  if (operationName !== undefined && operationName !== null && typeof operationName !== "string") return undefined;
  if (extensions !== undefined && extensions !== null && (typeof extensions !== "object" || Array.isArray(extensions))) return undefined;
  return { query, variables: (variables ?? {}) as Record<string, unknown>, operationName: (operationName ?? null) as string | null };
}

export function createDirectHttp(options: DirectHttpOptions): (body: Buffer, accept: string | undefined, identity: Identity) => Promise<DirectOutcome> {
  return async (body, accept, identity) => {
    const contentType = negotiatedMediaType(accept);
    if (!contentType) return LEAVE;
    const params = plainBody(body);
    if (!params || variablesRefusal(params.variables, options.maxVariablesDepth)) return LEAVE;
    let document: DocumentNode;
    try {
      document = options.documents.parse(params.query);
    } catch {
      return LEAVE;
    }
    if (options.documents.validate(options.schema, document).length > 0) return LEAVE;
    const operation = getOperationAST(document, params.operationName);
    if (!operation || operation.operation === "subscription") return LEAVE;
    const args: ExecutionArgs = {
      schema: options.schema,
      document,
      operationName: params.operationName,
      variableValues: params.variables,
      contextValue: options.contextFor(identity),
    };
    const result = (await executeWithinCost(args, options.executor.execute)) as ExecutionResult;
    if (result.errors?.length || result.extensions) return { answered: false, precomputed: result };
    return { answered: true, contentType: `${contentType}; charset=utf-8`, body: stringifyAnswer(result) };
  };
}
