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
import type { Logger } from "../../shared/logger.js";
import { resolvePlatformConfigNow, type PlatformConfig, type PlatformConfigInput, type TokenSource } from "../config.js";
import { resolvePlatformOrLogin, type LoggedInConfig, type PlatformLogin } from "../login.js";
import { ArkitektClient } from "./client.js";
import { graphqlPlatform } from "./graphql-platform.js";
import { lazyClient } from "./lazy-client.js";

export { ArkitektClient } from "./client.js";
export type { CallAdapter, CallOptions, CallTarget, ArkitektClientOptions } from "./client.js";
export { AssignError, PlatformLostError, TaskFailedError } from "./errors.js";
export type { RefusedPort } from "./errors.js";
export type { TaskFailureKind } from "./errors.js";
export type { CallerPlatform, AssignTarget, AssignRequest } from "./platform.js";
export { graphqlPlatform } from "./graphql-platform.js";
export { TaskEventRouter } from "./router.js";
export type { TaskEventData, TaskChangeData, TaskWatch } from "./router.js";

export interface ClientOptions extends PlatformLogin {
  /**
   * The platform's http base, e.g. `http://127.0.0.1:8080` (GraphQL at `/graphql`). Default: env
   * ARKITEKT_URL, else the dev server's token file (see `devTokenFile`). A deployment's URL without
   * a token (e.g. `https://lab.example.org`) is logged in to with fakts on first use (see `fakts`).
   */
  url?: string;
  /**
   * Bearer token; a function is asked per request and per reconnect (with `{rejected}` after a
   * refusal). Default: env ARKITEKT_TOKEN, else the dev server's token file, else a fakts login.
   */
  token?: TokenSource;
  /**
   * The dev server's `dev-token.json`, read (under Node) when neither the options nor the
   * environment give a token. Default `.arkitekt/dev/dev-token.json` under the working directory;
   * `false` never reads one.
   */
  devTokenFile?: string | false;
  /** Override the derived GraphQL endpoint. */
  graphqlUrl?: string;
  logger?: Logger;
  /** See `ArkitektClientOptions.platformLostMs` (default 30000). */
  platformLostMs?: number;
  /**
   * The S3 endpoint of the platform's media store (File, upload, download). Default env
   * ARKITEKT_S3_URL, else the dev-token file's `s3.endpoint` (for its own platform), else what
   * `GET <url>/.well-known/s3` announces.
   */
  s3Url?: string;
}

/**
 * A caller over the platform's GraphQL API. Close it when done (it holds one subscription socket).
 *
 * The URL and token come from the options, else ARKITEKT_URL / ARKITEKT_TOKEN (field by field),
 * else the dev server's token file (both or neither): src/runtime/config.ts. When the file has to
 * be read, that happens on the first call, which then rejects with `PlatformConfigError` if the
 * configuration is missing or partial; a malformed URL throws here. A call that cannot reach the
 * platform, or whose token it refuses, rejects with `AssignError` whose message and `hint` name the
 * URL or token and where it came from (option, ARKITEKT_URL/ARKITEKT_TOKEN, dev-token file).
 */
export function createClient(options: ClientOptions = {}): ArkitektClient {
  const input: PlatformConfigInput<TokenSource> = {
    url: options.url,
    token: options.token,
    ...(options.devTokenFile !== undefined ? { devTokenFile: options.devTokenFile } : {}),
  };
  const clientOptions = {
    ...(options.logger ? { logger: options.logger } : {}),
    ...(options.platformLostMs !== undefined ? { platformLostMs: options.platformLostMs } : {}),
  };
  const platformOf = (config: PlatformConfig<TokenSource> & Pick<LoggedInConfig, "fakts">) =>
    graphqlPlatform({
      graphqlUrl: options.graphqlUrl ?? platformEndpoints(config.url).graphqlUrl,
      token: config.token,
      config: { ...config, explicit: "option" },
      s3Url: options.s3Url ?? config.fakts?.s3Url,
      devTokenFile: options.devTokenFile,
      ...(options.logger ? { logger: options.logger } : {}),
    });
  const now = resolvePlatformConfigNow(input);
  if (now) return new ArkitektClient(platformOf(now), clientOptions);
  return lazyClient(async () => platformOf(await resolvePlatformOrLogin(input, { app: options.app, fakts: options.fakts })), clientOptions);
}
export { codecAdapter, StructureReference, referenceStructure } from "./adapter.js";
export type { CodecAdapterSpec } from "./adapter.js";
