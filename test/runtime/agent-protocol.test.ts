/**
 * The agent against a scripted platform on a real WebSocket: exact frames for the cases the
 * embedded server rarely produces on its own (a re-delivered ASSIGN, an inquiry about an unknown
 * task, a lost EVENT_ACK, each close code).
 */
import { afterEach, describe, expect, it } from "vitest";
import { AgentSocket } from "../../src/runtime/agent/agent.js";
import { calls, registry } from "../fixtures/runtime/registry.js";
import { assign, startScriptedAgent, type AgentSocketOptions } from "../fixtures/runtime/scripted-agent.js";
import { ScriptedPlatform } from "../fixtures/runtime/scripted-platform.js";
import { waitFor } from "../fixtures/runtime/harness.js";

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c().catch(() => undefined);
});

const setup = (options: Partial<AgentSocketOptions> = {}) => startScriptedAgent(cleanups, options);

describe("agent protocol against a scripted platform", () => {
  it("REGISTER carries token, force and the session id", async () => {
    const { peer } = await setup();
    expect(peer.frames[0]).toMatchObject({ type: "REGISTER", token: "tok", force: false, session_id: "session-1" });
  });

  it("answers HEARTBEAT; every report carries an increasing seq", async () => {
    const { peer } = await setup();
    peer.send({ type: "HEARTBEAT" });
    await peer.next("HEARTBEAT_ANSWER");
    peer.send(assign("1", "count_up", { n: 3 }));
    await peer.next("COMPLETED", "1");
    const seqs = peer.frames.filter((f) => "seq" in f && f.seq !== undefined).map((f) => (f as { seq: number }).seq);
    expect(seqs.length).toBeGreaterThanOrEqual(5);
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    expect(new Set(seqs).size).toBe(seqs.length);
  });

  it("a second ASSIGN for a task it ran is ignored, and its unacknowledged terminal report is sent again", async () => {
    const { peer, agent } = await setup();
    const before = calls.add ?? 0;
    peer.send(assign("7", "add", { a: 1 }));
    const completed = await peer.next("COMPLETED", "7");
    peer.send(assign("7", "add", { a: 1 }));
    await waitFor("the terminal report to be resent", () => peer.of("COMPLETED", "7").length === 2);
    expect(peer.of("COMPLETED", "7")[1]!.id).toBe(completed.id);
    expect(peer.of("STARTED", "7")).toHaveLength(1);
    expect(calls.add! - before).toBe(1);
    // Acknowledged: a third ASSIGN changes nothing.
    peer.send({ type: "EVENT_ACK", event: completed.id, task: "7", seq: (completed as { seq: number }).seq });
    await waitFor("the outbox to drain", () => agent.outbox.size === 0);
    peer.send(assign("7", "add", { a: 1 }));
    peer.send({ type: "HEARTBEAT" });
    await waitFor("the heartbeat answer", () => peer.of("HEARTBEAT_ANSWER").length === 1);
    expect(peer.of("COMPLETED", "7")).toHaveLength(2);
  });

  it("unacknowledged terminal reports are resent after a reconnect; inquiries: running -> still running, unknown -> CRITICAL", async () => {
    const { platform, peer, agent } = await setup();
    peer.send(assign("1", "add", { a: 2 }));
    const first = await peer.next("COMPLETED", "1");
    peer.send(assign("2", "slow", { ms: 400 }));
    await peer.next("STARTED", "2");
    peer.ws.terminate();
    const second = await platform.accept(["2", "99"]);
    expect(second.frames[0]).toMatchObject({ type: "REGISTER", session_id: "session-1" });
    const resent = await second.next("COMPLETED", "1");
    expect(resent.id).toBe(first.id);
    expect(await second.next("PROGRESS", "2")).toMatchObject({ message: "still running" });
    expect(await second.next("CRITICAL", "99")).toMatchObject({ error: expect.stringContaining("does not know this task") });
    await second.next("COMPLETED", "2");
    expect(second.of("YIELD", "2")).toHaveLength(1);
    expect(agent.connected).toBe(true);
  });

  it("reports made while disconnected are delivered after the next INIT, in order", async () => {
    const { platform, peer } = await setup();
    peer.send(assign("5", "slow", { ms: 150 }));
    await peer.next("STARTED", "5");
    // Refuse to register again for a while: the task finishes while the agent is offline.
    peer.ws.terminate();
    await new Promise((r) => setTimeout(r, 300));
    const second = await platform.accept(["5"]);
    await second.next("COMPLETED", "5");
    const kinds = second.frames.filter((f) => (f as { task?: string }).task === "5").map((f) => f.type);
    expect(kinds.indexOf("YIELD")).toBeGreaterThanOrEqual(0);
    expect(kinds.indexOf("YIELD")).toBeLessThan(kinds.indexOf("COMPLETED"));
  });

  it("PROTOCOL_ERROR naming a held report drops it from the outbox", async () => {
    const { peer, agent } = await setup();
    peer.send(assign("8", "add", { a: 1 }));
    const completed = await peer.next("COMPLETED", "8");
    expect(agent.outbox.size).toBe(1);
    peer.send({ type: "PROTOCOL_ERROR", error: "not your task", event: completed.id, task: "8" });
    await waitFor("the outbox to drop the report", () => agent.outbox.size === 0);
  });

  it("the concurrency limit holds further tasks (PROGRESS 0) until a slot frees", async () => {
    const { peer } = await setup({ concurrency: 1 });
    peer.send(assign("a", "slow", { ms: 150 }));
    peer.send(assign("b", "slow", { ms: 10 }));
    expect(await peer.next("PROGRESS", "b")).toMatchObject({ progress: 0 });
    await peer.next("COMPLETED", "a");
    await peer.next("COMPLETED", "b");
    const order = peer.frames.filter((f) => f.type === "STARTED" || f.type === "COMPLETED").map((f) => `${f.type}:${(f as { task: string }).task}`);
    expect(order).toEqual(["STARTED:a", "COMPLETED:a", "STARTED:b", "COMPLETED:b"]);
  });

  it("CANCEL and INTERRUPT of unknown tasks are confirmed; PAUSE/RESUME act at checkpoints", async () => {
    const { peer } = await setup();
    peer.send({ type: "CANCEL", task: "404" });
    await peer.next("CANCELLED", "404");
    peer.send({ type: "INTERRUPT", task: "405" });
    await peer.next("INTERRUPTED", "405");
    peer.send(assign("p", "slow", { ms: 200 }));
    await peer.next("STARTED", "p");
    peer.send({ type: "PAUSE", task: "p" });
    await peer.next("PAUSED", "p");
    await new Promise((r) => setTimeout(r, 300));
    expect(peer.of("COMPLETED", "p")).toHaveLength(0);
    peer.send({ type: "RESUME", task: "p", step: false });
    await peer.next("RESUMED", "p");
    await peer.next("COMPLETED", "p");
  });

  it("INTERRUPT reports INTERRUPTED at once, before the function returns", async () => {
    const { peer } = await setup();
    peer.send(assign("i", "stubborn", { ms: 500 }));
    await peer.next("STARTED", "i");
    const sent = Date.now();
    peer.send({ type: "INTERRUPT", task: "i" });
    await peer.next("INTERRUPTED", "i");
    expect(Date.now() - sent).toBeLessThan(400);
    await new Promise((r) => setTimeout(r, 600));
    expect(peer.of("YIELD", "i")).toHaveLength(0);
    expect(peer.of("COMPLETED", "i")).toHaveLength(0);
  });

  it.each([
    [4005, "ARKITEKT_AGENT_REPLACED"],
    [4003, "ARKITEKT_AGENT_BLOCKED"],
    [3003, "ARKITEKT_AGENT_REFUSED"],
    [1009, "ARKITEKT_AGENT_BAD_FRAME"],
  ])("close %i stops the agent with %s and no reconnect", async (code, expected) => {
    const { platform, peer, agent } = await setup();
    peer.ws.close(code, "scripted");
    const stop = await agent.closed;
    expect(stop.error?.code).toBe(expected);
    expect(stop.error?.closeCode).toBe(code);
    await new Promise((r) => setTimeout(r, 150));
    expect(platform.peers).toHaveLength(1);
  });

  it.each([1001, 1006, 3001])("close %i reconnects with the same session", async (code) => {
    const { platform, peer } = await setup();
    if (code === 1006) peer.ws.terminate();
    else peer.ws.close(code, "scripted");
    const second = await platform.accept();
    expect(second.frames[0]).toMatchObject({ type: "REGISTER", session_id: "session-1" });
  });

  it("a socket silent for idleTimeoutMs is presumed dead and replaced (same session)", async () => {
    const { platform } = await setup({ idleTimeoutMs: 200 });
    const second = await platform.accept();
    expect(second.frames[0]).toMatchObject({ type: "REGISTER", session_id: "session-1" });
  });

  it("4004 on the first connect stops with a message that suggests force", async () => {
    const platform = await ScriptedPlatform.start();
    cleanups.push(() => platform.close());
    platform.wss.on("connection", (ws) => ws.once("message", () => ws.close(4004, "already connected")));
    const agent = new AgentSocket({ agiUrl: platform.url, token: "tok", registry });
    const error = await agent.start().catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "ARKITEKT_AGENT_ALREADY_CONNECTED", closeCode: 4004 });
    expect((error as { hint: string }).hint).toContain("force");
  });

  it("4004 while reconnecting after a drop is retried until the stale window passes", async () => {
    const { platform, peer } = await setup();
    let refusals = 0;
    platform.wss.on("connection", (ws) =>
      ws.once("message", () => {
        if (refusals < 2) {
          refusals++;
          ws.close(4004, "old socket still live");
        }
      }),
    );
    peer.ws.terminate();
    // Connections 2 and 3 are refused with 4004; the agent keeps trying and connection 4 is accepted.
    const fourth = await platform.accept([], 3);
    expect(refusals).toBe(2);
    expect(fourth.frames[0]).toMatchObject({ type: "REGISTER", session_id: "session-1" });
  });

  it("close() waits for running tasks, then closes with 1000", async () => {
    const { peer, agent } = await setup();
    peer.send(assign("c", "slow", { ms: 100 }));
    await peer.next("STARTED", "c");
    peer.ws.on("message", (data) => {
      const frame = JSON.parse(data.toString()) as { type: string; id: string; task: string };
      if (frame.type === "COMPLETED") peer.send({ type: "EVENT_ACK", event: frame.id, task: frame.task });
    });
    const closedWith = new Promise<number>((resolve) => peer.ws.once("close", (code) => resolve(code)));
    await agent.close();
    expect(peer.of("COMPLETED", "c")).toHaveLength(1);
    expect(await closedWith).toBe(1000);
    expect((await agent.closed).error).toBeUndefined();
  });
});
