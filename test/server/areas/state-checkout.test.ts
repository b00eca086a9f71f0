/**
 * Issue 15: `checkout` and `checkoutAgent` (src/server/areas/state): the value of a state (or of all
 * the states of an agent) at a global revision or a timestamp in a session, with the patches around
 * it. The web UI's own documents (`Checkout`, `CheckoutAgent`) run verbatim against a real server.
 */
import { describe, expect, it } from "vitest";
import { graphql } from "../../../src/server/graphql/graphql-module.js";
import { clientOperations } from "../helpers/client-operations.js";
import type { AgentSocket } from "../helpers/agent-socket.js";
import { useSharedTestServer, useTestServer, type TestServer } from "../helpers/server.js";
import { COUNTER, STAGE, implementStates, sessionInit, statePatch, stateSnapshot } from "../helpers/state.js";
import { T1, T3 } from "../helpers/tokens.js";
import { pollUntil } from "../helpers/wait.js";

const operations = clientOperations("orkestrator-next-1.67.8.graphql");
const documentOf = (name: string): string => graphql.print(operations.find((o) => o.name === name)!.document);
const CHECKOUT = documentOf("Checkout");
const CHECKOUT_AGENT = documentOf("CheckoutAgent");

interface PatchOut {
  id: string;
  op: string;
  path: string;
  value: unknown;
  interface: string;
}
interface CheckoutOut {
  checkout: { stateId: string; value: unknown; globalRevision: number | null; forwardPatches: PatchOut[]; backwardPatches: PatchOut[] };
}
interface CheckoutAgentOut {
  checkoutAgent: { agentId: string; values: Record<string, unknown>; globalRevision: number; forwardPatches: PatchOut[]; backwardPatches: PatchOut[] };
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const paths = (patches: PatchOut[]) => patches.map((p) => `${p.interface}${p.path}`);

/** Waits until the server holds revision `rev` of the agent's latest session. */
async function reached(s: TestServer, agentId: string, rev: number): Promise<void> {
  await pollUntil(
    () => s.gql<CheckoutAgentOut>(T1, CHECKOUT_AGENT, { agent: agentId }),
    (d) => d.checkoutAgent.globalRevision === rev,
    { what: `global revision ${rev}` },
  );
}

/**
 * An agent with `counter` and `stage`; session "s1": SESSION_INIT (rev 0), counter /count (1),
 * stage /x (2), then — after `between`, a time strictly between revisions 2 and 3 — counter
 * /items/- (3) and counter /last (4).
 */
async function history(s: TestServer): Promise<{ agentId: string; counter: string; stage: string; between: string; socket: AgentSocket }> {
  const { agentId, states } = await implementStates(s, T1, [COUNTER, STAGE]);
  const { socket } = await s.connectAgent(T1);
  sessionInit(socket, "s1", { counter: { count: 0, last: null, items: [] }, stage: { x: 0 } });
  statePatch(socket, "s1", 1, "counter", { op: "replace", path: "/count", value: 1 });
  statePatch(socket, "s1", 2, "stage", { op: "replace", path: "/x", value: 1.5 });
  await reached(s, agentId, 2);
  await pause(5);
  const between = new Date().toISOString();
  await pause(5);
  statePatch(socket, "s1", 3, "counter", { op: "add", path: "/items/-", value: "a" });
  statePatch(socket, "s1", 4, "counter", { op: "replace", path: "/last", value: "a" });
  await reached(s, agentId, 4);
  return { agentId, counter: states.counter!.id, stage: states.stage!.id, between, socket };
}

describe("issue 15: checkout and checkoutAgent", () => {
  const server = useTestServer();

  it("issue 15: checkout answers a state's value at the latest, at a global revision and at a timestamp, with its patches around it (the web UI's Checkout)", async () => {
    const s = server();
    const { counter, between } = await history(s);

    const latest = await s.gql<CheckoutOut>(T1, CHECKOUT, { state: counter, backwardPatchCount: 2 });
    expect(latest.checkout).toMatchObject({ stateId: counter, value: { count: 1, last: "a", items: ["a"] }, globalRevision: 4, forwardPatches: [] });
    expect(paths(latest.checkout.backwardPatches)).toEqual(["counter/items/-", "counter/last"]);
    expect(latest.checkout.backwardPatches[1]).toMatchObject({ op: "replace", value: "a" });

    const atOne = await s.gql<CheckoutOut>(T1, CHECKOUT, { state: counter, globalRevision: 1, forwardPatchCount: 5, backwardPatchCount: 5 });
    expect(atOne.checkout).toMatchObject({ value: { count: 1, last: null, items: [] }, globalRevision: 1 });
    // only this state's patches: the stage patch (revision 2) belongs to another state
    expect(paths(atOne.checkout.forwardPatches)).toEqual(["counter/items/-", "counter/last"]);
    expect(paths(atOne.checkout.backwardPatches)).toEqual(["counter/count"]);

    const atTime = await s.gql<CheckoutOut>(T1, CHECKOUT, { state: counter, timestamp: between, forwardPatchCount: 1 });
    expect(atTime.checkout).toMatchObject({ value: { count: 1, last: null, items: [] }, globalRevision: 1, backwardPatches: [] });
    expect(paths(atTime.checkout.forwardPatches)).toEqual(["counter/items/-"]);
  });

  it("issue 15: checkoutAgent answers every state of the agent by interface at a revision or a timestamp, with the agent's patches around it (the web UI's CheckoutAgent)", async () => {
    const s = server();
    const { agentId, between } = await history(s);

    const latest = await s.gql<CheckoutAgentOut>(T1, CHECKOUT_AGENT, { agent: agentId });
    expect(latest.checkoutAgent).toEqual({
      agentId,
      values: { counter: { count: 1, last: "a", items: ["a"] }, stage: { x: 1.5 } },
      globalRevision: 4,
      forwardPatches: [],
      backwardPatches: [],
    });

    const atTwo = await s.gql<CheckoutAgentOut>(T1, CHECKOUT_AGENT, { agent: agentId, globalRevision: 2, forwardPatchCount: 5, backwardPatchCount: 1 });
    expect(atTwo.checkoutAgent).toMatchObject({ values: { counter: { count: 1, last: null, items: [] }, stage: { x: 1.5 } }, globalRevision: 2 });
    expect(paths(atTwo.checkoutAgent.forwardPatches)).toEqual(["counter/items/-", "counter/last"]);
    expect(paths(atTwo.checkoutAgent.backwardPatches)).toEqual(["stage/x"]);

    const atTime = await s.gql<CheckoutAgentOut>(T1, CHECKOUT_AGENT, { agent: agentId, timestamp: between });
    expect(atTime.checkoutAgent).toMatchObject({ values: { counter: { count: 1, last: null, items: [] }, stage: { x: 1.5 } }, globalRevision: 2 });
  });

  it("issue 15: checkout defaults to the current session; sessionId names an earlier one", async () => {
    const s = server();
    const { agentId, counter, socket } = await history(s);
    sessionInit(socket, "s2", { counter: { count: 10, last: null, items: [] }, stage: { x: 9 } });
    await pollUntil(
      () => s.gql<CheckoutOut>(T1, CHECKOUT, { state: counter }),
      (d) => (d.checkout.value as { count: number }).count === 10,
      { what: "session s2" },
    );
    const current = await s.gql<CheckoutAgentOut>(T1, CHECKOUT_AGENT, { agent: agentId, backwardPatchCount: 3 });
    expect(current.checkoutAgent).toEqual({ agentId, values: { counter: { count: 10, last: null, items: [] }, stage: { x: 9 } }, globalRevision: 0, forwardPatches: [], backwardPatches: [] });

    const earlier = await s.gql<CheckoutAgentOut>(T1, CHECKOUT_AGENT, { agent: agentId, sessionId: "s1", backwardPatchCount: 1 });
    expect(earlier.checkoutAgent).toMatchObject({ values: { counter: { count: 1, last: "a", items: ["a"] }, stage: { x: 1.5 } }, globalRevision: 4 });
    expect(paths(earlier.checkoutAgent.backwardPatches)).toEqual(["counter/last"]);
    const one = await s.gql<CheckoutOut>(T1, CHECKOUT, { state: counter, sessionId: "s1", globalRevision: 3 });
    expect(one.checkout).toMatchObject({ value: { count: 1, last: null, items: ["a"] }, globalRevision: 3 });
  });

  it("issue 15: before the agent reports any state, checkout answers the declared default without a revision; asking for a revision is refused", async () => {
    const s = server();
    const { agentId, states } = await implementStates(s, T1, [COUNTER]);
    const counter = states.counter!.id;
    const one = await s.gql<CheckoutOut>(T1, CHECKOUT, { state: counter, forwardPatchCount: 3, backwardPatchCount: 3 });
    expect(one.checkout).toEqual({ stateId: counter, value: {}, globalRevision: null, forwardPatches: [], backwardPatches: [] });
    const all = await s.gql<CheckoutAgentOut>(T1, CHECKOUT_AGENT, { agent: agentId });
    expect(all.checkoutAgent).toEqual({ agentId, values: { counter: {} }, globalRevision: 0, forwardPatches: [], backwardPatches: [] });
    expect((await s.gqlErrors(T1, CHECKOUT, { state: counter, globalRevision: 0 })).join()).toMatch(/globalRevision: State \d+ has no history yet \(no session\)/);
  });

  it("issue 15: another organisation's state or agent is not found by checkout / checkoutAgent", async () => {
    const s = server();
    const { agentId, counter } = await history(s);
    expect((await s.gqlErrors(T3, CHECKOUT, { state: counter })).join()).toMatch(new RegExp(`State ${counter} not found in organisation "elsewhere"`));
    expect((await s.gqlErrors(T3, CHECKOUT_AGENT, { agent: agentId })).join()).toMatch(/not found/);
    expect((await s.gqlErrors(T1, CHECKOUT, { state: "999999" })).join()).toMatch(/State 999999 not found in organisation "lab"/);
  });

  it("issue 15: checkout refuses bad input naming the argument (negative counts, both revision and timestamp, a time before the history, an unknown session)", async () => {
    const s = server();
    const { agentId, counter } = await history(s);
    expect((await s.gqlErrors(T1, CHECKOUT, { state: counter, forwardPatchCount: -1 })).join()).toMatch(/forwardPatchCount: must be 0\.\.\d+/);
    expect((await s.gqlErrors(T1, CHECKOUT_AGENT, { agent: agentId, backwardPatchCount: -2 })).join()).toMatch(/backwardPatchCount: must be 0\.\.\d+/);
    expect((await s.gqlErrors(T1, CHECKOUT, { state: counter, globalRevision: -1 })).join()).toMatch(/globalRevision: must be 0 or more, got -1/);
    expect((await s.gqlErrors(T1, CHECKOUT, { state: counter, globalRevision: 1, timestamp: new Date().toISOString() })).join()).toMatch(/globalRevision, timestamp: pass one of them/);
    expect((await s.gqlErrors(T1, CHECKOUT_AGENT, { agent: agentId, timestamp: "2001-01-01T00:00:00Z" })).join()).toMatch(/timestamp: Agent \d+ has no kept history at or before 2001-01-01T00:00:00.000Z/);
    expect((await s.gqlErrors(T1, CHECKOUT, { state: counter, sessionId: "no-such-session" })).join()).toMatch(/Session no-such-session not found for agent \d+ in organisation "lab"/);
  });
});

describe("issue 15: checkout outside the kept history", () => {
  const server = useSharedTestServer({ statePatchesKept: 3, stateSnapshotsKept: 2 });

  it("issue 15: checkout of a revision whose patches or snapshot were dropped is refused naming globalRevision; a kept revision still answers", async () => {
    const s = server();
    const { agentId, states } = await implementStates(s, T1, [COUNTER]);
    const counter = states.counter!.id;
    const { socket } = await s.connectAgent(T1);
    sessionInit(socket, "s1", { counter: { count: 0, last: null, items: [] } });
    for (let rev = 1; rev <= 5; rev++) statePatch(socket, "s1", rev, "counter", { op: "replace", path: "/count", value: rev });
    await reached(s, agentId, 5);
    // patches 1 and 2 were dropped (statePatchesKept=3): revision 1 cannot be rebuilt from the snapshot at 0
    expect((await s.gqlErrors(T1, CHECKOUT, { state: counter, globalRevision: 1 })).join()).toMatch(/globalRevision: State \d+ at revision 1: the patches after its nearest snapshot were dropped/);

    // two more snapshots push out the one at revision 0 (stateSnapshotsKept=2)
    stateSnapshot(socket, "s1", 5, { counter: { count: 5, last: null, items: [] } });
    stateSnapshot(socket, "s1", 5, { counter: { count: 5, last: "b", items: [] } });
    await pollUntil(
      () => s.gql<CheckoutOut>(T1, CHECKOUT, { state: counter }),
      (d) => (d.checkout.value as { last: string | null }).last === "b",
      { what: "the second snapshot" },
    );
    expect((await s.gqlErrors(T1, CHECKOUT, { state: counter, globalRevision: 4 })).join()).toMatch(/globalRevision: State \d+ has no kept snapshot at or before global revision 4 in session s1 \(the server keeps stateSnapshotsKept=2/);
    const kept = await s.gql<CheckoutOut>(T1, CHECKOUT, { state: counter, globalRevision: 5, backwardPatchCount: 1 });
    expect(kept.checkout).toMatchObject({ value: { count: 5, last: "b" }, globalRevision: 5 });
    expect(paths(kept.checkout.backwardPatches)).toEqual(["counter/count"]);
  });
});
