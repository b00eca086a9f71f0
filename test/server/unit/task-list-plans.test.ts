/**
 * Issue 18 (scale): every task list shape and the hot-path task lookups read through an index
 * (migration 14), never `SCAN task`, and a page comes in index order (no sort of the matching rows)
 * wherever the shape allows it. The plans are asked of a fresh store without table statistics, as a
 * server's store has: taskListQuery writes them so they do not depend on statistics. Not timed.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { Store } from "../../../src/server/store/store.js";
import { taskListQuery, type TaskListFilter, type TaskListOrder } from "../../../src/server/store/task-list.js";
import { agentListQuery } from "../../../src/server/store/agent-list.js";

const dir = mkdtempSync(join(tmpdir(), "arkitekt-task-plans-"));
const store = new Store(dir);
afterAll(() => {
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

function planOf(sql: string, params: unknown[]): string {
  return (store.db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...params) as Array<{ detail: string }>).map((r) => r.detail).join("; ");
}
function listPlan(filter: Omit<TaskListFilter, "org">, order: TaskListOrder = []): string {
  const { sql, params } = taskListQuery({ org: "lab", ...filter }, order, { limit: 20, offset: 0 });
  return planOf(sql, params);
}

/** Each list shape, the index that must serve it, and whether its page comes without a sort. */
const SHAPES: Array<[string, Omit<TaskListFilter, "org">, string, TaskListOrder?]> = [
  ["the organisation's tasks, newest first (`tasks`)", {}, "task_org"],
  ["the organisation's tasks, oldest first", {}, "task_org", [{ by: "created", desc: false }]],
  ["an action's tasks (filter, Action.tasks, latestTask, runs)", { actionId: 1 }, "task_action"],
  ["an agent's tasks (filter, Agent.tasks)", { agentId: 1 }, "task_agent"],
  ["an implementation's tasks", { implementationId: 1 }, "task_implementation"],
  ["a caller's tasks (`myTasks`)", { callerId: 1 }, "task_caller"],
  ["a caller's tasks of an action", { callerId: 1, actionId: 1 }, "task_action"],
  ["a task's children (Task.children)", { parentId: 1 }, "task_parent"],
  ["a root's descendants", { rootId: 1 }, "task_root"],
  ["open tasks (isDone: false)", { isDone: false }, "task_open_org"],
  ["an agent's open tasks", { agentId: 1, isDone: false }, "task_open_agent"],
  ["an action's open tasks", { actionId: 1, isDone: false }, "task_open_org"],
  ["tasks in open states (state: [QUEUED, STARTED])", { states: ["QUEUED", "STARTED"] }, "task_open_org"],
  ["done tasks (isDone: true)", { isDone: true }, "task_org"],
  ["root tasks (rootIsnull)", { rootIsNull: true }, "task_org"],
  ["tasks of an args hash", { argsHash: "h" }, "task_args_key"],
  ["tasks by ids", { ids: [1, 2] }, "INTEGER PRIMARY KEY"],
  ["done tasks of one state (state: [FAILED])", { states: ["FAILED"] }, "task_done_state"],
  ["the organisation's tasks, last finished first (finishedAt / startedAt)", {}, "task_finished", [{ by: "finished", desc: true }]],
];

describe("issue 18: the task list queries are index-served (EXPLAIN QUERY PLAN, no statistics)", () => {
  for (const [name, filter, index, order] of SHAPES) {
    it(`issue 18: ${name} reads through ${index}, in index order`, () => {
      const plan = listPlan(filter, order);
      expect(plan).toContain(index);
      expect(plan).not.toMatch(/SCAN task\b/);
      expect(plan).not.toContain("TEMP B-TREE");
    });
  }

  it("issue 18: tasks by reference read through task_reference_key (the few with that reference are sorted)", () => {
    const plan = listPlan({ reference: "r" });
    expect(plan).toContain("task_reference_key");
    expect(plan).not.toMatch(/SCAN task\b/);
  });

  it("issue 18: every combination with a filter that has an index reads through that index, not through the organisation's tasks", () => {
    const fields: Array<Omit<TaskListFilter, "org">> = [
      { agentId: 1 },
      { actionId: 1 },
      { implementationId: 1 },
      { callerId: 1 },
      { parentId: 1 },
      { rootId: 1 },
      { isDone: false },
      { isDone: true },
      { reference: "r" },
      { argsHash: "h" },
      { states: ["FAILED"] },
      { createdAfter: 1 },
    ];
    // the filters no index serves: they narrow the organisation's tasks, read newest first
    const unindexed = (f: object) => Object.keys(f).every((k) => k === "states" || k === "createdAfter" || (k === "isDone" && Reflect.get(f, k) === true));
    let checked = 0;
    for (const a of fields) {
      for (const b of fields) {
        const filter = { ...a, ...b };
        const plan = listPlan(filter);
        expect(plan, JSON.stringify(filter)).not.toMatch(/SCAN task\b/);
        if (!unindexed(filter)) {
          expect(plan, JSON.stringify(filter)).not.toMatch(/INDEX task_org\b/);
          checked++;
        }
      }
    }
    expect(checked).toBeGreaterThan(100);
  });

  it("issue 18: one page of an organisation's agents (`agents`) reads through agent_org, in id order", () => {
    const { sql, params } = agentListQuery({ org: "lab" }, false, { limit: 20, offset: 0 });
    const plan = planOf(sql, params);
    expect(plan).toContain("agent_org");
    expect(plan).not.toContain("TEMP B-TREE");
  });

  it("issue 18: the hot-path task lookups and the foreign-key checks of deletes read through an index", () => {
    const lookups = [
      "SELECT * FROM task WHERE reference_key = ? AND caller_id = ? AND reference = ? ORDER BY id LIMIT 1",
      "SELECT * FROM task WHERE agent_id = ? AND is_done = 0 ORDER BY id",
      "SELECT * FROM task WHERE action_id = ? AND +org = ? ORDER BY id DESC LIMIT 1",
      "SELECT * FROM task_event WHERE task_id = ? AND kind IN ('CANCELLING', 'INTERRUPTING', 'PAUSING', 'RESUMING') ORDER BY id",
      "SELECT * FROM task WHERE agent_id = ? AND is_done = 0 AND assign_pending = 0 ORDER BY id",
      "SELECT DISTINCT agent_id FROM task WHERE is_done = 0 AND agent_id IS NOT NULL AND assign_pending = 0",
      "SELECT * FROM task WHERE agent_id = ? AND is_done = 0 AND assign_pending = 1 AND id > ? ORDER BY id LIMIT ?",
      "SELECT * FROM task WHERE root_id = ? AND is_done = 0 ORDER BY id",
      "UPDATE task SET agent_id = NULL WHERE agent_id = ?",
      "DELETE FROM task WHERE action_id = ?",
      "DELETE FROM task WHERE id = ?",
      "DELETE FROM implementation WHERE id = ?",
      "DELETE FROM agent WHERE id = ?",
    ];
    for (const sql of lookups) {
      const plan = planOf(sql, Array(sql.split("?").length - 1).fill(1));
      expect(plan, sql).not.toMatch(/SCAN (t|task)\b/);
    }
  });
});

describe("issue 18: the rewritten task list shapes answer the same tasks", () => {
  it("issue 18: state filters of open kinds, of one done kind and of both, with isDone, and the finishedAt order", () => {
    const agent = store.createAgent({ org: "lab", client_id: "c", user_sub: "u", iss: "i", username: "u", app: "a", release: "1", name: "a", kind: "WEBSOCKET", hook_url: null });
    const action = store.insertAction({ org: "lab", app: "a", key: "k", version: "1", hash: "h", name: "K", kind: "FUNCTION", description: null, stateful: 0, pure: 0, idempotent: 0, is_dev: 0, definition: "{}", defined_at: 1 });
    const caller = store.ensureCaller({ org: "lab", clientId: "c", sub: "u", iss: "i" });
    const task = (n: number) =>
      store.insertTask({ org: "lab", action_id: action.id, implementation_id: null, agent_id: agent.id, caller_id: caller.id, reference: `r${n}`, args: "{}", args_hash: "x", parent_id: null, root_id: null, capture: 0, ephemeral: 0, step: 0, created_at: n });
    const started = task(1);
    store.setTaskLatestEvent(started.id, "STARTED", 2);
    const failed = task(2);
    store.setTaskDone(failed.id, "FAILED", "boom", 50);
    const completed = task(3);
    store.setTaskDone(completed.id, "COMPLETED", null, 40);
    const queued = task(4);
    store.setTaskLatestEvent(queued.id, "QUEUED", 5);
    store.commit();
    const ids = (filter: Omit<TaskListFilter, "org">, order: TaskListOrder = []) => {
      const { sql, params } = taskListQuery({ org: "lab", ...filter }, order, { limit: -1, offset: 0 });
      return store.query<{ id: number }>(sql, params).map((t) => t.id);
    };
    expect(ids({ states: ["STARTED"] })).toEqual([started.id]);
    expect(ids({ states: ["STARTED", "QUEUED"] })).toEqual([queued.id, started.id]);
    expect(ids({ states: ["FAILED"] })).toEqual([failed.id]);
    expect(ids({ states: ["FAILED"], isDone: true })).toEqual([failed.id]);
    expect(ids({ states: ["FAILED"], isDone: false })).toEqual([]);
    expect(ids({ states: ["STARTED"], isDone: true })).toEqual([]);
    expect(ids({ states: ["FAILED", "STARTED"] })).toEqual([failed.id, started.id]);
    expect(ids({ isDone: false })).toEqual([queued.id, started.id]);
    expect(ids({ agentId: agent.id, isDone: false }, [{ by: "created", desc: false }])).toEqual([started.id, queued.id]);
    // newest finish first; never finished last
    expect(ids({}, [{ by: "finished", desc: true }]).slice(0, 2)).toEqual([failed.id, completed.id]);
  });
});
