/**
 * Issue 16 review (locks): a task waiting for several locks reserves them (scheduler.ts), so later
 * tasks wanting one of them wait too. When that waiting task is CANCELled (or INTERRUPTed) while
 * queued, agent.ts only calls `run.cancel()`: nothing pumps the scheduler, so the tasks that waited
 * only for its reservation keep waiting until some unrelated running task ends, possibly never
 * (a long-running generator / stream holding the other lock).
 * Fixed: agent.ts releases a queued task from the scheduler when it is cancelled or interrupted, and the scheduler pumps.
 *
 * Setup: t1 holds "a" (runs 4 s); t2 wants "a"+"b" (queued, reserves "b"); t3 wants only "b"
 * (queued behind the reservation). CANCEL t2: nothing holds or reserves "b" any more, so t3 should
 * start at once, not when t1 ends 4 s later.
 */
import { describe, expect, it } from "vitest";
import type { Implementation } from "../../src/definition/model.js";
import { AgentSocket } from "../../src/runtime/agent/agent.js";
import { context } from "../../src/runtime/context.js";
import { defineEntry } from "../../src/runtime/structures/support.js";
import { buildRegistry, implementation, port } from "../fixtures/runtime/registry.js";
import { waitFor } from "../fixtures/runtime/harness.js";
import { ScriptedPlatform } from "../fixtures/runtime/scripted-platform.js";

async function hold(ms: number): Promise<string> {
  const signal = context().signal;
  await new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener("abort", () => (clearTimeout(timer), resolve()), { once: true });
  });
  return "done";
}

const locked = (iface: string, locks: string[]) =>
  defineEntry({
    implementation: { ...implementation(iface, [port("ms", "INT")], [port("return0", "STRING")]), locks } as Implementation,
    fn: hold as (...args: never[]) => unknown,
    argCodecs: [["ms", { kind: "INT" }]],
    returnCodecs: [{ kind: "STRING" }],
  });

describe("issue 16 review: cancelling a queued task frees the locks it reserved", () => {
  for (const stop of ["CANCEL", "INTERRUPT"] as const) {
    it(`issue 16 review: after ${stop} of a queued task that reserved lock "b", a task waiting only for "b" starts at once`, async () => {
      const registry = buildRegistry([locked("hold_a", ["a"]), locked("hold_ab", ["a", "b"]), locked("hold_b", ["b"])]);
      const platform = await ScriptedPlatform.start();
      const agent = new AgentSocket({ agiUrl: platform.url, token: "tok", registry, sessionId: `review-${stop}`, closeTimeoutMs: 500 });
      try {
        const started = agent.start();
        const peer = await platform.accept();
        await started;
        peer.send({ type: "ASSIGN", task: "1", interface: "hold_a", args: { ms: 4000 } });
        await peer.next("STARTED", "1");
        peer.send({ type: "ASSIGN", task: "2", interface: "hold_ab", args: { ms: 10 } });
        await peer.next("PROGRESS", "2");
        peer.send({ type: "ASSIGN", task: "3", interface: "hold_b", args: { ms: 10 } });
        await peer.next("PROGRESS", "3"); // waits: "b" is reserved for task 2
        peer.send({ type: stop, task: "2" });
        await peer.next(stop === "CANCEL" ? "CANCELLED" : "INTERRUPTED", "2");
        // task 1 still runs (holds "a" for 4 s); nothing holds or reserves "b" now
        await waitFor("STARTED of task 3 while task 1 still runs", () => peer.of("STARTED", "3")[0], 1500);
        expect(peer.of("COMPLETED", "1")).toEqual([]);
      } finally {
        await agent.close();
        await platform.close();
      }
    }, 15_000);
  }

  it("issue 16 review: a child task (parent = the lock holder) that needs its parent's lock runs at once (waiting would deadlock: the parent awaits the child)", async () => {
    const registry = buildRegistry([locked("hold_a", ["a"]), locked("hold_ab", ["a", "b"]), locked("hold_b", ["b"])]);
    const platform = await ScriptedPlatform.start();
    const agent = new AgentSocket({ agiUrl: platform.url, token: "tok", registry, sessionId: "review-reentrant", closeTimeoutMs: 500 });
    try {
      const started = agent.start();
      const peer = await platform.accept();
      await started;
      // task 1 holds "a" and (as a dependency call would) waits for its child task 2 on the same agent
      peer.send({ type: "ASSIGN", task: "1", interface: "hold_a", args: { ms: 60_000 } });
      await peer.next("STARTED", "1");
      peer.send({ type: "ASSIGN", task: "2", interface: "hold_a", args: { ms: 10 }, parent: "1", root: "1" });
      await waitFor("the child started while its parent holds the lock", () => peer.of("STARTED", "2")[0], 1500);
      // the lock stays its parent's: no LOCK frame for the child
      expect(peer.of("LOCK", "2")).toEqual([]);
      expect(peer.of("LOCK", "1")).toHaveLength(1);
    } finally {
      await agent.close();
      await platform.close();
    }
  }, 15_000);

  it("issue 16 review: a child task of a function with concurrency 1 runs while its parent (the same function) waits for it", async () => {
    const self = defineEntry({
      implementation: { ...implementation("once", [port("ms", "INT")], [port("return0", "STRING")]), params: { concurrency: 1 } } as Implementation,
      fn: hold as (...args: never[]) => unknown,
      argCodecs: [["ms", { kind: "INT" }]],
      returnCodecs: [{ kind: "STRING" }],
    });
    const registry = buildRegistry([self]);
    const platform = await ScriptedPlatform.start();
    const agent = new AgentSocket({ agiUrl: platform.url, token: "tok", registry, sessionId: "review-self-call", closeTimeoutMs: 500 });
    try {
      const started = agent.start();
      const peer = await platform.accept();
      await started;
      peer.send({ type: "ASSIGN", task: "1", interface: "once", args: { ms: 60_000 } });
      await peer.next("STARTED", "1");
      // a stranger waits for the function's one slot; the parent's own child does not
      peer.send({ type: "ASSIGN", task: "2", interface: "once", args: { ms: 10 } });
      await peer.next("PROGRESS", "2");
      peer.send({ type: "ASSIGN", task: "3", interface: "once", args: { ms: 10 }, parent: "1", root: "1" });
      await waitFor("the child started while its parent runs", () => peer.of("STARTED", "3")[0], 1500);
      expect(peer.of("STARTED", "2")).toEqual([]);
    } finally {
      await agent.close();
      await platform.close();
    }
  }, 15_000);
});
