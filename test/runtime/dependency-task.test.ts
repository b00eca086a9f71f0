/**
 * Issue 16 review (dependencies), fixed in DependencyClient#options: a dependency call is a child of the task it is made from
 * (`parent`), but nothing ties the call to the parent's life:
 *
 * 1. DependencyClient (src/runtime/dependencies.ts `#options`) passes no signal: cancelling the
 *    parent does not cancel the child task. A parent that awaits `dep.call(...)` (the README's
 *    example) stays running until the child ends, and the child keeps running on the other agent
 *    (the server does not cascade CANCEL to children either: src/server/platform/tasks.ts).
 * 2. The client stays usable after its task ended (stored in a closure / module variable): calls
 *    go out with the ended task as parent, and the server accepts them
 *    (src/server/areas/dependencies/service.ts parentTask() checks only the organisation).
 */
import { describe, expect, it } from "vitest";
import type { AgentDependency, Implementation } from "../../src/definition/model.js";
import type { ArkitektClient } from "../../src/runtime/caller/client.js";
import { TaskRun } from "../../src/runtime/agent/task-run.js";
import type { ReportBody } from "../../src/runtime/agent/reports.js";
import { context } from "../../src/runtime/context.js";
import { defineEntry } from "../../src/runtime/structures/support.js";
import { implementation, port } from "../fixtures/runtime/registry.js";

const seg: AgentDependency = { key: "seg", optional: false, actionDependencies: [], autoResolvable: true };

/** A platform client whose calls never end unless their signal aborts. */
function fakeClient() {
  const calls: Array<{ target: unknown; options: { signal?: AbortSignal; parent?: string | null } }> = [];
  const client = {
    call(target: unknown, _args: unknown, options: { signal?: AbortSignal; parent?: string | null } = {}) {
      calls.push({ target, options });
      return new Promise((_, reject) => options.signal?.addEventListener("abort", () => reject(options.signal!.reason), { once: true }));
    },
  };
  return { calls, client: client as unknown as ArkitektClient };
}

let leaked: ArkitektClient | undefined;

const entry = defineEntry({
  implementation: { ...implementation("uses_seg", [], [port("return0", "STRING")]), dependencies: [seg] } as Implementation,
  fn: (async () => {
    const dep = context().dependency("seg");
    leaked = dep;
    await dep.call({ dependency: "seg", method: "segment" }, {});
    return "done";
  }) as (...args: never[]) => unknown,
  argCodecs: [],
  returnCodecs: [{ kind: "STRING" }],
});

describe("issue 16 review: a dependency call does not outlive or escape its parent task", () => {
  it("issue 16 review: CANCEL of the parent cancels its pending dependency call (the parent ends CANCELLED)", async () => {
    const { calls, client } = fakeClient();
    const reports: ReportBody[] = [];
    const run = new TaskRun({ task: "p1", interface: "uses_seg", args: {} }, entry, { dev: false, emit: (r) => reports.push(r), client: () => client });
    const finished = run.run();
    await new Promise((r) => setTimeout(r, 20));
    expect(calls).toHaveLength(1);
    expect(calls[0]!.options.parent).toBe("p1");
    run.cancel();
    const ended = await Promise.race([finished.then(() => "ended"), new Promise((r) => setTimeout(() => r("still running"), 500))]);
    // the child call got no signal, so nothing cancels it and the parent hangs on it
    expect(calls[0]!.options.signal, "the dependency call was made without the task's signal").toBeDefined();
    expect(calls[0]!.options.signal!.aborted).toBe(true);
    expect(ended).toBe("ended");
    expect(reports.at(-1)?.type).toBe("CANCELLED");
  });

  it("issue 16 review: a dependency client kept past its task's end refuses further calls instead of assigning children of an ended task", async () => {
    const { calls, client } = fakeClient();
    const run = new TaskRun({ task: "p2", interface: "uses_seg", args: {} }, entry, { dev: false, emit: () => undefined, client: () => client });
    const finished = run.run();
    await new Promise((r) => setTimeout(r, 20));
    run.interrupt();
    await Promise.race([finished, new Promise((r) => setTimeout(r, 200))]);
    expect(run.state).toBe("done");
    const before = calls.length;
    let refused: unknown;
    try {
      void leaked!.call({ dependency: "seg", method: "segment" }, {}).catch(() => undefined);
    } catch (error) {
      refused = error;
    }
    await new Promise((r) => setTimeout(r, 20));
    expect(calls.length === before || refused !== undefined, `a call went out with parent ${String(calls.at(-1)?.options.parent)} after that task ended`).toBe(true);
  });
});
