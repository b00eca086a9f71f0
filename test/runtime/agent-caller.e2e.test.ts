/**
 * The agent serving the fixture registry and the caller calling it, against the real embedded
 * server over real sockets: every port kind round-trips (structures in lists too), generators
 * stream in order, progress and logs arrive, failures reach the caller, bad args never reach user
 * code, cancel reaches the AbortSignal.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connect, type AgentHandle } from "../../src/runtime/agent/index.js";
import { codecAdapter, createClient, AssignError, TaskFailedError, type ArkitektClient, type TaskEventData } from "../../src/runtime/caller/index.js";
import { calls, Color, Image, registry, roundtripCodecs } from "../fixtures/runtime/registry.js";
import { startRuntimeServer, waitFor, type RuntimeServer } from "../fixtures/runtime/harness.js";
import { taskEvents } from "../../generated/api/rekuest.js";
import { createGraphQLClient, type GraphQLClient } from "../../src/runtime/transport/index.js";
import { AGENT_TOKEN, CALLER_TOKEN } from "../fixtures/runtime/tokens.js";

let server: RuntimeServer;
let agent: AgentHandle;
let client: ArkitektClient;
let gql: GraphQLClient;
const hash = (iface: string) => {
  const served = agent.implementations[iface];
  if (!served) throw new Error(`agent does not serve ${iface}`);
  return served.actionHash;
};

beforeAll(async () => {
  server = await startRuntimeServer();
  agent = await connect({ url: server.url, token: AGENT_TOKEN, registry, reconnect: { initialDelayMs: 50 } });
  client = createClient({ url: server.url, token: CALLER_TOKEN });
  gql = createGraphQLClient({ url: server.handle.graphqlUrl, token: CALLER_TOKEN });
});

afterAll(async () => {
  await client?.close();
  await gql?.close();
  await agent?.close();
  await server?.close();
});

describe("agent + caller end to end", () => {
  it("registers with implementAgent once, then skips it when the definitions' hash is unchanged", async () => {
    expect(agent.implemented).toBe(true);
    expect(agent.agentId).not.toBe("");
    expect(Object.keys(agent.implementations).sort()).toEqual(Object.keys(registry.entries).sort());
  });

  it("a function round-trips: args in, returns out (default applied by the agent)", async () => {
    await expect(client.call(hash("add"), { a: 40 })).resolves.toEqual({ return0: 42 });
    await expect(client.call(hash("add"), { a: 1, b: 5 })).resolves.toEqual({ return0: 6 });
  });

  it("every port kind round-trips through a typed adapter, structures in lists included", async () => {
    type Tuple = ReturnType<typeof import("../fixtures/runtime/registry.js").roundtrip>;
    const adapter = codecAdapter<Record<string, unknown>, Tuple>({
      args: roundtripCodecs,
      returns: roundtripCodecs.map(([, codec]) => codec),
    });
    const when = new Date("2024-05-06T07:08:09.000Z");
    const args = {
      s: "text ✓",
      f: 2.5,
      flag: true,
      when,
      color: Color.Green,
      numbers: [1, 2.5, -3],
      scores: { a: 1, b: 2 },
      either: "word",
      point: { x: 1.5, y: -2 },
      image: new Image("img-1"),
      images: [new Image("img-2"), new Image("img-3")],
      maybe: null,
    };
    const result = await client.call(hash("roundtrip"), args, { adapter });
    expect(result[0]).toBe("text ✓");
    expect(result[1]).toBe(2.5);
    expect(result[2]).toBe(true);
    expect(result[3]).toBeInstanceOf(Date);
    expect((result[3] as Date).toISOString()).toBe(when.toISOString());
    expect(result[4]).toBe(Color.Green);
    expect(result[5]).toEqual([1, 2.5, -3]);
    expect(result[6]).toEqual({ a: 1, b: 2 });
    expect(result[7]).toBe("word");
    expect(result[8]).toEqual({ x: 1.5, y: -2 });
    expect(result[9]).toBeInstanceOf(Image);
    expect((result[9] as Image).id).toBe("img-1");
    expect((result[10] as Image[]).map((i) => (i instanceof Image ? i.id : "not an Image"))).toEqual(["img-2", "img-3"]);
    expect(result[11]).toBeNull();

    // The wire values as the caller sees them without an adapter: the reference's conventions.
    const wire = await client.call(hash("roundtrip"), await adapter.encodeArgs(args));
    expect(wire.return4).toBe("Green");
    expect(wire.return7).toEqual({ __use: 1, __value: "word" });
    expect(wire.return8).toEqual({ x: 1.5, y: -2, __identifier: "point" });
    expect(wire.return10).toEqual([
      { __identifier: "@test/image", object: "img-2" },
      { __identifier: "@test/image", object: "img-3" },
    ]);
    expect(wire.return3).toBe("2024-05-06T07:08:09.000Z");
  });

  it("a generator streams its yields in order; progress and logs arrive", async () => {
    const progress: Array<number | undefined> = [];
    const logs: string[] = [];
    const values: unknown[] = [];
    for await (const value of client.iterate(hash("count_up"), { n: 5 }, {
      onProgress: (p) => progress.push(p),
      onLog: (message) => logs.push(message),
    })) {
      values.push(value);
    }
    expect(values).toEqual([0, 1, 2, 3, 4].map((i) => ({ return0: i })));
    expect(progress).toEqual([0, 20, 40, 60, 80]);
    expect(logs).toEqual(["yielding 0", "yielding 1", "yielding 2", "yielding 3", "yielding 4"]);
  });

  it("call on a generator keeps the last yield", async () => {
    await expect(client.call(hash("count_up"), { n: 3 })).resolves.toEqual({ return0: 2 });
  });

  it("a throw in user code reaches the caller as TaskFailedError CRITICAL with the remote message", async () => {
    const error = await client.call(hash("fail"), { message: "the sample is empty" }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TaskFailedError);
    const failed = error as TaskFailedError;
    expect(failed.kind).toBe("CRITICAL");
    expect(failed.remoteMessage).toContain("the sample is empty");
    expect(failed.taskId).toMatch(/^\d+$/);
  });

  it("bad args never reach user code: refused by the platform, or FAILED by the agent naming the port", async () => {
    const before = calls.strict_int ?? 0;
    const refused = await client.call(hash("strict_int"), { x: "seven" }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(AssignError);
    // The platform's own words, without the GraphQL operation prefix ("Assign at assign: ...").
    expect((refused as AssignError).message).toMatch(/^could not assign action [0-9a-f]{12}: Invalid args for action "strict_int": port "x": /);
    const beforeRoundtrip = calls.roundtrip ?? 0;
    const adapter = codecAdapter({ args: roundtripCodecs, returns: [] });
    const wire = await adapter.encodeArgs({
      s: "s", f: 1, flag: false, when: new Date(0), color: Color.Red, numbers: [], scores: {}, either: 1,
      point: { x: 0, y: 0 }, image: new Image("ok"), images: [new Image("a"), new Image("missing-2")], maybe: "m",
    });
    const failed = (await client.call(hash("roundtrip"), wire).catch((e: unknown) => e)) as TaskFailedError;
    expect(failed).toBeInstanceOf(TaskFailedError);
    expect(failed.kind).toBe("FAILED");
    expect(failed.remoteMessage).toMatch(/images\[1\]/);
    expect(failed.remoteMessage).toContain("missing-2");
    expect(calls.strict_int ?? 0).toBe(before);
    expect(calls.roundtrip ?? 0).toBe(beforeRoundtrip);
  });

  it("returns that do not fit their port end FAILED naming return0", async () => {
    const failed = (await client.call(hash("bad_return"), {}).catch((e: unknown) => e)) as TaskFailedError;
    expect(failed).toBeInstanceOf(TaskFailedError);
    expect(failed.kind).toBe("FAILED");
    expect(failed.remoteMessage).toContain("return0");
  });

  it("aborting the caller's signal cancels the task: the function's signal aborts and it ends CANCELLED", async () => {
    const controller = new AbortController();
    const events: TaskEventData[] = [];
    const pending = client.call(hash("slow"), { ms: 10_000 }, {
      signal: controller.signal,
      onEvent: (e) => {
        events.push(e);
        if (e.kind === "STARTED") controller.abort();
      },
    });
    const error = (await pending.catch((e: unknown) => e)) as TaskFailedError;
    expect(error).toBeInstanceOf(TaskFailedError);
    expect(error.kind).toBe("CANCELLED");
    const kinds = events.map((e) => e.kind);
    expect(kinds).toContain("CANCELLED");
    expect(kinds).not.toContain("YIELD");
  });

  it("a timeout cancels the task and rejects with kind TIMEOUT", async () => {
    const error = (await client.call(hash("slow"), { ms: 10_000 }, { timeout: 150 }).catch((e: unknown) => e)) as TaskFailedError;
    expect(error).toBeInstanceOf(TaskFailedError);
    expect(error.kind).toBe("TIMEOUT");
  });

  it("a timeout rejects on time even when the function ignores the cancel (regression: it waited out the cancel grace)", async () => {
    const started = performance.now();
    const error = (await client.call(hash("stubborn"), { ms: 3_000 }, { timeout: 200, cancelGraceMs: 5_000 }).catch((e: unknown) => e)) as TaskFailedError;
    expect(error).toBeInstanceOf(TaskFailedError);
    expect(error.kind).toBe("TIMEOUT");
    expect(error.message).toContain("no result within 200 ms");
    // Well below the 5 s grace and the 3 s function: the wait ended at the timeout, not at either.
    expect(performance.now() - started).toBeLessThan(2_500);
  });

  it("breaking out of iterate cancels the remote generator", async () => {
    let got = 0;
    const before = calls.ticker ?? 0;
    let taskId: string | undefined;
    for await (const _ of client.iterate(hash("ticker"), { n: 100000, ms: 5 }, { onAssigned: (id) => (taskId = id) })) {
      if (++got === 3) break;
    }
    expect(got).toBe(3);
    expect(calls.ticker).toBe(before + 1);
    // The agent confirms the cancel: the task ends CANCELLED on the platform.
    const events2 = await waitFor("the task to end CANCELLED", async () => {
      const task = await taskEvents(gql, { task: taskId! });
      return task.isDone ? task.events.map((e) => e.kind) : undefined;
    });
    expect(events2).toContain("CANCELLED");
    expect(events2).not.toContain("COMPLETED");
  });

  it("a generator that never awaits does not starve the agent (heartbeats, other calls)", async () => {
    let n = 0;
    for await (const _ of client.iterate(hash("count_up"), { n: 2000 })) n++;
    expect(n).toBe(2000);
    await expect(client.call(hash("add"), { a: 2 })).resolves.toEqual({ return0: 4 });
  });

  it("many calls in parallel each get their own result", async () => {
    const results = await Promise.all(Array.from({ length: 30 }, (_, i) => client.call(hash("add"), { a: i, b: 1000 })));
    expect(results.map((r) => r.return0)).toEqual(Array.from({ length: 30 }, (_, i) => i + 1000));
  });

  it("a second start with the same definitions skips implementAgent", async () => {
    // Same identity, so take over with force; the first agent steps back (4005) without fighting.
    const second = await connect({ url: server.url, token: AGENT_TOKEN, registry, force: true });
    try {
      expect(second.implemented).toBe(false);
      expect(second.implementations.add?.actionHash).toBe(hash("add"));
      const stop = await agent.closed;
      expect(stop.error?.code).toBe("ARKITEKT_AGENT_REPLACED");
      await expect(client.call(hash("add"), { a: 1, b: 1 })).resolves.toEqual({ return0: 2 });
    } finally {
      agent = second;
    }
  });
});
