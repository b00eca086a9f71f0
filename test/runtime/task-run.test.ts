/**
 * The task state machine on its own: what one ASSIGN turns into, report by report.
 * (End-to-end behaviour over real sockets is in agent-e2e.test.ts.)
 */
import { describe, expect, it } from "vitest";
import { TaskRun } from "../../src/runtime/agent/task-run.js";
import type { ReportBody } from "../../src/runtime/agent/reports.js";
import { backoffDelay, compileBackoff } from "../../src/shared/backoff.js";
import { ReportOutbox } from "../../src/runtime/agent/outbox.js";
import { calls, registry } from "../fixtures/runtime/registry.js";

function runOf(iface: string, args: Record<string, unknown>, dev = false) {
  const reports: ReportBody[] = [];
  const run = new TaskRun({ task: "t1", interface: iface, args }, registry.entries[iface], {
    dev,
    emit: (r) => reports.push(r),
  });
  return { run, reports, kinds: () => reports.map((r) => r.type) };
}

describe("TaskRun", () => {
  it("function: STARTED, YIELD with shrunk returns, COMPLETED", async () => {
    const { run, reports, kinds } = runOf("add", { a: 40 });
    await run.run();
    expect(kinds()).toEqual(["STARTED", "YIELD", "COMPLETED"]);
    expect(reports[1]).toEqual({ type: "YIELD", task: "t1", returns: { return0: 42 } });
  });

  it("generator: one YIELD per value in order, progress and logs in between", async () => {
    const { run, reports } = runOf("count_up", { n: 3 });
    await run.run();
    const yields = reports.filter((r) => r.type === "YIELD").map((r) => (r as { returns: unknown }).returns);
    expect(yields).toEqual([{ return0: 0 }, { return0: 1 }, { return0: 2 }]);
    expect(reports.filter((r) => r.type === "PROGRESS")).toHaveLength(3);
    expect(reports.find((r) => r.type === "LOG")).toEqual({ type: "LOG", task: "t1", message: "yielding 0", level: "DEBUG" });
    expect(reports.at(-1)?.type).toBe("COMPLETED");
  });

  it("bad args: FAILED naming the port; the function never runs", async () => {
    const before = calls.strict_int ?? 0;
    const { run, reports, kinds } = runOf("strict_int", { x: 1.5 });
    await run.run();
    expect(kinds()).toEqual(["STARTED", "FAILED"]);
    expect((reports[1] as { error: string }).error).toMatch(/port "x"/);
    expect(calls.strict_int ?? 0).toBe(before);
  });

  it("unknown arg key: FAILED naming the key", async () => {
    const { run, reports } = runOf("add", { a: 1, z: 3 });
    await run.run();
    expect((reports.at(-1) as { error: string }).error).toMatch(/port "z"/);
  });

  it("structure that cannot be expanded: FAILED naming the port and the reference", async () => {
    const args = {
      s: "s", f: 1, flag: true, when: "2024-01-01T00:00:00Z", color: "Red", numbers: [], scores: {},
      either: { __use: 1, __value: "x" }, point: { x: 1, y: 2 },
      image: { __identifier: "@test/image", object: "ok" },
      images: [{ __identifier: "@test/image", object: "a" }, { __identifier: "@test/image", object: "missing-7" }],
      maybe: null,
    };
    const { run, reports } = runOf("roundtrip", args);
    await run.run();
    const last = reports.at(-1) as { type: string; error: string };
    expect(last.type).toBe("FAILED");
    expect(last.error).toMatch(/images\[1\]/);
    expect(last.error).toMatch(/missing-7/);
  });

  it("returns that do not fit: FAILED naming return0", async () => {
    const { run, reports } = runOf("bad_return", {});
    await run.run();
    expect(reports.at(-1)).toMatchObject({ type: "FAILED", error: expect.stringMatching(/return0/) });
  });

  it("user throw: CRITICAL with message and throw site; stack in dev mode", async () => {
    const plain = runOf("fail", { message: "boom" });
    await plain.run.run();
    const error = (plain.reports.at(-1) as { type: string; error: string });
    expect(error.type).toBe("CRITICAL");
    expect(error.error).toMatch(/^Error: boom \(at .*registry\.ts:\d+:\d+\)$/);
    const dev = runOf("fail", { message: "boom" }, true);
    await dev.run.run();
    expect((dev.reports.at(-1) as { error: string }).error).toMatch(/\n\s+at /);
  });

  it("cancel aborts the signal; CANCELLED when the function returns; no YIELD", async () => {
    const { run, kinds } = runOf("slow", { ms: 5000 });
    const done = run.run();
    await new Promise((r) => setTimeout(r, 30));
    run.cancel();
    await done;
    expect(kinds()).toEqual(["STARTED", "CANCELLED"]);
  });

  it("cancel of a function that ignores the signal still ends CANCELLED, results discarded", async () => {
    const { run, kinds } = runOf("stubborn", { ms: 50 });
    const done = run.run();
    run.cancel();
    await done;
    expect(kinds()).toEqual(["STARTED", "CANCELLED"]);
  });

  it("interrupt reports INTERRUPTED at once", async () => {
    const { run, kinds } = runOf("stubborn", { ms: 200 });
    const done = run.run();
    await new Promise((r) => setTimeout(r, 10));
    run.interrupt();
    expect(kinds()).toEqual(["STARTED", "INTERRUPTED"]);
    await done;
    expect(kinds()).toEqual(["STARTED", "INTERRUPTED"]);
  });

  it("pause stops at the next checkpoint (PAUSED), resume continues (RESUMED), then completes", async () => {
    const { run, kinds } = runOf("slow", { ms: 100 });
    run.pause();
    const done = run.run();
    await new Promise((r) => setTimeout(r, 30));
    expect(kinds()).toEqual(["STARTED", "PAUSED"]);
    expect(run.paused).toBe(true);
    run.resume(false);
    await done;
    expect(kinds()).toEqual(["STARTED", "PAUSED", "RESUMED", "YIELD", "COMPLETED"]);
  });

  it("an interface the registry lacks: CRITICAL naming it", async () => {
    const reports: ReportBody[] = [];
    const run = new TaskRun({ task: "t", interface: "nope", args: {} }, undefined, { dev: false, emit: (r) => reports.push(r) });
    await run.run();
    expect(reports.at(-1)).toMatchObject({ type: "CRITICAL", error: expect.stringContaining('"nope"') });
  });
});

describe("backoff and outbox", () => {
  it("backoff grows exponentially, is capped, and jitters within its share", () => {
    const b = compileBackoff({ initialDelayMs: 100, maxDelayMs: 1000, factor: 2, jitter: 0.5 });
    expect(backoffDelay(0, b, () => 0)).toBe(50);
    expect(backoffDelay(0, b, () => 1)).toBe(100);
    expect(backoffDelay(3, b, () => 1)).toBe(800);
    expect(backoffDelay(10, b, () => 1)).toBe(1000);
    expect(backoffDelay(10, b, () => 0)).toBe(500);
  });

  it("outbox holds until release, by task, in order, and signals drain", async () => {
    const box = new ReportOutbox();
    box.hold({ id: "m1", task: "a", type: "COMPLETED", seq: 1, text: "{}", sentOn: 0 });
    box.hold({ id: "m2", task: "b", type: "FAILED", seq: 2, text: "{}", sentOn: 0 });
    expect(box.pending().map((r) => r.id)).toEqual(["m1", "m2"]);
    expect(box.forTask("b")?.id).toBe("m2");
    const drained = box.drained();
    expect(box.release("m1")?.task).toBe("a");
    expect(box.release("unknown")).toBeUndefined();
    box.release("m2");
    await drained;
    expect(box.size).toBe(0);
  });
});
