/** The caller's event routing: by task id, by reference before the id is known, buffering, dedupe. */
import { describe, expect, it } from "vitest";
import { TaskEventRouter, type TaskEventData } from "../../src/runtime/caller/router.js";

const ev = (id: number, task: string, kind = "PROGRESS"): TaskEventData => ({ id: String(id), task, kind });

describe("TaskEventRouter", () => {
  it("buffers events of a task not yet bound and replays them in order on bind", () => {
    const router = new TaskEventRouter();
    const got: string[] = [];
    const watch = router.watch("ref-1", (e) => got.push(`${e.id}:${e.kind}`));
    router.dispatch({ event: ev(1, "7", "STARTED") });
    router.dispatch({ event: ev(2, "7", "YIELD") });
    expect(got).toEqual([]);
    expect(router.bufferedTasks).toBe(1);
    router.bind(watch, "7");
    router.dispatch({ event: ev(3, "7", "COMPLETED") });
    expect(got).toEqual(["1:STARTED", "2:YIELD", "3:COMPLETED"]);
    expect(router.bufferedTasks).toBe(0);
  });

  it("binds by reference when the subscription's create arrives first", () => {
    const router = new TaskEventRouter();
    const got: string[] = [];
    const watch = router.watch("ref-2", (e) => got.push(e.id));
    router.dispatch({ create: { id: "9", reference: "ref-2" }, event: null });
    expect(watch.taskId).toBe("9");
    router.dispatch({ event: ev(5, "9") });
    expect(got).toEqual(["5"]);
  });

  it("never routes another task's events to a watch, and drops duplicates (catch-up overlap)", () => {
    const router = new TaskEventRouter();
    const a: string[] = [];
    const b: string[] = [];
    const wa = router.watch("ra", (e) => a.push(e.id));
    const wb = router.watch("rb", (e) => b.push(e.id));
    router.bind(wa, "1");
    router.bind(wb, "2");
    router.dispatch({ event: ev(10, "1") });
    router.dispatch({ event: ev(11, "2") });
    router.replay(wa, [ev(9, "1"), ev(10, "1"), ev(12, "1")]);
    expect(a).toEqual(["10", "9", "12"]);
    expect(b).toEqual(["11"]);
    expect(wa.lastEventId).toBe(12);
  });

  it("evicts the oldest buffered task beyond the limit", () => {
    const router = new TaskEventRouter({ maxBufferedTasks: 2 });
    router.dispatch({ event: ev(1, "a") });
    router.dispatch({ event: ev(2, "b") });
    router.dispatch({ event: ev(3, "c") });
    expect(router.bufferedTasks).toBe(2);
    const got: string[] = [];
    const watch = router.watch("r", (e) => got.push(e.id));
    router.bind(watch, "a");
    expect(got).toEqual([]);
  });

  it("unwatch stops delivery", () => {
    const router = new TaskEventRouter();
    const got: string[] = [];
    const watch = router.watch("r", (e) => got.push(e.id));
    router.bind(watch, "1");
    router.unwatch(watch);
    router.dispatch({ event: ev(1, "1") });
    expect(got).toEqual([]);
  });
});
