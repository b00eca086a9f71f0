/**
 * Acceptance scenarios 17-21 (shared/spec/acceptance.md): requests over the agent socket. A (T1's agent)
 * runs a parent task P and sub-assigns to B (T2's agent) with ASSIGN_REQUEST; results come back to A as
 * caller mirrors (`*_EVENT`); A controls the child with CANCEL_REQUEST and CONTROL_RESPONSE.
 */
import { describe, expect, it } from "vitest";
import type { AgentSocket, Frame } from "../helpers/agent-socket.js";
import { PING, ADD, implOf, setupAgent, startTask, type AgentFixture, type TaskSummary } from "../helpers/fixture.js";
import { useTestServer, type TestServer } from "../helpers/server.js";
import { T1, T2, T4 } from "../helpers/tokens.js";

interface SubAssignSetup {
  a: AgentSocket;
  b: AgentSocket;
  fixtureA: AgentFixture;
  fixtureB: AgentFixture;
  parent: TaskSummary;
}

/** A and B registered; P is a task T2 assigned to A, in flight. */
async function subAssignSetup(s: TestServer): Promise<SubAssignSetup> {
  const fixtureA = await setupAgent(s, T1, [ADD]);
  const fixtureB = await setupAgent(s, T2, [PING]);
  const { socket: a } = await s.connectAgent(T1);
  const { socket: b } = await s.connectAgent(T2);
  const { task: parent } = await startTask(s, a, T2, implOf(fixtureA, "add").id, { a: 1, b: 2 });
  return { a, b, fixtureA, fixtureB, parent };
}

function assignRequest(id: string, reference: string, parent: string | undefined, implementation: string): Record<string, unknown> {
  const frame: Record<string, unknown> = { type: "ASSIGN_REQUEST", id, reference, implementation, args: {} };
  if (parent !== undefined) frame.parent = parent;
  return frame;
}

/** A sub-assigns B's ping under P; B answers the ASSIGN with STARTED so the child T is in flight. */
async function childInFlight(s: TestServer): Promise<SubAssignSetup & { child: string }> {
  const setup = await subAssignSetup(s);
  setup.a.send(assignRequest("r1", "k", setup.parent.id, implOf(setup.fixtureB, "ping").id));
  const response = await setup.a.next((f) => f.type === "ASSIGN_RESPONSE" && f.request === "r1");
  const child = String(response.task);
  await setup.b.next((f) => f.type === "ASSIGN" && f.task === child);
  await setup.b.reportAcked("STARTED", child);
  return { ...setup, child };
}

const forTask = (type: string, task: string) => (f: Frame) => f.type === type && f.task === task;

describe("scenario 17: socket sub-assign", () => {
  const server = useTestServer();

  it("answers ASSIGN_REQUEST with ASSIGN_RESPONSE created:true, delivers ASSIGN to B, and a resend returns the same task with created:false", async () => {
    const s = server();
    const { a, b, fixtureB, parent } = await subAssignSetup(s);
    const implB = implOf(fixtureB, "ping");

    a.send(assignRequest("r1", "k", parent.id, implB.id));
    const response = await a.next("ASSIGN_RESPONSE");
    expect(response).toMatchObject({ type: "ASSIGN_RESPONSE", request: "r1", reference: "k", created: true });
    expect(typeof response.task).toBe("string");
    const child = String(response.task);
    expect(child).not.toBe(parent.id);

    expect(await b.next("ASSIGN")).toMatchObject({ type: "ASSIGN", task: child, interface: "ping", implementation: implB.id });

    a.send(assignRequest("r1", "k", parent.id, implB.id));
    expect(await a.next("ASSIGN_RESPONSE")).toMatchObject({ request: "r1", reference: "k", task: child, created: false });

    const rows = await s.gql<{ tasks: Array<{ id: string }> }>(T1, "query R($f: TaskFilter) { tasks(filters: $f) { id } }", { f: { reference: "k" } });
    expect(rows.tasks.map((t) => t.id)).toEqual([child]);
    const childTask = await s.gql<{ task: { parent: { id: string } | null } }>(T1, "query P($id: ID!) { task(id: $id) { parent { id } } }", { id: child });
    expect(childTask.task.parent?.id).toBe(parent.id);
  });
});

describe("scenario 18: root assign refused over the socket", () => {
  const server = useTestServer();

  it("answers an ASSIGN_REQUEST without parent with task null, created false and an error naming parent, and keeps serving the socket", async () => {
    const s = server();
    const { a, b, fixtureB, parent } = await subAssignSetup(s);
    const implB = implOf(fixtureB, "ping");

    a.send(assignRequest("r0", "root-attempt", undefined, implB.id));
    const refused = await a.next("ASSIGN_RESPONSE");
    expect(refused).toMatchObject({ type: "ASSIGN_RESPONSE", request: "r0", task: null, created: false });
    expect(String(refused.error)).toContain("parent");
    expect(a.isOpen).toBe(true);
    expect(b.pending("ASSIGN")).toEqual([]);

    a.send(assignRequest("r2", "after-refusal", parent.id, implB.id));
    expect(await a.next("ASSIGN_RESPONSE")).toMatchObject({ request: "r2", reference: "after-refusal", created: true });
    expect(a.isOpen).toBe(true);
  });
});

describe("scenario 19: caller mirrors", () => {
  const server = useTestServer();

  it("mirrors B's PROGRESS and COMPLETED of the child to A with increasing seq, and to no other identity", async () => {
    const s = server();
    const setup = await childInFlight(s);
    const { a, b, child } = setup;
    await setupAgent(s, T4, [PING]);
    const { socket: bystander } = await s.connectAgent(T4);

    b.report("PROGRESS", child, { progress: 50 });
    await b.reportAcked("COMPLETED", child);

    const progress = await a.next(forTask("PROGRESS_EVENT", child));
    expect(progress).toMatchObject({ type: "PROGRESS_EVENT", task: child, progress: 50 });
    expect(typeof progress.event).toBe("string");
    expect(typeof progress.seq).toBe("number");
    const completed = await a.next(forTask("COMPLETED_EVENT", child));
    expect(completed).toMatchObject({ type: "COMPLETED_EVENT", task: child });
    expect(typeof completed.event).toBe("string");
    expect(completed.seq as number).toBeGreaterThan(progress.seq as number);
    expect(completed.event).not.toBe(progress.event);

    // B executes the child but is not its caller; T4 is another identity of the same organisation.
    const mirrorOfChild = (f: Frame) => f.type.endsWith("_EVENT") && f.task === child;
    await bystander.expectNoFrame(mirrorOfChild, 150);
    expect(b.seen(mirrorOfChild)).toEqual([]);
  });
});

describe("scenario 20: socket control, two-phase", () => {
  const server = useTestServer();

  it("accepts A's CANCEL_REQUEST, sends CANCEL to B and mirrors CANCELLING and CANCELLED to A", async () => {
    const s = server();
    const { a, b, child } = await childInFlight(s);

    a.send({ type: "CANCEL_REQUEST", id: "c1", task: child });
    expect(await a.next("CONTROL_RESPONSE")).toMatchObject({ type: "CONTROL_RESPONSE", request: "c1", task: child, accepted: true });
    expect(await b.next("CANCEL")).toMatchObject({ type: "CANCEL", task: child });
    await a.next(forTask("CANCELLING_EVENT", child));

    await b.reportAcked("CANCELLED", child);
    expect(await a.next(forTask("CANCELLED_EVENT", child))).toMatchObject({ type: "CANCELLED_EVENT", task: child });
  });

  it("refuses a request on a task A is not the caller of, and one on an unknown id, with accepted:false and keeps the socket open", async () => {
    const s = server();
    const { a, b, parent, child } = await childInFlight(s);

    // P was assigned by T2, so A (T1) is its executor, not its caller.
    a.send({ type: "CANCEL_REQUEST", id: "c-foreign", task: parent.id });
    const foreign = await a.next((f) => f.type === "CONTROL_RESPONSE" && f.request === "c-foreign");
    expect(foreign).toMatchObject({ accepted: false });
    expect(a.pending("CANCEL")).toEqual([]);

    a.send({ type: "CANCEL_REQUEST", id: "c-unknown", task: "999999" });
    const unknown = await a.next((f) => f.type === "CONTROL_RESPONSE" && f.request === "c-unknown");
    expect(unknown).toMatchObject({ accepted: false });
    expect(a.isOpen).toBe(true);

    // still served: a valid request afterwards is accepted
    a.send({ type: "CANCEL_REQUEST", id: "c-ok", task: child });
    expect(await a.next((f) => f.type === "CONTROL_RESPONSE" && f.request === "c-ok")).toMatchObject({ accepted: true, task: child });
    expect(await b.next("CANCEL")).toMatchObject({ task: child });
  });
});

describe("scenario 21: auto_interrupt", () => {
  const server = useTestServer();

  it("interrupts the child about 0.2 s after a CANCEL_REQUEST with auto_interrupt when B stays silent", async () => {
    const s = server();
    const { a, b, child } = await childInFlight(s);

    const sentAt = Date.now();
    a.send({ type: "CANCEL_REQUEST", id: "c1", task: child, auto_interrupt: 0.2 });
    expect(await a.next("CONTROL_RESPONSE")).toMatchObject({ accepted: true, task: child });
    await b.next("CANCEL");
    expect(await b.next("INTERRUPT", 2000)).toMatchObject({ type: "INTERRUPT", task: child });
    const elapsed = Date.now() - sentAt;
    expect(elapsed).toBeGreaterThanOrEqual(150);
    expect(elapsed).toBeLessThan(1000);
    expect(await a.next(forTask("INTERRUPTING_EVENT", child), 1000)).toMatchObject({ task: child });
  });

  it("sends no INTERRUPT when B confirms CANCELLED before the auto_interrupt delay", async () => {
    const s = server();
    const { a, b, child } = await childInFlight(s);

    a.send({ type: "CANCEL_REQUEST", id: "c1", task: child, auto_interrupt: 0.2 });
    expect(await a.next("CONTROL_RESPONSE")).toMatchObject({ accepted: true });
    await b.next("CANCEL");
    await b.reportAcked("CANCELLED", child);
    await b.expectNoFrame("INTERRUPT", 400);
    expect(a.seen(forTask("INTERRUPTING_EVENT", child))).toEqual([]);
  });
});
