/**
 * Errors of the GraphQL transport. Both carry the operation name so a failure in a generated
 * function says which call failed.
 */
import { ArkitektError } from "../../shared/errors.js";

/** One entry of a GraphQL response's `errors` array. */
export interface GraphQLErrorEntry {
  message: string;
  path?: ReadonlyArray<string | number>;
  locations?: ReadonlyArray<{ line: number; column: number }>;
  extensions?: Record<string, unknown>;
}

/** Thrown when the server answered with GraphQL `errors` (validation, resolver or permission errors). */
export class GraphQLRequestError extends ArkitektError {
  override readonly name = "GraphQLRequestError";
  readonly code = "ARK_GRAPHQL_ERROR";
  /** The first error's path, e.g. `["assign"]`. */
  readonly path: ReadonlyArray<string | number> | undefined;
  /** The first error's extensions (error codes of the server). */
  readonly extensions: Record<string, unknown> | undefined;
  constructor(
    readonly operationName: string,
    /** Every error of the response, in order. */
    readonly errors: readonly GraphQLErrorEntry[],
  ) {
    const first = errors[0];
    const more = errors.length > 1 ? ` (and ${errors.length - 1} more)` : "";
    const at = first?.path && first.path.length > 0 ? ` at ${first.path.join(".")}` : "";
    super(`${operationName}${at}: ${first?.message ?? "unknown GraphQL error"}${more}`);
    this.path = first?.path;
    this.extensions = first?.extensions;
  }

  /** The server's own message for the first error, without the operation prefix. */
  get remoteMessage(): string {
    return this.errors[0]?.message ?? "";
  }
}

/** Thrown when the request did not get a GraphQL answer: network failure, non-JSON body, HTTP error, socket closed. */
export class GraphQLTransportError extends ArkitektError {
  override readonly name = "GraphQLTransportError";
  readonly code = "ARK_GRAPHQL_TRANSPORT";
  constructor(
    readonly operationName: string,
    message: string,
    /** HTTP status, or the WebSocket close code for subscriptions. */
    readonly status?: number,
    options?: { cause?: unknown },
  ) {
    super(`${operationName}: ${message}`, options);
  }
}
