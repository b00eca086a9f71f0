/**
 * Issue 15, the server side of agent state (src/server/areas/state): states declared through
 * implementAgent, the agent's SESSION_INIT / STATE_SNAPSHOT / STATE_PATCH frames, the queries over
 * the current value and the history, the subscriptions, organisation isolation and refused input.
 */
import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { ADD, PING, assign, implOf, setupAgent } from "../helpers/fixture.js";
import { useTestServer } from "../helpers/server.js";
import { COUNTER, STAGE, implementStates, sessionInit, statePatch, stateSnapshot } from "../helpers/state.js";
import { SUBSCRIPTION_PROTOCOLS } from "../helpers/subscriptions.js";
import { T1, T3 } from "../helpers/tokens.js";
import { pollUntil } from "../helpers/wait.js";
import { populate } from "../walk/populate/state.js";

const STATE = /* GraphQL */ `
  query State($id: ID!) { state(id: $id) { id interface key appIdentifier createdAt updatedAt agent { id } definition { id hash name ports { key kind } } } }
`;
const STATES = "query { states { id interface } stateDefinitions { id name } }";

interface WatchEvent {
  watchState: {
    __typename: "StateSnapshotEvent" | "StatePatchEvent";
    stateId: string;
    agentId: string;
    interface: string;
    value: unknown;
    globalRevision: number;
    sessionId: string;
    op?: string;
    path?: string;
  };
}
const WATCH_STATE = /* GraphQL */ `
  subscription Watch($stateId: ID) {
    watchState(stateId: $stateId) {
      __typename
      ... on StateSnapshotEvent { stateId agentId interface value globalRevision sessionId timestamp }
      ... on StatePatchEvent { stateId agentId interface op path value globalRevision sessionId timestamp }
    }
  }
`;

/** The current value as the server keeps it: the last stateAtGlobalRev of the current session. */
async function currentValue(server: ReturnType<ReturnType<typeof useTestServer>>, token: string, stateId: string, rev: number): Promise<unknown> {
  const data = await server.gql<{ stateAtGlobalRev: Array<{ value: unknown; globalRevision: number }> }>(
    token,
    "query($rev: Int!, $id: ID) { stateAtGlobalRev(globalRevision: $rev, stateId: $id) { value globalRevision } }",
    { rev, id: stateId },
  );
  return data.stateAtGlobalRev[0];
}

describe("issue 15: agent state on the server", () => {
  const server = useTestServer();

  it("issue 15: implementAgent stores a state definition and one State per agent and interface; a state no longer declared is deleted", async () => {
    const s = server();
    const { agentId, states } = await implementStates(s, T1, [COUNTER, STAGE]);
    expect(Object.keys(states).sort()).toEqual(["counter", "stage"]);
    const counter = states.counter!;
    expect(counter).toMatchObject({ interface: "counter", key: "counter", definition: { name: "Counter" } });
    expect(counter.definition.ports.map((p) => p.key)).toEqual(["count", "last", "items"]);
    expect(counter.definition.hash).toMatch(/^[0-9a-f]{64}$/);

    const read = await s.gql<{ state: { id: string; agent: { id: string }; appIdentifier: string | null } }>(T1, STATE, { id: counter.id });
    expect(read.state.agent.id).toBe(agentId);
    expect(read.state.appIdentifier).toBeTruthy();

    const found = await s.gql<{ byHash: { id: string }; byKey: { id: string }; definition: { name: string } }>(
      T1,
      `query($a: ID!, $h: String!, $d: ID!) { byHash: stateFor(agent: $a, stateHash: $h) { id } byKey: stateFor(agent: $a, demand: {key: "stage"}) { id }
         definition: stateDefinition(id: $d) { name } }`,
      { a: agentId, h: counter.definition.hash, d: counter.definition.id },
    );
    expect(found).toEqual({ byHash: { id: counter.id }, byKey: { id: states.stage!.id }, definition: { name: "Counter" } });

    // implementing again without "stage" deletes it; "counter" keeps its id
    const again = await implementStates(s, T1, [COUNTER]);
    expect(Object.keys(again.states)).toEqual(["counter"]);
    expect(again.states.counter!.id).toBe(counter.id);
    const errors = await s.gqlErrors(T1, STATE, { id: states.stage!.id });
    expect(errors.join()).toMatch(/State \d+ not found in organisation "lab"/);
    const listed = await s.gql<{ states: Array<{ id: string }>; stateDefinitions: Array<{ name: string }> }>(T1, STATES);
    expect(listed.states.map((x) => x.id)).toEqual([counter.id]);
    expect(listed.stateDefinitions.map((d) => d.name).sort()).toEqual(["Counter", "Stage"]);
  });

  it("issue 15: SESSION_INIT then STATE_PATCH frames keep the current value, stored as a session with its snapshot and patches", async () => {
    const s = server();
    const { agentId, states } = await implementStates(s, T1, [COUNTER]);
    const { socket } = await s.connectAgent(T1);
    const task = await setupAgent(s, T1, [ADD]).then((f) => assign(s, T1, { implementation: implOf(f, "add").id, args: { a: 1, b: 2 } }));
    // the second implementAgent (setupAgent) did not declare states: they are kept (states: null leaves them)
    sessionInit(socket, "session-1", { counter: { count: 0, last: null, items: [] } });
    statePatch(socket, "session-1", 1, "counter", { op: "replace", path: "/count", value: 1, task_id: task.id });
    statePatch(socket, "session-1", 2, "counter", { op: "add", path: "/items/-", value: "a" });
    statePatch(socket, "session-1", 3, "counter", { op: "replace", path: "/last", value: "a" });

    const at = await pollUntil(
      () => currentValue(s, T1, states.counter!.id, 1_000_000),
      (v) => (v as { globalRevision?: number } | undefined)?.globalRevision === 3,
      { what: "the three patches" },
    );
    expect(at).toEqual({ value: { count: 1, last: "a", items: ["a"] }, globalRevision: 3 });

    const sessions = await s.gql<{
      sessions: Array<{ id: string; agent: { id: string }; startedAt: string; endedAt: string | null; snapshots: Array<{ globalRevision: number; value: unknown; sessionId: string }>; patches: Array<{ op: string; path: string; value: unknown; currentRevision: number; futureRevision: number; globalCurrentRevision: number; globalFutureRevision: number; sessionId: string; interface: string; task: { id: string } | null; patch: { op: string } }> }>;
    }>(
      T1,
      `query { sessions { id agent { id } startedAt endedAt snapshots { globalRevision value sessionId }
         patches { op path value currentRevision futureRevision globalCurrentRevision globalFutureRevision sessionId interface task { id } patch { op } } } }`,
    );
    expect(sessions.sessions).toHaveLength(1);
    const session = sessions.sessions[0]!;
    expect(session).toMatchObject({ agent: { id: agentId }, endedAt: null, snapshots: [{ globalRevision: 0, value: { count: 0, last: null, items: [] }, sessionId: "session-1" }] });
    expect(session.patches.map((p) => [p.op, p.path, p.currentRevision, p.futureRevision, p.globalCurrentRevision, p.globalFutureRevision])).toEqual([
      ["replace", "/count", 0, 1, 0, 1],
      ["add", "/items/-", 1, 2, 1, 2],
      ["replace", "/last", 2, 3, 2, 3],
    ]);
    expect(session.patches[0]).toMatchObject({ value: 1, sessionId: "session-1", interface: "counter", task: { id: task.id }, patch: { op: "replace" } });

    // the value at an earlier revision is rebuilt from the snapshot and the patches up to it
    expect(await currentValue(s, T1, states.counter!.id, 1)).toEqual({ value: { count: 1, last: null, items: [] }, globalRevision: 1 });
    const bound = await s.gql<{ taskBoundaries: { startGlobalRevision: number; endGlobalRevision: number } | null; sessionBoundaries: { startGlobalRevision: number; endGlobalRevision: number } | null }>(
      T1,
      `query($task: String!) { taskBoundaries(correlationId: $task) { startGlobalRevision endGlobalRevision }
         sessionBoundaries(sessionId: "session-1") { startGlobalRevision endGlobalRevision } }`,
      { task: task.id },
    );
    expect(bound.taskBoundaries).toEqual({ startGlobalRevision: 0, endGlobalRevision: 1 });
    expect(bound.sessionBoundaries).toEqual({ startGlobalRevision: 0, endGlobalRevision: 3 });
    const forward = await s.gql<{ forwardEventsAfterRev: Array<{ globalFutureRevision: number }>; patchEventsBetweenGlobalRevs: Array<{ globalFutureRevision: number }> }>(
      T1,
      `query { forwardEventsAfterRev(globalRevision: 1, count: 10) { globalFutureRevision }
         patchEventsBetweenGlobalRevs(fromGlobalRevision: 0, toGlobalRevision: 2) { globalFutureRevision } }`,
    );
    expect(forward.forwardEventsAfterRev.map((p) => p.globalFutureRevision)).toEqual([2, 3]);
    expect(forward.patchEventsBetweenGlobalRevs.map((p) => p.globalFutureRevision)).toEqual([1, 2]);
    const local = await s.gql<{ stateAtLocalRev: Array<{ value: unknown; revision: number }>; snapshotsAroundRev: Array<{ revision: number; globalRevision: number }> }>(
      T1,
      `query($id: ID) { stateAtLocalRev(revision: 2, stateId: $id, sessionId: "session-1") { value revision }
         snapshotsAroundRev(revision: 0, stateId: $id) { revision globalRevision } }`,
      { id: states.counter!.id },
    );
    expect(local.stateAtLocalRev).toEqual([{ value: { count: 1, last: null, items: ["a"] }, revision: 2 }]);
    expect(local.snapshotsAroundRev).toEqual([{ revision: 0, globalRevision: 0 }]);
  });

  it.each(SUBSCRIPTION_PROTOCOLS)("issue 15: a watchState subscriber (%s) gets the current snapshot first, then the agent's patches live", async (protocol) => {
    const s = server();
    const { states } = await implementStates(s, T1, [COUNTER]);
    const { socket } = await s.connectAgent(T1);
    sessionInit(socket, "s1", { counter: { count: 5, last: null, items: [] } });
    statePatch(socket, "s1", 1, "counter", { op: "replace", path: "/count", value: 6 });
    await pollUntil(() => currentValue(s, T1, states.counter!.id, 1), (v) => v !== undefined && (v as { globalRevision: number }).globalRevision === 1);

    const client = await s.subscriptionClient(protocol, T1);
    const watch = await client.subscribe<WatchEvent>(WATCH_STATE, { stateId: states.counter!.id });
    const first = await watch.next();
    expect(first.watchState).toMatchObject({ __typename: "StateSnapshotEvent", stateId: states.counter!.id, interface: "counter", value: { count: 6, last: null, items: [] }, globalRevision: 1, sessionId: "s1" });

    statePatch(socket, "s1", 2, "counter", { op: "replace", path: "/count", value: 7 });
    statePatch(socket, "s1", 3, "counter", { op: "add", path: "/items/-", value: "x" });
    const p1 = await watch.next();
    const p2 = await watch.next();
    expect([p1.watchState, p2.watchState].map((e) => [e.__typename, e.op, e.path, e.value, e.globalRevision])).toEqual([
      ["StatePatchEvent", "replace", "/count", 7, 2],
      ["StatePatchEvent", "add", "/items/-", "x", 3],
    ]);

    // a new session (agent restart) reaches the watcher as a new snapshot
    sessionInit(socket, "s2", { counter: { count: 0, last: null, items: [] } });
    const fresh = await watch.next();
    expect(fresh.watchState).toMatchObject({ __typename: "StateSnapshotEvent", sessionId: "s2", globalRevision: 0, value: { count: 0 } });
    // the new session ended the old one; sessions are ordered and filtered in SQL
    const sessions = await s.gql<{ sessions: Array<{ endedAt: string | null; snapshots: Array<{ sessionId: string }> }>; none: unknown[] }>(
      T1,
      `query($a: ID!) { sessions(filters: {agent: $a}, ordering: [{startedAt: DESC}]) { endedAt snapshots { sessionId } }
         none: sessions(filters: {ids: ["999999"]}) { id } }`,
      { a: first.watchState.agentId },
    );
    expect(sessions.sessions.map((x) => [x.snapshots[0]?.sessionId, x.endedAt === null])).toEqual([
      ["s2", true],
      ["s1", false],
    ]);
    expect(sessions.none).toEqual([]);
  });

  it("issue 15: watchAgent yields the values of every state of the agent, then patches; stateUpdateEvents and latestPatches follow changes", async () => {
    const s = server();
    const { agentId, states } = await implementStates(s, T1, [COUNTER, STAGE]);
    const { socket } = await s.connectAgent(T1);
    sessionInit(socket, "s1", { counter: { count: 1, last: null, items: [] }, stage: { x: 0.5 } });
    await pollUntil(() => currentValue(s, T1, states.stage!.id, 0), (v) => v !== undefined);

    const client = await s.subscriptionClient("graphql-transport-ws", T1);
    const agentWatch = await client.subscribe<{ watchAgent: { __typename: string; values?: unknown; op?: string; interface?: string; globalRevision: number } }>(
      `subscription($a: ID!) { watchAgent(agentId: $a) { __typename ... on AgentSnapshotEvent { agentId values globalRevision sessionId timestamp }
         ... on StatePatchEvent { interface op path value globalRevision } } }`,
      { a: agentId },
    );
    const updates = await client.subscribe<{ stateUpdateEvents: { id: string; interface: string } }>(`subscription($id: ID!) { stateUpdateEvents(stateId: $id) { id interface } }`, { id: states.stage!.id });
    const latest = await client.subscribe<{ latestPatches: { interface: string; value: unknown; state: { id: string } } }>(`subscription($a: ID) { latestPatches(agent: $a) { interface value state { id } } }`, { a: agentId });

    const snapshot = await agentWatch.next();
    expect(snapshot.watchAgent).toMatchObject({ __typename: "AgentSnapshotEvent", values: { counter: { count: 1, last: null, items: [] }, stage: { x: 0.5 } }, globalRevision: 0 });
    statePatch(socket, "s1", 1, "stage", { op: "replace", path: "/x", value: 1.5 });
    expect((await agentWatch.next()).watchAgent).toMatchObject({ __typename: "StatePatchEvent", interface: "stage", op: "replace", globalRevision: 1 });
    expect((await updates.next()).stateUpdateEvents).toEqual({ id: states.stage!.id, interface: "stage" });
    expect((await latest.next()).latestPatches).toEqual({ interface: "stage", value: 1.5, state: { id: states.stage!.id } });
  });

  it("issue 15: the released Python agent's state frames (model_dump_json: every field, nulls included) keep the value", async () => {
    const s = server();
    const { states } = await implementStates(s, T1, [STAGE]);
    const { socket } = await s.connectAgent(T1);
    const session = randomUUID();
    // rekuest_next/agents/base.py: ainit_states publishes a StateSnapshot at global_rev 0, then a StatePatch per change
    socket.send({ id: randomUUID(), type: "STATE_SNAPSHOT", session_id: session, global_rev: 0, snapshots: { stage: { x: 0.0 } } });
    socket.send({ id: randomUUID(), type: "STATE_PATCH", session_id: session, global_rev: 1, state_name: "stage", ts: 1764331200.123456, op: "replace", path: "/x", value: 2.5, old_value: null, task_id: null });
    const value = await pollUntil(() => currentValue(s, T1, states.stage!.id, 1), (v) => v !== undefined && (v as { globalRevision: number }).globalRevision === 1);
    expect(value).toEqual({ value: { x: 2.5 }, globalRevision: 1 });
    expect(socket.seen("PROTOCOL_ERROR")).toEqual([]);
  });

  it("issue 15: another organisation sees none of the lab's states, definitions, sessions or patches", async () => {
    const s = server();
    const { agentId, states } = await implementStates(s, T1, [COUNTER]);
    const { socket } = await s.connectAgent(T1);
    sessionInit(socket, "lab-session", { counter: { count: 1, last: null, items: [] } });
    statePatch(socket, "lab-session", 1, "counter", { op: "replace", path: "/count", value: 2 });
    await pollUntil(() => currentValue(s, T1, states.counter!.id, 1), (v) => v !== undefined && (v as { globalRevision: number }).globalRevision === 1);
    const labSession = (await s.gql<{ sessions: Array<{ id: string }> }>(T1, "query { sessions { id } }")).sessions[0]!.id;

    const lists = await s.gql<Record<string, unknown[]>>(
      T3,
      `query { states { id } stateDefinitions { id } sessions { id } stateAtGlobalRev(globalRevision: 5) { id }
         forwardEventsAfterRev(globalRevision: 0) { id } patchEventsBetweenGlobalRevs(fromGlobalRevision: 0, toGlobalRevision: 9) { id }
         snapshotsAroundRev(revision: 0) { id } }`,
    );
    for (const [field, rows] of Object.entries(lists)) expect(rows, field).toEqual([]);
    const bounds = await s.gql<{ sessionBoundaries: unknown; taskBoundaries: unknown }>(T3, `query { sessionBoundaries(sessionId: "lab-session") { sessionId } taskBoundaries(correlationId: "x") { correlationId } }`);
    expect(bounds).toEqual({ sessionBoundaries: null, taskBoundaries: null });

    expect((await s.gqlErrors(T3, STATE, { id: states.counter!.id })).join()).toMatch(`State ${states.counter!.id} not found in organisation "elsewhere"`);
    expect((await s.gqlErrors(T3, "query($id: ID!) { session(id: $id) { id } }", { id: labSession })).join()).toMatch(`Session ${labSession} not found in organisation "elsewhere"`);
    expect((await s.gqlErrors(T3, "query($id: ID!) { stateDefinition(id: $id) { id } }", { id: states.counter!.definition.id })).join()).toMatch(/not found in organisation "elsewhere"/);
    expect((await s.gqlErrors(T3, `query($a: ID!) { stateFor(agent: $a, stateHash: "x") { id } }`, { a: agentId })).join()).toMatch(/not found in organisation "elsewhere"/);
    const client = await s.subscriptionClient("graphql-transport-ws", T3);
    const watch = await client.subscribe<WatchEvent>(WATCH_STATE, { stateId: states.counter!.id });
    await expect(watch.next()).rejects.toThrow(/not found in organisation "elsewhere"/);
  });

  it("issue 15: bad state input and bad frames are refused naming the field; the socket stays open", async () => {
    const s = server();
    const dup = await s.gqlErrors(T1, "mutation($i: ImplementAgentInput!) { implementAgent(input: $i) { id } }", { i: { implementations: [], states: [COUNTER, COUNTER] } });
    expect(dup.join()).toMatch(/input\.states\[1\]\.interface: "counter" is declared twice/);
    const empty = await s.gqlErrors(T1, "mutation($i: ImplementAgentInput!) { implementAgent(input: $i) { id } }", { i: { implementations: [], states: [{ ...COUNTER, interface: "" }] } });
    expect(empty.join()).toMatch(/input\.states\[0\]\.interface: must not be empty/);

    const { states } = await implementStates(s, T1, [COUNTER], [PING]);
    const { socket } = await s.connectAgent(T1);
    sessionInit(socket, "s1", { nothere: {} });
    expect((await socket.next("PROTOCOL_ERROR")).error).toMatch(/SESSION_INIT\.states\.nothere: agent \d+ declares no state "nothere"/);
    sessionInit(socket, "s1", { counter: { count: 0, last: null, items: [] } });
    statePatch(socket, "s1", 1, "counter", { op: "replace", path: "/missing/deep", value: 1 });
    expect((await socket.next("PROTOCOL_ERROR")).error).toMatch(/STATE_PATCH \(state "counter"\): \/missing\/deep: /);
    statePatch(socket, "s1", 1, "counter", { op: "frobnicate", path: "/count", value: 1 });
    expect((await socket.next("PROTOCOL_ERROR")).error).toMatch(/op "frobnicate" is not a JSON Patch operation/);
    statePatch(socket, "s1", 1, "other", { op: "replace", path: "/count", value: 1 });
    expect((await socket.next("PROTOCOL_ERROR")).error).toMatch(/STATE_PATCH\.state_name: agent \d+ declares no state "other"/);
    statePatch(socket, "s1", 1, "counter", { op: "replace", path: "/count", value: 2 });
    await pollUntil(() => currentValue(s, T1, states.counter!.id, 1), (v) => v !== undefined && (v as { globalRevision: number }).globalRevision === 1);
    expect(await currentValue(s, T1, states.counter!.id, 1)).toEqual({ value: { count: 2, last: null, items: [] }, globalRevision: 1 });
    expect(socket.isOpen).toBe(true);

    // a frame missing a field is refused by the protocol, naming it (and the socket is closed 3003)
    socket.send({ type: "STATE_PATCH", session_id: "s1", global_rev: 2, ts: 0, op: "replace", path: "/count", value: 3 });
    expect((await socket.next("PROTOCOL_ERROR")).error).toMatch(/state_name/);
    expect((await socket.closed()).code).toBe(3003);
  });
});

describe("issue 15: state limits", () => {
  const server = useTestServer({ maxFrameBytes: 4096, maxJsonDepth: 8, statePatchesKept: 3, stateSnapshotsKept: 2 });

  it("issue 15: a patch that would nest the state deeper than maxJsonDepth is refused, naming where", async () => {
    const s = server();
    const { states } = await implementStates(s, T1, [COUNTER]);
    const { socket } = await s.connectAgent(T1);
    sessionInit(socket, "s1", { counter: { count: 0, last: null, items: [] } });
    statePatch(socket, "s1", 1, "counter", { op: "add", path: "/items/-", value: { a: { b: { c: { d: {} } } } } });
    statePatch(socket, "s1", 2, "counter", { op: "add", path: "/items/0/a/b/c/d/e", value: { f: {} } });
    expect((await socket.next("PROTOCOL_ERROR")).error).toMatch(/state "counter" after the patch\.items\[0\]\.a\.b\.c\.d\.e\.f: nested deeper than 8 levels \(the server's maxJsonDepth\)/);
    expect(await currentValue(s, T1, states.counter!.id, 5)).toEqual({ value: { count: 0, last: null, items: [{ a: { b: { c: { d: {} } } } }] }, globalRevision: 1 });
  });

  it("issue 15: a state value larger than maxFrameBytes is refused; history keeps statePatchesKept patches per state and says when a revision was dropped", async () => {
    const s = server();
    const { states } = await implementStates(s, T1, [COUNTER]);
    const { socket } = await s.connectAgent(T1);
    sessionInit(socket, "s1", { counter: { count: 0, last: null, items: [] } });
    // each patch is small, but the value would grow past maxFrameBytes
    const chunk = "x".repeat(1500);
    for (let rev = 1; rev <= 3; rev++) statePatch(socket, "s1", rev, "counter", { op: "add", path: "/items/-", value: chunk });
    expect((await socket.next("PROTOCOL_ERROR")).error).toMatch(/state "counter" after the patch: \d+ bytes of JSON, more than the server's maxFrameBytes \(4096\)/);
    for (let rev = 3; rev <= 7; rev++) statePatch(socket, "s1", rev, "counter", { op: "replace", path: "/count", value: rev });
    await pollUntil(() => currentValue(s, T1, states.counter!.id, 100), (v) => v !== undefined && (v as { globalRevision: number }).globalRevision === 7);

    const patches = await s.gql<{ sessions: Array<{ patches: Array<{ globalFutureRevision: number }> }> }>(T1, "query { sessions { patches { globalFutureRevision } } }");
    expect(patches.sessions[0]!.patches.map((p) => p.globalFutureRevision)).toEqual([5, 6, 7]);
    // the value at revision 7 is still known (the current value), the one at 2 needed dropped patches
    expect(await currentValue(s, T1, states.counter!.id, 7)).toMatchObject({ globalRevision: 7, value: { count: 7 } });
    const errors = await s.gqlErrors(T1, "query($id: ID) { stateAtGlobalRev(globalRevision: 2, stateId: $id) { id } }", { id: states.counter!.id });
    expect(errors.join()).toMatch(/were dropped \(the server keeps statePatchesKept=3 patches per state\)/);
  });
});

describe("issue 15: walk population of the state area", () => {
  const server = useTestServer();

  it("issue 15: populate/state.ts fills every state table for two organisations, each seeing only its own rows", async () => {
    const s = server();
    for (const [token, org] of [
      [T1, "lab"],
      [T3, "elsewhere"],
    ] as const) {
      const fixture = await setupAgent(s, token);
      const { socket } = await s.connectAgent(token);
      const task = await assign(s, token, { implementation: implOf(fixture, "ping").id, args: {} });
      await socket.next("ASSIGN");
      await socket.reportAcked("COMPLETED", task.id);
      await populate({ server: s, token, org, gql: (q, v) => s.gql(token, q, v), agent: { id: fixture.agentId, socket, impl: fixture.impl }, taskId: task.id });
    }
    for (const [token, org] of [
      [T1, "lab"],
      [T3, "elsewhere"],
    ] as const) {
      const seen = await s.gql<{ states: Array<{ interface: string }>; stateDefinitions: Array<{ name: string }>; sessions: Array<{ snapshots: unknown[]; patches: Array<{ task: { id: string } | null }> }> }>(
        token,
        "query { states { interface } stateDefinitions { name } sessions { snapshots { id } patches { task { id } } } }",
      );
      expect(seen.states.map((x) => x.interface)).toEqual([`${org}_counter`]);
      expect(seen.stateDefinitions.map((d) => d.name)).toEqual([`${org} counter`]);
      expect(seen.sessions).toHaveLength(1);
      expect(seen.sessions[0]!.snapshots).toHaveLength(1);
      expect(seen.sessions[0]!.patches[0]!.task).not.toBeNull();
    }
  });
});
