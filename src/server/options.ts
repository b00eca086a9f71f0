/**
 * Public options of the embedded server with their documented defaults, and their compiled form
 * (everything filled in) that the rest of the server uses.
 */
import type { Logger } from "../shared/logger.js";
import { silentLogger } from "../shared/logger.js";
import { ArkitektError } from "../shared/errors.js";
import { compileFaktsOptions, type CompiledFaktsOptions, type FaktsOptions } from "./fakts/options.js";
import { compileMemoryOptions, type CompiledMemoryOptions, type MemoryOptions } from "./areas/memory/options.js";
import { compileDependencyOptions, type CompiledDependencyOptions, type DependencyOptions } from "./areas/dependencies/options.js";
import { compileStateOptions, type StateOptions } from "./areas/state/options.js";

/**
 * Claims of a static token, as the platform's JWTs carry them. Missing claims take the platform's
 * dev defaults (docs/spec/wire-protocol.md, Authentication).
 */
export interface TokenClaims {
  sub?: string;
  iss?: string;
  client_id?: string;
  preferred_username?: string;
  /** Organisation slug (authentikate ≤3). */
  active_org?: string;
  /** Organisation slug (authentikate ≥4). */
  org?: string;
  client_app?: string;
  client_release?: string;
  client_device?: string;
  roles?: string[];
  scope?: string;
}

export interface ServerOptions extends FaktsOptions, MemoryOptions, DependencyOptions, StateOptions {
  /** Interface to bind. Default `127.0.0.1`. */
  host?: string;
  /** Port; `0` picks a free one. Default `0`. */
  port?: number;
  /** Folder for the SQLite file (`rekuest.sqlite3`) and `dev-token.json`. Created if missing. Required. */
  dataDir: string;
  /** Static token map (token -> claims). Absent: a dev identity is created and written to `<dataDir>/dev-token.json`. */
  tokens?: Record<string, TokenClaims>;
  /**
   * The app the dev identity stands for (only without `tokens`): its `client_app` and
   * `client_release` claims, so the actions its agent registers are `identifier/key`. `run dev`
   * passes the app's `arkitekt.json` identifier and version. Default
   * `{identifier: "arkitekt-next-dev", version: "0.1.0"}`.
   */
  devApp?: { identifier: string; version: string };
  /** How often a HEARTBEAT is sent to each agent. Default 10000 ms. */
  heartbeatIntervalMs?: number;
  /** How long an agent has to answer a HEARTBEAT before the socket closes 3001. Default 5000 ms. */
  heartbeatTimeoutMs?: number;
  /** An agent whose last heartbeat answer is older than this is not live. Default 30000 ms. */
  staleAfterMs?: number;
  /** After an agent disconnects, how long its in-flight tasks wait for it to come back. Default 30000 ms. */
  graceMs?: number;
  /** Largest accepted WebSocket frame; larger closes 1009. Default 16 MiB. */
  maxFrameBytes?: number;
  /** Maximum nesting of JSON in agent frames. Default 64. */
  maxJsonDepth?: number;
  /** Maximum depth of a GraphQL operation. Default 15. */
  maxGraphqlDepth?: number;
  /**
   * Deepest nesting of an operation's variables (objects and arrays, the variables object is level 1),
   * checked on every transport before graphql-js coerces them. Default `2 * maxJsonDepth + 16` (144):
   * a port tree nests two levels per port level (`children: [ ... ]`).
   */
  maxVariablesDepth?: number;
  /** Largest accepted GraphQL HTTP body, counted on the bytes read (chunked bodies too); larger answers 413. Default 16 MiB. */
  maxGraphqlBytes?: number;
  /** Largest GraphQL document (the query text), checked before parsing. Default 100 000 bytes. */
  maxGraphqlDocumentBytes?: number;
  /** Most tokens the GraphQL parser reads from one document (graphql's `maxTokens`). Default 10 000. */
  maxGraphqlTokens?: number;
  /** Deepest nesting of brackets (`{`, `(`, `[`) in a GraphQL document, checked before parsing. Default 64. */
  maxGraphqlNesting?: number;
  /** Bytes of query text the shared parse cache (HTTP and both WebSocket protocols) keeps. Default 8 MiB. */
  documentCacheBytes?: number;
  /**
   * A socket whose unsent data exceeds this many bytes when the server sends another frame is closed
   * 1013 (its reader fell behind), on `/agi` and both GraphQL subprotocols. Default 32 MiB.
   */
  maxBufferedBytes?: number;
  /**
   * Time a new socket has to authenticate: REGISTER on `/agi`, `connection_init` on both GraphQL
   * subprotocols; then it is closed 4408. Default 10000 ms.
   */
  authTimeoutMs?: number;
  /** Interval of keep-alives on GraphQL sockets (`ka` frames and WebSocket pings; a ping unanswered for one interval drops the socket). Default 12000 ms. */
  keepAliveMs?: number;
  /** Operations (subscriptions and running queries) one GraphQL socket may have open at once. Default 100. */
  maxSubscriptionsPerConnection?: number;
  /** Operations one identity may have open at once over all its GraphQL sockets. Default 500. */
  maxSubscriptionsPerIdentity?: number;
  /**
   * Browser origins (scheme://host:port) allowed to open WebSockets and make CORS requests, besides the
   * server's own origin (its UI), which is always allowed. Requests without an `Origin` header (non-browser
   * clients) are not affected. A foreign origin's WebSocket upgrade (`/graphql`, both subprotocols, and
   * `/agi`) is answered 403, its HTTP `/graphql` request (preflight included) 403 without CORS headers.
   * Default none. The server's own origin: bound to loopback, `http://127.0.0.1:<port>`,
   * `http://localhost:<port>` and `http://[::1]:<port>`; bound to another interface, also the origin of
   * the host the request was sent to (`Host`).
   */
  allowedOrigins?: string[];
  /** Leveled logger; silent by default. */
  logger?: Logger;
  // GraphQL read limits and the mytasks replay (issue 9 #13, issue 10 #8) ---------------------
  /** Items a list field returns when its `pagination.limit` is absent. Default 100 (`Agent.implementations` and `Task.events`: `maxPageSize`). */
  defaultPageSize?: number;
  /** Largest `pagination.limit` a list field accepts; larger is refused. Default 1000. */
  maxPageSize?: number;
  /** Most values one answer may hold: a query or mutation is counted as it runs (each field once per object it is selected on), a subscription estimated from its document (a list counts its page). Default 200000. */
  maxQueryCost?: number;
  /** A new `mytasks` subscription first replays the subscriber's tasks and events of this many last milliseconds; 0 turns replay off. Default 10000. */
  replayWindowMs?: number;
  /** At most this many events are replayed to a new `mytasks` subscription (the newest). Default 10000. */
  maxReplayEvents?: number;
  // The media store (issue 14) ------------------------------------------------------------------
  /**
   * Largest object one media upload may store (`MediaUploadGrant.maxBytes` when the request gives no
   * `fileSize`; a larger `fileSize` is refused). Enforced on the bytes received: the declared length,
   * the streamed count, and a multipart upload's total. Default 2 GiB.
   */
  maxMediaBytes?: number;
  /** Lifetime of the temporary S3 credentials of an upload or access grant (and of a presigned URL), in seconds, at most 604800. Default 3600. */
  mediaGrantSeconds?: number;
  /** Name of the one S3 bucket the embedded server serves at its root (`{url}/{bucket}/{key}`). Default `media`. */
  mediaBucket?: string;
  // Stored workspace and spaces rows (issue 15) ---------------------------------------------------
  /** Longest name, key, role or catalog name a stored row of the platform API accepts, in characters. Default 1000. */
  maxNameChars?: number;
  /** Longest description (or other free text) a stored row of the platform API accepts, in characters. Default 10000. */
  maxDescriptionChars?: number;
}

export interface CompiledOptions extends CompiledFaktsOptions, CompiledMemoryOptions, CompiledDependencyOptions, Required<StateOptions> {
  host: string;
  port: number;
  dataDir: string;
  tokens: Record<string, TokenClaims> | undefined;
  devApp: { identifier: string; version: string } | undefined;
  heartbeatIntervalMs: number;
  heartbeatTimeoutMs: number;
  staleAfterMs: number;
  graceMs: number;
  maxFrameBytes: number;
  maxJsonDepth: number;
  maxGraphqlDepth: number;
  maxVariablesDepth: number;
  maxGraphqlBytes: number;
  maxGraphqlDocumentBytes: number;
  maxGraphqlTokens: number;
  maxGraphqlNesting: number;
  documentCacheBytes: number;
  maxBufferedBytes: number;
  authTimeoutMs: number;
  keepAliveMs: number;
  maxSubscriptionsPerConnection: number;
  maxSubscriptionsPerIdentity: number;
  allowedOrigins: string[];
  logger: Logger;
  defaultPageSize: number;
  maxPageSize: number;
  maxQueryCost: number;
  replayWindowMs: number;
  maxReplayEvents: number;
  maxMediaBytes: number;
  mediaGrantSeconds: number;
  mediaBucket: string;
  maxNameChars: number;
  maxDescriptionChars: number;
}

export const DEFAULTS = {
  host: "127.0.0.1",
  port: 0,
  heartbeatIntervalMs: 10_000,
  heartbeatTimeoutMs: 5_000,
  staleAfterMs: 30_000,
  graceMs: 30_000,
  maxFrameBytes: 16 * 1024 * 1024,
  maxJsonDepth: 64,
  maxGraphqlDepth: 15,
  maxGraphqlBytes: 16 * 1024 * 1024,
  defaultPageSize: 100,
  maxPageSize: 1000,
  maxQueryCost: 200_000,
  replayWindowMs: 10_000,
  maxReplayEvents: 10_000,
  maxGraphqlDocumentBytes: 100_000,
  maxGraphqlTokens: 10_000,
  maxGraphqlNesting: 64,
  documentCacheBytes: 8 * 1024 * 1024,
  maxBufferedBytes: 32 * 1024 * 1024,
  authTimeoutMs: 10_000,
  keepAliveMs: 12_000,
  maxSubscriptionsPerConnection: 100,
  maxSubscriptionsPerIdentity: 500,
  maxMediaBytes: 2 * 1024 * 1024 * 1024,
  mediaGrantSeconds: 3600,
  mediaBucket: "media",
  maxNameChars: 1000,
  maxDescriptionChars: 10_000,
} as const;

export { ALLOW_ORIGINS_ENV } from "../shared/origins.js";

/** Thrown for options that cannot work; `hint` says what to do. */
export class ServerStartError extends ArkitektError {
  override readonly name = "ServerStartError";
  constructor(
    message: string,
    override readonly hint: string,
    readonly code: string,
  ) {
    super(message);
  }
}

function positiveInteger(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value <= 0) {
    throw new ServerStartError(`${name} must be a positive integer, got ${String(value)}`, `pass ${name} >= 1 (or leave it out for the default ${fallback})`, "ARKITEKT_SERVER_BAD_OPTION");
  }
  return value;
}

/** `scheme://host[:port]` as browsers send it in `Origin` (no path, no trailing slash). */
function normaliseOrigin(origin: string): string {
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    throw new ServerStartError(`allowedOrigins: "${origin}" is not an origin`, "give origins as scheme://host:port, e.g. http://localhost:5173", "ARKITEKT_SERVER_BAD_OPTION");
  }
  if (origin === "*" || url.origin === "null") {
    throw new ServerStartError(`allowedOrigins: "${origin}" is not an origin`, "list each origin (scheme://host:port); a wildcard is not accepted", "ARKITEKT_SERVER_BAD_OPTION");
  }
  return url.origin;
}

function nonNegative(name: string, value: number | undefined, fallback: number, unit = "milliseconds"): number {
  if (value === undefined) return fallback;
  if (!Number.isFinite(value) || value < 0) {
    throw new ServerStartError(`${name} must be a non-negative number of ${unit}, got ${String(value)}`, `pass ${name} >= 0`, "ARKITEKT_SERVER_BAD_OPTION");
  }
  return value;
}

export function compileOptions(options: ServerOptions): CompiledOptions {
  if (!options || typeof options.dataDir !== "string" || options.dataDir === "") {
    throw new ServerStartError("startServer needs a dataDir", "pass { dataDir: <folder> } (tests: a temporary folder)", "ARKITEKT_SERVER_BAD_OPTION");
  }
  const port = options.port ?? DEFAULTS.port;
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new ServerStartError(`port must be an integer 0..65535, got ${String(port)}`, "use --port 0 for a free port", "ARKITEKT_SERVER_BAD_OPTION");
  }
  return {
    host: options.host ?? DEFAULTS.host,
    port,
    dataDir: options.dataDir,
    tokens: options.tokens,
    devApp: compileDevApp(options.devApp),
    heartbeatIntervalMs: nonNegative("heartbeatIntervalMs", options.heartbeatIntervalMs, DEFAULTS.heartbeatIntervalMs),
    heartbeatTimeoutMs: nonNegative("heartbeatTimeoutMs", options.heartbeatTimeoutMs, DEFAULTS.heartbeatTimeoutMs),
    staleAfterMs: nonNegative("staleAfterMs", options.staleAfterMs, DEFAULTS.staleAfterMs),
    graceMs: nonNegative("graceMs", options.graceMs, DEFAULTS.graceMs),
    maxFrameBytes: options.maxFrameBytes ?? DEFAULTS.maxFrameBytes,
    maxJsonDepth: options.maxJsonDepth ?? DEFAULTS.maxJsonDepth,
    maxGraphqlDepth: options.maxGraphqlDepth ?? DEFAULTS.maxGraphqlDepth,
    maxVariablesDepth: positiveInteger("maxVariablesDepth", options.maxVariablesDepth, 2 * (options.maxJsonDepth ?? DEFAULTS.maxJsonDepth) + 16),
    maxGraphqlBytes: options.maxGraphqlBytes ?? DEFAULTS.maxGraphqlBytes,
    maxGraphqlDocumentBytes: positiveInteger("maxGraphqlDocumentBytes", options.maxGraphqlDocumentBytes, DEFAULTS.maxGraphqlDocumentBytes),
    maxGraphqlTokens: positiveInteger("maxGraphqlTokens", options.maxGraphqlTokens, DEFAULTS.maxGraphqlTokens),
    maxGraphqlNesting: positiveInteger("maxGraphqlNesting", options.maxGraphqlNesting, DEFAULTS.maxGraphqlNesting),
    documentCacheBytes: nonNegative("documentCacheBytes", options.documentCacheBytes, DEFAULTS.documentCacheBytes, "bytes"),
    maxBufferedBytes: positiveInteger("maxBufferedBytes", options.maxBufferedBytes, DEFAULTS.maxBufferedBytes),
    authTimeoutMs: nonNegative("authTimeoutMs", options.authTimeoutMs, DEFAULTS.authTimeoutMs),
    keepAliveMs: nonNegative("keepAliveMs", options.keepAliveMs, DEFAULTS.keepAliveMs),
    maxSubscriptionsPerConnection: positiveInteger("maxSubscriptionsPerConnection", options.maxSubscriptionsPerConnection, DEFAULTS.maxSubscriptionsPerConnection),
    maxSubscriptionsPerIdentity: positiveInteger("maxSubscriptionsPerIdentity", options.maxSubscriptionsPerIdentity, DEFAULTS.maxSubscriptionsPerIdentity),
    allowedOrigins: (options.allowedOrigins ?? []).map(normaliseOrigin),
    logger: options.logger ?? silentLogger,
    ...compileReadLimits(options),
    ...compileMediaOptions(options),
    ...compileFaktsOptions(options, positiveInteger),
    ...compileMemoryOptions(options),
    ...compileDependencyOptions(options),
    ...compileStateOptions(options),
    maxNameChars: positiveInteger("maxNameChars", options.maxNameChars, DEFAULTS.maxNameChars),
    maxDescriptionChars: positiveInteger("maxDescriptionChars", options.maxDescriptionChars, DEFAULTS.maxDescriptionChars),
  };
}

/** Names the S3 bucket may not take: they are the server's own paths. */
const RESERVED_BUCKETS = new Set(["graphql", "agi", "ui", "ht", "schema", "api", "index.html", "lok", "configure", "device"]);

function compileMediaOptions(options: ServerOptions): Pick<CompiledOptions, "maxMediaBytes" | "mediaGrantSeconds" | "mediaBucket"> {
  const bucket = options.mediaBucket ?? DEFAULTS.mediaBucket;
  // S3's bucket naming rules (lower case, digits, dots, hyphens; 3..63), minus the server's own paths
  if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucket) || RESERVED_BUCKETS.has(bucket)) {
    throw new ServerStartError(
      `mediaBucket "${bucket}" is not a usable bucket name`,
      `use 3..63 lower-case letters, digits, dots or hyphens, not one of the server's paths (${[...RESERVED_BUCKETS].join(", ")}); the default is "${DEFAULTS.mediaBucket}"`,
      "ARKITEKT_SERVER_BAD_OPTION",
    );
  }
  const mediaGrantSeconds = positiveInteger("mediaGrantSeconds", options.mediaGrantSeconds, DEFAULTS.mediaGrantSeconds);
  // the longest a SigV4 presigned URL may live
  if (mediaGrantSeconds > 604_800) {
    throw new ServerStartError(`mediaGrantSeconds ${mediaGrantSeconds} is over 604800 (seven days, the longest SigV4 allows)`, "pass mediaGrantSeconds <= 604800", "ARKITEKT_SERVER_BAD_OPTION");
  }
  return {
    maxMediaBytes: positiveInteger("maxMediaBytes", options.maxMediaBytes, DEFAULTS.maxMediaBytes),
    mediaGrantSeconds,
    mediaBucket: bucket,
  };
}

function compileDevApp(app: ServerOptions["devApp"]): CompiledOptions["devApp"] {
  if (app === undefined) return undefined;
  for (const field of ["identifier", "version"] as const) {
    const value = (app as Record<string, unknown> | null)?.[field];
    if (typeof value !== "string" || value.trim() === "") {
      throw new ServerStartError(`devApp.${field} must be a non-empty string, got ${JSON.stringify(value)}`, 'pass devApp as {identifier: "com.example.app", version: "0.1.0"} (arkitekt.json\'s fields)', "ARKITEKT_SERVER_BAD_OPTION");
    }
  }
  return { identifier: app.identifier, version: app.version };
}

/** The GraphQL read limits and the mytasks replay window, checked. */
function compileReadLimits(options: ServerOptions): Pick<CompiledOptions, "defaultPageSize" | "maxPageSize" | "maxQueryCost" | "replayWindowMs" | "maxReplayEvents"> {
  const maxPageSize = positiveInteger("maxPageSize", options.maxPageSize, DEFAULTS.maxPageSize);
  const defaultPageSize = positiveInteger("defaultPageSize", options.defaultPageSize, Math.min(DEFAULTS.defaultPageSize, maxPageSize));
  if (defaultPageSize > maxPageSize) {
    throw new ServerStartError(`defaultPageSize ${defaultPageSize} is over maxPageSize ${maxPageSize}`, "pass defaultPageSize <= maxPageSize", "ARKITEKT_SERVER_BAD_OPTION");
  }
  return {
    defaultPageSize,
    maxPageSize,
    maxQueryCost: positiveInteger("maxQueryCost", options.maxQueryCost, DEFAULTS.maxQueryCost),
    replayWindowMs: nonNegative("replayWindowMs", options.replayWindowMs, DEFAULTS.replayWindowMs),
    maxReplayEvents: positiveInteger("maxReplayEvents", options.maxReplayEvents, DEFAULTS.maxReplayEvents),
  };
}
