/**
 * Acceptance scenario 27 (shared/spec/acceptance.md): a restart loses nothing. The server runs as the
 * CLI does (`node bin/arkitekt-next.js server ...`, a child process), is killed with SIGKILL while tasks
 * are in flight and messages are queued for offline agents, and is started again on the same data dir.
 * Needs `npm run build` first (the `test` script does it).
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { notMirror, AgentSocket } from "../helpers/agent-socket.js";
import { CliServer, type CliServerOptions } from "../helpers/cli-server.js";
import { ADD, MOVE_STAGE, PING, REFRESH, assign, control, getAgent, getTask, implOf, kinds, setupAgent, startTask } from "../helpers/fixture.js";
import { TOKENS, T1, T2 } from "../helpers/tokens.js";
import { pollUntil } from "../helpers/wait.js";

describe("scenario 27: restart loses nothing", () => {
  let dir = "";
  const servers: CliServer[] = [];
  const sockets: AgentSocket[] = [];

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "arkitekt-restart-"));
    await writeFile(join(dir, "tokens.json"), JSON.stringify(TOKENS));
  });
  afterEach(async () => {
    await Promise.allSettled(sockets.splice(0).map((s) => s.terminate()));
    await Promise.allSettled(servers.splice(0).map((s) => s.kill()));
    await rm(dir, { recursive: true, force: true });
  });

  async function start(graceMs: number): Promise<CliServer> {
    const options: CliServerOptions = {
      dataDir: join(dir, "data"),
      tokensFile: join(dir, "tokens.json"),
      heartbeatIntervalMs: 300,
      heartbeatTimeoutMs: 1000,
      staleAfterMs: 3000,
      graceMs,
    };
    const server = await CliServer.start(options);
    servers.push(server);
    return server;
  }

  async function agentSocket(server: CliServer): Promise<AgentSocket> {
    const socket = await AgentSocket.open(server.agiUrl);
    sockets.push(socket);
    return socket;
  }

  it("keeps every acknowledged event and delivers the messages queued for offline agents after a SIGKILL", async () => {
    const first = await start(60_000);
    const lab = await setupAgent(first, T1, [ADD]);
    const other = await setupAgent(first, T2, [PING]);
    const a = await agentSocket(first);
    await a.register(T1, { session_id: "SA" });
    const b = await agentSocket(first);
    await b.register(T2, { session_id: "SB" });

    // Y: finished and acknowledged.
    const { task: y } = await startTask(first, a, T2, implOf(lab, "add").id, { a: 1, b: 2 });
    a.report("LOG", y.id, { message: "kept" });
    a.report("YIELD", y.id, { returns: { return0: 3 } });
    await a.reportAcked("COMPLETED", y.id);
    // X: in flight (STARTED acknowledged), then A goes offline and X is cancelled: CANCEL waits for A.
    const { task: x } = await startTask(first, a, T2, implOf(lab, "add").id, { a: 2, b: 3 });
    await a.close();
    await pollUntil(() => getAgent(first, T1, lab.agentId), (ag) => !ag.connected, { what: "A to be disconnected" });
    const cancelling = await control(first, T2, "cancel", { task: x.id });
    expect(cancelling.latestInstructKind).toBe("CANCEL");
    // Z: assigned to B, delivered but never answered; B drops. Its ASSIGN stays in B's outbox.
    const z = await assign(first, T1, { implementation: implOf(other, "ping").id, args: {} });
    await b.next((f) => f.type === "ASSIGN" && f.task === z.id);
    await b.terminate();
    await pollUntil(() => getAgent(first, T2, other.agentId), (ag) => !ag.connected, { what: "B to be disconnected" });

    await first.kill();
    const second = await start(60_000);

    const yAfter = await getTask(second, T2, y.id);
    expect(yAfter).toMatchObject({ isDone: true, latestEventKind: "COMPLETED" });
    expect(yAfter.finishedAt).not.toBeNull();
    expect(kinds(yAfter)).toEqual(["STARTED", "LOG", "YIELD", "COMPLETED"]);
    expect(yAfter.events.find((e) => e.kind === "LOG")?.message).toBe("kept");
    expect(yAfter.events.find((e) => e.kind === "YIELD")?.returns).toEqual({ return0: 3 });

    const xAfter = await getTask(second, T2, x.id);
    expect(xAfter).toMatchObject({ isDone: false, latestInstructKind: "CANCEL" });
    expect(kinds(xAfter)).toEqual(["STARTED", "CANCELLING"]);

    // A comes back with its session inside the (re-armed) grace window: X is an inquiry, then CANCEL follows INIT.
    const a2 = await agentSocket(second);
    a2.sendRegister(T1, { session_id: "SA" });
    const initA = await a2.next(notMirror);
    expect(initA).toMatchObject({ type: "INIT", agent: lab.agentId });
    expect((initA.inquiries as Array<{ task: string }>).map((i) => i.task)).toEqual([x.id]);
    expect(await a2.next(notMirror)).toMatchObject({ type: "CANCEL", task: x.id });
    await a2.reportAcked("CANCELLED", x.id);
    expect(await getTask(second, T2, x.id)).toMatchObject({ isDone: true, latestEventKind: "CANCELLED" });

    // B comes back: Z is not an inquiry (its ASSIGN is pending) and its ASSIGN is delivered after INIT.
    const b2 = await agentSocket(second);
    b2.sendRegister(T2, { session_id: "SB" });
    const initB = await b2.next(notMirror);
    expect(initB).toMatchObject({ type: "INIT", agent: other.agentId, inquiries: [] });
    expect(await b2.next(notMirror)).toMatchObject({ type: "ASSIGN", task: z.id, interface: "ping" });
  });

  it("keeps a report acknowledged with EVENT_ACK even when the server is killed right after sending the ack", async () => {
    const first = await start(60_000);
    const lab = await setupAgent(first, T1, [ADD]);
    const a = await agentSocket(first);
    await a.register(T1, { session_id: "S1" });
    const started = await assign(first, T2, { implementation: implOf(lab, "add").id, args: { a: 1, b: 2 } });
    const completed = await assign(first, T2, { implementation: implOf(lab, "add").id, args: { a: 3, b: 4 } });
    await a.next((f) => f.type === "ASSIGN" && f.task === completed.id);
    await a.reportAcked("STARTED", completed.id);
    a.report("YIELD", completed.id, { returns: { return0: 7 } });
    await a.reportAcked("COMPLETED", completed.id);
    await a.next((f) => f.type === "ASSIGN" && f.task === started.id);
    await a.reportAcked("STARTED", started.id);
    await first.kill(); // at once: no other traffic after the last EVENT_ACK

    const second = await start(60_000);
    const startedAfter = await getTask(second, T2, started.id);
    expect(kinds(startedAfter)).toEqual(["STARTED"]);
    const completedAfter = await getTask(second, T2, completed.id);
    expect(completedAfter).toMatchObject({ isDone: true, latestEventKind: "COMPLETED" });
    expect(kinds(completedAfter)).toEqual(["STARTED", "YIELD", "COMPLETED"]);
  });

  it("gives tasks that were in flight when the server was killed their disconnect fate on restart (grace 0)", async () => {
    const first = await start(0);
    const lab = await setupAgent(first, T1, [ADD, MOVE_STAGE, REFRESH]);
    const a = await agentSocket(first);
    await a.register(T1, { session_id: "S1" });
    const none = (await startTask(first, a, T2, implOf(lab, "add").id, { a: 1, b: 2 })).task.id;
    const physical = (await startTask(first, a, T2, implOf(lab, "move_stage").id)).task.id;
    const idempotent = (await startTask(first, a, T2, implOf(lab, "refresh").id)).task.id;

    await first.kill(); // the agent is still connected: its socket just drops
    await a.closed();
    const second = await start(0);

    expect((await getAgent(second, T1, lab.agentId)).connected).toBe(false);
    const physicalAfter = await pollUntil(() => getTask(second, T2, physical), (t) => t.latestEventKind === "CRITICAL", { what: "the PHYSICAL task to be CRITICAL" });
    expect(physicalAfter.isDone).toBe(true);
    const noneAfter = await pollUntil(() => getTask(second, T2, none), (t) => t.latestEventKind === "DISCONNECTED", { what: "the NONE task to be DISCONNECTED" });
    expect(noneAfter.isDone).toBe(false);
    const idempotentAfter = await pollUntil(() => getTask(second, T2, idempotent), (t) => t.latestEventKind === "QUEUED", { what: "the idempotent task to be QUEUED" });
    expect(idempotentAfter.isDone).toBe(false);

    const a2 = await agentSocket(second);
    a2.sendRegister(T1, { session_id: "S1" });
    const init = await a2.next(notMirror);
    expect(init).toMatchObject({ type: "INIT", agent: lab.agentId });
    expect((init.inquiries as Array<{ task: string }>).map((i) => i.task)).toEqual([none]);
    expect(await a2.next(notMirror)).toMatchObject({ type: "ASSIGN", task: idempotent, interface: "refresh" });
  });
});
