/**
 * Acceptance scenarios 1-9 (shared/spec/acceptance.md): the REGISTER handshake, strictness, blocking,
 * duplicate and forced/stale takeover, heartbeats. Black-box over `/agi` and GraphQL.
 */
import { describe, expect, it } from "vitest";
import { ensureAgent, getAgent, getTask, kinds, setupAgent, startTask, implOf } from "../helpers/fixture.js";
import { startTestServer, useTestServer } from "../helpers/server.js";
import { T1, T2 } from "../helpers/tokens.js";
import { pollUntil } from "../helpers/wait.js";

describe("scenario 1: register happy path", () => {
  const server = useTestServer();

  it("sends INIT with the agent id and no inquiries as the first frame, and the agent is connected and active", async () => {
    const s = server();
    const agentId = await ensureAgent(s, T1);
    const socket = await s.openAgent();
    socket.sendRegister(T1);
    const first = await socket.next();
    expect(first).toMatchObject({ type: "INIT", agent: agentId, inquiries: [] });
    const agent = await getAgent(s, T1, agentId);
    expect(agent.connected).toBe(true);
    expect(agent.active).toBe(true);
  });
});

describe("scenario 2: unknown agent", () => {
  const server = useTestServer();

  it("closes 3003 without INIT when no ensureAgent was done for the token's identity", async () => {
    const s = server();
    await ensureAgent(s, T1); // another identity's agent exists; T2 has none
    const socket = await s.openAgent();
    socket.sendRegister(T2);
    expect((await socket.closed()).code).toBe(3003);
    expect(socket.seen("INIT")).toEqual([]);
  });
});

describe("scenario 3: first frame not REGISTER", () => {
  const server = useTestServer();

  it("closes 3003 when the first frame is a HEARTBEAT_ANSWER", async () => {
    const socket = await server().openAgent();
    socket.send({ type: "HEARTBEAT_ANSWER" });
    expect((await socket.closed()).code).toBe(3003);
    expect(socket.seen("INIT")).toEqual([]);
  });

  it("closes 3002 when the first frame is not JSON", async () => {
    const socket = await server().openAgent();
    socket.send("not json");
    expect((await socket.closed()).code).toBe(3002);
  });

  it("sends PROTOCOL_ERROR with a non-empty error and then closes 3003 when the first frame has an unknown type", async () => {
    const socket = await server().openAgent();
    socket.send({ type: "NOPE" });
    const error = await socket.next("PROTOCOL_ERROR");
    expect(typeof error.error).toBe("string");
    expect(error.error).not.toBe("");
    expect((await socket.closed()).code).toBe(3003);
  });
});

describe("scenario 4: strict REGISTER", () => {
  const server = useTestServer();

  it("sends a PROTOCOL_ERROR naming an unknown extra field and closes 3003", async () => {
    const s = server();
    await ensureAgent(s, T1);
    const socket = await s.openAgent();
    socket.sendRegister(T1, { extra: { colour: "red" } });
    const error = await socket.next("PROTOCOL_ERROR");
    expect(String(error.error)).toContain("colour");
    expect((await socket.closed()).code).toBe(3003);
    expect(socket.seen("INIT")).toEqual([]);
  });

  it("closes 3003 without INIT for a token the server does not know", async () => {
    const s = server();
    await ensureAgent(s, T1);
    const socket = await s.openAgent();
    socket.sendRegister("not-a-known-token");
    expect((await socket.closed()).code).toBe(3003);
    expect(socket.seen("INIT")).toEqual([]);
  });

  it("accepts and ignores the legacy mode field that released Python agents send", async () => {
    const s = server();
    const agentId = await ensureAgent(s, T1);
    const socket = await s.openAgent();
    const init = await socket.register(T1, { extra: { mode: "EXECUTOR" } });
    expect(init).toMatchObject({ type: "INIT", agent: agentId, inquiries: [] });
    expect(socket.seen("PROTOCOL_ERROR")).toEqual([]);
  });
});

describe("scenario 5: blocked agent", () => {
  const server = useTestServer();

  it("closes 4003 while the agent is blocked and registers again after unblock", async () => {
    const s = server();
    const agentId = await ensureAgent(s, T1);
    const blocked = await s.gql<{ block: { id: string; blocked: boolean } }>(T1, "mutation Block($input: BlockInput!) { block(input: $input) { id blocked } }", {
      input: { agent: agentId },
    });
    expect(blocked.block.blocked).toBe(true);

    const refused = await s.openAgent();
    refused.sendRegister(T1);
    expect((await refused.closed()).code).toBe(4003);
    expect(refused.seen("INIT")).toEqual([]);

    await s.gql(T1, "mutation Unblock($input: UnblockInput!) { unblock(input: $input) { id blocked } }", { input: { agent: agentId } });
    const { init } = await s.connectAgent(T1);
    expect(init).toMatchObject({ type: "INIT", agent: agentId });
  });
});

describe("scenario 6: duplicate without force", () => {
  const server = useTestServer();

  it("sends PROTOCOL_ERROR and closes 4004 for a second connection while the first stays open and connected", async () => {
    const s = server();
    const agentId = await ensureAgent(s, T1);
    const { socket: s1 } = await s.connectAgent(T1);

    const s2 = await s.openAgent();
    s2.sendRegister(T1, { force: false });
    const error = await s2.next("PROTOCOL_ERROR");
    expect(String(error.error)).not.toBe("");
    expect((await s2.closed()).code).toBe(4004);
    expect(s2.seen("INIT")).toEqual([]);

    expect(s1.isOpen).toBe(true);
    expect((await getAgent(s, T1, agentId)).connected).toBe(true);
    // S1 is still served: its heartbeats keep coming and being answered.
    const answered = s1.heartbeatsAnswered;
    await pollUntil(async () => s1.heartbeatsAnswered, (n) => n > answered, { what: "another HEARTBEAT on S1" });
    expect(s1.isOpen).toBe(true);
  });
});

describe("scenario 7: force takeover", () => {
  const server = useTestServer();

  it("gives the forcing socket INIT, closes the incumbent 4005, keeps the agent connected and writes no DISCONNECTED for its task", async () => {
    const s = server();
    const fixture = await setupAgent(s, T1);
    const { socket: s1 } = await s.connectAgent(T1);
    const { task } = await startTask(s, s1, T2, implOf(fixture, "add").id, { a: 1, b: 2 });

    const s2 = await s.openAgent();
    const init = await s2.register(T1, { force: true });
    expect(init).toMatchObject({ type: "INIT", agent: fixture.agentId });
    expect((await s1.closed()).code).toBe(4005);

    const agent = await getAgent(s, T1, fixture.agentId);
    expect(agent.connected).toBe(true);
    // With grace 0 a wrongly cascading close of the displaced S1 would write DISCONNECTED at once; give it a moment.
    await s2.expectNoFrame("ASSIGN", 100);
    const after = await getTask(s, T2, task.id);
    expect(kinds(after)).not.toContain("DISCONNECTED");
    expect(after.latestEventKind).toBe("STARTED");
    expect(after.isDone).toBe(false);
    expect(s2.isOpen).toBe(true);
  });
});

describe("scenario 8: stale incumbent", () => {
  it("registers a second socket without force once the silent incumbent is stale, and the incumbent is closed 4005", async () => {
    // Stale after 300 ms; the incumbent's heartbeat answer window (3 s) is far longer, so only staleness lets S2 in.
    const s = await startTestServer({ heartbeatIntervalMs: 100, heartbeatTimeoutMs: 3000, staleAfterMs: 300 });
    try {
      const agentId = await ensureAgent(s, T1);
      const { socket: s1 } = await s.connectAgent(T1, {}, { autoHeartbeat: false });
      await s1.next("HEARTBEAT", 1000); // S1 ignores it
      await pollUntil(() => getAgent(s, T1, agentId), (a) => !a.active, { what: "the silent agent to be no longer active (stale)" });

      const s2 = await s.openAgent();
      const init = await s2.register(T1, { force: false });
      expect(init).toMatchObject({ type: "INIT", agent: agentId });
      expect(s2.seen("PROTOCOL_ERROR")).toEqual([]);
      // wire-protocol.md §2.5: a stale incumbent is taken over and the old socket gets 4005 through the kick.
      expect((await s1.closed(2000)).code).toBe(4005);
      expect(s2.isOpen).toBe(true);
    } finally {
      await s.close();
    }
  });

  it("closes an incumbent that does not answer HEARTBEAT with 3001 within interval + timeout", async () => {
    const interval = 100;
    const timeout = 150;
    const s = await startTestServer({ heartbeatIntervalMs: interval, heartbeatTimeoutMs: timeout, staleAfterMs: 1000 });
    try {
      await ensureAgent(s, T1);
      const { socket } = await s.connectAgent(T1, {}, { autoHeartbeat: false });
      const registeredAt = Date.now();
      const closed = await socket.closed(2000);
      expect(closed.code).toBe(3001);
      // interval + timeout, plus scheduling slack for a loaded CI machine
      expect(Date.now() - registeredAt).toBeLessThan(interval + timeout + 400);
    } finally {
      await s.close();
    }
  });
});

describe("scenario 9: heartbeat", () => {
  const interval = 100;
  const timeout = 150;
  const server = useTestServer({ heartbeatIntervalMs: interval, heartbeatTimeoutMs: timeout, staleAfterMs: 1000 });

  it("sends a HEARTBEAT within the interval after INIT", async () => {
    const s = server();
    await ensureAgent(s, T1);
    const { socket } = await s.connectAgent(T1, {}, { autoHeartbeat: false });
    const registeredAt = Date.now();
    await socket.next("HEARTBEAT", interval + 300);
    expect(Date.now() - registeredAt).toBeLessThan(interval + 300);
  });

  it("keeps a socket that answers every HEARTBEAT open over at least three intervals", async () => {
    const s = server();
    const agentId = await ensureAgent(s, T1);
    const { socket } = await s.connectAgent(T1, {}, { autoHeartbeat: false });
    const started = Date.now();
    for (let i = 0; i < 4; i += 1) {
      await socket.next("HEARTBEAT", interval + timeout + 300);
      socket.send({ type: "HEARTBEAT_ANSWER" });
    }
    expect(Date.now() - started).toBeGreaterThanOrEqual(3 * interval);
    expect(socket.isOpen).toBe(true);
    const agent = await getAgent(s, T1, agentId);
    expect(agent.connected).toBe(true);
    expect(agent.active).toBe(true);
  });

  it("closes 3001 when a HEARTBEAT is not answered", async () => {
    const s = server();
    await ensureAgent(s, T1);
    const { socket } = await s.connectAgent(T1, {}, { autoHeartbeat: false });
    await socket.next("HEARTBEAT", interval + 300);
    expect((await socket.closed(timeout + 1000)).code).toBe(3001);
  });
});
