/**
 * Acceptance scenarios 22-24 (shared/spec/acceptance.md): what happens to in-flight work when the
 * executor goes away: disconnect fate by effect and idempotency (grace 0), reclaim within the grace
 * window by session, and control messages queued for an offline executor.
 */
import { describe, expect, it } from "vitest";
import { notMirror, type AgentSocket, type Frame } from "../helpers/agent-socket.js";
import { ADD, MOVE_STAGE, REFRESH, control, getAgent, getTask, implOf, kinds, setupAgent, startTask, type AgentFixture } from "../helpers/fixture.js";
import { useTestServer, type TestServer } from "../helpers/server.js";
import { T1, T2 } from "../helpers/tokens.js";
import { pollUntil } from "../helpers/wait.js";

function inquiryTasks(init: Frame): string[] {
  expect(Array.isArray(init.inquiries)).toBe(true);
  return (init.inquiries as Array<{ task: string }>).map((i) => i.task).sort();
}

async function waitDisconnected(s: TestServer, agentId: string): Promise<void> {
  await pollUntil(() => getAgent(s, T1, agentId), (a) => !a.connected, { what: "the agent to be disconnected" });
}

describe("scenario 22: disconnect fate with grace 0", () => {
  const server = useTestServer({ graceMs: 0 });

  interface Lost {
    fixture: AgentFixture;
    none: string;
    physical: string;
    idempotent: string;
  }

  /** The executor (session S1) answers three tasks with STARTED, then closes. */
  async function loseThreeTasks(s: TestServer): Promise<Lost> {
    const fixture = await setupAgent(s, T1, [ADD, MOVE_STAGE, REFRESH]);
    const { socket } = await s.connectAgent(T1, { session_id: "S1" });
    const none = (await startTask(s, socket, T2, implOf(fixture, "add").id, { a: 1, b: 2 })).task.id;
    const physical = (await startTask(s, socket, T2, implOf(fixture, "move_stage").id)).task.id;
    const idempotent = (await startTask(s, socket, T2, implOf(fixture, "refresh").id)).task.id;
    await socket.close();
    await waitDisconnected(s, fixture.agentId);
    return { fixture, none, physical, idempotent };
  }

  async function expectFates(s: TestServer, lost: Lost): Promise<void> {
    const none = await pollUntil(() => getTask(s, T2, lost.none), (t) => t.latestEventKind === "DISCONNECTED", { what: "task 1 to be DISCONNECTED" });
    expect(none.isDone).toBe(false);
    expect(kinds(none)).toContain("DISCONNECTED");

    const physical = await pollUntil(() => getTask(s, T2, lost.physical), (t) => t.latestEventKind === "CRITICAL", { what: "task 2 to be CRITICAL" });
    expect(physical.isDone).toBe(true);
    expect(kinds(physical)).toContain("CRITICAL");

    const idempotent = await pollUntil(() => getTask(s, T2, lost.idempotent), (t) => t.latestEventKind === "QUEUED", { what: "task 3 to be QUEUED" });
    expect(idempotent.isDone).toBe(false);
    expect(kinds(idempotent)).toContain("QUEUED");
  }

  /** Re-registers and returns the first two frames (INIT must come first, then the ASSIGN). */
  async function reRegister(s: TestServer, session: string | undefined): Promise<{ socket: AgentSocket; init: Frame; second: Frame }> {
    const socket = await s.openAgent();
    socket.sendRegister(T1, session === undefined ? {} : { session_id: session });
    const init = await socket.next(notMirror);
    const second = await socket.next(notMirror);
    return { socket, init, second };
  }

  it("marks a NONE task DISCONNECTED, a PHYSICAL task CRITICAL and an idempotent task QUEUED when the executor closes", async () => {
    const s = server();
    const lost = await loseThreeTasks(s);
    await expectFates(s, lost);
  });

  for (const session of ["S1", undefined]) {
    it(`re-registering with ${session === undefined ? "no session_id" : "the same session_id"} gives INIT with an inquiry for task 1 only, then the ASSIGN of task 3`, async () => {
      const s = server();
      const lost = await loseThreeTasks(s);
      await expectFates(s, lost);

      const { init, second } = await reRegister(s, session);
      expect(init).toMatchObject({ type: "INIT", agent: lost.fixture.agentId });
      expect(inquiryTasks(init)).toEqual([lost.none]);
      expect(second).toMatchObject({ type: "ASSIGN", task: lost.idempotent, interface: "refresh" });
    });
  }

  it("re-registering with a different session gives empty inquiries, leaves task 1 DISCONNECTED and still delivers task 3's ASSIGN", async () => {
    const s = server();
    const lost = await loseThreeTasks(s);
    await expectFates(s, lost);

    const { init, second } = await reRegister(s, "S2");
    expect(init).toMatchObject({ type: "INIT", agent: lost.fixture.agentId, inquiries: [] });
    expect(second).toMatchObject({ type: "ASSIGN", task: lost.idempotent, interface: "refresh" });
    const none = await getTask(s, T2, lost.none);
    expect(none.latestEventKind).toBe("DISCONNECTED");
    expect(none.isDone).toBe(false);
  });
});

describe("scenario 23: reclaim within grace", () => {
  const server = useTestServer({ graceMs: 5000 });

  async function dropWithTaskInFlight(s: TestServer): Promise<{ fixture: AgentFixture; task: string }> {
    const fixture = await setupAgent(s, T1, [ADD]);
    const { socket } = await s.connectAgent(T1, { session_id: "S1" });
    const { task } = await startTask(s, socket, T2, implOf(fixture, "add").id, { a: 1, b: 2 });
    await socket.terminate(); // the connection drops without a close handshake
    await waitDisconnected(s, fixture.agentId);
    return { fixture, task: task.id };
  }

  it("re-registering with the same session inside the grace window lists the task as an inquiry and writes no DISCONNECTED", async () => {
    const s = server();
    const { fixture, task } = await dropWithTaskInFlight(s);

    const { init } = await s.connectAgent(T1, { session_id: "S1" });
    expect(init).toMatchObject({ type: "INIT", agent: fixture.agentId });
    expect(inquiryTasks(init)).toEqual([task]);
    const after = await getTask(s, T2, task);
    expect(kinds(after)).not.toContain("DISCONNECTED");
    expect(after.latestEventKind).toBe("STARTED");
    expect(after.isDone).toBe(false);
  });

  it("re-registering with a different session gives empty inquiries and marks the task DISCONNECTED at once", async () => {
    const s = server();
    const { fixture, task } = await dropWithTaskInFlight(s);

    const { init } = await s.connectAgent(T1, { session_id: "S2" });
    expect(init).toMatchObject({ type: "INIT", agent: fixture.agentId, inquiries: [] });
    const after = await getTask(s, T2, task);
    expect(after.latestEventKind).toBe("DISCONNECTED");
    expect(kinds(after)).toContain("DISCONNECTED");
    expect(after.isDone).toBe(false);
  });
});

describe("scenario 23 (timers): the grace window", () => {
  const graceMs = 400;
  const server = useTestServer({ graceMs });

  async function drop(s: TestServer): Promise<{ fixture: AgentFixture; task: string; droppedAt: number }> {
    const fixture = await setupAgent(s, T1, [ADD]);
    const { socket } = await s.connectAgent(T1, { session_id: "S1" });
    const { task } = await startTask(s, socket, T2, implOf(fixture, "add").id, { a: 1, b: 2 });
    await socket.terminate();
    const droppedAt = Date.now();
    await waitDisconnected(s, fixture.agentId);
    return { fixture, task: task.id, droppedAt };
  }

  it("marks the task DISCONNECTED only once the grace window has passed without a reconnect", async () => {
    const s = server();
    const { task, droppedAt } = await drop(s);
    const early = await getTask(s, T2, task);
    if (Date.now() - droppedAt < graceMs - 100) expect(early.latestEventKind).toBe("STARTED");
    const late = await pollUntil(() => getTask(s, T2, task), (t) => t.latestEventKind === "DISCONNECTED", { what: "DISCONNECTED after the grace window" });
    expect(Date.now() - droppedAt).toBeGreaterThanOrEqual(graceMs - 50);
    expect(late.isDone).toBe(false);
  });

  it("cancels the grace timer when the agent reclaims with the same session, so no DISCONNECTED follows later", async () => {
    const s = server();
    const { task } = await drop(s);
    const { init, socket } = await s.connectAgent(T1, { session_id: "S1" });
    expect(inquiryTasks(init)).toEqual([task]);
    await socket.expectNoFrame("ASSIGN", graceMs + 300); // outlive the original grace deadline
    const after = await getTask(s, T2, task);
    expect(kinds(after)).not.toContain("DISCONNECTED");
    expect(after.latestEventKind).toBe("STARTED");
  });
});

describe("scenario 24: offline queue", () => {
  const server = useTestServer({ graceMs: 5000 });

  it("delivers a cancel made while the executor was offline right after the next INIT", async () => {
    const s = server();
    const fixture = await setupAgent(s, T1, [ADD]);
    const { socket } = await s.connectAgent(T1, { session_id: "S1" });
    const { task } = await startTask(s, socket, T2, implOf(fixture, "add").id, { a: 1, b: 2 });
    await socket.close();
    await waitDisconnected(s, fixture.agentId);

    const cancelled = await control(s, T2, "cancel", { task: task.id });
    expect(cancelled.latestInstructKind).toBe("CANCEL");
    expect(cancelled.isDone).toBe(false);

    const again = await s.openAgent();
    again.sendRegister(T1, { session_id: "S1" });
    const init = await again.next(notMirror);
    expect(init).toMatchObject({ type: "INIT", agent: fixture.agentId });
    expect(await again.next(notMirror)).toMatchObject({ type: "CANCEL", task: task.id });
  });
});
