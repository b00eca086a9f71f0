/**
 * Issue 16 review (memory structures), fixed in TaskRun#shrink: an object is kept in the agent's memory (and a drawer
 * shelved) while the returns are shrunk (task-run.ts #shrink -> memory.ts shrinkMemory/keep), before
 * the YIELD that carries its reference. When the YIELD is then not sent, nobody ever receives the
 * reference, and the object stays held until the agent process closes (a leaked object and drawer,
 * counting towards the server's maxDrawersPerShelve):
 *
 * 1. the task is CANCELled while the drawer is being shelved (task-run.ts: `if (this.#isOver())
 *    return this.#finishAfterStop()` right after #shrink);
 * 2. a later return port fails to shrink (FAILED): the memory structure of an earlier port is kept.
 *
 * Expected: what was kept for a YIELD that is not sent is dropped again (and its drawer unshelved).
 */
import { describe, expect, it } from "vitest";
import type { Implementation } from "../../src/definition/model.js";
import type { ArkitektClient } from "../../src/runtime/caller/client.js";
import { TaskRun } from "../../src/runtime/agent/task-run.js";
import type { ReportBody } from "../../src/runtime/agent/reports.js";
import { agentMemory, type MemoryPlatform, type MemoryStructure } from "../../src/runtime/memory.js";
import { defineEntry, type Codec } from "../../src/runtime/structures/support.js";
import { implementation, port } from "../fixtures/runtime/registry.js";

class Big implements MemoryStructure {
  static identifier = "@review/big";
}
const codec: Codec = { kind: "MEMORY_STRUCTURE", identifier: "@review/big", cls: Big };
const bigPort = port("return0", "MEMORY_STRUCTURE", { identifier: "@review/big" });

function fakeClient(shelveMs: number) {
  let next = 1;
  const unshelved: string[] = [];
  const platform: MemoryPlatform = {
    shelve: () => new Promise((resolve) => setTimeout(() => resolve(String(next++)), shelveMs)),
    unshelve: async (drawer) => void unshelved.push(drawer),
    collect: async () => [],
  };
  return { client: { memory: () => platform } as unknown as ArkitektClient, unshelved };
}

describe("issue 16 review: a memory structure whose reference never left the agent is not held for ever", () => {
  it("issue 16 review: CANCEL while the drawer is shelved drops the object again", async () => {
    const entry = defineEntry({
      implementation: implementation("make_big", [], [bigPort]) as Implementation,
      fn: (() => new Big()) as (...args: never[]) => unknown,
      argCodecs: [],
      returnCodecs: [codec],
    });
    const { client, unshelved } = fakeClient(100);
    const reports: ReportBody[] = [];
    const run = new TaskRun({ task: "m1", interface: "make_big", args: {} }, entry, { dev: false, emit: (r) => reports.push(r), client: () => client });
    const finished = run.run();
    await new Promise((r) => setTimeout(r, 30)); // shelving
    run.cancel();
    await finished;
    await new Promise((r) => setTimeout(r, 150));
    expect(reports.map((r) => r.type)).toEqual(["STARTED", "CANCELLED"]);
    // no YIELD went out: nobody holds a reference to drawer 1
    expect(agentMemory(client).size, `held drawers: ${agentMemory(client).drawers().join(", ")}; unshelved: ${unshelved.join(", ")}`).toBe(0);
  });

  it("issue 16 review: a return port that fails after a memory structure port was kept drops that object again", async () => {
    const entry = defineEntry({
      implementation: implementation("big_and_int", [], [bigPort, port("return1", "INT")]) as Implementation,
      fn: (() => [new Big(), 1.5]) as (...args: never[]) => unknown,
      argCodecs: [],
      returnCodecs: [codec, { kind: "INT" }],
    });
    const { client } = fakeClient(1);
    const reports: ReportBody[] = [];
    const run = new TaskRun({ task: "m2", interface: "big_and_int", args: {} }, entry, { dev: false, emit: (r) => reports.push(r), client: () => client });
    await run.run();
    expect(reports.map((r) => r.type)).toEqual(["STARTED", "FAILED"]);
    expect(agentMemory(client).size, `held drawers: ${agentMemory(client).drawers().join(", ")}`).toBe(0);
  });
});
