/**
 * Issue 16, agent state in the runtime without a platform: `defineState` values and the RFC 6902
 * operations a change becomes, the values a state refuses, and the frames the agent's publisher
 * writes (SESSION_INIT first, STATE_SNAPSHOT after a reconnect, STATE_PATCH per operation).
 */
import { describe, expect, it } from "vitest";
import { defineState, StateValueError, type Int } from "../../src/index.js";
import { StatePublisher } from "../../src/runtime/agent/states.js";
import { runWithContext, type TaskContext } from "../../src/runtime/context.js";
import { diff, type StateChange, type StatePatchOp } from "../../src/runtime/state.js";
import { silentLogger } from "../../src/shared/logger.js";

function ops(before: unknown, after: unknown): StatePatchOp[] {
  const out: StatePatchOp[] = [];
  diff(before, after, "", out);
  return out;
}

describe("issue 16: defineState", () => {
  it("issue 16: a change becomes RFC 6902 operations: replace per changed field, add/remove per key, add at /- per appended item", () => {
    expect(ops({ a: 1, b: { c: 2 } }, { a: 1, b: { c: 3 } })).toEqual([{ op: "replace", path: "/b/c", value: 3 }]);
    expect(ops({ a: 1, gone: true }, { a: 1, fresh: "x" })).toEqual([
      { op: "remove", path: "/gone" },
      { op: "add", path: "/fresh", value: "x" },
    ]);
    expect(ops({ xs: [1] }, { xs: [1, 2, 3] })).toEqual([
      { op: "add", path: "/xs/-", value: 2 },
      { op: "add", path: "/xs/-", value: 3 },
    ]);
    expect(ops({ xs: [1, 2] }, { xs: [2] })).toEqual([{ op: "replace", path: "/xs", value: [2] }]);
    expect(ops({ "a/b~c": 1 }, { "a/b~c": 2 })).toEqual([{ op: "replace", path: "/a~1b~0c", value: 2 }]);
    expect(ops({ a: 1 }, { a: 1 })).toEqual([]);
  });

  it("issue 16: the value is a frozen copy; update publishes the operations with the task that made them", () => {
    const state = defineState("unit", { count: 0 as Int, tags: [] as string[] });
    const seen: StateChange[] = [];
    state.subscribe((change) => seen.push(change));
    expect(Object.isFrozen(state.get())).toBe(true);
    expect(() => {
      (state.get() as { count: number }).count = 5;
    }).toThrow(TypeError);
    const ctx = { taskId: "77" } as TaskContext;
    runWithContext(ctx, () => state.update((s) => ({ ...s, count: s.count + 1, tags: [...s.tags, "x"] })));
    state.set({ count: 1, tags: ["x"] }); // no change, no publication
    expect(seen).toEqual([
      { state: "unit", ops: [{ op: "replace", path: "/count", value: 1 }, { op: "add", path: "/tags/-", value: "x" }], taskId: "77", at: expect.any(Number) },
    ]);
    expect(state.get()).toEqual({ count: 1, tags: ["x"] });
  });

  it("issue 16: a state refuses what JSON cannot carry, naming the place", () => {
    expect(() => defineState("bad", [] as unknown as object)).toThrow(StateValueError);
    const state = defineState("odd", { n: 0, at: null as unknown });
    expect(() => state.set({ n: Number.NaN, at: null })).toThrow(/state "odd" at \/n: NaN cannot be published/);
    expect(() => state.set({ n: 1, at: new Date() })).toThrow(/state "odd" at \/at: an instance of Date cannot be published as JSON/);
    expect(state.get()).toEqual({ n: 0, at: null });
  });
});

describe("issue 16: the agent's state publisher", () => {
  it("issue 16: SESSION_INIT on the first INIT, STATE_PATCH per operation while live, STATE_SNAPSHOT with the counted revision after a reconnect", () => {
    const state = defineState("pub", { n: 0 });
    const frames: Array<Record<string, unknown>> = [];
    let live = true;
    const publisher = new StatePublisher({
      states: [{ state, implementation: { interface: "pub", definition: { name: "pub", ports: [] } } }],
      sessionId: "s-1",
      logger: silentLogger,
      write: (text) => (live ? frames.push(JSON.parse(text) as Record<string, unknown>) > 0 : false),
    });
    publisher.start();
    state.set({ n: 1 }); // before the session: part of its initial value
    publisher.onInit();
    state.set({ n: 2 });
    live = false;
    state.set({ n: 3 }); // while disconnected: counted, not sent
    live = true;
    publisher.onInit();
    publisher.stop();
    state.set({ n: 4 }); // stopped: nothing
    expect(frames.map(({ id: _id, ts: _ts, ...rest }) => rest)).toEqual([
      { type: "SESSION_INIT", session_id: "s-1", states: { pub: { n: 1 } } },
      { type: "STATE_PATCH", session_id: "s-1", global_rev: 1, state_name: "pub", op: "replace", path: "/n", value: 2, task_id: null },
      { type: "STATE_SNAPSHOT", session_id: "s-1", global_rev: 2, snapshots: { pub: { n: 3 } } },
    ]);
  });

  it("issue 16: every stateSnapshotEvery operations a STATE_SNAPSHOT follows the change's last patch (the platform can rebuild history after pruning patches)", () => {
    const state = defineState("periodic", { xs: [] as number[] });
    const frames: Array<{ type: string; global_rev?: number; snapshots?: unknown }> = [];
    const publisher = new StatePublisher({
      states: [{ state, implementation: { interface: "periodic", definition: { name: "periodic", ports: [] } } }],
      sessionId: "s-2",
      logger: silentLogger,
      snapshotEvery: 2,
      write: (text) => frames.push(JSON.parse(text) as { type: string }) > 0,
    });
    publisher.start();
    publisher.onInit();
    state.set({ xs: [1] }); // rev 1
    state.set({ xs: [1, 2, 3] }); // revs 2 and 3 in one change: the snapshot comes after both patches
    state.set({ xs: [1, 2, 3, 4] }); // rev 4
    publisher.stop();
    expect(frames.map((f) => `${f.type}@${f.global_rev ?? 0}`)).toEqual([
      "SESSION_INIT@0",
      "STATE_PATCH@1",
      "STATE_PATCH@2",
      "STATE_PATCH@3",
      "STATE_SNAPSHOT@3",
      "STATE_PATCH@4",
      "STATE_SNAPSHOT@4",
    ]);
    expect(frames[4]!.snapshots).toEqual({ periodic: { xs: [1, 2, 3] } });
    expect(() => new StatePublisher({ states: [], sessionId: "s", logger: silentLogger, write: () => true, snapshotEvery: -1 })).toThrow(/stateSnapshotEvery must be an integer >= 0/);
  });
});
