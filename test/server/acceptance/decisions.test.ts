/**
 * The table "Our decisions" of wire-protocol.md, where it goes beyond acceptance scenarios 1-29: cancel
 * before delivery, an unanswered ASSIGN is not in flight, LOG levels, assign by agent + interface,
 * Task.root of children, and the agent admin mutations (kick, bounce, block of a connected agent).
 */
import { describe, expect, it } from "vitest";
import { notMirror } from "../helpers/agent-socket.js";
import { ADD, PING, assign, control, getAgent, getTask, implOf, kinds, setupAgent, startTask } from "../helpers/fixture.js";
import { useTestServer, type TestServer } from "../helpers/server.js";
import { SUBSCRIPTION_PROTOCOLS } from "../helpers/subscriptions.js";
import { T1, T2 } from "../helpers/tokens.js";
import { pollUntil } from "../helpers/wait.js";

async function waitDisconnected(s: TestServer, agentId: string): Promise<void> {
  await pollUntil(() => getAgent(s, T1, agentId), (a) => !a.connected, { what: "the agent to be disconnected" });
}

describe("decision: cancel before delivery", () => {
  const server = useTestServer({ graceMs: 0 });

  it("cancels a task whose ASSIGN was never answered at once, and neither ASSIGN nor CANCEL reaches the agent afterwards", async () => {
    const s = server();
    const fixture = await setupAgent(s, T1, [ADD]);
    const { socket } = await s.connectAgent(T1, { session_id: "S1" });
    const task = await assign(s, T2, { implementation: implOf(fixture, "add").id, args: { a: 1, b: 2 } });
    await socket.next("ASSIGN"); // delivered, never answered

    const cancelled = await control(s, T2, "cancel", { task: task.id });
    expect(cancelled.isDone).toBe(true);
    expect(cancelled.latestEventKind).toBe("CANCELLED");
    const stored = await getTask(s, T2, task.id);
    expect(kinds(stored)).toContain("CANCELLED");

    await socket.close();
    await waitDisconnected(s, fixture.agentId);
    const again = await s.openAgent();
    again.sendRegister(T1, { session_id: "S1" });
    expect(await again.next(notMirror)).toMatchObject({ type: "INIT", inquiries: [] });
    await again.expectNoFrame((f) => f.task === task.id, 200);
  });
});

describe("decision: an unanswered ASSIGN is not in flight", () => {
  const server = useTestServer({ graceMs: 0 });

  it("leaves a task whose ASSIGN was not answered untouched by the disconnect fate and delivers the ASSIGN again after INIT", async () => {
    const s = server();
    const fixture = await setupAgent(s, T1, [ADD]);
    const { socket } = await s.connectAgent(T1, { session_id: "S1" });
    const task = await assign(s, T2, { implementation: implOf(fixture, "add").id, args: { a: 1, b: 2 } });
    await socket.next("ASSIGN");
    await socket.terminate();
    await waitDisconnected(s, fixture.agentId);

    const waiting = await getTask(s, T2, task.id);
    expect(waiting.latestEventKind).toBe("STARTED");
    expect(kinds(waiting)).not.toContain("DISCONNECTED");

    const again = await s.openAgent();
    again.sendRegister(T1, { session_id: "S1" });
    expect(await again.next(notMirror)).toMatchObject({ type: "INIT", inquiries: [] });
    expect(await again.next(notMirror)).toMatchObject({ type: "ASSIGN", task: task.id, args: { a: 1, b: 2 } });
  });

  it("drops the ASSIGN from the outbox once any report on the task answers it", async () => {
    const s = server();
    const fixture = await setupAgent(s, T1, [ADD]);
    const { socket } = await s.connectAgent(T1, { session_id: "S1" });
    const task = await assign(s, T2, { implementation: implOf(fixture, "add").id, args: { a: 1, b: 2 } });
    await socket.next("ASSIGN");
    socket.report("PROGRESS", task.id, { progress: 1 }); // any report answers the ASSIGN
    await pollUntil(() => getTask(s, T2, task.id), (t) => kinds(t).includes("PROGRESS"), { what: "the PROGRESS to be stored" });
    await socket.close();
    await waitDisconnected(s, fixture.agentId);

    const again = await s.openAgent();
    again.sendRegister(T1, { session_id: "S1" });
    const init = await again.next(notMirror);
    expect(init.type).toBe("INIT");
    // grace 0 and effect NONE: the answered task was in flight and is now DISCONNECTED, listed as an inquiry.
    expect((init.inquiries as Array<{ task: string }>).map((i) => i.task)).toEqual([task.id]);
    await again.expectNoFrame("ASSIGN", 200);
  });
});

describe("decision: LOG level is stored", () => {
  const server = useTestServer();

  it("stores DEBUG, INFO, WARN, ERROR and CRITICAL levels and anything else as INFO", async () => {
    const s = server();
    const fixture = await setupAgent(s, T1, [ADD]);
    const { socket } = await s.connectAgent(T1);
    const { task } = await startTask(s, socket, T2, implOf(fixture, "add").id, { a: 1, b: 2 });
    const levels = ["DEBUG", "INFO", "WARN", "ERROR", "CRITICAL", "LOUD"];
    for (const level of levels) socket.report("LOG", task.id, { message: `at ${level}`, level });

    const events = await pollUntil(
      async () => (await s.gql<{ task: { events: Array<{ kind: string; message: string; level: string }> } }>(T2, "query L($id: ID!) { task(id: $id) { events { kind message level } } }", { id: task.id })).task.events,
      (es) => es.filter((e) => e.kind === "LOG").length === levels.length,
      { what: "all LOG events to be stored" },
    );
    const byMessage = Object.fromEntries(events.filter((e) => e.kind === "LOG").map((e) => [e.message, e.level]));
    expect(byMessage).toEqual({ "at DEBUG": "DEBUG", "at INFO": "INFO", "at WARN": "WARN", "at ERROR": "ERROR", "at CRITICAL": "CRITICAL", "at LOUD": "INFO" });
  });
});

describe("decision: assign by agent + interface", () => {
  const server = useTestServer();

  it("routes an assign by agent and interface to that agent's implementation", async () => {
    const s = server();
    const fixture = await setupAgent(s, T1, [ADD]);
    const { socket } = await s.connectAgent(T1);
    const task = await assign(s, T2, { agent: fixture.agentId, interface: "add", args: { a: 4, b: 5 } });
    expect(await socket.next("ASSIGN")).toMatchObject({ task: task.id, interface: "add", implementation: implOf(fixture, "add").id, args: { a: 4, b: 5 } });
  });
});

describe.each(SUBSCRIPTION_PROTOCOLS)("decision: Task.root and children in mytasks (%s)", (protocol) => {
  const server = useTestServer();

  it("gives a root task root null and its child the parent as root, and shows the child in its caller's mytasks", async () => {
    const s = server();
    const lab = await setupAgent(s, T1, [ADD]);
    const other = await setupAgent(s, T2, [PING]);
    const { socket: a } = await s.connectAgent(T1);
    await s.connectAgent(T2);
    const { task: parent } = await startTask(s, a, T2, implOf(lab, "add").id, { a: 1, b: 2 });

    const client = await s.subscriptionClient(protocol, T1);
    const mytasks = await client.subscribe<{ mytasks: { create: { id: string; root: string | null; parent: string | null } | null } }>(
      "subscription { mytasks { create { id root parent } } }",
    );

    a.send({ type: "ASSIGN_REQUEST", id: "r1", reference: "child", parent: parent.id, implementation: implOf(other, "ping").id, args: {} });
    const response = await a.next("ASSIGN_RESPONSE");
    const child = String(response.task);

    const created = await mytasks.next((d) => d.mytasks.create?.id === child);
    expect(created.mytasks.create).toEqual({ id: child, root: parent.id, parent: parent.id });
    const rows = await s.gql<{ parentTask: { root: { id: string } | null }; childTask: { root: { id: string } | null; parent: { id: string } | null } }>(
      T1,
      "query R($p: ID!, $c: ID!) { parentTask: task(id: $p) { root { id } } childTask: task(id: $c) { root { id } parent { id } } }",
      { p: parent.id, c: child },
    );
    expect(rows.parentTask.root).toBeNull();
    expect(rows.childTask.root?.id).toBe(parent.id);
    expect(rows.childTask.parent?.id).toBe(parent.id);
  });
});

describe("agent admin: kick, bounce, block", () => {
  const server = useTestServer();

  it("sends KICK on kick, BOUNCE on bounce, and KICK with the reason when a connected agent is blocked", async () => {
    const s = server();
    const fixture = await setupAgent(s, T1, [ADD]);
    const { socket } = await s.connectAgent(T1);

    await s.gql(T1, "mutation K($input: KickInput!) { kick(input: $input) { id } }", { input: { agent: fixture.agentId, reason: "tidy up" } });
    expect(await socket.next("KICK")).toMatchObject({ type: "KICK" });

    const { socket: again } = socket.isOpen ? { socket } : await s.connectAgent(T1);
    await s.gql(T1, "mutation B($input: BounceInput!) { bounce(input: $input) { id } }", { input: { agent: fixture.agentId } });
    expect(await again.next("BOUNCE")).toMatchObject({ type: "BOUNCE" });

    const { socket: third } = again.isOpen ? { socket: again } : await s.connectAgent(T1);
    const blocked = await s.gql<{ block: { blocked: boolean } }>(T1, "mutation Bl($input: BlockInput!) { block(input: $input) { blocked } }", {
      input: { agent: fixture.agentId, reason: "maintenance" },
    });
    expect(blocked.block.blocked).toBe(true);
    expect(await third.next("KICK")).toMatchObject({ type: "KICK", reason: "maintenance" });
  });
});
