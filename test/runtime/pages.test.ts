/** Reading a paged list to its end (src/runtime/transport/pages.ts) and holding live events while a catch-up runs (router). */
import { describe, expect, it } from "vitest";
import { PageSizes, readAllPages } from "../../src/runtime/transport/pages.js";
import { TaskEventRouter, type TaskEventData } from "../../src/runtime/caller/router.js";

/** A list served as a server with maximum page `page` serves it (no limit sent: the maximum page). */
function served(items: number[], page: number, offsets: number[] = []) {
  return async ({ offset }: { offset: number }) => {
    offsets.push(offset);
    return items.slice(offset, offset + page).map((n) => ({ id: String(n) }));
  };
}

describe("readAllPages", () => {
  it("steps offset until a short page; once a field's page size is known, a short first page ends the read", async () => {
    const sizes = new PageSizes();
    const offsets: number[] = [];
    const all = await readAllPages(served(Array.from({ length: 12 }, (_, i) => i), 5, offsets), { field: "Task.events", sizes, keyOf: (x) => x.id });
    expect(all.map((x) => Number(x.id))).toEqual(Array.from({ length: 12 }, (_, i) => i));
    expect(offsets).toEqual([0, 5, 10]);
    const again: number[] = [];
    expect(await readAllPages(served([1, 2], 5, again), { field: "Task.events", sizes, keyOf: (x) => x.id })).toHaveLength(2);
    expect(again).toEqual([0]); // 2 < 5: the last page
    const exact: number[] = [];
    expect(await readAllPages(served([1, 2, 3, 4, 5], 5, exact), { field: "Task.events", sizes, keyOf: (x) => x.id })).toHaveLength(5);
    expect(exact).toEqual([0, 5]); // a full page: one more (empty) read
  });

  it("stops with an error naming the field when the server ignores the offset, instead of looping", async () => {
    const same = async () => [{ id: "1" }, { id: "2" }];
    await expect(readAllPages(same, { field: "Query.actions", keyOf: (x) => x.id })).rejects.toThrow(/same page of Query.actions at offset 2 .*ignores pagination.offset/);
  });

  it("stops once it has as many items as there can be (atMost)", async () => {
    const offsets: number[] = [];
    expect(await readAllPages(served([1, 2, 3], 3, offsets), { field: "Task.events", keyOf: (x) => x.id, atMost: 3 })).toHaveLength(3);
    expect(offsets).toEqual([0]);
  });
});

describe("the router holds a watch's live events while a catch-up runs", () => {
  const event = (id: number, kind = "YIELD"): TaskEventData => ({ id: String(id), task: "7", kind });

  it("delivers the fetched events and the held live ones in event-id order, each once, when the last catch-up ends", () => {
    const router = new TaskEventRouter();
    const got: string[] = [];
    const watch = router.watch("ref", (e) => got.push(`${e.kind}${e.id}`));
    router.bind(watch, "7");
    router.dispatch({ event: event(1) });
    router.hold(watch);
    router.hold(watch); // a second catch-up overlaps the first
    router.dispatch({ event: event(5) });
    router.dispatch({ event: event(6, "COMPLETED") });
    expect(got).toEqual(["YIELD1"]);
    router.release(watch, [event(1), event(2), event(3)]);
    expect(got).toEqual(["YIELD1"]);
    router.release(watch, [event(2), event(3), event(4), event(5)]);
    expect(got).toEqual(["YIELD1", "YIELD2", "YIELD3", "YIELD4", "YIELD5", "COMPLETED6"]);
    router.dispatch({ event: event(7) });
    expect(got.at(-1)).toBe("YIELD7");
  });

  it("a failed catch-up (released with nothing) still delivers what was held", () => {
    const router = new TaskEventRouter();
    const got: string[] = [];
    const watch = router.watch("ref", (e) => got.push(e.id));
    router.bind(watch, "7");
    router.hold(watch);
    router.dispatch({ event: event(3) });
    router.release(watch);
    expect(got).toEqual(["3"]);
  });
});
