/**
 * The caller: call functions hosted anywhere on the platform.
 *
 *   const client = createClient({ url, token });
 *   const sum = await client.call(hash, { a: 1, b: 2 });
 *   for await (const value of client.iterate(hash, { n: 3 })) ...
 *
 * Typed calls come from generated stubs (`generated/actions.ts`), which pass a `CallAdapter`.
 */
import { platformEndpoints } from "../transport/index.js";
import type { RuntimeLogger } from "../agent/logger.js";
import { ArkitektClient } from "./client.js";
import { graphqlPlatform } from "./graphql-platform.js";

export { ArkitektClient } from "./client.js";
export type { CallAdapter, CallOptions, CallTarget, ArkitektClientOptions } from "./client.js";
export { AssignError, PlatformLostError, TaskFailedError } from "./errors.js";
export type { TaskFailureKind } from "./errors.js";
export type { CallerPlatform, AssignTarget, AssignRequest } from "./platform.js";
export { graphqlPlatform } from "./graphql-platform.js";
export { TaskEventRouter } from "./router.js";
export type { TaskEventData, TaskChangeData, TaskWatch } from "./router.js";

export interface ClientOptions {
  /** The platform's http base, e.g. `http://127.0.0.1:8080` (GraphQL at `/graphql`). */
  url: string;
  /** Bearer token; a function is asked per request and per reconnect. */
  token: string | (() => string | Promise<string>);
  /** Override the derived GraphQL endpoint. */
  graphqlUrl?: string;
  logger?: RuntimeLogger;
  /** See `ArkitektClientOptions.platformLostMs` (default 30000). */
  platformLostMs?: number;
}

/** A caller over the platform's GraphQL API. Close it when done (it holds one subscription socket). */
export function createClient(options: ClientOptions): ArkitektClient {
  const graphqlUrl = options.graphqlUrl ?? platformEndpoints(options.url).graphqlUrl;
  const platform = graphqlPlatform({
    graphqlUrl,
    token: options.token,
    ...(options.logger ? { logger: options.logger } : {}),
  });
  return new ArkitektClient(platform, {
    ...(options.logger ? { logger: options.logger } : {}),
    ...(options.platformLostMs !== undefined ? { platformLostMs: options.platformLostMs } : {}),
  });
}
export { codecAdapter, StructureReference, referenceStructure } from "./adapter.js";
export type { CodecAdapterSpec } from "./adapter.js";
