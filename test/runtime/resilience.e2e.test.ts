/**
 * What happens to a running task when something breaks, against the real server over real
 * sockets (spec/wire-protocol.md §2.5, definitions-and-values.md "close codes"):
 * - the agent's connection drops while its process lives: same session_id, reclaimed within the
 *   grace window, the task completes and reaches the caller once;
 * - the agent process is SIGKILLed and restarted: idempotent -> re-run and completes, PHYSICAL ->
 *   CRITICAL, others -> DISCONNECTED, and the caller is told;
 * - the server is SIGKILLed and restarted: the agent reconnects, held reports are delivered,
 *   nothing lost, nothing doubled.
 */
import { createServer } from "node:net";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { taskEvents } from "../../generated/api/rekuest.js";
import { connect, type AgentHandle } from "../../src/runtime/agent/index.js";
import { createClient, PlatformLostError, TaskFailedError, type ArkitektClient, type TaskEventData } from "../../src/runtime/caller/index.js";
import { createGraphQLClient } from "../../src/runtime/transport/index.js";
import { FAST_TIMING, sleep, spawnFixture, startRuntimeServer, waitFor, type ChildHandle, type RuntimeServer } from "../fixtures/runtime/harness.js";
import { TcpProxy } from "../fixtures/runtime/proxy.js";
import { registry } from "../fixtures/runtime/registry.js";
import { AGENT_TOKEN, CALLER_TOKEN, RUNTIME_TOKENS } from "../fixtures/runtime/tokens.js";

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
});

function recordingLogger() {
  const lines: string[] = [];
  const push = (m: string) => lines.push(m);
  return { lines, logger: { debug: push, info: push, warn: push, error: push } };
}

async function eventKinds(graphqlUrl: string, task: string): Promise<string[]> {
  const gql = createGraphQLClient({ url: graphqlUrl, token: CALLER_TOKEN });
  try {
    return (await taskEvents(gql, { task })).events.map((e) => e.kind);
  } finally {
    await gql.close();
  }
}

const count = (list: readonly string[], kind: string) => list.filter((k) => k === kind).length;

describe("resilience", () => {
  it("a dropped connection reconnects with the same session inside the grace window; the task completes once", async () => {
    const server = await startRuntimeServer({ graceMs: 5_000 });
    cleanups.push(() => server.close());
    const proxy = await TcpProxy.start(server.handle.port);
    cleanups.push(() => proxy.close());
    const { lines, logger } = recordingLogger();
    const agent = await connect({ url: proxy.url, token: AGENT_TOKEN, registry, logger, reconnect: { initialDelayMs: 50, maxDelayMs: 200 } });
    cleanups.push(() => agent.close());
    const client = createClient({ url: server.url, token: CALLER_TOKEN });
    cleanups.push(() => client.close());

    let taskId: string | undefined;
    const events: TaskEventData[] = [];
    let dropped = 0;
    const result = client.call(agent.implementations.slow!.actionHash, { ms: 800 }, {
      onAssigned: (id) => (taskId = id),
      onEvent: (e) => {
        events.push(e);
        if (e.kind === "STARTED") dropped = proxy.dropAll();
      },
    });
    await expect(result).resolves.toEqual({ return0: "slept 800" });
    expect(dropped).toBeGreaterThan(0);
    expect(lines.filter((l) => l.includes("registered (session")).length).toBeGreaterThanOrEqual(2);
    expect(new Set(lines.filter((l) => l.includes("registered (session")).map((l) => /session (\S+),/.exec(l)?.[1])).size).toBe(1);
    const kinds = await eventKinds(server.handle.graphqlUrl, taskId!);
    expect(count(kinds, "YIELD")).toBe(1);
    expect(count(kinds, "COMPLETED")).toBe(1);
    expect(kinds).not.toContain("DISCONNECTED");
    expect(count(events.map((e) => e.kind), "YIELD")).toBe(1);
  });

  it("an agent killed mid-task and restarted: idempotent re-runs and completes, PHYSICAL is CRITICAL, others DISCONNECTED", async () => {
    const server = await startRuntimeServer({ graceMs: 300 });
    cleanups.push(() => server.close());
    const env = { ARKITEKT_URL: server.url, ARKITEKT_TOKEN: AGENT_TOKEN };
    let child: ChildHandle = spawnFixture("agent-main.ts", env);
    cleanups.push(() => child.kill());
    await child.ready;
    const client = createClient({ url: server.url, token: CALLER_TOKEN });
    cleanups.push(() => client.close());

    const started = new Set<string>();
    const follow = (key: string) =>
      client
        .call({ app: "runtime-agent", key }, { ms: 1500 }, { onEvent: (e) => e.kind === "STARTED" && started.add(key) })
        .then((value) => ({ ok: true as const, value }), (error: unknown) => ({ ok: false as const, error }));
    const idempotent = follow("slow_idempotent");
    const physical = follow("slow_physical");
    const plain = follow("slow");
    await waitFor("all three tasks to start", () => started.size === 3);
    await child.kill();
    child = spawnFixture("agent-main.ts", env);
    await child.ready;

    const [i, p, d] = await Promise.all([idempotent, physical, plain]);
    expect(i).toEqual({ ok: true, value: { return0: "slept 1500" } });
    expect(p.ok).toBe(false);
    expect((p as { error: TaskFailedError }).error).toBeInstanceOf(TaskFailedError);
    expect((p as { error: TaskFailedError }).error.kind).toBe("CRITICAL");
    expect(d.ok).toBe(false);
    expect((d as { error: TaskFailedError }).error.kind).toBe("DISCONNECTED");
  });

  it("a server killed mid-task and restarted: the agent reconnects, held reports arrive, nothing lost or doubled", async () => {
    const port = await freePort();
    const dataDir = await mkdtemp(join(tmpdir(), "arkitekt-runtime-kill-"));
    cleanups.push(() => rm(dataDir, { recursive: true, force: true }));
    const env = {
      PORT: String(port),
      DATA_DIR: dataDir,
      TOKENS: JSON.stringify(RUNTIME_TOKENS),
      TIMING: JSON.stringify({ ...FAST_TIMING, graceMs: 10_000 }),
    };
    let serverProcess = spawnFixture("server-main.ts", env);
    cleanups.push(() => serverProcess.kill());
    const url = await serverProcess.ready;
    const { logger } = recordingLogger();
    const agent: AgentHandle = await connect({ url, token: AGENT_TOKEN, registry, logger, reconnect: { initialDelayMs: 50, maxDelayMs: 250 } });
    cleanups.push(() => agent.close());
    const client: ArkitektClient = createClient({ url, token: CALLER_TOKEN });
    cleanups.push(() => client.close());

    const ids: Record<string, string> = {};
    const started = new Set<string>();
    const run = (name: string, ms: number) =>
      client.call(agent.implementations.slow!.actionHash, { ms }, {
        onAssigned: (id) => (ids[name] = id),
        onEvent: (e) => e.kind === "STARTED" && started.add(name),
      });
    // One task finishes while the server is down (its reports wait in the agent), one after the restart.
    const short = run("short", 300);
    const long = run("long", 2500);
    await waitFor("both tasks to start", () => started.size === 2);
    await serverProcess.kill();
    await sleep(900);
    serverProcess = spawnFixture("server-main.ts", env);
    await serverProcess.ready;

    await expect(short).resolves.toEqual({ return0: "slept 300" });
    await expect(long).resolves.toEqual({ return0: "slept 2500" });
    for (const name of ["short", "long"]) {
      const kinds = await eventKinds(`${url}/graphql`, ids[name]!);
      expect(count(kinds, "YIELD"), `${name}: ${kinds.join(",")}`).toBe(1);
      expect(count(kinds, "COMPLETED"), `${name}: ${kinds.join(",")}`).toBe(1);
      expect(kinds).not.toContain("CRITICAL");
    }
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

describe("losing the platform", () => {
  it("a waiting call rejects with PlatformLostError when the platform stays away (regression: it waited for ever)", async () => {
    const server = await startRuntimeServer();
    let serverClosed = false;
    cleanups.push(() => (serverClosed ? Promise.resolve() : server.close()));
    const agent = await connect({ url: server.url, token: AGENT_TOKEN, registry, closeTimeoutMs: 200, reconnect: { initialDelayMs: 50, maxDelayMs: 200 } });
    cleanups.push(() => agent.close());
    const client = createClient({ url: server.url, token: CALLER_TOKEN, platformLostMs: 300 });
    cleanups.push(() => client.close());

    let assigned!: () => void;
    const isAssigned = new Promise<void>((resolve) => (assigned = resolve));
    const pending = client
      .call(agent.implementations.slow!.actionHash, { ms: 60_000 }, { onAssigned: () => assigned() })
      .catch((e: unknown) => e);
    await isAssigned;
    await server.close();
    serverClosed = true;

    const error = (await pending) as PlatformLostError;
    expect(error).toBeInstanceOf(PlatformLostError);
    expect(error.code).toBe("ARKITEKT_PLATFORM_LOST");
    expect(error.taskId).toMatch(/^\d+$/);
    expect(error.message).toContain(`task ${error.taskId}`);
  });
});
