/**
 * Issue 16: locks and per-function concurrency, end to end. The agent (features-registry.ts) runs
 * in a child process against the real embedded server; the caller is this process. Each function
 * returns when it started and ended, so the tests compare intervals: tasks sharing a lock never
 * overlap, a function with concurrency 1 runs its tasks one after another while another function
 * runs beside it. The server's store shows the declared locks and which task holds one (LOCK /
 * UNLOCK frames), read after the server stopped.
 */
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createClient, TaskFailedError, type ArkitektClient } from "../../src/runtime/caller/index.js";
import { STORE_FILE } from "../../src/server/store/store.js";
import { inspectPlatform, localLimits, renderInspect } from "../../src/cli/commands/inspect.js";
import type { Endpoint } from "../../src/cli/endpoint.js";
import { registry } from "../fixtures/runtime/features-registry.js";
import { spawnFixture, startRuntimeServer, waitFor, type ChildHandle, type RuntimeServer } from "../fixtures/runtime/harness.js";
import { AGENT_TOKEN, CALLER_TOKEN } from "../fixtures/runtime/tokens.js";

let server: RuntimeServer;
let agent: ChildHandle;
let client: ArkitektClient;
let hashes: Record<string, string>;
let dataDir: string;

beforeAll(async () => {
  server = await startRuntimeServer();
  dataDir = server.dataDir;
  agent = spawnFixture("features-agent-main.ts", { ARKITEKT_URL: server.url, ARKITEKT_TOKEN: AGENT_TOKEN });
  hashes = (JSON.parse(await agent.ready) as { hashes: Record<string, string> }).hashes;
  client = createClient({ url: server.url, token: CALLER_TOKEN });
}, 30_000);

let serverClosed = false;
afterAll(async () => {
  await client?.close();
  await agent?.kill();
  if (!serverClosed) await server?.close();
  else await rm(dataDir, { recursive: true, force: true });
});

type Interval = { fn: string; start: number; end: number };

async function run(fn: string, ms: number): Promise<Interval> {
  const result = (await client.call(hashes[fn]!, { ms })) as { return0: number; return1: number };
  return { fn, start: result.return0, end: result.return1 };
}

/** Pairs of intervals that overlap (one starts before the other ended). */
function overlaps(intervals: Interval[]): string[] {
  const found: string[] = [];
  for (let i = 0; i < intervals.length; i++) {
    for (let j = i + 1; j < intervals.length; j++) {
      const a = intervals[i]!;
      const b = intervals[j]!;
      if (a.start < b.end && b.start < a.end) found.push(`${a.fn}[${a.start}-${a.end}] with ${b.fn}[${b.start}-${b.end}]`);
    }
  }
  return found;
}

function locks(): Array<{ key: string; hold_by: number | null }> {
  const db = new Database(join(dataDir, STORE_FILE), { readonly: true, fileMustExist: true });
  try {
    return db.prepare("SELECT key, hold_by FROM agent_lock ORDER BY key").all() as Array<{ key: string; hold_by: number | null }>;
  } finally {
    db.close();
  }
}

describe("issue 16: locks and per-function concurrency", () => {
  it("issue 16: two functions sharing a lock never overlap (start/end timestamps)", async () => {
    const intervals = await Promise.all([run("cam_snap", 150), run("cam_focus", 150), run("cam_snap", 150), run("cam_focus", 150)]);
    expect(overlaps(intervals)).toEqual([]);
  });

  it("issue 16: per-function concurrency 1 serialises that function while another runs in parallel", async () => {
    const [a, b, c] = await Promise.all([run("solo", 300), run("solo", 300), run("free", 300)]);
    expect(overlaps([a!, b!])).toEqual([]);
    // the unlimited function ran beside one of them
    expect(overlaps([a!, c!]).length + overlaps([b!, c!]).length).toBeGreaterThan(0);
  });

  it("issue 16: a task queued behind its function's limit still answers CANCEL", async () => {
    const first = run("solo", 1_500);
    const abort = new AbortController();
    const second = client.call(hashes.solo!, { ms: 1_500 }, { signal: abort.signal });
    await new Promise((resolve) => setTimeout(resolve, 200));
    abort.abort();
    const error = (await second.catch((e: unknown) => e)) as TaskFailedError;
    expect(error).toBeInstanceOf(TaskFailedError);
    expect(error.kind).toBe("CANCELLED");
    // it ended while the first still ran: the queue answered, not the function
    const ended = performance.timeOrigin + performance.now();
    const done = await first;
    expect(ended).toBeLessThan(done.end);
  });

  it("issue 16: inspect shows each function's locks and concurrency (in the app's directory)", async () => {
    const app = await mkdtemp(join(tmpdir(), "ark-inspect-app-"));
    try {
      // the app the agent's token stands for (client_app "runtime-agent"), as gen leaves it
      await writeFile(join(app, "arkitekt.json"), JSON.stringify({ identifier: "runtime-agent", version: "1.0.0" }));
      await mkdir(join(app, "generated"));
      await writeFile(join(app, "generated/definitions.json"), JSON.stringify(registry.implementations, null, 2));
      const endpoint = { url: server.url, token: CALLER_TOKEN, urlFrom: "test", tokenFrom: "test" } as unknown as Endpoint;
      const report = await inspectPlatform(endpoint, ["actions"], 10, await localLimits(app));
      const served = (key: string) => report.actions!.find((a) => a.key === key)!.servedBy[0]!;
      expect(served("cam_focus")).toMatchObject({ locks: ["camera", "stage"] });
      expect(served("solo")).toMatchObject({ concurrency: 1 });
      expect(served("free")).not.toHaveProperty("locks");
      const text = renderInspect(report, 10);
      expect(text).toContain("locks: camera, stage; concurrency: the agent's limit");
      expect(text).toContain("locks: none; concurrency: at most 1 at a time");
    } finally {
      await rm(app, { recursive: true, force: true });
    }
  });

  // Last: it stops the server to read its store (the server holds the file exclusively while it runs).
  it("issue 16: the agent declares its locks and the platform learns which task holds one (LOCK) and when it is released (UNLOCK)", async () => {
    await run("cam_focus", 100); // took camera and stage, released both
    const holding = run("cam_snap", 5_000).catch(() => undefined); // takes camera only
    await new Promise((resolve) => setTimeout(resolve, 700));
    serverClosed = true;
    await server.handle.close();
    await agent.kill();
    void holding; // the caller gives up on its own; nothing to wait for
    expect(locks()).toEqual([
      { key: "camera", hold_by: expect.any(Number) as unknown as number },
      { key: "stage", hold_by: null },
    ]);
  });
});
