/**
 * Acceptance scenarios 10-16 (shared/spec/acceptance.md): assign through GraphQL, the ASSIGN frame,
 * streaming reports, acknowledged terminal reports with dedup, failure, and the two-phase controls.
 */
import { describe, expect, it } from "vitest";
import type { AgentSocket } from "../helpers/agent-socket.js";
import {
  assign,
  assignErrors,
  control,
  getTask,
  implOf,
  kinds,
  listTaskIds,
  setupAgent,
  startTask,
  type AgentFixture,
} from "../helpers/fixture.js";
import { useTestServer, type TestServer } from "../helpers/server.js";
import { T1, T2, claimsOf } from "../helpers/tokens.js";
import { pollUntil } from "../helpers/wait.js";

async function executorOnline(s: TestServer): Promise<{ fixture: AgentFixture; executor: AgentSocket }> {
  const fixture = await setupAgent(s, T1);
  const { socket } = await s.connectAgent(T1);
  return { fixture, executor: socket };
}

describe("scenario 10: implement, then assign by implementation", () => {
  const server = useTestServer();

  it("delivers ASSIGN with task, interface, args, action hash, implementation, user and org, and returns a STARTED task", async () => {
    const s = server();
    const { fixture, executor } = await executorOnline(s);
    const add = implOf(fixture, "add");

    const task = await assign(s, T2, { implementation: add.id, args: { a: 1, b: 2 } });
    expect(task).toMatchObject({ latestEventKind: "STARTED", isDone: false, latestInstructKind: "ASSIGN" });

    const frame = await executor.next("ASSIGN");
    expect(frame).toMatchObject({
      type: "ASSIGN",
      task: task.id,
      interface: "add",
      args: { a: 1, b: 2 },
      action: add.actionHash,
      implementation: add.id,
      user: claimsOf(T2).sub,
      org: claimsOf(T2).active_org,
    });
    expect(typeof frame.action).toBe("string");
    expect(frame.action).not.toBe("");
  });
});

describe("scenario 11: assign by action / actionHash needs a live agent", () => {
  const server = useTestServer();

  it("refuses assign by actionHash with 'No active implementation' and creates no task when the executor's socket is closed", async () => {
    const s = server();
    const { fixture, executor } = await executorOnline(s);
    const ping = implOf(fixture, "ping");
    await executor.close();
    await pollUntil(
      () => s.gql<{ agent: { connected: boolean } }>(T1, "query A($id: ID!) { agent(id: $id) { connected } }", { id: fixture.agentId }),
      (d) => !d.agent.connected,
      { what: "the closed agent to be disconnected" },
    );

    const byHash = await assignErrors(s, T2, { actionHash: ping.actionHash, args: {} });
    expect(byHash.join(" ")).toMatch(/No active implementation/);
    const byAction = await assignErrors(s, T2, { action: ping.actionId, args: {} });
    expect(byAction.join(" ")).toMatch(/No active implementation/);
    expect(await listTaskIds(s, T2)).toEqual([]);
  });

  it("routes an assign by actionHash and by action to the live executor", async () => {
    const s = server();
    const { fixture, executor } = await executorOnline(s);
    const ping = implOf(fixture, "ping");

    const byHash = await assign(s, T2, { actionHash: ping.actionHash, args: {} });
    expect(await executor.next("ASSIGN")).toMatchObject({ task: byHash.id, interface: "ping", implementation: ping.id, action: ping.actionHash });
    const byAction = await assign(s, T2, { action: ping.actionId, args: {} });
    expect(await executor.next("ASSIGN")).toMatchObject({ task: byAction.id, interface: "ping", implementation: ping.id });
  });
});

describe("scenario 12: streaming events", () => {
  const server = useTestServer();

  it("stores LOG, PROGRESS and YIELD with their values, acknowledges none of them and leaves latestEventKind at STARTED", async () => {
    const s = server();
    const { fixture, executor } = await executorOnline(s);
    const { task } = await startTask(s, executor, T2, implOf(fixture, "add").id, { a: 1, b: 2 });

    executor.report("LOG", task.id, { message: "hi" });
    executor.report("PROGRESS", task.id, { progress: 42, message: "half" });
    executor.report("YIELD", task.id, { returns: { out: 3 } });

    const stored = await pollUntil(
      () => getTask(s, T2, task.id),
      (t) => kinds(t).includes("YIELD"),
      { what: "the YIELD event to be stored" },
    );
    const log = stored.events.find((e) => e.kind === "LOG");
    const progress = stored.events.find((e) => e.kind === "PROGRESS");
    const yielded = stored.events.find((e) => e.kind === "YIELD");
    expect(log).toMatchObject({ message: "hi" });
    expect(progress).toMatchObject({ progress: 42, message: "half" });
    expect(yielded).toMatchObject({ returns: { out: 3 } });
    expect(stored.latestEventKind).toBe("STARTED");
    expect(stored.isDone).toBe(false);
    // Only the STARTED was acknowledged (by startTask); no further EVENT_ACK comes.
    await executor.expectNoFrame("EVENT_ACK", 150);
  });
});

describe("scenario 13: completion plus ack plus dedup", () => {
  const server = useTestServer();

  it("acknowledges a twice-sent COMPLETED twice with the same event and seq, and stores exactly one COMPLETED", async () => {
    const s = server();
    const { fixture, executor } = await executorOnline(s);
    const { task } = await startTask(s, executor, T2, implOf(fixture, "add").id, { a: 1, b: 2 });

    // add has a return port: its result comes first (issue 9 #5: COMPLETED without a YIELD would end FAILED)
    executor.send({ type: "YIELD", id: "m0", task: task.id, seq: 6, returns: { return0: 3 } });
    const completed = { type: "COMPLETED", id: "m1", task: task.id, seq: 7 };
    executor.send(completed);
    expect(await executor.next("EVENT_ACK")).toMatchObject({ type: "EVENT_ACK", event: "m1", task: task.id, seq: 7 });
    executor.send(completed);
    expect(await executor.next("EVENT_ACK")).toMatchObject({ type: "EVENT_ACK", event: "m1", task: task.id, seq: 7 });

    const done = await getTask(s, T2, task.id);
    expect(done.isDone).toBe(true);
    expect(done.latestEventKind).toBe("COMPLETED");
    expect(done.finishedAt).not.toBeNull();
    expect(kinds(done).filter((k) => k === "COMPLETED")).toHaveLength(1);
  });
});

describe("scenario 14: failure", () => {
  const server = useTestServer();

  for (const kind of ["FAILED", "CRITICAL"] as const) {
    it(`stores ${kind} with the error as its message and makes the task done`, async () => {
      const s = server();
      const { fixture, executor } = await executorOnline(s);
      const { task } = await startTask(s, executor, T2, implOf(fixture, "add").id, { a: 1, b: 2 });

      const ack = await executor.reportAcked(kind, task.id, { error: "boom" });
      expect(ack).toMatchObject({ type: "EVENT_ACK", task: task.id });

      const done = await getTask(s, T2, task.id);
      expect(done.isDone).toBe(true);
      expect(done.latestEventKind).toBe(kind);
      expect(done.finishedAt).not.toBeNull();
      expect(done.events.find((e) => e.kind === kind)).toMatchObject({ message: "boom" });
    });
  }
});

describe("scenario 15: GraphQL cancel, two-phase", () => {
  const server = useTestServer();

  it("sends CANCEL, records CANCELLING without finishing the task, finishes on CANCELLED and refuses a second cancel as already terminal", async () => {
    const s = server();
    const { fixture, executor } = await executorOnline(s);
    const { task } = await startTask(s, executor, T2, implOf(fixture, "add").id, { a: 1, b: 2 });

    const cancelling = await control(s, T2, "cancel", { task: task.id });
    expect(cancelling.latestInstructKind).toBe("CANCEL");
    expect(cancelling.isDone).toBe(false);
    expect(await executor.next("CANCEL")).toMatchObject({ type: "CANCEL", task: task.id });

    const mid = await getTask(s, T2, task.id);
    expect(kinds(mid)).toContain("CANCELLING");
    expect(mid.isDone).toBe(false);
    expect(mid.latestInstructKind).toBe("CANCEL");
    expect(mid.latestEventKind).toBe("STARTED"); // -ING requests leave latestEventKind unchanged

    await executor.reportAcked("CANCELLED", task.id);
    const done = await getTask(s, T2, task.id);
    expect(done.isDone).toBe(true);
    expect(done.latestEventKind).toBe("CANCELLED");

    const errors = await s.gqlErrors(T2, "mutation C($input: CancelInput!) { cancel(input: $input) { id } }", { input: { task: task.id } });
    expect(errors.join(" ")).toMatch(/already terminal/);
  });
});

describe("scenario 16: pause, resume(step), interrupt", () => {
  const server = useTestServer();

  it("pauses, resumes with step and interrupts through the executor's confirmations", async () => {
    const s = server();
    const { fixture, executor } = await executorOnline(s);
    const { task } = await startTask(s, executor, T2, implOf(fixture, "add").id, { a: 1, b: 2 });

    const pausing = await control(s, T2, "pause", { task: task.id });
    expect(pausing.latestInstructKind).toBe("PAUSE");
    expect(await executor.next("PAUSE")).toMatchObject({ type: "PAUSE", task: task.id });
    await executor.reportAcked("PAUSED", task.id);
    const paused = await getTask(s, T2, task.id);
    expect(paused.latestEventKind).toBe("PAUSED");
    expect(paused.isDone).toBe(false);
    expect(kinds(paused)).toContain("PAUSING");

    const resuming = await control(s, T2, "resume", { task: task.id, step: true });
    expect(resuming.latestInstructKind).toBe("RESUME");
    expect(await executor.next("RESUME")).toMatchObject({ type: "RESUME", task: task.id, step: true });
    await executor.reportAcked("RESUMED", task.id);
    const resumed = await getTask(s, T2, task.id);
    expect(resumed.latestEventKind).toBe("RESUMED");
    expect(resumed.isDone).toBe(false);

    const interrupting = await control(s, T2, "interrupt", { task: task.id });
    expect(interrupting.latestInstructKind).toBe("INTERRUPT");
    expect(await executor.next("INTERRUPT")).toMatchObject({ type: "INTERRUPT", task: task.id });
    await executor.reportAcked("INTERRUPTED", task.id);
    const interrupted = await getTask(s, T2, task.id);
    expect(interrupted.latestEventKind).toBe("INTERRUPTED");
    expect(interrupted.isDone).toBe(true);
    expect(interrupted.finishedAt).not.toBeNull();
    expect(kinds(interrupted)).toContain("INTERRUPTING");
  });
});
