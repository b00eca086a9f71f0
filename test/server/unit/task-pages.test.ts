/**
 * Issue 18: a page of tasks reads its tasks' events and control events once for the whole page
 * (src/server/graphql/core/task-pages.ts), not once per task, and a read that the operation's cost
 * budget could not answer is not made (the tasks read their own, and the budget refuses as before).
 * Their answers are compared with the per-task reads in test/server/acceptance/list-answers.test.ts;
 * these tests pin that the page read is the one taken. A real Store, Platform and schema; the store's
 * read methods are wrapped to count their calls.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { expandClaims } from "../../../src/server/auth.js";
import { executeWithinCost } from "../../../src/server/graphql/cost.js";
import { graphql } from "../../../src/server/graphql/graphql-module.js";
import { createJitExecutor } from "../../../src/server/graphql/jit.js";
import { buildServerSchema } from "../../../src/server/graphql/schema.js";
import { compileOptions } from "../../../src/server/options.js";
import { Platform } from "../../../src/server/platform.js";
import { Store } from "../../../src/server/store/store.js";
import { silentLogger } from "../../../src/shared/logger.js";

const LAB = expandClaims("lab-token", { sub: "1", client_id: "one", active_org: "lab", client_app: "app-one", client_release: "1" });

const cleanup: Array<() => void> = [];
afterEach(() => {
  for (const undo of cleanup.splice(0)) undo();
});

/** A store with `tasks` tasks of the viewer, each with three events and one control event; the calls of the store's event reads are counted. */
async function seeded(tasks: number, maxQueryCost = 200_000) {
  const dir = mkdtempSync(join(tmpdir(), "arkitekt-task-pages-"));
  const store = new Store(dir);
  const platform = new Platform(store, compileOptions({ dataDir: dir, maxQueryCost }), silentLogger);
  cleanup.push(() => {
    platform.close();
    store.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const agent = store.createAgent({ org: "lab", client_id: "one", user_sub: "1", iss: LAB.iss, username: null, app: "app-one", release: "1", name: "one", kind: "WEBSOCKET", hook_url: null });
  const action = store.insertAction({
    org: "lab", app: "app-one", key: "f", version: "1", hash: "h", name: "f", kind: "FUNCTION", description: null,
    stateful: 0, pure: 0, idempotent: 0, is_dev: 0, definition: JSON.stringify({ key: "f", args: [], returns: [] }), defined_at: 1,
  });
  const caller = store.ensureCaller(LAB);
  for (let i = 0; i < tasks; i++) {
    const task = store.insertTask({
      org: "lab", action_id: action.id, implementation_id: null, agent_id: agent.id, caller_id: caller.id, reference: `r${i}`,
      args: "{}", args_hash: "x", parent_id: null, root_id: null, capture: 0, ephemeral: 0, step: 0, created_at: 1_000 + i,
    });
    store.insertEvent(task.id, "LOG", "one", null, null, "INFO", 2_000 + i);
    store.insertEvent(task.id, "CANCELLING", null, null, null, "INFO", 2_001 + i);
    store.insertEvent(task.id, "LOG", "two", null, null, "INFO", 2_002 + i);
  }
  await store.committed();
  const calls = { perTask: 0, page: 0, controlsPerTask: 0, controlsPage: 0 };
  const count = <K extends "eventsOfTaskPage" | "eventsOfTasks" | "controlEventsOfTask" | "controlEventsOfTasks">(name: K, key: keyof typeof calls) => {
    const original = store[name].bind(store) as (...args: unknown[]) => unknown;
    Object.assign(store, { [name]: (...args: unknown[]) => (calls[key]++, original(...args)) });
  };
  count("eventsOfTaskPage", "perTask");
  count("eventsOfTasks", "page");
  count("controlEventsOfTask", "controlsPerTask");
  count("controlEventsOfTasks", "controlsPage");
  const schema = buildServerSchema();
  const executor = createJitExecutor(schema);
  const run = async (source: string) => {
    const args = { schema, document: graphql.parse(source), contextValue: { identity: LAB, me: LAB, platform } };
    return (await executeWithinCost(args, executor.execute)) as { data?: Record<string, unknown> | null; errors?: ReadonlyArray<{ message: string }> };
  };
  return { run, calls };
}

describe("issue 18: nested lists of a page of tasks", () => {
  it("issue 18: a page of tasks reads its events and its control events in one read each", async () => {
    const { run, calls } = await seeded(30);
    const result = await run("{ tasks(pagination: {limit: 30}) { id events { id kind } newest: events(ordering: {createdAt: DESC}, pagination: {limit: 1}) { id } instructs { kind } } }");
    expect(result.errors).toBeUndefined();
    const tasks = (result.data as { tasks: Array<{ events: unknown[]; newest: unknown[]; instructs: Array<{ kind: string }> }> }).tasks;
    expect(tasks).toHaveLength(30);
    expect(tasks.every((t) => t.events.length === 3 && t.newest.length === 1 && t.instructs[0]?.kind === "CANCEL")).toBe(true);
    // one read per shape of Task.events (two here) and one for the control events, none per task
    expect(calls).toEqual({ perTask: 0, page: 2, controlsPerTask: 0, controlsPage: 1 });
  });

  it("issue 18: filtered events and a single task read per task", async () => {
    const { run, calls } = await seeded(3);
    const filtered = await run('{ tasks { events(filters: {kind: [LOG]}) { id } } }');
    expect(filtered.errors).toBeUndefined();
    expect(calls.perTask).toBe(3);
    const one = await run("{ tasks(pagination: {limit: 1}) { events { id } } }");
    expect(one.errors).toBeUndefined();
    expect(calls.perTask).toBe(4);
    expect(calls.page).toBe(0);
  });

  it("issue 18: a page read larger than the cost budget allows is not made; the tasks read their own and the answer is refused as before", async () => {
    // 30 tasks x 3 events x 2 values: over a budget of 150 values
    const { run, calls } = await seeded(30, 150);
    const result = await run("{ tasks(pagination: {limit: 30}) { events { id kind } } }");
    expect(result.errors?.map((e) => e.message).join(" ")).toMatch(/over the query cost limit of 150/);
    expect(calls.page).toBe(1);
    // the page read gave up (more rows than the budget's items), so tasks read their own until the budget refused
    expect(calls.perTask).toBeGreaterThan(0);
    expect(calls.perTask).toBeLessThan(30);
  });
});
