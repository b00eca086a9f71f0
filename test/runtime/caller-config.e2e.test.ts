/**
 * `createClient` and where its URL and token come from, for library callers:
 * - a client without configuration (resolved lazily, from the dev-token file) answers every public
 *   method with `PlatformConfigError` itself, and once configured it behaves as any other client
 *   (its platform gets every argument: event selections, bad-payload reports);
 * - a wrong URL or token surfaces as `AssignError` (class and code kept) whose message and hint name
 *   the URL or token and where it came from (option, env, dev-token file): issue 10 #6 for the library.
 * A real server in-process, a raw agent socket, and a GraphQL proxy in front of the server where a
 * test needs to corrupt the live stream.
 */
import { createServer } from "node:net";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { ArkitektClient, AssignError, createClient, TaskFailedError } from "../../src/runtime/caller/index.js";
import { call as callDefault, iterate as iterateDefault } from "../../src/runtime/caller/default-client.js";
import { PlatformConfigError } from "../../src/runtime/config.js";
import { createActions } from "../fixtures/runtime/stubs/agent-actions.js";
import { startRuntimeServer, type RuntimeServer } from "../fixtures/runtime/harness.js";
import { GraphQLProxy, type DownFrame } from "../fixtures/runtime/graphql-proxy.js";
import { CALLER_TOKEN, OTHER_TOKEN } from "../fixtures/runtime/tokens.js";
import { AgentSocket } from "../server/helpers/agent-socket.js";
import { ensureAgent, implementAgent, implOf, type GraphQLTarget, type ImplementationInput } from "../server/helpers/fixture.js";
import { graphqlData, graphqlErrors } from "../server/helpers/graphql.js";

const ECHO: ImplementationInput = {
  interface: "echo",
  effect: "NONE",
  definition: {
    key: "echo",
    version: "1",
    name: "Echo",
    kind: "FUNCTION",
    collections: [],
    args: [{ key: "text", kind: "STRING", nullable: false }],
    returns: [{ key: "return0", kind: "STRING", nullable: false }],
  },
};

let server: RuntimeServer;
let agent: AgentSocket;
let echo: string;
let dir: string;
const saved = { url: process.env.ARKITEKT_URL, token: process.env.ARKITEKT_TOKEN };
const cleanups: Array<() => Promise<unknown>> = [];

beforeAll(async () => {
  delete process.env.ARKITEKT_URL;
  delete process.env.ARKITEKT_TOKEN;
  dir = await mkdtemp(join(tmpdir(), "arkitekt-caller-config-"));
  server = await startRuntimeServer();
  const target: GraphQLTarget = {
    gql: (token, query, variables) => graphqlData(server.handle.graphqlUrl, token, query, variables),
    gqlErrors: (token, query, variables) => graphqlErrors(server.handle.graphqlUrl, token, query, variables),
  };
  await ensureAgent(target, OTHER_TOKEN);
  echo = implOf(await implementAgent(target, OTHER_TOKEN, [ECHO]), "echo").id;
  agent = await AgentSocket.open(server.handle.agiUrl);
  await agent.register(OTHER_TOKEN, { force: true });
  // The raw agent answers every ASSIGN: a LOG at WARN, its text back, COMPLETED.
  agent.ws.on("message", (data) => {
    const frame = JSON.parse(data.toString()) as { type: string; task?: string; args?: { text?: string } };
    if (frame.type !== "ASSIGN" || !frame.task) return;
    agent.report("STARTED", frame.task);
    agent.report("LOG", frame.task, { message: "careful", level: "WARN" });
    agent.report("YIELD", frame.task, { returns: { return0: frame.args?.text ?? "" } });
    agent.report("COMPLETED", frame.task);
  });
}, 30_000);

afterAll(async () => {
  await agent?.terminate();
  await server?.close();
  await rm(dir, { recursive: true, force: true });
  if (saved.url !== undefined) process.env.ARKITEKT_URL = saved.url;
  if (saved.token !== undefined) process.env.ARKITEKT_TOKEN = saved.token;
});

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
  delete process.env.ARKITEKT_URL;
  delete process.env.ARKITEKT_TOKEN;
});

/** A client made with `options`, closed after the test. */
function client(options: Parameters<typeof createClient>[0]): ArkitektClient {
  const made = createClient(options);
  cleanups.push(() => made.close());
  return made;
}

let files = 0;
/** A dev-token file path in the test's directory (written when `content` is given). */
async function devTokenFile(content?: { url: string; token: string }): Promise<string> {
  const file = join(dir, `dev-token-${++files}.json`);
  if (content) await writeFile(file, JSON.stringify(content));
  return file;
}

/** A port nothing listens on. */
async function refusedPort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
  const port = (probe.address() as { port: number }).port;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

const expectConfigError = (error: unknown, problem: string, file?: string) => {
  expect(error).toBeInstanceOf(PlatformConfigError);
  expect((error as PlatformConfigError).problem).toBe(problem);
  expect((error as PlatformConfigError).code).toBe("ARKITEKT_PLATFORM_CONFIG");
  if (file) expect((error as PlatformConfigError).message).toContain(file);
};

describe("a client without configuration answers every public method with PlatformConfigError", () => {
  it("call, iterate, the typed stubs and the call/iterate functions reject with PlatformConfigError itself; close needs no configuration", async () => {
    const file = await devTokenFile();
    const lazy = client({ devTokenFile: file });
    expect(lazy).toBeInstanceOf(ArkitektClient);
    expectConfigError(await lazy.call({ implementation: echo }, { text: "x" }).catch((e: unknown) => e), "NOTHING", file);
    expectConfigError(await lazy.iterate({ implementation: echo }, { text: "x" })[Symbol.asyncIterator]().next().catch((e: unknown) => e), "NOTHING", file);
    expectConfigError(await createActions(lazy).add({ a: 1, b: 2 }).catch((e: unknown) => e), "NOTHING", file);
    expectConfigError(await callDefault({ implementation: echo }, { text: "x" }, { client: lazy }).catch((e: unknown) => e), "NOTHING", file);
    expectConfigError(
      await iterateDefault({ implementation: echo }, { text: "x" }, { client: lazy })[Symbol.asyncIterator]().next().catch((e: unknown) => e),
      "NOTHING",
      file,
    );
    // Partial: a token without a URL.
    process.env.ARKITEKT_TOKEN = CALLER_TOKEN;
    const partial = client({ devTokenFile: file });
    expectConfigError(await partial.call({ implementation: echo }, { text: "x" }).catch((e: unknown) => e), "NO_URL");
    await expect(lazy.close()).resolves.toBeUndefined();
    const closed = await lazy.call({ implementation: echo }, { text: "x" }).catch((e: unknown) => e);
    expect(closed).toBeInstanceOf(AssignError);
    expect((closed as AssignError).message).toMatch(/client is closed/);
  });

  it("the same client works once a dev server writes its token file (the resolution is tried again)", async () => {
    const file = await devTokenFile();
    const lazy = client({ devTokenFile: file });
    expectConfigError(await lazy.call({ implementation: echo }, { text: "x" }).catch((e: unknown) => e), "NOTHING", file);
    await writeFile(file, JSON.stringify({ url: server.url, token: CALLER_TOKEN }));
    expect(await lazy.call({ implementation: echo }, { text: "later" })).toEqual({ return0: "later" });
  });

  it("a lazily configured client's platform gets every argument: stored LOG levels are read by id, and a bad live payload is reported and read around", async () => {
    // The proxy nulls the COMPLETED event of the live stream (as a server that cannot serialise it)
    // and records each TaskEvents read's variables.
    const reads: Array<Record<string, unknown>> = [];
    const proxy = await GraphQLProxy.start(server.handle, {
      down: ({ frame }: DownFrame) => {
        const event = (frame.payload as { data?: { mytasks?: { event?: { kind?: string } | null } } } | undefined)?.data?.mytasks?.event;
        if (frame.type !== "next" || event?.kind !== "COMPLETED") return [frame];
        return [{ ...frame, payload: { data: { mytasks: { create: null, event: null } }, errors: [{ message: 'Enum "TaskEventKind" cannot represent value', path: ["mytasks", "event", "kind"] }] } }];
      },
      rewriteResponse: (request, body) => {
        if (request.operationName === "TaskEvents") reads.push(request.variables);
        return body;
      },
    });
    cleanups.push(() => proxy.close());
    const warnings: string[] = [];
    const lazy = client({
      devTokenFile: await devTokenFile({ url: proxy.url, token: CALLER_TOKEN }),
      logger: { debug() {}, info() {}, warn: (m) => warnings.push(m), error: (m) => warnings.push(m) },
    });
    const logs: string[] = [];
    const result = await lazy
      .call({ implementation: echo }, { text: "lazy" }, { onLog: (message, level) => logs.push(`${level} ${message}`), timeout: 5_000 })
      .catch((e: unknown) => e);
    expect(result).toEqual({ return0: "lazy" });
    expect(logs).toEqual(["WARN careful"]);
    expect(warnings.join("\n")).toMatch(/TaskEventKind/);
    // The LOG level was read by the event's id, not by reading the whole task.
    expect(reads.some((variables) => Array.isArray((variables.filters as { ids?: unknown } | undefined)?.ids))).toBe(true);
  });
});

describe("issue 10 #6 for library callers: a wrong URL or token names itself and its source", () => {
  it("a refused port: AssignError naming the URL and where it came from (option, env, dev-token file)", async () => {
    const url = `http://127.0.0.1:${await refusedPort()}`;

    const byOption = await client({ url, token: CALLER_TOKEN }).call({ implementation: "1" }, {}).catch((e: unknown) => e);
    expect(byOption).toBeInstanceOf(AssignError);
    expect((byOption as AssignError).code).toBe("ARKITEKT_ASSIGN_FAILED");
    expect((byOption as AssignError).message).toContain(`could not reach the platform at ${url} (URL from the url option): connection refused (ECONNREFUSED)`);
    expect((byOption as AssignError & { hint: string }).hint).toContain("set it with the url option or ARKITEKT_URL");

    process.env.ARKITEKT_URL = url;
    process.env.ARKITEKT_TOKEN = CALLER_TOKEN;
    const byEnv = await client({ devTokenFile: false }).call({ app: "runtime-other", key: "echo" }, {}).catch((e: unknown) => e);
    expect(byEnv).toBeInstanceOf(AssignError);
    expect((byEnv as AssignError).message).toContain(`${url} (URL from ARKITEKT_URL)`);
    delete process.env.ARKITEKT_URL;
    delete process.env.ARKITEKT_TOKEN;

    const file = await devTokenFile({ url, token: CALLER_TOKEN });
    const byFile = await client({ devTokenFile: file }).call({ implementation: "1" }, {}).catch((e: unknown) => e);
    expect(byFile).toBeInstanceOf(AssignError);
    expect((byFile as AssignError).message).toContain(`${url} (URL from ${file})`);
    expect((byFile as AssignError & { hint: string }).hint).toContain(`the dev server that wrote ${file} is not running`);
  });

  it("issue 18: a port fetch would refuse (9) is tried; nothing listening there is an AssignError naming the URL", async () => {
    const error = await client({ url: "http://127.0.0.1:9", token: CALLER_TOKEN }).call({ implementation: "1" }, {}).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AssignError);
    expect((error as AssignError).message).toContain("could not reach the platform at http://127.0.0.1:9 (URL from the url option): connection refused (ECONNREFUSED)");
  });

  it("a wrong token (real server): AssignError naming the token's source, for an option and for a dev-token file", async () => {
    const byOption = await client({ url: server.url, token: "not-a-token" }).call({ implementation: echo }, { text: "x" }).catch((e: unknown) => e);
    expect(byOption).toBeInstanceOf(AssignError);
    expect((byOption as AssignError).code).toBe("ARKITEKT_ASSIGN_FAILED");
    expect((byOption as AssignError).message).toContain(`the platform at ${server.url} refused the token from the token option`);
    expect((byOption as AssignError & { hint: string }).hint).toContain("pass a valid token with the token option or ARKITEKT_TOKEN");

    const file = await devTokenFile({ url: server.url, token: "stale-token" });
    const byFile = await client({ devTokenFile: file }).call({ implementation: echo }, { text: "x" }).catch((e: unknown) => e);
    expect(byFile).toBeInstanceOf(AssignError);
    expect((byFile as AssignError).message).toContain(`refused the token from ${file}`);
    expect((byFile as AssignError & { hint: string }).hint).toContain(`no longer accepts the token in ${file}`);
  });

  it("errors about something else keep their own words (an unknown implementation is not blamed on the URL or token)", async () => {
    const error = await client({ url: server.url, token: CALLER_TOKEN }).call({ implementation: "999999" }, {}).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AssignError);
    expect((error as AssignError).message).not.toMatch(/refused the token|could not reach/);
    expect(error).not.toBeInstanceOf(TaskFailedError);
  });
});
