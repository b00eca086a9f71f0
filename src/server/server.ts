/**
 * Assembles the embedded platform: one node http server; ws upgrades routed by path
 * (`/agi` agent socket; `/graphql` graphql-transport-ws or legacy graphql-ws by subprotocol).
 */
import { accessSync, constants as fsConstants, existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { Duplex } from "node:stream";
import type { GraphQLSchema } from "graphql";
import { graphql } from "./graphql/graphql-module.js";
import { useServer } from "graphql-ws/use/ws";
import { createYoga } from "graphql-yoga";
import { WebSocketServer } from "ws";
import { AgentSocketServer } from "./agent-socket.js";
import { coalesceWrites } from "./cork.js";
import { TokenAuthority, ensureDevToken, tokenFromHeader, writeDevToken, type Identity } from "./auth.js";
import { serveLegacyGraphqlWs, LEGACY_PROTOCOL } from "./graphql/legacy-ws.js";
import { createDocumentCache } from "./graphql/document-cache.js";
import { depthLimitRule } from "./graphql/limits.js";
import { queryCostRule } from "./graphql/pages.js";
import { buildServerSchema, type GraphqlContext } from "./graphql/schema.js";
import { ServerStartError, compileOptions, type ServerOptions, type TokenClaims } from "./options.js";
import { Platform } from "./platform.js";
import { Store } from "./store/store.js";

const { printSchema, specifiedRules } = graphql;

export interface ServerHandle {
  /** http base, e.g. `http://127.0.0.1:53211` */
  url: string;
  graphqlUrl: string;
  graphqlWsUrl: string;
  agiUrl: string;
  port: number;
  /** The dev identity's token, when the server made one (no `tokens` option). */
  devToken?: string;
  /** Closes every socket with 1001, stops timers and flushes the store. */
  close(): Promise<void>;
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

function indexPage(urls: { graphqlUrl: string; graphqlWsUrl: string; agiUrl: string; url: string }): string {
  return `<!doctype html>
<html><head><meta charset="utf-8"><title>arkitekt-next dev platform</title></head>
<body style="font-family: system-ui, sans-serif; max-width: 42rem; margin: 2rem auto">
<h1>arkitekt-next dev platform</h1>
<ul>
<li>GraphQL (POST, and graphql-transport-ws / graphql-ws subscriptions): <code>${urls.graphqlUrl}</code> (WebSocket <code>${urls.graphqlWsUrl}</code>)</li>
<li>Agent socket: <code>${urls.agiUrl}</code></li>
<li>Schema (SDL): <a href="/schema"><code>${urls.url}/schema</code></a></li>
<li>Health: <a href="/ht"><code>${urls.url}/ht</code></a></li>
</ul>
<p>Every request needs a token (<code>Authorization: Bearer &lt;token&gt;</code>); the dev token is in <code>dev-token.json</code> in the data folder.</p>
</body></html>
`;
}

export async function startServer(input: ServerOptions): Promise<ServerHandle> {
  const options = compileOptions(input);
  const log = options.logger;

  try {
    mkdirSync(options.dataDir, { recursive: true });
    accessSync(options.dataDir, fsConstants.W_OK);
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
    const dev = ensureDevToken(options.dataDir, null);
    devToken = dev.token;
    tokens = { [dev.token]: dev.claims };
  }
  const auth = new TokenAuthority(tokens);

  let store: Store;
  try {
    store = new Store(options.dataDir);
  } catch (error) {
    throw new ServerStartError(
      `cannot open the store in ${options.dataDir}: ${(error as Error).message}`,
      /locked|busy/i.test((error as Error).message)
        ? "another arkitekt-next server is using this data folder: stop it, or pass another --data"
        : "check that the folder is writable and holds a store of this arkitekt-next version",
      "ARKITEKT_SERVER_STORE",
    );
  }
  const platform = new Platform(store, options, log);
  platform.start();

  const schema = serverSchema();
  const depthRule = depthLimitRule(options.maxGraphqlDepth);
  const costRule = queryCostRule(options);
  const rules = [...specifiedRules, depthRule, costRule];
  const sdl = printSchema(schema);
  const documents = createDocumentCache(rules);

  const contextFor = (identity: Identity | null, signal?: AbortSignal): GraphqlContext => ({ identity, platform, ...(signal ? { signal } : {}) });
  const yoga = createYoga<{ req: IncomingMessage; res: ServerResponse }, GraphqlContext>({
    schema,
    graphqlEndpoint: "/graphql",
    graphiql: false,
    landingPage: false,
    logging: false,
    context: ({ request }) =>
      contextFor(auth.authenticate(tokenFromHeader(request.headers.get("authorization") ?? request.headers.get("x-authorization"))) ?? null, request.signal),
    plugins: [
      {
        onValidate({ addValidationRule }: { addValidationRule: (rule: typeof depthRule) => void }) {
          addValidationRule(depthRule);
          addValidationRule(costRule);
        },
      },
    ],
  });

  const agentSockets = new AgentSocketServer({ platform, auth, options, log });
  const agiWss = new WebSocketServer({ noServer: true, maxPayload: options.maxFrameBytes });
  const gqlWss = new WebSocketServer({ noServer: true, maxPayload: options.maxFrameBytes });
  const legacyWss = new WebSocketServer({ noServer: true, maxPayload: options.maxFrameBytes, handleProtocols: () => LEGACY_PROTOCOL });

  const authenticatePayload = (payload: unknown): Identity | null => {
    if (!payload || typeof payload !== "object") return null;
    const p = payload as Record<string, unknown>;
    const token = typeof p.token === "string" ? p.token : tokenFromHeader(typeof p.Authorization === "string" ? p.Authorization : typeof p.authorization === "string" ? p.authorization : null);
    return auth.authenticate(token) ?? null;
  };

  for (const wss of [agiWss, gqlWss, legacyWss]) wss.on("connection", (ws) => coalesceWrites(ws));
  const gqlWsServer = useServer<Record<string, unknown> | undefined, { identity: Identity }>(
    {
      schema,
      parse: (source) => documents.parse(source),
      validate: (s, document) => [...documents.validate(s, document)],
      onConnect: (ctx) => {
        const identity = authenticatePayload(ctx.connectionParams);
        if (!identity) return false;
        ctx.extra.identity = identity;
        return true;
      },
      context: (ctx) => contextFor(ctx.extra.identity ?? null),
    },
    gqlWss,
  );

  legacyWss.on("connection", (ws) => serveLegacyGraphqlWs(ws, { schema, documents, platform, authenticate: authenticatePayload, log }));
  agiWss.on("connection", (ws, req) => agentSockets.accept(ws, req.socket.remoteAddress ?? "?"));

  const http = createServer((req, res) => {
    const path = pathOf(req.url);
    if (path === "/ht" || path === "/ht/") {
      res.writeHead(200, { "content-type": "text/plain" }).end("ok\n");
      return;
    }
    if (path === "/schema" || path === "/schema/") {
      res.writeHead(200, { "content-type": "text/plain; charset=utf-8" }).end(sdl);
      return;
    }
    if (path === "/graphql" || path === "/graphql/") {
      const length = Number(req.headers["content-length"] ?? 0);
      if (length > options.maxGraphqlBytes) {
        res.writeHead(413, { "content-type": "application/json" }).end(JSON.stringify({ errors: [{ message: `request body over the ${options.maxGraphqlBytes}-byte limit` }] }));
        req.resume();
        return;
      }
      if (path === "/graphql/") req.url = "/graphql" + (req.url ?? "").slice("/graphql/".length);
      void yoga.handle(req, res, { req, res });
      return;
    }
    if (path === "/" && (req.method === "GET" || req.method === "HEAD")) {
      res.writeHead(200, { "content-type": "text/html; charset=utf-8" }).end(indexPage(urls));
      return;
    }
    res.writeHead(404, { "content-type": "text/plain" }).end(`not found: ${path} (see / for the endpoints)\n`);
  });
  http.on("clientError", (_error, socket: Duplex) => {
    if (socket.writable) socket.end("HTTP/1.1 400 Bad Request\r\n\r\n");
  });
  http.on("upgrade", (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const path = pathOf(req.url);
    socket.on("error", () => socket.destroy());
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
  if (devToken) writeDevToken(options.dataDir, url, devToken);
  log.info(`arkitekt-next dev platform listening on ${url}`);

  let closing: Promise<void> | null = null;
  const close = (): Promise<void> => {
    closing ??= (async () => {
      platform.close();
      agentSockets.shutdown();
      for (const wss of [gqlWss, legacyWss]) for (const ws of wss.clients) ws.close(1001, "server shutting down");
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

  return { ...urls, port, ...(devToken ? { devToken } : {}), close };
}
