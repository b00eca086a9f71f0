/** Issue 16: the agent's scheduler (src/runtime/agent/scheduler.ts): agent-wide and per-function limits, locks, fairness. */
import { describe, expect, it } from "vitest";
import { Scheduler, describeWait, type TaskLimits } from "../../src/runtime/agent/scheduler.js";

interface Item {
  id: string;
  state: "queued" | "running" | "done";
}

function setup(concurrency: number) {
  const started: string[] = [];
  const frames: string[] = [];
  const items = new Map<string, Item>();
  const scheduler = new Scheduler<Item>({
    concurrency,
    start: (item) => {
      item.state = "running";
      started.push(item.id);
    },
    isWaiting: (item) => item.state === "queued",
    onLock: (key, item) => frames.push(`LOCK ${key} ${item.id}`),
    onUnlock: (key, item) => frames.push(`UNLOCK ${key} ${item.id}`),
  });
  const submit = (id: string, limits: Omit<TaskLimits, "group"> & { group?: string } = {}) => {
    const item: Item = { id, state: "queued" };
    items.set(id, item);
    return scheduler.submit(item, id, { group: limits.group ?? id, ...limits });
  };
  const end = (id: string) => {
    const item = items.get(id)!;
    item.state = "done";
    scheduler.release(item);
  };
  return { scheduler, started, frames, submit, end, items };
}

describe("issue 16: the agent's scheduler", () => {
  it("issue 16: tasks that share a lock run one at a time across functions, with LOCK/UNLOCK around each", () => {
    const s = setup(16);
    expect(s.submit("a", { group: "snap", locks: ["camera"] })).toBeUndefined();
    expect(s.submit("b", { group: "focus", locks: ["camera", "stage"] })).toEqual({ kind: "lock", key: "camera", heldBy: "a" });
    expect(s.submit("c", { group: "free" })).toBeUndefined();
    expect(s.started).toEqual(["a", "c"]);
    s.end("a");
    expect(s.started).toEqual(["a", "c", "b"]);
    s.end("b");
    expect(s.frames).toEqual(["LOCK camera a", "UNLOCK camera a", "LOCK camera b", "LOCK stage b", "UNLOCK camera b", "UNLOCK stage b"]);
    expect(s.scheduler.held.size).toBe(0);
  });

  it("issue 16: a function's concurrency caps its own tasks on top of the agent-wide limit", () => {
    const s = setup(3);
    s.submit("s1", { group: "solo", concurrency: 1 });
    expect(s.submit("s2", { group: "solo", concurrency: 1 })).toEqual({ kind: "function", group: "solo", running: 1, limit: 1 });
    s.submit("f1", { group: "free" });
    s.submit("f2", { group: "free" });
    expect(s.submit("f3", { group: "free" })).toEqual({ kind: "agent", running: 3, limit: 3 });
    expect(s.started).toEqual(["s1", "f1", "f2"]);
    s.end("f1"); // a free slot: s2 still waits for its function, f3 goes
    expect(s.started).toEqual(["s1", "f1", "f2", "f3"]);
    s.end("s1");
    expect(s.started).toEqual(["s1", "f1", "f2", "f3", "s2"]);
  });

  it("issue 16: a queued task that was cancelled is dropped, not started", () => {
    const s = setup(1);
    s.submit("a");
    s.submit("b");
    s.submit("c");
    expect(s.scheduler.waiting).toBe(2);
    s.items.get("b")!.state = "done"; // CANCEL while queued: TaskRun reports CANCELLED itself
    expect(s.scheduler.waiting).toBe(1);
    s.end("a");
    expect(s.started).toEqual(["a", "c"]);
  });

  it("issue 16: the locks of an earlier waiting task are reserved, so it is not overtaken for ever", () => {
    const s = setup(16);
    s.submit("x", { locks: ["camera"] });
    s.submit("y", { locks: ["camera", "stage"] }); // waits for camera
    // stage is free, but y (earlier) wants it: z waits behind y
    expect(s.submit("z", { locks: ["stage"] })).toEqual({ kind: "lock", key: "stage", heldBy: undefined });
    s.end("x");
    expect(s.started).toEqual(["x", "y"]);
    s.end("y");
    expect(s.started).toEqual(["x", "y", "z"]);
  });

  it("issue 16: the PROGRESS message of a queued task says what it waits for", () => {
    expect(describeWait({ kind: "lock", key: "camera", heldBy: "17" }, 2)).toBe('waiting for lock "camera" (held by task 17) (2 queued)');
    expect(describeWait({ kind: "function", group: "solo", running: 1, limit: 1 }, 1)).toBe("waiting: solo runs at most 1 task(s) at a time (1 queued)");
    expect(describeWait({ kind: "agent", running: 16, limit: 16 }, 3)).toMatch(/^waiting on the agent \(3 queued/);
  });

  it("issue 16: the agent-wide limit must be a positive integer", () => {
    expect(() => setup(0)).toThrow(/concurrency must be a positive integer/);
  });
});
