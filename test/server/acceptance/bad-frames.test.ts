/**
 * Acceptance scenario 28 (shared/spec/acceptance.md, wire-protocol.md "Our decisions"): bad frames never
 * crash the server. Binary and non-JSON frames close 3002, frames over the size limit close 1009, deeply
 * nested JSON and schema-invalid frames get a PROTOCOL_ERROR naming the problem and close 3003, reports on
 * unknown or foreign task ids get a PROTOCOL_ERROR and the socket stays open, and a bystander agent on
 * another connection keeps being served throughout.
 */
import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import type { AgentSocket } from "../helpers/agent-socket.js";
import { ADD, PING, getTask, implOf, kinds, setupAgent, startTask } from "../helpers/fixture.js";
import { useTestServer, type TestServer } from "../helpers/server.js";
import { T1, T2 } from "../helpers/tokens.js";
import { pollUntil } from "../helpers/wait.js";

/** A small frame limit so oversized frames stay cheap; wire-protocol.md's default is 16 MiB. */
const MAX_FRAME_BYTES = 64 * 1024;

interface Scene {
  /** T1's agent, the one sending bad frames, with task `task` in flight. */
  agent: AgentSocket;
  task: string;
  /** T2's agent on its own connection, with task `bystanderTask` in flight. */
  bystander: AgentSocket;
  bystanderTask: string;
}

async function scene(s: TestServer): Promise<Scene> {
  const lab = await setupAgent(s, T1, [ADD]);
  const other = await setupAgent(s, T2, [PING]);
  const { socket: agent } = await s.connectAgent(T1);
  const { socket: bystander } = await s.connectAgent(T2);
  const { task } = await startTask(s, agent, T2, implOf(lab, "add").id, { a: 1, b: 2 });
  const { task: bystanderTask } = await startTask(s, bystander, T1, implOf(other, "ping").id);
  return { agent, task: task.id, bystander, bystanderTask: bystanderTask.id };
}

/** The bystander's connection is still served: a report is acknowledged and GraphQL answers. */
async function expectBystanderServed(s: TestServer, sc: Scene): Promise<void> {
  expect(sc.bystander.isOpen).toBe(true);
  const ack = await sc.bystander.reportAcked("STARTED", sc.bystanderTask);
  expect(ack).toMatchObject({ type: "EVENT_ACK", task: sc.bystanderTask });
  const task = await getTask(s, T1, sc.bystanderTask);
  expect(task.isDone).toBe(false);
  const health = await fetch(`${s.url}/ht`);
  expect(health.status).toBe(200);
}

/** JSON arrays nested `depth` deep; keep 2 * depth under MAX_FRAME_BYTES so the depth limit, not the size limit, is hit. */
function nested(depth: number): string {
  return "[".repeat(depth) + "]".repeat(depth);
}

describe("scenario 28: bad frames never crash", () => {
  const server = useTestServer({ maxFrameBytes: MAX_FRAME_BYTES });

  it("closes 3002 on a binary frame of random bytes and keeps serving the other connection", async () => {
    const s = server();
    const sc = await scene(s);
    sc.agent.send(randomBytes(256));
    expect((await sc.agent.closed()).code).toBe(3002);
    await expectBystanderServed(s, sc);
  });

  it("closes 3002 on random bytes sent as the first frame of an unregistered socket", async () => {
    const s = server();
    const sc = await scene(s);
    const fresh = await s.openAgent();
    fresh.send(randomBytes(64));
    expect((await fresh.closed()).code).toBe(3002);
    await expectBystanderServed(s, sc);
  });

  it("closes 3002 on a text frame that is not JSON and keeps serving the other connection", async () => {
    const s = server();
    const sc = await scene(s);
    sc.agent.send('{"type": "LOG", "task": ');
    expect((await sc.agent.closed()).code).toBe(3002);
    await expectBystanderServed(s, sc);
  });

  it("closes 1009 on a frame over the configured size limit, and accepts one under it", async () => {
    const s = server();
    const sc = await scene(s);
    const under = "x".repeat(MAX_FRAME_BYTES / 2);
    sc.agent.report("LOG", sc.task, { message: under });
    const stored = await pollUntil(() => getTask(s, T2, sc.task), (t) => kinds(t).includes("LOG"), { what: "the LOG under the limit to be stored" });
    expect(stored.events.find((e) => e.kind === "LOG")?.message).toBe(under);

    sc.agent.report("LOG", sc.task, { message: "x".repeat(MAX_FRAME_BYTES * 2) });
    expect((await sc.agent.closed()).code).toBe(1009);
    await expectBystanderServed(s, sc);
  });

  it("sends PROTOCOL_ERROR and closes 3003 on deeply nested JSON", async () => {
    const s = server();
    const sc = await scene(s);
    sc.agent.send(`{"type":"YIELD","task":${JSON.stringify(sc.task)},"returns":{"deep":${nested(10_000)}}}`);
    const error = await sc.agent.next("PROTOCOL_ERROR");
    expect(String(error.error)).not.toBe("");
    expect((await sc.agent.closed()).code).toBe(3003);
    await expectBystanderServed(s, sc);
  });

  it("sends a PROTOCOL_ERROR naming the field and closes 3003 on a field of the wrong type", async () => {
    const s = server();
    const sc = await scene(s);
    sc.agent.send({ type: "PROGRESS", id: "p1", task: sc.task, progress: "lots" });
    const error = await sc.agent.next("PROTOCOL_ERROR");
    expect(String(error.error)).toMatch(/progress/);
    expect(String(error.error)).toMatch(/PROGRESS/); // the frame type names the place
    expect((await sc.agent.closed()).code).toBe(3003);
    const task = await getTask(s, T2, sc.task);
    expect(kinds(task)).not.toContain("PROGRESS");
    await expectBystanderServed(s, sc);
  });

  it("sends PROTOCOL_ERROR and closes 3003 on an unknown message type after registration", async () => {
    const s = server();
    const sc = await scene(s);
    sc.agent.send({ type: "APP_CANCELLED", task: sc.task });
    const error = await sc.agent.next("PROTOCOL_ERROR");
    expect(String(error.error)).toContain("APP_CANCELLED");
    expect((await sc.agent.closed()).code).toBe(3003);
    await expectBystanderServed(s, sc);
  });

  it("closes 3003 on a second REGISTER after the handshake", async () => {
    const s = server();
    const sc = await scene(s);
    sc.agent.sendRegister(T1);
    expect((await sc.agent.closed()).code).toBe(3003);
    await expectBystanderServed(s, sc);
  });

  it("answers a report on an unknown task id with PROTOCOL_ERROR carrying the message id and task, and keeps the socket open", async () => {
    const s = server();
    const sc = await scene(s);
    sc.agent.send({ type: "COMPLETED", id: "m9", task: "999999", seq: 1 });
    expect(await sc.agent.next("PROTOCOL_ERROR")).toMatchObject({ type: "PROTOCOL_ERROR", event: "m9", task: "999999" });
    sc.agent.send({ type: "PROGRESS", id: "m10", task: "999999", progress: 5 });
    const second = await sc.agent.next("PROTOCOL_ERROR");
    expect(second).toMatchObject({ event: "m10", task: "999999" });
    expect(String(second.error)).not.toBe("");

    expect(sc.agent.isOpen).toBe(true);
    const ack = await sc.agent.reportAcked("COMPLETED", sc.task);
    expect(ack).toMatchObject({ type: "EVENT_ACK", task: sc.task });
    expect((await getTask(s, T2, sc.task)).isDone).toBe(true);
    await expectBystanderServed(s, sc);
  });

  it("answers a report on a task assigned to another agent with PROTOCOL_ERROR, leaves that task untouched and keeps the socket open", async () => {
    const s = server();
    const sc = await scene(s);
    sc.agent.send({ type: "COMPLETED", id: "m-foreign", task: sc.bystanderTask, seq: 1 });
    expect(await sc.agent.next("PROTOCOL_ERROR")).toMatchObject({ event: "m-foreign", task: sc.bystanderTask });
    const foreign = await getTask(s, T1, sc.bystanderTask);
    expect(foreign.isDone).toBe(false);
    expect(kinds(foreign)).not.toContain("COMPLETED");
    expect(sc.agent.isOpen).toBe(true);
    await sc.agent.reportAcked("STARTED", sc.task);
    await expectBystanderServed(s, sc);
  });

  it("survives a burst of mixed bad frames from many connections and keeps serving the bystander", async () => {
    const s = server();
    const sc = await scene(s);
    const attackers = await Promise.all(Array.from({ length: 8 }, () => s.openAgent()));
    attackers.forEach((a, i) => {
      if (i % 4 === 0) a.send(randomBytes(128));
      else if (i % 4 === 1) a.send("}{");
      else if (i % 4 === 2) a.send({ type: "REGISTER", token: 42, force: "yes" });
      else a.send(`{"type":"REGISTER","token":${nested(10_000)}}`);
    });
    const codes = await Promise.all(attackers.map((a) => a.closed().then((c) => c.code)));
    expect(codes).toEqual([3002, 3002, 3003, 3003, 3002, 3002, 3003, 3003]);
    await expectBystanderServed(s, sc);
  });
});
