/**
 * Issue 9 #5 (agent side): a server killed before its commit loses STARTED, YIELD and the terminal
 * report together. The agent keeps a task's yields with its terminal report until EVENT_ACK (and
 * STARTED until its own ack) and sends them again after every INIT, in the order they were made
 * and with their own id and seq.
 * Against a scripted platform (exact frames) and against the real server, SIGSTOPped and SIGKILLed
 * while the agent's frames sit unread in its socket.
 */
import { createServer } from "node:net";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { taskEvents } from "../../generated/api/rekuest.js";
import { AgentSocket } from "../../src/runtime/agent/agent.js";
import { connect } from "../../src/runtime/agent/index.js";
import { createClient } from "../../src/runtime/caller/index.js";
import { createGraphQLClient, platformEndpoints } from "../../src/runtime/transport/index.js";
import type { FromAgentMessage } from "../../src/protocol/index.js";
import { FAST_TIMING, spawnFixture, waitFor } from "../fixtures/runtime/harness.js";
import { calls, registry } from "../fixtures/runtime/registry.js";
import { assign, startScriptedAgent, type AgentSocketOptions } from "../fixtures/runtime/scripted-agent.js";
import type { Peer } from "../fixtures/runtime/scripted-platform.js";
import { AGENT_TOKEN, CALLER_TOKEN, RUNTIME_TOKENS } from "../fixtures/runtime/tokens.js";

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c().catch(() => undefined);
});

const setup = (options: Partial<AgentSocketOptions> = {}) => startScriptedAgent(cleanups, options);

type Frame = FromAgentMessage & { id: string; seq?: number; task?: string };
/** The task's frames of the given types, as `TYPE#id#seq`, in the order they arrived. */
const trail = (peer: Peer, task: string, types: readonly string[]) =>
  (peer.frames as Frame[]).filter((f) => f.task === task && types.includes(f.type)).map((f) => `${f.type}#${f.id}#${f.seq}`);

describe("issue 9 #5: the agent keeps a task's yields with its terminal report until EVENT_ACK", () => {
  it("issue 9 #5: after a reconnect, the yields go out again before the unacknowledged terminal report, in order, with their seq", async () => {
    const { platform, peer, agent } = await setup();
    peer.send(assign("1", "count_up", { n: 3 }));
    const started = (await peer.next("STARTED", "1")) as Frame;
    peer.send({ type: "EVENT_ACK", event: started.id, task: "1", seq: started.seq });
    await peer.next("COMPLETED", "1");
    const first = trail(peer, "1", ["YIELD", "COMPLETED"]);
    expect(first).toHaveLength(4);
    expect(agent.outbox.heldYields).toBe(3);
    // The server "crashed" before storing anything after STARTED: no ack, the socket drops.
    peer.ws.terminate();
    const second = await platform.accept(["1"]);
    await second.next("COMPLETED", "1");
    expect(trail(second, "1", ["YIELD", "COMPLETED"])).toEqual(first);
    expect(second.of("STARTED", "1")).toHaveLength(0);

    // Acknowledged: the yields go with the terminal report; a further reconnect sends nothing of the task.
    const completed = second.of("COMPLETED", "1")[0] as Frame;
    second.send({ type: "EVENT_ACK", event: completed.id, task: "1", seq: completed.seq });
    await waitFor("the outbox to drain", () => agent.outbox.size === 0 && agent.outbox.heldYields === 0);
    second.ws.terminate();
    const third = await platform.accept([]);
    third.send({ type: "HEARTBEAT" });
    await third.next("HEARTBEAT_ANSWER");
    expect(trail(third, "1", ["STARTED", "YIELD", "COMPLETED"])).toEqual([]);
  });

  it("issue 9 #5: a server that stored no answer (its ASSIGN comes again) gets STARTED, the yields and the terminal report again, in order; the function does not run twice", async () => {
    const { platform, peer } = await setup();
    const before = calls.count_up ?? 0;
    peer.send(assign("2", "count_up", { n: 2 }));
    await peer.next("COMPLETED", "2");
    const first = trail(peer, "2", ["STARTED", "YIELD", "COMPLETED"]);
    expect(first.map((f) => f.split("#")[0])).toEqual(["STARTED", "YIELD", "YIELD", "COMPLETED"]);
    peer.ws.terminate();
    // A restarted server: the task is not among the inquiries, its ASSIGN comes again.
    const second = await platform.accept([]);
    await waitFor("the held reports", () => second.of("COMPLETED", "2").length === 1);
    expect(trail(second, "2", ["STARTED", "YIELD", "COMPLETED"])).toEqual(first);
    second.send(assign("2", "count_up", { n: 2 }));
    await waitFor("the terminal report once more", () => second.of("COMPLETED", "2").length === 2);
    expect(trail(second, "2", ["STARTED", "YIELD"])).toEqual(first.slice(0, 3));
    expect((calls.count_up ?? 0) - before).toBe(1);
  });

  it("issue 9 #5: yields sent before a drop go out again ahead of the terminal report of a task that finishes after the reconnect", async () => {
    const { platform, peer } = await setup();
    peer.send(assign("3", "ticker", { n: 4, ms: 120 }));
    await waitFor("two yields on the first connection", () => peer.of("YIELD", "3").length >= 2);
    const early = trail(peer, "3", ["YIELD"]);
    peer.ws.terminate();
    const second = await platform.accept(["3"]);
    await second.next("COMPLETED", "3");
    const seen = trail(second, "3", ["YIELD", "COMPLETED"]);
    // Every yield reaches the new connection once, the earlier ones first (as made), the terminal report last.
    expect(seen).toHaveLength(5);
    expect(seen.slice(0, early.length)).toEqual(early);
    expect(seen.at(-1)).toMatch(/^COMPLETED#/);
    const seqs = seen.map((f) => Number(f.split("#")[2]));
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    expect(new Set(seqs).size).toBe(seqs.length);
  });

  it("issue 9 #5: held yields are bounded by maxHeldYieldBytes (the oldest sent ones are dropped, with a warning)", async () => {
    const warnings: string[] = [];
    const logger = { debug() {}, info() {}, warn: (m: string) => warnings.push(m), error() {} };
    const { peer, agent } = await setup({ maxHeldYieldBytes: 300, logger });
    peer.send(assign("4", "count_up", { n: 10 }));
    await peer.next("COMPLETED", "4");
    expect(peer.of("YIELD", "4")).toHaveLength(10);
    expect(agent.outbox.heldYieldBytes).toBeLessThanOrEqual(300);
    expect(agent.outbox.heldYields).toBeGreaterThan(0);
    expect(agent.outbox.heldYields).toBeLessThan(10);
    expect(warnings.some((w) => w.includes("maxHeldYieldBytes"))).toBe(true);
    expect(() => new AgentSocket({ agiUrl: "ws://127.0.0.1:1/agi", token: "t", registry, maxHeldYieldBytes: Number.NaN })).toThrow(/maxHeldYieldBytes/);
  });
});

describe("issue 9 #5 against the real server, killed while the agent's reports sit unread", () => {
  it("issue 9 #5: a server SIGKILLed before it read YIELD and COMPLETED gets both after its restart; the call resolves with the returns", async () => {
    const port = await freePort();
    const dataDir = await mkdtemp(join(tmpdir(), "arkitekt-yield-resend-"));
    cleanups.push(() => rm(dataDir, { recursive: true, force: true }));
    const env = {
      PORT: String(port),
      DATA_DIR: dataDir,
      TOKENS: JSON.stringify(RUNTIME_TOKENS),
      // Heartbeats slow enough that a stopped server does not matter to the agent before the kill.
      TIMING: JSON.stringify({ ...FAST_TIMING, heartbeatIntervalMs: 10_000, heartbeatTimeoutMs: 5_000, graceMs: 10_000 }),
    };
    let server = spawnFixture("server-main.ts", env);
    cleanups.push(() => server.kill());
    const url = await server.ready;

    // Register the functions (GraphQL), then serve them with an agent whose outbox the test can see.
    const registration = await connect({ url, token: AGENT_TOKEN, registry });
    const hash = registration.implementations.slow!.actionHash;
    await registration.close();
    const agent = new AgentSocket({
      agiUrl: platformEndpoints(url).agiUrl,
      token: AGENT_TOKEN,
      registry,
      reconnect: { initialDelayMs: 50, maxDelayMs: 250 },
    });
    cleanups.push(() => agent.close());
    await agent.start();
    const client = createClient({ url, token: CALLER_TOKEN });
    cleanups.push(() => client.close());

    let taskId: string | undefined;
    let started = false;
    const result = client.call(hash, { ms: 300 }, { onAssigned: (id) => (taskId = id), onEvent: (e) => e.kind === "STARTED" && (started = true) });
    result.catch(() => undefined);
    await waitFor("the task to start (STARTED stored)", () => started);
    // The server reads nothing more: YIELD and COMPLETED wait unread in its socket, unacknowledged.
    server.child.kill("SIGSTOP");
    await waitFor("the task to finish on the agent (its terminal report held, unacknowledged)", () => agent.outbox.size === 1);
    await server.kill();
    server = spawnFixture("server-main.ts", env);
    await server.ready;

    await expect(result).resolves.toEqual({ return0: "slept 300" });
    await waitFor("the agent's outbox to drain", () => agent.outbox.size === 0);
    expect(agent.outbox.heldYields).toBe(0);
    const gql = createGraphQLClient({ url: `${url}/graphql`, token: CALLER_TOKEN });
    cleanups.push(() => gql.close());
    const kinds = (await taskEvents(gql, { task: taskId! })).events.map((e) => e.kind);
    expect(kinds.filter((k) => k === "YIELD")).toHaveLength(1);
    expect(kinds.filter((k) => k === "COMPLETED")).toHaveLength(1);
    expect(kinds.indexOf("YIELD")).toBeLessThan(kinds.indexOf("COMPLETED"));
  });
});

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const address = probe.address();
      probe.close(() => (address && typeof address !== "string" ? resolve(address.port) : reject(new Error("no port"))));
    });
  });
}
