/**
 * Shared helpers of the GraphQL codegen tests: run the stage, compile TypeScript with the
 * compiler API, and a real graphql-yoga + graphql-ws server for the small fixture schema.
 */
import { createServer, type Server } from "node:http";
import { readFileSync } from "node:fs";
import { mkdtemp, mkdir, writeFile } from "node:fs/promises";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { createSchema, createYoga } from "graphql-yoga";
import { createGraphQLError } from "graphql-yoga";
import { useServer } from "graphql-ws/use/ws";
import { WebSocketServer } from "ws";
import ts from "typescript";

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
export const smallFixture = path.join(root, "test/fixtures/graphql/small");

/** Writes a file map into a fresh temporary directory and returns its path. */
export async function tempProject(files: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), "ark-graphql-"));
  for (const [file, content] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(dir, file)), { recursive: true });
    await writeFile(path.join(dir, file), content);
  }
  return dir;
}

/** Type-checks files with `strict` (and the package's other flags); returns formatted errors. */
export function typecheck(files: string[], extra: ts.CompilerOptions = {}): string[] {
  const options: ts.CompilerOptions = {
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    lib: ["lib.es2023.d.ts", "lib.dom.d.ts"],
    strict: true,
    noUncheckedIndexedAccess: true,
    noImplicitOverride: true,
    skipLibCheck: true,
    noEmit: true,
    types: ["node"],
    typeRoots: [path.join(root, "node_modules/@types")],
    ...extra,
  };
  const program = ts.createProgram(files, options);
  return ts.getPreEmitDiagnostics(program).map((d) => {
    const message = ts.flattenDiagnosticMessageText(d.messageText, "\n");
    if (!d.file || d.start === undefined) return message;
    const { line, character } = d.file.getLineAndCharacterOfPosition(d.start);
    return `${path.relative(root, d.file.fileName)}:${line + 1}:${character + 1}: ${message}`;
  });
}

export const TOKEN = "test-token";

/** A port nothing listens on (bound once, then released). */
export async function closedPort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

export interface FixtureServer {
  url: string;
  wsUrl: string;
  /** Subscriptions the server started and finished (a `finally` ran), by field name. */
  started: string[];
  finished: string[];
  /** Authorization headers seen on HTTP requests. */
  authorizations: Array<string | null>;
  /** Drops every open WebSocket (as a crashed proxy would). */
  dropSockets(): void;
  close(): Promise<void>;
}

interface Context {
  token: string | undefined;
}

/** graphql-yoga on HTTP plus graphql-ws (`useServer`) on the same port, for the small fixture schema. */
export async function startFixtureServer(): Promise<FixtureServer> {
  const typeDefs = readFileSync(path.join(smallFixture, "schema.graphql"), "utf8");
  const started: string[] = [];
  const finished: string[] = [];
  const authorizations: Array<string | null> = [];
  const agents = new Map<string, { id: string; name: string; kind: string; lastSeen: string | null; tags: string[] }>();
  const requireToken = (context: Context): void => {
    if (context.token !== TOKEN) throw createGraphQLError("not authenticated", { extensions: { code: "UNAUTHENTICATED" } });
  };
  const schema = createSchema<Context>({
    typeDefs,
    resolvers: {
      Query: {
        agent: (_root, args: { id: string }, context) => {
          requireToken(context);
          const agent = agents.get(args.id);
          if (!agent) throw createGraphQLError(`no agent ${args.id}`, { extensions: { code: "NOT_FOUND" } });
          return agent;
        },
        agents: (_root, args: { limit?: number | null }) => [...agents.values()].reverse().slice(0, args.limit ?? undefined),
        failing: () => {
          throw createGraphQLError("this always fails", { extensions: { code: "BROKEN", detail: 42 } });
        },
        slow: async (_root, args: { ms: number }) => {
          await new Promise((resolve) => setTimeout(resolve, args.ms));
          return "done";
        },
        whoami: (_root, _args, context) => context.token ?? "anonymous",
      },
      Mutation: {
        ensureAgent: (_root, args: { input: { name: string; kind?: string; tags?: string[] } }, context) => {
          requireToken(context);
          const existing = [...agents.values()].find((agent) => agent.name === args.input.name);
          if (existing) return existing;
          const agent = { id: String(agents.size + 1), name: args.input.name, kind: args.input.kind ?? "WEBSOCKET", lastSeen: "2026-01-01T00:00:00Z", tags: args.input.tags ?? [] };
          agents.set(agent.id, agent);
          return agent;
        },
        assign: (_root, args: { hash: string; args: Record<string, unknown> }) => ({ id: "t1", hash: args.hash, args: args.args, agent: agents.get("1") ?? null }),
      },
      Subscription: {
        ticks: {
          subscribe: async function* (_root: unknown, args: { count: number; intervalMs: number }, context: Context) {
            requireToken(context);
            started.push("ticks");
            try {
              for (let index = 0; index < args.count; index++) {
                await new Promise((resolve) => setTimeout(resolve, args.intervalMs));
                yield { ticks: { index, at: new Date(Date.UTC(2026, 0, 1, 0, 0, index)).toISOString() } };
              }
            } finally {
              finished.push("ticks");
            }
          },
        },
        brokenTicks: {
          subscribe: async function* () {
            yield { brokenTicks: { index: 0, at: "2026-01-01T00:00:00Z" } };
            throw createGraphQLError("the tick source broke", { extensions: { code: "TICKS_BROKEN" } });
          },
        },
      },
    },
  });
  const yoga = createYoga({
    schema,
    graphqlEndpoint: "/graphql",
    logging: false,
    maskedErrors: false,
    context: ({ request }): Context => {
      const header = request.headers.get("authorization");
      authorizations.push(header);
      return { token: header?.startsWith("Bearer ") ? header.slice(7) : undefined };
    },
  });
  const server: Server = createServer(yoga);
  const wss = new WebSocketServer({ server, path: "/graphql" });
  const disposable = useServer<{ token?: string }>(
    {
      schema,
      onConnect: (ctx) => ctx.connectionParams?.token === TOKEN,
      context: (ctx): Context => ({ token: ctx.connectionParams?.token }),
    },
    wss,
  );
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/graphql`,
    wsUrl: `ws://127.0.0.1:${port}/graphql`,
    started,
    finished,
    authorizations,
    dropSockets() {
      for (const client of wss.clients) client.terminate();
    },
    async close() {
      await disposable.dispose();
      wss.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
