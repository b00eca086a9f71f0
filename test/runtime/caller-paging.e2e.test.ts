/**
 * The caller reads whole lists through the platform's pages (issue 9 #13 follow-up): the server
 * serves every list field a page at a time (`maxPageSize`, here 5 so the test is fast), so the
 * caller's catch-up after a reconnect, its stored LOG levels and its action lookup step
 * `pagination.offset` until a short page. A real server, a GraphQL proxy in front of it that drops
 * live frames and cuts the caller's socket (test/fixtures/runtime/graphql-proxy.ts), and a raw
 * agent socket that reports exactly what the test says.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { parseTarget, resolveTarget } from "../../src/cli/commands/call.js";
import { generateActions } from "../../src/codegen/actions/index.js";
import { connect } from "../../src/runtime/agent/index.js";
import { createClient } from "../../src/runtime/caller/index.js";
import type { LogLevel } from "../../src/runtime/context.js";
import { startRuntimeServer, waitFor, type RuntimeServer } from "../fixtures/runtime/harness.js";
import { GraphQLProxy, type DownFrame } from "../fixtures/runtime/graphql-proxy.js";
import { registry } from "../fixtures/runtime/registry.js";
import { AGENT_TOKEN, CALLER_TOKEN, OTHER_TOKEN } from "../fixtures/runtime/tokens.js";
import { AgentSocket } from "../server/helpers/agent-socket.js";
import { ensureAgent, implementAgent, implOf, type GraphQLTarget, type ImplementationInput } from "../server/helpers/fixture.js";
import { graphqlData, graphqlErrors } from "../server/helpers/graphql.js";

const PAGE = 5;

const COUNT: ImplementationInput = {
  interface: "count",
  effect: "NONE",
  definition: {
    key: "count",
    version: "1",
    name: "Count",
    kind: "GENERATOR",
    collections: [],
    args: [{ key: "n", kind: "INT", nullable: false }],
    returns: [{ key: "return0", kind: "INT", nullable: false }],
  },
};

/** Twelve functions of one app: more than two pages of actions and of an agent's implementations. */
const MANY: ImplementationInput[] = Array.from({ length: 12 }, (_, i) => ({
  interface: `f${i}`,
  effect: "NONE",
  definition: { key: `f${i}`, version: "1", name: `F${i}`, kind: "FUNCTION", collections: [], args: [], returns: [] },
}));

let server: RuntimeServer;
let agent: AgentSocket;
let count: string;
const cleanups: Array<() => Promise<unknown>> = [];

beforeAll(async () => {
  server = await startRuntimeServer({ maxPageSize: PAGE });
  const target: GraphQLTarget = {
    gql: (token, query, variables) => graphqlData(server.handle.graphqlUrl, token, query, variables),
    gqlErrors: (token, query, variables) => graphqlErrors(server.handle.graphqlUrl, token, query, variables),
  };
  // implementAgent's answer is one page too (5 implementations): `count`, listed first, is on it.
  await ensureAgent(target, OTHER_TOKEN);
  const fixture = await implementAgent(target, OTHER_TOKEN, [COUNT, ...MANY]);
  count = implOf(fixture, "count").id;
  agent = await AgentSocket.open(server.handle.agiUrl);
  await agent.register(OTHER_TOKEN, { force: true });
}, 30_000);

afterAll(async () => {
  await agent?.terminate();
  await server?.close();
});

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
});

/** The yield value (`return0`) of a `mytasks` event frame, if the frame is one. */
function yieldOf(frame: DownFrame["frame"]): number | undefined {
  if (frame.type !== "next") return undefined;
  const event = (frame.payload as { data?: { mytasks?: { event?: { kind: string; returns?: { return0?: number } } | null } } } | undefined)?.data?.mytasks?.event;
  return event?.kind === "YIELD" ? event.returns?.return0 : undefined;
}

describe("catch-up reads every page of a task's events", () => {
  it("a generator's 30 yields arrive once and in order when the caller's socket is cut mid-stream, with more missed events than one page", async () => {
    // Yields 11..25 never reach the caller live (as if sent while its socket was down); the socket is
    // then cut, and the caller's catch-up must page through 25 stored events (5 a page). Every
    // catch-up answer is held 150 ms, so the live yields 26..30 and COMPLETED arrive while it runs:
    // they must not overtake the missed ones.
    let dropping = false;
    const subscribedOn: number[] = [];
    const proxy = await GraphQLProxy.start(server.handle, {
      up: ({ socket, frame }) => {
        if (frame.type === "subscribe") subscribedOn.push(socket);
        return [];
      },
      delayResponses: { TaskEvents: 150 },
      down: ({ frame }) => {
        const value = yieldOf(frame);
        return dropping && value !== undefined && value > 10 && value <= 25 ? [] : [frame];
      },
    });
    cleanups.push(() => proxy.close());
    const client = createClient({ url: proxy.url, token: CALLER_TOKEN });
    cleanups.push(() => client.close());

    const seen: number[] = [];
    const iterating = (async () => {
      for await (const value of client.iterate<{ n: number }, { return0: number }>({ implementation: count }, { n: 30 })) seen.push(value.return0);
    })();
    const assign = await agent.next("ASSIGN", 10_000);
    const task = String(assign.task);
    await agent.reportAcked("STARTED", task);
    const yieldValue = (i: number) => agent.report("YIELD", task, { returns: { return0: i } });
    for (let i = 1; i <= 10; i++) yieldValue(i);
    await waitFor("the first 10 yields live", () => seen.length === 10);
    dropping = true;
    for (let i = 11; i <= 25; i++) yieldValue(i);
    await agent.reportAcked("PAUSED", task); // acknowledged once the yields before it are stored
    const socketsBefore = proxy.sockets;
    proxy.dropClients();
    await waitFor("the caller's resubscription", () => subscribedOn.some((socket) => socket > socketsBefore));
    await agent.reportAcked("RESUMED", task);
    for (let i = 26; i <= 30; i++) yieldValue(i);
    await agent.reportAcked("COMPLETED", task);
    await iterating;
    expect(seen).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
    expect(proxy.requests.filter((name) => name === "TaskEvents").length).toBeGreaterThanOrEqual(Math.ceil(25 / PAGE));
  }, 30_000);

  it("the stored levels of more LOG events than one page all arrive (one read per turn, paged)", async () => {
    const client = createClient({ url: server.url, token: CALLER_TOKEN });
    cleanups.push(() => client.close());
    const levels: LogLevel[] = ["DEBUG", "INFO", "WARN", "ERROR", "CRITICAL"];
    const logs: Array<[string, LogLevel]> = [];
    const called = client.call({ implementation: count }, { n: 1 }, { onLog: (message, level) => logs.push([message, level]) });
    const assign = await agent.next("ASSIGN", 10_000);
    const task = String(assign.task);
    await agent.reportAcked("STARTED", task);
    // 12 LOG events in one burst: the caller asks for their levels in one read, which takes three pages.
    for (let i = 0; i < 12; i++) agent.report("LOG", task, { message: `line ${i}`, level: levels[i % levels.length] });
    agent.report("YIELD", task, { returns: { return0: 1 } });
    await agent.reportAcked("COMPLETED", task);
    expect(await called).toEqual({ return0: 1 });
    expect(logs).toEqual(Array.from({ length: 12 }, (_, i) => [`line ${i}`, levels[i % levels.length]]));
  }, 30_000);

  it("a call by app/key finds an action beyond the first page of the app's actions", async () => {
    const client = createClient({ url: server.url, token: CALLER_TOKEN });
    cleanups.push(() => client.close());
    // `runtime-other` (the raw agent's app) has 13 actions: f11 is on the third page.
    const called = client.call({ app: "runtime-other", key: "f11", version: "1" }, {});
    const assign = await agent.next("ASSIGN", 10_000);
    await agent.reportAcked("STARTED", String(assign.task));
    await agent.reportAcked("COMPLETED", String(assign.task));
    expect(await called).toEqual({});
  }, 30_000);
});

describe("the CLI's key lookup reads every action", () => {
  it("`call <key>` finds an action beyond the first page of actions", async () => {
    const endpoint = { url: server.url, token: CALLER_TOKEN, urlFrom: "the --url flag", tokenFrom: "the --token flag", devTokenFile: undefined };
    const target = await resolveTarget(parseTarget("f11"), endpoint);
    expect(target).toEqual({ actionHash: expect.stringMatching(/^[0-9a-f]{64}$/) });
  });
});

describe("gen's actions stage reads every action of a selected app", () => {
  it("`gen --refresh-actions` with an app selector snapshots actions beyond the first page", async () => {
    const quiet = { debug() {}, info() {}, warn() {}, error() {} };
    const result = await generateActions({
      cwd: server.dataDir,
      config: { select: [{ app: "runtime-other" }] },
      refresh: true,
      url: server.url,
      token: CALLER_TOKEN,
      logger: quiet,
    });
    expect(result.diagnostics).toEqual([]);
    const snapshot = JSON.parse(result.files.find((file) => file.path.endsWith("actions.json"))!.content) as { actions: Array<{ key: string }> };
    expect(snapshot.actions.map((action) => action.key).sort()).toEqual(["count", ...MANY.map((impl) => impl.definition.key)].sort());
  });
});

describe("the agent reads all its implementations", () => {
  it("connect() serves every function when implementAgent's answer and the agent's list are longer than one page", async () => {
    expect(registry.implementations.length).toBeGreaterThan(2 * PAGE);
    const all = registry.implementations.map((impl) => impl.interface).sort();
    // First start: implementAgent answers one page of 5; the agent reads the rest.
    const first = await connect({ url: server.url, token: AGENT_TOKEN, registry, devTokenFile: false });
    cleanups.push(() => first.close());
    expect(first.implemented).toBe(true);
    expect(Object.keys(first.implementations).sort()).toEqual(all);
    await first.close();
    // Second start with the same definitions: implementAgent is skipped and the list is read page by page.
    const again = await connect({ url: server.url, token: AGENT_TOKEN, registry, devTokenFile: false });
    cleanups.push(() => again.close());
    expect(again.implemented).toBe(false);
    expect(Object.keys(again.implementations).sort()).toEqual(all);
    expect(again.implementations).toEqual(first.implementations);
  }, 30_000);
});
