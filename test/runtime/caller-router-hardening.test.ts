/** The caller's event router against replays and late answers (issue 10 #8, issue 10 #1). */
import { describe, expect, it } from "vitest";
import { TaskEventRouter, type TaskEventData } from "../../src/runtime/caller/router.js";

const ev = (id: number, task: string, kind = "PROGRESS"): TaskEventData => ({ id: String(id), task, kind });

describe("TaskEventRouter under replay", () => {
  it("issue 10 #8: a replayed event is delivered once, and events of calls that ended are dropped, not buffered, so they cannot evict a pending call's events", () => {
    const router = new TaskEventRouter({ maxBufferedTasks: 2 });
    const got: string[] = [];
    const ended: string[] = [];
    for (const task of ["1", "2", "3"]) {
      const watch = router.watch(`done-${task}`, (e) => ended.push(e.id));
      router.bind(watch, task);
      router.dispatch({ event: ev(Number(task) * 10, task, "COMPLETED") });
      router.unwatch(watch);
    }
    const pending = router.watch("pending", (e) => got.push(`${e.id}:${e.kind}`));
    // The pending call's task finished before its assign answered: its events wait in the buffer.
    router.dispatch({ create: { id: "9", reference: "elsewhere" }, event: ev(90, "9", "YIELD") });
    router.dispatch({ event: ev(91, "9", "COMPLETED") });
    // A new subscription replays the last seconds: the ended calls' events come again.
    for (const task of ["1", "2", "3"]) router.dispatch({ create: { id: task, reference: `done-${task}` }, event: ev(Number(task) * 10, task, "COMPLETED") });
    expect(router.bufferedTasks).toBe(1);
    router.bind(pending, "9");
    router.dispatch({ event: ev(90, "9", "YIELD") }); // and the pending call's own events, replayed
    router.dispatch({ event: ev(91, "9", "COMPLETED") });
    expect(got).toEqual(["90:YIELD", "91:COMPLETED"]);
    expect(ended).toEqual(["10", "20", "30"]);
  });

  it("issue 10 #1: a bind after the call ended (the assign answered late) routes and buffers nothing", () => {
    const router = new TaskEventRouter();
    const got: string[] = [];
    const watch = router.watch("late", (e) => got.push(e.id));
    router.unwatch(watch);
    router.bind(watch, "5");
    router.dispatch({ event: ev(1, "5") });
    router.replay(watch, [ev(2, "5")]);
    expect(got).toEqual([]);
    expect(router.bufferedTasks).toBe(0);
    expect(router.boundWatches()).toEqual([]);
  });
});
