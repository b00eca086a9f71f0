/**
 * The caller under stress and against a misbehaving platform (issue 10 #1, #4, #7, #8; issue 9 #5,
 * #7), with the caller and the agent in separate processes: the real embedded server in-process,
 * our agent as a child process (test/fixtures/runtime/agent-main.ts), and the CLI binary as child
 * processes. Platform misbehaviour (a replaying or corrupting `mytasks` stream, an agent that
 * exits on INTERRUPT, COMPLETED without a YIELD) is emulated on the wire: a GraphQL proxy in
 * front of the real server (test/fixtures/runtime/graphql-proxy.ts), or a raw `/agi` socket.
 */
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createClient, TaskFailedError, type ArkitektClient } from "../../src/runtime/caller/index.js";
import { spawnFixture, startRuntimeServer, type ChildHandle, type RuntimeServer } from "../fixtures/runtime/harness.js";
import { GraphQLProxy } from "../fixtures/runtime/graphql-proxy.js";
import { createActions } from "../fixtures/runtime/stubs/agent-actions.js";
import { AGENT_TOKEN, CALLER_TOKEN } from "../fixtures/runtime/tokens.js";

const FAIL = { app: "runtime-agent", key: "fail", version: "1" };
const ADD = { app: "runtime-agent", key: "add", version: "1" };
const ROOT = resolve(import.meta.dirname, "../..");
const BIN = join(ROOT, "bin/arkitekt-next.js");

/** Every unhandled rejection and process warning while this file runs: each test asserts there were none. */
const unhandled: unknown[] = [];
const warnings: Error[] = [];
const onUnhandled = (reason: unknown) => unhandled.push(reason);
const onWarning = (warning: Error) => warnings.push(warning);

let server: RuntimeServer;
let agent: ChildHandle;
let client: ArkitektClient;

beforeAll(async () => {
  process.on("unhandledRejection", onUnhandled);
  process.on("warning", onWarning);
  server = await startRuntimeServer();
  agent = spawnFixture("agent-main.ts", { ARKITEKT_URL: server.url, ARKITEKT_TOKEN: AGENT_TOKEN });
  await agent.ready;
  client = createClient({ url: server.url, token: CALLER_TOKEN });
}, 30_000);

afterAll(async () => {
  await client?.close();
  await agent?.stop();
  await server?.close();
  process.off("unhandledRejection", onUnhandled);
  process.off("warning", onWarning);
});

afterEach(() => {
  const leaks = warnings.filter((w) => w.name === "MaxListenersExceededWarning");
  warnings.length = 0;
  const rejections = unhandled.splice(0);
  expect(rejections.map(String)).toEqual([]);
  expect(leaks.map(String)).toEqual([]);
});

/** Lets pending rejections surface as `unhandledRejection` before a test asserts there were none. */
const settle = () => new Promise((r) => setTimeout(r, 50));

describe("issue 10 #1: fast calls never crash the caller", () => {
  it("issue 10 #1: a task that fails before the assign answers rejects observed, naming its task (typed stubs and raw client)", async () => {
    // The agent's FAILED reaches the caller through `mytasks` before the assign's HTTP answer (as
    // when the agent runs in the server's process): the proxy holds every Assign answer 30 ms.
    const proxy = await GraphQLProxy.start(server.handle, { delayResponses: { Assign: 30 } });
    const slow = createClient({ url: proxy.url, token: CALLER_TOKEN });
    try {
      const actions = createActions(slow);
      for (let i = 0; i < 40; i++) {
        const viaStub = await actions.fail({ message: `early ${i}` }).catch((e: unknown) => e);
        const viaRaw = await slow.call(FAIL, { message: `early raw ${i}` }).catch((e: unknown) => e);
        for (const error of [viaStub, viaRaw]) {
          expect(error).toBeInstanceOf(TaskFailedError);
          expect((error as TaskFailedError).taskId).toMatch(/^\d+$/);
          expect((error as TaskFailedError).message).toMatch(/^task \d+ \(runtime-agent\/fail@1\) ended CRITICAL: .*early/);
        }
      }
      await settle();
    } finally {
      await slow.close();
      await proxy.close();
    }
  }, 30_000);

  it("issue 10 #1: 1,000 back-to-back fast failures and 1,000 fast successes, half through the typed stubs and half through the raw client", async () => {
    const actions = createActions(client);
    const signal = new AbortController().signal; // one signal for every call: its listeners must not pile up
    const ids = new Set<string>();
    for (let i = 0; i < 500; i++) {
      const viaStub = await actions.fail({ message: `boom ${i}` }, { signal }).catch((e: unknown) => e);
      const viaRaw = await client.call(FAIL, { message: `raw ${i}` }, { signal }).catch((e: unknown) => e);
      for (const error of [viaStub, viaRaw]) {
        expect(error).toBeInstanceOf(TaskFailedError);
        const failed = error as TaskFailedError;
        expect(failed.message).toMatch(/^task \d+ \(runtime-agent\/fail@1\) ended CRITICAL: /);
        ids.add(failed.taskId);
      }
    }
    expect(ids.size).toBe(1000);
    for (let i = 0; i < 500; i++) {
      expect(await actions.add({ a: i, b: 1 }, { signal })).toBe(i + 1);
      expect(await client.call(ADD, { a: i, b: 2 }, { signal })).toEqual({ return0: i + 2 });
    }
    await settle();
  }, 120_000);
});
