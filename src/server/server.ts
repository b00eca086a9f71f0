/**
 * Assembles the embedded platform: one node http server; ws upgrades routed by path
 * (`/agi` agent socket; `/graphql` graphql-transport-ws or legacy graphql-ws by subprotocol).
 */
import { accessSync, chmodSync, constants as fsConstants, existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { Duplex } from "node:stream";
import type { DefinitionNode, ExecutionArgs, ExecutionResult, GraphQLError as GraphQLErrorType, GraphQLSchema } from "graphql";
import type { Context, SubscribePayload } from "graphql-ws";
import { graphql } from "./graphql/graphql-module.js";
import { useServer } from "graphql-ws/use/ws";
import { createYoga, type Plugin } from "graphql-yoga";
import { WebSocketServer, type WebSocket } from "ws";
import { AgentSocketServer } from "./agent-socket.js";
import { serveUi } from "./ui.js";
import { coalesceWrites, flushAfterCommit } from "./cork.js";
import { DEFAULT_DEV_APP, TokenAuthority, ensureDevToken, tokenFromHeader, writeDevToken, type Identity } from "./auth.js";
import { serveLegacyGraphqlWs, LEGACY_PROTOCOL } from "./graphql/legacy-ws.js";
import { createDocumentCache } from "./graphql/document-cache.js";
import { OperationBudget, depthLimitRule } from "./graphql/limits.js";
import { queryCostRule } from "./graphql/pages.js";
import { executeWithinCost } from "./graphql/cost.js";
import { createJitExecutor } from "./graphql/jit.js";
import { createDirectHttp } from "./graphql/http-direct.js";
import { stringifyWithRawJson } from "./graphql/raw-json.js";
import { variablesRefusal } from "./graphql/variables.js";
import { buildServerSchema, type GraphqlContext } from "./graphql/schema.js";
import { ALLOW_ORIGINS_ENV, ServerStartError, compileOptions, type ServerOptions, type TokenClaims } from "./options.js";
import { Platform } from "./platform.js";
import { guardSends } from "./socket-guard.js";
import { openStore } from "./store/open.js";
import { MediaService } from "./media/service.js";
import { S3Endpoint } from "./media/s3.js";
import { PRESIGN_PATH, WELL_KNOWN_S3, servePresign, serveWellKnownS3, type MediaRouteContext } from "./media/http.js";
import { FaktsService } from "./fakts/service.js";
import { serveFakts, type FaktsRouteContext } from "./fakts/http.js";
import { REDEEM_TOKEN_FILE, writeRedeemToken } from "./fakts/redeem-file.js";
import { CloseCode } from "../protocol/index.js";
import { signInUrl } from "../shared/sign-in.js";

const { GraphQLError, Kind, printSchema, specifiedRules } = graphql;

/** Distinct refused origins that get a log line; later ones are refused silently. */
const MAX_LOGGED_ORIGINS = 100;

/** Expired media grants are removed at start once they are this old (the garbage collector removes all expired ones). */
const EXPIRED_GRANT_KEEP_MS = 24 * 3600 * 1000;

/** How long `close()` waits for sockets to take their 1012 close before dropping them. */
const SHUTDOWN_CLOSE_WAIT_MS = 1_000;

export interface ServerHandle {
  /** http base, e.g. `http://127.0.0.1:53211` */
  url: string;
  graphqlUrl: string;
  graphqlWsUrl: string;
  agiUrl: string;
  port: number;
  /** The dev identity's token, when the server made one (no `tokens` option). */
  devToken?: string;
  /**
   * With a dev token: the UI's one-click sign-in link, `<url>/#token=<devToken>` (see shared/sign-in.ts;
   * the fragment never reaches the server or its log).
   */
  signInUrl?: string;
  /** With a dev identity: the fakts redeem token (`/f/redeem/`), also in `<dataDir>/redeem-token.json`. */
  redeemToken?: string;
  /**
   * The approval links (`<url>/configure/<code>?key=<key>`) of the device codes waiting for a click
   * now, oldest first; each is also logged (info) when its code starts.
   */
  approvalLinks(): string[];
  /** The app the dev identity stands for (its `client_app` and `client_release`), when the server made one. */
  devApp?: { identifier: string; version: string };
  /** Closes every socket with 1012 (service restart, so clients reconnect), stops timers and flushes the store. */
  close(): Promise<void>;
}

/**
 * Yoga serialises each result with its `stringify`: ours expands the stored JSON text of `RawJson`
 * values (a FLOAT return's `2.0`, issue 10 #3), for every result processor (JSON, multipart, SSE).
 */
type ResultProcessorInput = Parameters<NonNullable<Plugin["onResultProcess"]>>[0]["result"];
function withRawJson(result: ResultProcessorInput): ResultProcessorInput {
  if (Array.isArray(result)) return result.map((r) => ({ ...r, stringify: stringifyWithRawJson }));
  if (Symbol.asyncIterator in result) {
    const source = result;
    return (async function* () {
      for await (const r of source) yield { ...r, stringify: stringifyWithRawJson };
    })();
  }
  return { ...result, stringify: stringifyWithRawJson };
}

let cachedSchema: GraphQLSchema | null = null;
/** The schema is the same for every server in a process; build it once. */
function serverSchema(): GraphQLSchema {
  cachedSchema ??= buildServerSchema();
  return cachedSchema;
}

function pathOf(url: string | undefined): string {
  const raw = url ?? "/";
  const q = raw.indexOf("?");
  return q === -1 ? raw : raw.slice(0, q);
}

const LOOPBACK_HOST = /^(127\.\d+\.\d+\.\d+|localhost|::1|\[::1\])$/;

/**
 * Origins of the server itself (the UI it serves), under every name a loopback server is reached by:
 * `127.0.0.1`, `localhost` and `[::1]` are one machine, so a page of any of them may use the others.
 */
function ownOrigins(host: string, port: number): string[] {
  const names = new Set<string>([host.includes(":") ? `[${host}]` : host]);
  if (LOOPBACK_HOST.test(host) || host === "0.0.0.0" || host === "::") for (const name of ["127.0.0.1", "localhost", "[::1]"]) names.add(name);
  return [...names].filter((n) => n !== "0.0.0.0" && n !== "[::]").map((n) => `http://${n}:${port}`);
}

/** An origin as it goes into a log line: quoted, and cut (a header can be kilobytes long). */
function originForLog(origin: string): string {
  return JSON.stringify(origin.length > 200 ? `${origin.slice(0, 200)}...` : origin);
}

/** Reads a request body, counting the bytes read (a chunked body has no length to check in advance). */
function readBody(req: IncomingMessage, limit: number): Promise<Buffer | "too large"> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        req.off("data", onData);
        req.off("end", onEnd);
        chunks.length = 0;
        resolve("too large");
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => resolve(Buffer.concat(chunks, size));
    req.on("data", onData);
    req.once("end", onEnd);
    req.once("error", reject);
  });
}

/** Resolves once every socket has closed, or after `ms`. */
function closedOrTimeout(sockets: readonly WebSocket[], ms: number): Promise<void> {
  const open = sockets.filter((ws) => ws.readyState !== ws.CLOSED);
  if (open.length === 0) return Promise.resolve();
  return new Promise((resolve) => {
    let left = open.length;
    const timer = setTimeout(resolve, ms);
    for (const ws of open) {
      ws.once("close", () => {
        left -= 1;
        if (left === 0) {
          clearTimeout(timer);
          resolve();
        }
      });
    }
  });
}

export async function startServer(input: ServerOptions): Promise<ServerHandle> {
  const options = compileOptions(input);
  const log = options.logger;

  try {
    mkdirSync(options.dataDir, { recursive: true, mode: 0o700 });
    accessSync(options.dataDir, fsConstants.W_OK);
    // the store holds client secrets and claim tokens, media objects a user's data: only its owner
    // may enter the folder (an existing folder is tightened too; review)
    if (process.platform !== "win32") chmodSync(options.dataDir, 0o700);
    // The store and the dev token must never be committed by accident.
    const ignore = join(options.dataDir, ".gitignore");
    if (!existsSync(ignore)) writeFileSync(ignore, "# written by arkitekt-next server: its store and dev token stay out of git\n*\n");
  } catch (error) {
    throw new ServerStartError(
      `data folder ${options.dataDir} is not writable: ${(error as Error).message}`,
      "pass --data with a folder you can write to",
      "ARKITEKT_SERVER_DATA_DIR",
    );
  }

  let tokens: Record<string, TokenClaims>;
  let devToken: string | undefined;
  if (options.tokens) {
    if (typeof options.tokens !== "object" || Array.isArray(options.tokens) || Object.keys(options.tokens).length === 0) {
      throw new ServerStartError("the token map is empty or not an object", 'give a JSON object {"<token>": {"sub": ..., "client_id": ...}}', "ARKITEKT_SERVER_TOKENS");
    }
    tokens = options.tokens;
  } else {
    const dev = ensureDevToken(options.dataDir, null, options.devApp);
    devToken = dev.token;
    tokens = { [dev.token]: dev.claims };
  }
  const auth = new TokenAuthority(tokens);

  const store = openStore(options.dataDir, "another arkitekt-next server is using this data folder: stop it, or pass another --data");
  const platform = new Platform(store, options, log);
  store.onCommitQueued(flushAfterCommit);
  platform.start();
  // the media store (issue 14): S3 at the root, path-style, for the one bucket
  const media = new MediaService(store, options, log);
  platform.media = media;
  await media.files.clearTemp();
  // grants expired over a day ago are only rows (a recent one still answers ExpiredToken rather than InvalidAccessKeyId)
  media.records.deleteExpiredGrants(Date.now() - EXPIRED_GRANT_KEEP_MS);
  const s3 = new S3Endpoint(media);
  // fakts (issue 17): apps approved for the dev identity get their own clients and access tokens
  const fakts = new FaktsService(store, options, devToken ? tokens[devToken] : undefined, log);
  fakts.sweep(Date.now() - EXPIRED_GRANT_KEEP_MS);
  const redeemToken = fakts.devRedeemToken();
  auth.addIssuer((token) => fakts.authenticate(token));

  const schema = serverSchema();
  const depthRule = depthLimitRule(options.maxGraphqlDepth);
  const costRule = queryCostRule(options);
  const rules = [...specifiedRules, depthRule, costRule];
  const sdl = printSchema(schema);
  // every transport runs the operations compiled, once per document
  const executor = createJitExecutor(schema);
  // one parse cache for HTTP and both WebSocket protocols, bounded by bytes; only authenticated
  // requests reach it, and documents are checked against the size, nesting and token limits first
  const documents = createDocumentCache(rules, {
    maxBytes: options.maxGraphqlDocumentBytes,
    maxNesting: options.maxGraphqlNesting,
    maxTokens: options.maxGraphqlTokens,
    maxCacheBytes: options.documentCacheBytes,
  });
  const budget = new OperationBudget(options.maxSubscriptionsPerConnection, options.maxSubscriptionsPerIdentity);
  // filled once the port is known: the server's own origins, and the configured ones
  const allowedOrigins = new Set<string>(options.allowedOrigins);
  // Bound to loopback, only the loopback names count as the server's own: a page of another name whose
  // DNS answers 127.0.0.1 (DNS rebinding) has a foreign origin. Bound to another interface (a LAN, 0.0.0.0),
  // the server is reached by names it cannot list (its host name, a LAN address): a page is its own when its
  // origin is the host the request was sent to.
  const originMayMatchHost = !LOOPBACK_HOST.test(options.host);
  /** No Origin (CLIs, agents, the Python client): allowed; a browser's: the server's own, or configured. */
  const originAllowed = (origin: string | undefined, host: string | undefined): boolean =>
    origin === undefined || allowedOrigins.has(origin) || (originMayMatchHost && host !== undefined && origin === `http://${host.toLowerCase()}`);
  /** Each refused origin is logged once (a page retrying in a loop must not flood the log), up to a bound. */
  const loggedOrigins = new Set<string>();
  const logRefusedOrigin = (origin: string, what: string): void => {
    if (loggedOrigins.has(origin) || loggedOrigins.size >= MAX_LOGGED_ORIGINS) return;
    loggedOrigins.add(origin);
    log.warn(
      `refused ${what} from the browser origin ${originForLog(origin)}: only the server's own origin (${url}) and allowedOrigins may use it; to allow that page, pass --allow-origin ${originForLog(origin)} (server option allowedOrigins, env ${ALLOW_ORIGINS_ENV})`,
    );
  };

  const contextFor = (identity: Identity | null, signal?: AbortSignal): GraphqlContext => ({ identity, ...(identity ? { me: identity } : {}), platform, ...(signal ? { signal } : {}) });
  const yoga = createYoga<{ req: IncomingMessage; res: ServerResponse }, GraphqlContext>({
    schema,
    graphqlEndpoint: "/graphql",
    graphiql: false,
    landingPage: false,
    logging: false,
    // our shared cache instead (yoga's is bounded by entries, not bytes)
    parserAndValidationCache: false,
    // only origins that passed the allow-list reach yoga (see the http handler): answer them, never "*"
    cors: (request) => {
      const origin = request.headers.get("origin");
      return origin ? { origin, credentials: true, methods: ["GET", "POST", "OPTIONS"], allowedHeaders: ["authorization", "x-authorization", "content-type", "accept"] } : false;
    },
    context: ({ request }) =>
      contextFor(auth.authenticate(tokenFromHeader(request.headers.get("authorization") ?? request.headers.get("x-authorization"))) ?? null, request.signal),
    plugins: [
      ({
        onParams({ params, setResult }) {
          // before graphql-js coerces them (recursively): a deep value must not overflow the stack
          const refusal = variablesRefusal(params.variables, options.maxVariablesDepth);
          if (refusal) setResult({ errors: [refusal] });
        },
        onExecute({ args, setExecuteFn, setResultAndStopExecution }) {
          // a result the direct path computed already (http-direct.ts): answered as is, never run twice
          const precomputed = (args.contextValue as { precomputed?: ExecutionResult }).precomputed;
          if (precomputed) {
            setResultAndStopExecution(precomputed);
            return;
          }
          // compiled (jit.ts); queries and mutations answer at most maxQueryCost values (cost.ts)
          setExecuteFn((args) => executeWithinCost(args, executor.execute));
        },
        onResultProcess({ result, setResult }) {
          setResult(withRawJson(result));
        },
        onParse({ params, setParsedDocument }) {
          setParsedDocument(documents.parse(typeof params.source === "string" ? params.source : params.source.body));
        },
        onValidate({ params, setResult }) {
          const errors = documents.validate(params.schema, params.documentAST);
          const subscription = params.documentAST.definitions.some((d: DefinitionNode) => d.kind === Kind.OPERATION_DEFINITION && d.operation === "subscription");
          if (errors.length === 0 && subscription) {
            // no subscriptions over HTTP (SSE): a stalled stream would buffer in the hub; WebSockets are bounded
            setResult([new GraphQLError("subscriptions are served over WebSocket on /graphql (graphql-transport-ws or graphql-ws), not over HTTP")]);
            return;
          }
          setResult([...errors]);
        },
      }) satisfies Plugin,
    ],
  });

  // the plain POST of a non-browser client, answered without yoga (http-direct.ts)
  const direct = createDirectHttp({ schema, documents, executor, maxVariablesDepth: options.maxVariablesDepth, contextFor: (identity) => contextFor(identity) });

  const agentSockets = new AgentSocketServer({ platform, auth, options, log });
  // UTF-8 is checked by the agent socket itself, so invalid text closes 3002 as the protocol says (ws would close 1007)
  const agiWss = new WebSocketServer({ noServer: true, maxPayload: options.maxFrameBytes, skipUTF8Validation: true });
  const gqlWss = new WebSocketServer({ noServer: true, maxPayload: options.maxFrameBytes });
  const legacyWss = new WebSocketServer({ noServer: true, maxPayload: options.maxFrameBytes, handleProtocols: () => LEGACY_PROTOCOL });

  const authenticatePayload = (payload: unknown): Identity | null => {
    if (!payload || typeof payload !== "object") return null;
    const p = payload as Record<string, unknown>;
    const token = typeof p.token === "string" ? p.token : tokenFromHeader(typeof p.Authorization === "string" ? p.Authorization : typeof p.authorization === "string" ? p.authorization : null);
    return auth.authenticate(token) ?? null;
  };

  for (const wss of [agiWss, gqlWss, legacyWss]) wss.on("connection", (ws) => coalesceWrites(ws));
  // before graphql-ws' own connection listener, so its sends are bounded from the first frame
  gqlWss.on("connection", (ws) => guardSends(ws, { maxBufferedBytes: options.maxBufferedBytes, log, label: "graphql-transport-ws socket" }));
  type TransportExtra = { identity?: Identity; leaveBudget?: () => void };
  /**
   * graphql-transport-ws admission: authenticated (graphql-ws refuses a subscribe before the ack), then
   * capped, then parsed within the limits: a bad document is a GraphQL error on that operation, never a closed socket.
   */
  const admit = (ctx: Context<Record<string, unknown> | undefined, TransportExtra>, payload: SubscribePayload): ExecutionArgs | readonly GraphQLErrorType[] => {
    const identity = ctx.extra.identity;
    if (!identity) return [new GraphQLError("connection_init with a valid token is required first")];
    const refusal = budget.refusal(identity.key, () => Object.keys(ctx.subscriptions).length);
    if (refusal) return [refusal];
    const deep = variablesRefusal(payload.variables, options.maxVariablesDepth);
    if (deep) return [deep];
    let document;
    try {
      document = documents.parse(payload.query);
    } catch (error) {
      return [error instanceof GraphQLError ? error : new GraphQLError("the document could not be parsed")];
    }
    const errors = documents.validate(schema, document);
    if (errors.length > 0) return [...errors];
    return {
      schema,
      document,
      operationName: payload.operationName ?? null,
      variableValues: payload.variables ?? {},
      contextValue: contextFor(identity),
    };
  };
  const gqlWsServer = useServer<Record<string, unknown> | undefined, TransportExtra>(
    {
      schema,
      execute: (args) => executeWithinCost(args, executor.execute),
      subscribe: (args) => executor.subscribe(args),
      connectionInitWaitTimeout: options.authTimeoutMs > 0 ? options.authTimeoutMs : Infinity,
      onConnect: (ctx) => {
        const identity = authenticatePayload(ctx.connectionParams);
        if (!identity) return false;
        ctx.extra.identity = identity;
        ctx.extra.leaveBudget = budget.join(identity.key, () => Object.keys(ctx.subscriptions).length);
        return true;
      },
      onSubscribe: (ctx, id, payload) => {
        try {
          return admit(ctx, payload);
        } catch (error) {
          // graphql-ws closes the socket 4500 on a throw; say why in our log first
          log.error(`graphql-transport-ws operation ${String(id)} failed: ${(error as Error)?.stack ?? String(error)}`);
          throw error;
        }
      },
      onClose: (ctx) => ctx.extra.leaveBudget?.(),
    },
    gqlWss,
    options.keepAliveMs,
  );

  legacyWss.on("connection", (ws) =>
    serveLegacyGraphqlWs(ws, {
      schema,
      executor,
      documents,
      platform,
      authenticate: authenticatePayload,
      budget,
      authTimeoutMs: options.authTimeoutMs,
      keepAliveMs: options.keepAliveMs,
      maxBufferedBytes: options.maxBufferedBytes,
      maxVariablesDepth: options.maxVariablesDepth,
      log,
    }),
  );
  agiWss.on("connection", (ws, req) => agentSockets.accept(ws, req.socket.remoteAddress ?? "?"));

  /** Answers with a GraphQL-shaped error and drops the rest of the body (reading at most the body limit). */
  const refuse = (req: IncomingMessage, res: ServerResponse, status: number, message: string, code: string) => {
    const origin = req.headers.origin;
    const cors: Record<string, string> = origin && originAllowed(origin, req.headers.host) ? { "access-control-allow-origin": origin, "access-control-allow-credentials": "true", vary: "Origin" } : {};
    res.writeHead(status, { "content-type": "application/json; charset=utf-8", connection: "close", ...cors }).end(JSON.stringify({ errors: [{ message, extensions: { code } }] }));
    let discarded = 0;
    req.on("data", (chunk: Buffer) => {
      discarded += chunk.length;
      if (discarded > options.maxGraphqlBytes) req.destroy();
    });
    req.resume();
  };

  /** `/graphql` over HTTP: origin, then token, then the body (counted as read), then yoga. */
  const serveGraphql = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const origin = req.headers.origin;
    if (origin !== undefined && !originAllowed(origin, req.headers.host)) {
      logRefusedOrigin(origin, "a GraphQL request over HTTP");
      refuse(req, res, 403, `origin ${origin} is not allowed: start the server with --allow-origin ${origin} (server option allowedOrigins)`, "FORBIDDEN_ORIGIN");
      return;
    }
    if (req.url?.startsWith("/graphql/")) req.url = "/graphql" + req.url.slice("/graphql/".length);
    let identity: Identity | undefined;
    let precomputed: ExecutionResult | undefined;
    if (req.method !== "OPTIONS") {
      // authenticate before reading or parsing anything: no token, no work (and nothing cached)
      const header = req.headers.authorization ?? req.headers["x-authorization"];
      const token = tokenFromHeader(Array.isArray(header) ? header[0] : header);
      identity = auth.authenticate(token) ?? undefined;
      if (!identity) {
        // no token: 401; an unknown or expired one: 403, on which the released Python client fetches a new token
        if (token) refuse(req, res, 403, "Authentication required: the token is unknown or has expired; send a valid token (Authorization: Bearer <token>)", "UNAUTHENTICATED");
        else refuse(req, res, 401, "Authentication required: send a valid token (Authorization: Bearer <token>)", "UNAUTHENTICATED");
        return;
      }
    }
    if (req.method !== "GET" && req.method !== "HEAD" && req.method !== "OPTIONS") {
      const tooLarge = `request body over the ${options.maxGraphqlBytes}-byte limit (server option maxGraphqlBytes): pass large values by reference`;
      if (Number(req.headers["content-length"] ?? 0) > options.maxGraphqlBytes) {
        refuse(req, res, 413, tooLarge, "PAYLOAD_TOO_LARGE");
        return;
      }
      const body = await readBody(req, options.maxGraphqlBytes);
      if (body === "too large") {
        refuse(req, res, 413, tooLarge, "PAYLOAD_TOO_LARGE");
        return;
      }
      if (identity && req.method === "POST" && origin === undefined && req.url === "/graphql" && /^application\/json\s*(;|$)/i.test(req.headers["content-type"] ?? "")) {
        const outcome = await direct(body, req.headers.accept, identity);
        if (outcome.answered) {
          res.writeHead(200, { "content-type": outcome.contentType, "content-length": Buffer.byteLength(outcome.body) }).end(outcome.body);
          return;
        }
        precomputed = outcome.precomputed;
      }
      // yoga (whatwg-node) takes an already-read body from `req.body`
      if (body.length > 0) (req as IncomingMessage & { body?: Buffer }).body = body;
    }
    await yoga.handle(req, res, { req, res, ...(precomputed ? { precomputed } : {}) });
  };

  const corsFor = (req: IncomingMessage): Record<string, string> => {
    const origin = req.headers.origin;
    return origin && originAllowed(origin, req.headers.host) ? { "access-control-allow-origin": origin, "access-control-allow-credentials": "true", vary: "Origin" } : {};
  };
  const mediaRoutes: MediaRouteContext = {
    media,
    baseUrl: () => url,
    authenticate: (req) => {
      const header = req.headers.authorization ?? req.headers["x-authorization"];
      return auth.authenticate(tokenFromHeader(Array.isArray(header) ? header[0] : header));
    },
    cors: corsFor,
  };
  const isMediaPath = (path: string): boolean => path === `/${options.mediaBucket}` || path.startsWith(`/${options.mediaBucket}/`);
  /** S3 requests (the media bucket's paths): a foreign browser origin is refused like everywhere else. */
  const serveS3 = (req: IncomingMessage, res: ServerResponse, expectContinue: boolean): void => {
    const origin = req.headers.origin;
    if (origin !== undefined && !originAllowed(origin, req.headers.host)) {
      logRefusedOrigin(origin, "an S3 request");
      res.writeHead(403, { "content-type": "application/xml", connection: "close" }).end(`<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>AccessDenied</Code><Message>origin not allowed: start the server with --allow-origin (server option allowedOrigins)</Message></Error>`);
      req.resume();
      return;
    }
    void s3.handle(req, res, expectContinue);
  };

  const faktsRoutes: FaktsRouteContext = {
    fakts,
    options,
    hostAllowed: (host) => originMayMatchHost || allowedOrigins.has(`http://${host.toLowerCase()}`),
    originAllowed: (origin, host) => originAllowed(origin, host),
    logRefusedOrigin,
  };

  const route = (req: IncomingMessage, res: ServerResponse): void => {
    const path = pathOf(req.url);
    // fakts and OAuth2 (issue 17): /.well-known/fakts, /f/*, /o/token/, /configure/<code>, /lok/ht
    if (serveFakts(req, res, path, faktsRoutes)) return;
    if (path === "/ht" || path === "/ht/") {
      res.writeHead(200, { "content-type": "text/plain" }).end("ok\n");
      return;
    }
    if (path === "/schema" || path === "/schema/") {
      res.writeHead(200, { "content-type": "text/plain; charset=utf-8" }).end(sdl);
      return;
    }
    if (path === "/graphql" || path === "/graphql/") {
      void serveGraphql(req, res).catch((error: unknown) => {
        log.error(`GraphQL over HTTP failed: ${(error as Error)?.stack ?? String(error)}`);
        if (!res.headersSent) res.writeHead(500, { "content-type": "application/json" }).end(JSON.stringify({ errors: [{ message: "Unexpected error." }] }));
        else res.destroy();
      });
      return;
    }
    if (isMediaPath(path)) {
      serveS3(req, res, false);
      return;
    }
    if (path === WELL_KNOWN_S3) {
      serveWellKnownS3(req, res, mediaRoutes);
      return;
    }
    if (path === PRESIGN_PATH) {
      const origin = req.headers.origin;
      if (origin !== undefined && !originAllowed(origin, req.headers.host)) {
        logRefusedOrigin(origin, "a media presign request");
        refuse(req, res, 403, `origin ${origin} is not allowed: start the server with --allow-origin ${origin} (server option allowedOrigins)`, "FORBIDDEN_ORIGIN");
        return;
      }
      void servePresign(req, res, mediaRoutes).catch((error: unknown) => {
        log.error(`media presign failed: ${(error as Error)?.stack ?? String(error)}`);
        if (!res.headersSent) res.writeHead(500, { "content-type": "application/json" }).end(JSON.stringify({ error: "Unexpected error." }));
        else res.destroy();
      });
      return;
    }
    // the web UI (src/server/ui.ts): `/` and `/ui/*`
    if (serveUi(req, res, path)) return;
    res.writeHead(404, { "content-type": "text/plain" }).end(`not found: ${path} (the web UI is at /, GraphQL at /graphql, the agent socket at /agi, S3 at /${options.mediaBucket}/<key>)\n`);
  };
  const http = createServer(route);
  // `Expect: 100-continue` (S3 clients send it before large bodies): an S3 upload is checked (signature,
  // grant, size) before the body is asked for; everything else continues at once
  http.on("checkContinue", (req: IncomingMessage, res: ServerResponse) => {
    if (isMediaPath(pathOf(req.url))) {
      serveS3(req, res, true);
      return;
    }
    res.writeContinue();
    route(req, res);
  });
  http.on("clientError", (_error, socket: Duplex) => {
    if (socket.writable) socket.end("HTTP/1.1 400 Bad Request\r\n\r\n");
  });
  http.on("upgrade", (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const path = pathOf(req.url);
    socket.on("error", () => socket.destroy());
    const origin = req.headers.origin;
    if (origin !== undefined && !originAllowed(origin, req.headers.host)) {
      // a web page of another origin must not reach the sockets of a developer's server (browsers do not
      // apply the same-origin policy to WebSockets: the server has to)
      logRefusedOrigin(origin, `a WebSocket on ${path}`);
      socket.end(
        `HTTP/1.1 403 Forbidden\r\ncontent-type: text/plain; charset=utf-8\r\nconnection: close\r\n\r\norigin not allowed: start the server with --allow-origin <origin> (server option allowedOrigins)\n`,
      );
      return;
    }
    if (path === "/agi" || path === "/agi/") {
      agiWss.handleUpgrade(req, socket, head, (ws) => agiWss.emit("connection", ws, req));
      return;
    }
    if (path === "/graphql" || path === "/graphql/") {
      const offered = String(req.headers["sec-websocket-protocol"] ?? "")
        .split(",")
        .map((p) => p.trim());
      const target = offered.includes("graphql-transport-ws") || !offered.includes(LEGACY_PROTOCOL) ? gqlWss : legacyWss;
      target.handleUpgrade(req, socket, head, (ws) => target.emit("connection", ws, req));
      return;
    }
    socket.end("HTTP/1.1 404 Not Found\r\n\r\n");
  });

  try {
    await new Promise<void>((resolve, reject) => {
      http.once("error", reject);
      http.listen(options.port, options.host, () => {
        http.off("error", reject);
        resolve();
      });
    });
  } catch (error) {
    platform.close();
    store.close();
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "EADDRINUSE") {
      throw new ServerStartError(`port ${options.port} on ${options.host} is already in use`, "stop the other server or pass --port 0 (any free port) or another --port", "ARKITEKT_SERVER_PORT_IN_USE");
    }
    if (code === "EACCES") {
      throw new ServerStartError(`not allowed to listen on ${options.host}:${options.port}`, "use a port above 1024", "ARKITEKT_SERVER_PORT_DENIED");
    }
    if (code === "EADDRNOTAVAIL" || code === "ENOTFOUND") {
      throw new ServerStartError(`cannot bind to host ${options.host}`, "use --host 127.0.0.1 or an address of this machine", "ARKITEKT_SERVER_HOST");
    }
    throw error;
  }
  const address = http.address();
  const port = typeof address === "object" && address ? address.port : options.port;
  const hostForUrl = options.host.includes(":") ? `[${options.host}]` : options.host === "0.0.0.0" ? "127.0.0.1" : options.host;
  const url = `http://${hostForUrl}:${port}`;
  const urls = { url, graphqlUrl: `${url}/graphql`, graphqlWsUrl: `ws://${hostForUrl}:${port}/graphql`, agiUrl: `ws://${hostForUrl}:${port}/agi` };
  for (const origin of ownOrigins(options.host, port)) allowedOrigins.add(origin);
  fakts.setPublicUrl(url);
  if (devToken) writeDevToken(options.dataDir, url, devToken, options.devApp ?? DEFAULT_DEV_APP, media.discovery(url));
  if (redeemToken) {
    writeRedeemToken(options.dataDir, url, redeemToken);
    log.info(`fakts redeem token (for --redeem-token / ARKITEKT_REDEEM_TOKEN; also in ${join(options.dataDir, REDEEM_TOKEN_FILE)}): ${redeemToken}`);
  }
  log.info(`arkitekt-next dev platform listening on ${url}`);

  let closing: Promise<void> | null = null;
  const close = (): Promise<void> => {
    closing ??= (async () => {
      platform.close();
      // 1012 (service restart) on every socket: clients reconnect; released Python agents give up on 1001
      agentSockets.shutdown();
      for (const wss of [gqlWss, legacyWss]) for (const ws of wss.clients) ws.close(CloseCode.ServiceRestart, "server restarting");
      await closedOrTimeout([agiWss, gqlWss, legacyWss].flatMap((wss) => [...wss.clients]), SHUTDOWN_CLOSE_WAIT_MS);
      await Promise.resolve(gqlWsServer.dispose()).catch(() => undefined);
      await new Promise<void>((resolve) => {
        http.close(() => resolve());
        http.closeAllConnections();
      });
      for (const wss of [agiWss, gqlWss, legacyWss]) {
        for (const ws of wss.clients) ws.terminate();
        wss.close();
      }
      store.close();
      log.info("arkitekt-next dev platform stopped");
    })();
    return closing;
  };

  return { ...urls, port, ...(devToken ? { devToken, signInUrl: signInUrl(url, devToken), devApp: options.devApp ?? DEFAULT_DEV_APP } : {}), ...(redeemToken ? { redeemToken } : {}), approvalLinks: () => fakts.approvalLinks(), close };
}
