/**
 * The agents area (issue 15): pins, higher-order links, cleanupActions, clients, reusableTaskFor,
 * stats, hardware records, the implementation and action subscriptions, reinit, and the upgrade
 * of a data dir written before the area's migration.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { describe, expect, it } from "vitest";
import { startServer } from "../../../src/server/index.js";
import { MIGRATIONS } from "../../../src/server/store/migrations.js";
import { STORE_FILE } from "../../../src/server/store/store.js";
import { ADD, PING, assign, getTask, implementAgent, implOf, setupAgent, type ImplementationInput } from "../helpers/fixture.js";
import { graphqlData, graphqlErrors } from "../helpers/graphql.js";
import { TEST_TIMING, TestServer, useSharedTestServer } from "../helpers/server.js";
import { populate } from "../walk/populate/agents.js";
import { T1, T2, T3, T4, TOKENS } from "../helpers/tokens.js";
import type { SubscriptionStream } from "../helpers/subscriptions.js";

const PURE_DOUBLE: ImplementationInput = {
  interface: "double",
  effect: "NONE",
  definition: {
    key: "double",
    version: "1",
    name: "Double",
    kind: "FUNCTION",
    collections: [],
    pure: true,
    args: [{ key: "x", kind: "INT", nullable: false }],
    returns: [{ key: "return0", kind: "INT", nullable: false }],
  },
};
const WRAPPER: ImplementationInput = {
  interface: "wrapped_add",
  effect: "NONE",
  definition: { key: "wrapped_add", version: "1", name: "Wrapped add", kind: "FUNCTION", collections: [], args: [], returns: [] },
};
const GEN: ImplementationInput = {
  interface: "gen",
  effect: "NONE",
  definition: { key: "gen", version: "1", name: "Gen", kind: "GENERATOR", collections: [], args: [], returns: [] },
};

const PIN_AGENT = "mutation P($input: PinInput!) { pinAgent(input: $input) { id pinned } }";
const PIN_IMPL = "mutation P($input: PinInput!) { pinImplementation(input: $input) { id pinned } }";
const SET_HIGHER = "mutation H($input: SetHigherOrderInput!) { setHigherOrder(input: $input) { id higherOrderFor { id } higherOrderConfig } }";

describe("agents area: pins, higher order, cleanup, clients, reusable runs, stats", () => {
  const server = useSharedTestServer();

  it("issue 15: pinAgent and pinImplementation pin for the viewer only, and unpinning clears it", async () => {
    const s = server();
    const fixture = await setupAgent(s, T1, [ADD, PING]);
    const add = implOf(fixture, "add").id;
    expect((await s.gql<{ pinAgent: { pinned: boolean } }>(T1, PIN_AGENT, { input: { id: fixture.agentId, pin: true } })).pinAgent.pinned).toBe(true);
    expect((await s.gql<{ pinImplementation: { pinned: boolean } }>(T1, PIN_IMPL, { input: { id: add, pin: true } })).pinImplementation.pinned).toBe(true);

    const read = "query R($a: ID!, $i: ID!) { agent(id: $a) { pinned } implementation(id: $i) { pinned } }";
    expect(await s.gql(T1, read, { a: fixture.agentId, i: add })).toEqual({ agent: { pinned: true }, implementation: { pinned: true } });
    // T2 is another user of the same organisation: T1's pins are not T2's
    expect(await s.gql(T2, read, { a: fixture.agentId, i: add })).toEqual({ agent: { pinned: false }, implementation: { pinned: false } });

    await s.gql(T1, PIN_AGENT, { input: { id: fixture.agentId, pin: false } });
    await s.gql(T1, PIN_IMPL, { input: { id: add, pin: false } });
    expect(await s.gql(T1, read, { a: fixture.agentId, i: add })).toEqual({ agent: { pinned: false }, implementation: { pinned: false } });
  });

  it("issue 18: a page of agents reads the viewer's pins once per query, and a mutation sees each pin it makes", async () => {
    const s = server();
    const one = await setupAgent(s, T1, [ADD]);
    const two = await setupAgent(s, T2, [PING]);
    const both = `mutation { a: pinAgent(input: { id: "${one.agentId}", pin: true }) { id pinned } b: pinAgent(input: { id: "${two.agentId}", pin: true }) { id pinned } }`;
    expect(await s.gql(T1, both)).toEqual({ a: { id: one.agentId, pinned: true }, b: { id: two.agentId, pinned: true } });
    await s.gql(T1, PIN_AGENT, { input: { id: two.agentId, pin: false } });
    const page = await s.gql<{ agents: Array<{ id: string; pinned: boolean }> }>(T1, "{ agents(pagination: { limit: 200 }) { id pinned } }");
    const pinned = new Map(page.agents.map((a) => [a.id, a.pinned]));
    expect([pinned.get(one.agentId), pinned.get(two.agentId)]).toEqual([true, false]);
    // T2's view: none of T1's pins
    const theirs = await s.gql<{ agents: Array<{ id: string; pinned: boolean }> }>(T2, "{ agents(pagination: { limit: 200 }) { id pinned } }");
    expect(theirs.agents.filter((a) => a.id === one.agentId || a.id === two.agentId).map((a) => a.pinned)).toEqual([false, false]);
  });

  it("issue 15: another organisation cannot pin, wrap or subscribe to lab's agents and implementations (not found)", async () => {
    const s = server();
    const fixture = await setupAgent(s, T1, [ADD, PING]);
    const add = implOf(fixture, "add").id;
    expect((await s.gqlErrors(T3, PIN_AGENT, { input: { id: fixture.agentId, pin: true } }))[0]).toContain(`Agent ${fixture.agentId} not found in organisation "elsewhere"`);
    expect((await s.gqlErrors(T3, PIN_IMPL, { input: { id: add, pin: true } }))[0]).toContain(`Implementation ${add} not found in organisation "elsewhere"`);
    const other = await setupAgent(s, T3, [ADD]);
    const errors = await s.gqlErrors(T3, SET_HIGHER, { input: { implementation: implOf(other, "add").id, lowerImplementation: add } });
    expect(errors[0]).toContain(`Implementation ${add} not found in organisation "elsewhere"`);
    expect((await s.gqlErrors(T3, "mutation { reinit(input: { agent: \"" + fixture.agentId + "\" }) }"))[0]).toContain("not found");
  });

  it("issue 18: a query reads an implementation's higher-order link once, a mutation after each change", async () => {
    const s = server();
    const fixture = await setupAgent(s, T1, [ADD, PING, WRAPPER]);
    const [add, ping, wrapper] = [implOf(fixture, "add").id, implOf(fixture, "ping").id, implOf(fixture, "wrapped_add").id];
    const both = await s.gql<Record<string, { higherOrderFor: { id: string } | null }>>(
      T1,
      `mutation M($w: ID!, $a: ID!, $p: ID!) {
        first: setHigherOrder(input: { implementation: $w, lowerImplementation: $a }) { higherOrderFor { id } }
        second: setHigherOrder(input: { implementation: $w, lowerImplementation: $p }) { higherOrderFor { id } }
      }`,
      { w: wrapper, a: add, p: ping },
    );
    expect(both).toEqual({ first: { higherOrderFor: { id: add } }, second: { higherOrderFor: { id: ping } } });
    const read = await s.gql<Record<string, unknown>>(
      T1,
      "query Q($w: ID!) { one: implementation(id: $w) { higherOrderFor { id } higherOrderConfig } two: implementation(id: $w) { higherOrderFor { id } } }",
      { w: wrapper },
    );
    expect(read).toEqual({ one: { higherOrderFor: { id: ping }, higherOrderConfig: {} }, two: { higherOrderFor: { id: ping } } });
  });

  it("issue 15: setHigherOrder links a wrapper to the implementation it wraps, with its config, and lists it on the lower one", async () => {
    const s = server();
    const fixture = await setupAgent(s, T1, [ADD, WRAPPER, GEN]);
    const add = implOf(fixture, "add").id;
    const wrapper = implOf(fixture, "wrapped_add").id;
    const config = { bound: { b: 1 }, return_map: {} };
    const set = await s.gql<{ setHigherOrder: unknown }>(T1, SET_HIGHER, { input: { implementation: wrapper, lowerImplementation: add, config } });
    expect(set.setHigherOrder).toEqual({ id: wrapper, higherOrderFor: { id: add }, higherOrderConfig: config });
    const lower = await s.gql<{ implementation: { lowerOrderImplementations: Array<{ id: string }> } }>(
      T1,
      "query L($id: ID!) { implementation(id: $id) { lowerOrderImplementations { id } } }",
      { id: add },
    );
    expect(lower.implementation.lowerOrderImplementations).toEqual([{ id: wrapper }]);

    // bad input names the field
    expect((await s.gqlErrors(T1, SET_HIGHER, { input: { implementation: add, lowerImplementation: add } }))[0]).toContain("input.lowerImplementation: an implementation cannot wrap itself");
    expect((await s.gqlErrors(T1, SET_HIGHER, { input: { implementation: add, lowerImplementation: wrapper, config: [1] } }))[0]).toContain("input.config: must be a JSON object");
    expect((await s.gqlErrors(T1, SET_HIGHER, { input: { implementation: implOf(fixture, "gen").id, lowerImplementation: add } }))[0]).toContain(
      "a GENERATOR wrapper cannot wrap a FUNCTION implementation",
    );
    expect((await s.gqlErrors(T1, SET_HIGHER, { input: { implementation: "x", lowerImplementation: add } }))[0]).toContain('Implementation x not found');
  });

  it("issue 15: cleanupActions deletes the organisation's actions no implementation references, with their tasks, and counts them", async () => {
    const s = server();
    const fixture = await setupAgent(s, T2, [ADD, PING]);
    const ping = implOf(fixture, "ping");
    const { socket } = await s.connectAgent(T2);
    const task = await assign(s, T2, { implementation: ping.id, args: {} });
    await socket.next("ASSIGN");
    await socket.reportAcked("STARTED", task.id);
    await socket.reportAcked("COMPLETED", task.id);
    // another organisation's unreferenced action must survive lab's cleanup
    const other = await setupAgent(s, T3, [ADD, PING]);
    await implementAgent(s, T3, [ADD]);
    await implementAgent(s, T2, [ADD]); // ping's implementation goes, its action stays

    expect((await s.gqlErrors(T2, "mutation { cleanupActions(actionIds: [\"x1\"]) }"))[0]).toContain("actionIds[0]: \"x1\" is no action id");
    const cleaned = await s.gql<{ cleanupActions: number }>(T2, "mutation C($ids: [ID!]) { cleanupActions(actionIds: $ids) }", { ids: [ping.actionId, implOf(fixture, "add").actionId] });
    expect(cleaned.cleanupActions).toBe(1);
    expect((await s.gqlErrors(T2, "query A($id: ID!) { action(id: $id) { id } }", { id: ping.actionId }))[0]).toContain("No action found");
    expect((await s.gqlErrors(T2, "query T($id: ID!) { task(id: $id) { id } }", { id: task.id }))[0]).toContain("not found");
    // add is still implemented: kept
    expect(await s.gql(T2, "query A($id: ID!) { action(id: $id) { id } }", { id: implOf(fixture, "add").actionId })).toEqual({ action: { id: implOf(fixture, "add").actionId } });
    expect(await s.gql(T3, "query A($id: ID!) { action(id: $id) { id } }", { id: implOf(other, "ping").actionId })).toEqual({ action: { id: implOf(other, "ping").actionId } });
  });

  it("issue 15: clients lists the organisation's clients with release and device; mine and hasImplementationsFor filter them", async () => {
    const s = server();
    const one = await setupAgent(s, T1, [ADD]);
    await setupAgent(s, T2, [PING]);
    await setupAgent(s, T3, [ADD]);
    const q = "query C($f: ClientFilter) { clients(filters: $f) { id clientId name release { version app { identifier } } device { deviceId } } }";
    const lab = await s.gql<{ clients: Array<{ clientId: string; release: { app: { identifier: string } }; device: { deviceId: string } | null }> }>(T1, q, {});
    expect(lab.clients.map((c) => c.clientId).sort()).toEqual(["client-one", "client-two"]);
    expect(lab.clients.find((c) => c.clientId === "client-one")).toMatchObject({ release: { version: "1.0.0", app: { identifier: "app-one" } }, device: { deviceId: "static_device" } });
    const mine = await s.gql<{ clients: Array<{ clientId: string }> }>(T1, q, { f: { mine: true } });
    expect(mine.clients.map((c) => c.clientId)).toEqual(["client-one"]);
    const withAdd = await s.gql<{ clients: Array<{ clientId: string }> }>(T1, q, { f: { hasImplementationsFor: [implOf(one, "add").actionHash] } });
    expect(withAdd.clients.map((c) => c.clientId)).toEqual(["client-one"]);
    const elsewhere = await s.gql<{ clients: Array<{ clientId: string }> }>(T3, q, {});
    expect(elsewhere.clients.map((c) => c.clientId)).toEqual(["client-three"]);
    const device = await s.gql(T1, "query D($id: ID!) { agent(id: $id) { device { id deviceId } } }", { id: one.agentId });
    expect(device).toEqual({ agent: { device: { id: "static_device", deviceId: "static_device" } } });
  });

  it("issue 15: reusableTaskFor finds the latest completed run of a pure action with the same args, in the viewer's organisation only", async () => {
    const s = server();
    const fixture = await setupAgent(s, T1, [PURE_DOUBLE]);
    const double = implOf(fixture, "double");
    const { socket } = await s.connectAgent(T1);
    const task = await assign(s, T2, { implementation: double.id, args: { x: 21 } });
    await socket.next("ASSIGN");
    await socket.reportAcked("STARTED", task.id);
    socket.report("YIELD", task.id, { returns: { return0: 42 } });
    await socket.reportAcked("COMPLETED", task.id);
    expect((await getTask(s, T2, task.id)).latestEventKind).toBe("COMPLETED");

    const q = "query R($h: String!, $args: Args!) { reusableTaskFor(actionHash: $h, args: $args) { id } }";
    expect(await s.gql(T2, q, { h: double.actionHash, args: { x: 21 } })).toEqual({ reusableTaskFor: { id: task.id } });
    expect(await s.gql(T2, q, { h: double.actionHash, args: { x: 22 } })).toEqual({ reusableTaskFor: null });
    expect(await s.gql(T3, q, { h: double.actionHash, args: { x: 21 } })).toEqual({ reusableTaskFor: null });
    expect((await s.gqlErrors(T2, q, { h: " ", args: { x: 21 } }))[0]).toContain("actionHash: must not be empty");
    await socket.close();
  });

  it("issue 15: taskStats and actionStats count, aggregate and bucket the organisation's rows with the schema's filters", async () => {
    const s = server();
    const fixture = await setupAgent(s, T4, [ADD, PING]);
    const ping = implOf(fixture, "ping");
    const { socket } = await s.connectAgent(T4);
    const a = await assign(s, T4, { implementation: ping.id, args: {} });
    const b = await assign(s, T4, { implementation: ping.id, args: {} });
    await socket.next("ASSIGN");
    await socket.reportAcked("STARTED", a.id);
    await socket.reportAcked("COMPLETED", a.id);

    const q = `query S($f: TaskFilter) { taskStats(filters: $f) { count distinctCount(field: CREATED_AT) min(field: CREATED_AT) max(field: CREATED_AT)
      series(field: CREATED_AT, timestampField: CREATED_AT, by: DAY) { ts count } } }`;
    const all = await s.gql<{ taskStats: { count: number; min: number; max: number; series: Array<{ ts: string; count: number }> } }>(T4, q, { f: { action: ping.actionId } });
    expect(all.taskStats.count).toBe(2);
    expect(all.taskStats.max).toBeGreaterThanOrEqual(all.taskStats.min);
    const today = `${new Date().toISOString().slice(0, 10)}T00:00:00.000Z`;
    expect(all.taskStats.series).toEqual([{ ts: today, count: 2 }]);
    const done = await s.gql<{ taskStats: { count: number } }>(T4, q, { f: { action: ping.actionId, isDone: true } });
    expect(done.taskStats.count).toBe(1);
    const either = await s.gql<{ taskStats: { count: number } }>(T4, q, { f: { ids: [a.id], OR: { ids: [b.id] } } });
    expect(either.taskStats.count).toBe(2);
    const elsewhere = await s.gql<{ taskStats: { count: number } }>(T3, q, { f: { action: ping.actionId } });
    expect(elsewhere.taskStats.count).toBe(0);
    expect((await s.gqlErrors(T4, q, { f: { createdBefore: "yesterday" } }))[0]).toContain("filters.createdBefore: not a date-time");

    const aq = "query A($f: ActionFilter) { actionStats(filters: $f) { count series(field: CREATED_AT, timestampField: CREATED_AT, by: YEAR) { ts count } } }";
    const actions = await s.gql<{ actionStats: { count: number; series: Array<{ ts: string; count: number }> } }>(T4, aq, { f: { appIdentifier: "app-four" } });
    expect(actions.actionStats.count).toBe(2);
    expect(actions.actionStats.series).toEqual([{ ts: `${new Date().getUTCFullYear()}-01-01T00:00:00.000Z`, count: 2 }]);
    const named = await s.gql<{ actionStats: { count: number } }>(T4, aq, { f: { appIdentifier: "app-four", name: { iExact: "PING" } } });
    expect(named.actionStats.count).toBe(1);
    expect((await s.gqlErrors(T4, aq, { f: { protocols: ["x"] } }))[0]).toContain("filters.protocols: port and protocol matching is not served");
    await socket.close();
  });

  it("issue 15: hardwareRecords is empty and hardwareRecord not found: agents have no way to report hardware", async () => {
    const s = server();
    expect(await s.gql(T1, "{ hardwareRecords { id } }")).toEqual({ hardwareRecords: [] });
    expect((await s.gqlErrors(T1, "{ hardwareRecord(id: \"1\") { id } }"))[0]).toContain("HardwareRecord 1 not found");
  });
});

/** The data of the first result matching `match`, waiting for it (results with errors are skipped). */
async function dataOf<T>(stream: SubscriptionStream<T>, match: (data: T) => boolean, timeoutMs = 5000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const found = stream.received.find((r) => r.data && match(r.data));
    if (found?.data) return found.data;
    if (Date.now() > until) throw new Error(`no matching result in ${timeoutMs} ms; received ${JSON.stringify(stream.received)}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe("agents area: subscriptions", () => {
  const server = useSharedTestServer();

  it("issue 15: implementations(agent) delivers create, update and delete of the agent's implementations; implementationChange its updates; newActions new definitions", async () => {
    const s = server();
    const fixture = await setupAgent(s, T1, [ADD]);
    const add = implOf(fixture, "add").id;
    const client = await s.subscriptionClient("graphql-transport-ws", T1);
    // ImplementationUpdate's fields are all non-null while an event is one of them: one field per subscription
    type Update = { implementations: { create?: { id: string; interface: string }; update?: { id: string; interface: string }; delete?: string } };
    const creates = await client.subscribe<Update>("subscription S($a: ID!) { implementations(agent: $a) { create { id interface } } }", { a: fixture.agentId });
    const updates = await client.subscribe<Update>("subscription S($a: ID!) { implementations(agent: $a) { update { id interface } } }", { a: fixture.agentId });
    const deletes = await client.subscribe<Update>("subscription S($a: ID!) { implementations(agent: $a) { delete } }", { a: fixture.agentId });
    const changes = await client.subscribe<{ implementationChange: { id: string; pinned: boolean } }>("subscription C($i: ID!) { implementationChange(implementation: $i) { id pinned } }", { i: add });
    const actions = await client.subscribe<{ newActions: { name: string } }>('subscription N { newActions(cage: "any") { name } }');
    // another organisation's subscriber never hears of lab's changes
    const outsider = await s.subscriptionClient("graphql-transport-ws", T3);
    const outsiderActions = await outsider.subscribe<{ newActions: { name: string } }>('subscription N { newActions(cage: "any") { name } }');

    await implementAgent(s, T1, [ADD, PING]);
    const created = await dataOf(creates, (d) => d.implementations.create?.interface === "ping");
    const pingId = created.implementations.create!.id;
    expect(await dataOf(updates, (d) => d.implementations.update?.id === add)).toEqual({ implementations: { update: { id: add, interface: "add" } } });
    expect((await actions.next((d) => d.newActions.name === "Ping")).newActions.name).toBe("Ping");

    await s.gql(T1, PIN_IMPL, { input: { id: add, pin: true } });
    expect((await changes.next((d) => d.implementationChange.pinned)).implementationChange).toEqual({ id: add, pinned: true });

    await s.gql(T1, "mutation D($input: DeleteImplementationInput!) { deleteImplementation(input: $input) }", { input: { implementation: pingId } });
    expect(await dataOf(deletes, (d) => d.implementations.delete === pingId)).toEqual({ implementations: { delete: pingId } });
    // the other kinds reach a one-field subscriber as the non-null error, never as wrong data
    expect(creates.received.some((r) => r.errors?.[0]?.message.includes("ImplementationUpdate.create"))).toBe(true);
    await outsiderActions.expectNothing(undefined, 300);

    // subscribing to another organisation's agent or implementation is refused
    const refused = await outsider.subscribe<unknown>("subscription S($a: ID!) { implementations(agent: $a) { delete } }", { a: fixture.agentId });
    await expect(refused.next(undefined, 2000)).rejects.toThrow(/not found in organisation "elsewhere"/);
  });
});

describe("agents area: reinit", () => {
  // a long grace: without reinit the lost work would wait a minute for its fate
  const server = useSharedTestServer({ graceMs: 60_000 });

  it("issue 15: reinit gives a lost agent's in-flight task its disconnect fate now, and sends nothing to live agents", async () => {
    const s = server();
    const fixture = await setupAgent(s, T1, [PING]);
    const { socket } = await s.connectAgent(T1);
    const task = await assign(s, T2, { implementation: implOf(fixture, "ping").id, args: {} });
    await socket.next("ASSIGN");
    await socket.reportAcked("STARTED", task.id);
    await socket.close();
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect((await getTask(s, T2, task.id)).latestEventKind).toBe("STARTED");

    const live = await setupAgent(s, T4, [ADD]);
    const { socket: other } = await s.connectAgent(T4);
    const before = other.history.filter((f) => f.type !== "HEARTBEAT").length;

    expect(await s.gql(T2, "mutation R($a: ID) { reinit(input: { agent: $a }) }", { a: fixture.agentId })).toEqual({ reinit: "ok" });
    expect((await getTask(s, T2, task.id)).latestEventKind).toBe("DISCONNECTED");
    // the organisation-wide form leaves the live agent alone and sends it nothing
    expect(await s.gql(T4, "mutation { reinit(input: {}) }")).toEqual({ reinit: "ok" });
    expect((await s.gql<{ agent: { active: boolean } }>(T4, "query A($id: ID!) { agent(id: $id) { active } }", { id: live.agentId })).agent.active).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(other.history.filter((f) => f.type !== "HEARTBEAT").length).toBe(before);
  });
});

describe("agents area: migration", () => {
  it("issue 15: a data dir written before the agents migration (user_version 3) upgrades, its clients backfilled from its agents", async () => {
    const dataDir = await mkdtemp(join(tmpdir(), "arkitekt-agents-upgrade-"));
    try {
      const db = new Database(join(dataDir, STORE_FILE));
      for (const migration of MIGRATIONS.slice(0, 3)) db.exec(migration);
      db.pragma("user_version = 3");
      db.prepare(
        "INSERT INTO agent (org, client_id, user_sub, iss, app, release, name, created_at) VALUES ('lab', 'client-one', '1', 'static_issuer', 'app-one', '1.0.0', 'old agent', ?)",
      ).run(Date.now());
      db.close();

      const handle = await startServer({ host: "127.0.0.1", port: 0, tokens: TOKENS, ...TEST_TIMING, dataDir });
      try {
        const data = await graphqlData<{ clients: Array<{ clientId: string; release: { version: string } }>; agents: Array<{ id: string; pinned: boolean }> }>(
          handle.graphqlUrl,
          T1,
          "{ clients { clientId release { version } } agents { id pinned } }",
        );
        expect(data.clients).toEqual([{ clientId: "client-one", release: { version: "1.0.0" } }]);
        const agentId = data.agents[0]!.id;
        const pinned = await graphqlData<{ pinAgent: { pinned: boolean } }>(handle.graphqlUrl, T1, PIN_AGENT, { input: { id: agentId, pin: true } });
        expect(pinned.pinAgent.pinned).toBe(true);
        expect(await graphqlErrors(handle.graphqlUrl, T1, PIN_AGENT, { input: { id: "", pin: true } })).toEqual([expect.stringContaining("not found")]);
      } finally {
        await handle.close();
      }
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});

describe("agents area: locks", () => {
  it("issue 15: implementAgent(locks) stores the agent's locks and LOCK / UNLOCK frames set and clear their holder; an empty key is refused naming it", async () => {
    const dataDir = await mkdtemp(join(tmpdir(), "arkitekt-agents-locks-"));
    try {
      const handle = await startServer({ host: "127.0.0.1", port: 0, tokens: TOKENS, ...TEST_TIMING, dataDir });
      const s = new TestServer(handle, dataDir, {});
      let taskId = "";
      try {
        const implement = "mutation I($input: ImplementAgentInput!) { implementAgent(input: $input) { id } }";
        const refused = await s.gqlErrors(T1, implement, { input: { implementations: [PING], locks: [{ key: " ", definition: { key: "x" } }] } });
        expect(refused[0]).toContain("input.locks[0].key: must not be empty");
        const fixture = await setupAgent(s, T1, [PING]);
        await s.gql(T1, implement, { input: { implementations: [PING], locks: [{ key: "stage", definition: { key: "stage", description: "the microscope stage" } }] } });
        const { socket } = await s.connectAgent(T1);
        taskId = (await assign(s, T1, { implementation: implOf(fixture, "ping").id, args: {} })).id;
        await socket.next("ASSIGN");
        await socket.reportAcked("STARTED", taskId);
        socket.send({ type: "LOCK", key: "stage", task: taskId });
        socket.send({ type: "LOCK", key: "camera", task: taskId });
        socket.send({ type: "LOCK", key: "laser", task: "999999" });
        socket.send({ type: "UNLOCK", key: "camera" });
        await socket.reportAcked("COMPLETED", taskId);
        expect(socket.isOpen).toBe(true);
      } finally {
        await handle.close();
      }
      const db = new Database(join(dataDir, STORE_FILE), { readonly: true });
      const locks = db.prepare("SELECT org, key, description, hold_by FROM agent_lock ORDER BY key").all();
      db.close();
      expect(locks).toEqual([
        { org: "lab", key: "camera", description: null, hold_by: null },
        { org: "lab", key: "stage", description: "the microscope stage", hold_by: Number(taskId) },
      ]);
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});

describe("agents area: walk population", () => {
  const server = useSharedTestServer();

  it("issue 15: the walk's populate for the agents area fills pins and a higher-order link through the public API", async () => {
    const s = server();
    const fixture = await setupAgent(s, T1, [ADD, PING]);
    const { socket } = await s.connectAgent(T1);
    await populate({ server: s, token: T1, org: "lab", gql: (query, variables) => s.gql(T1, query, variables), agent: { id: fixture.agentId, socket, impl: fixture.impl }, taskId: "" });
    const read = await s.gql(T1, "query R($id: ID!) { agent(id: $id) { pinned implementations { interface pinned higherOrderFor { interface } higherOrderConfig } } }", { id: fixture.agentId });
    expect(read).toEqual({
      agent: {
        pinned: true,
        implementations: [
          { interface: "add", pinned: true, higherOrderFor: null, higherOrderConfig: {} },
          { interface: "ping", pinned: false, higherOrderFor: { interface: "add" }, higherOrderConfig: { bound: { note: "wrapped in lab" } } },
        ],
      },
    });
  });
});
