/**
 * Issue 18: the store caches agent, caller and open-task rows and runs `transaction()` as prepared
 * savepoints. A cached row must equal the stored one after every write, and a failed operation
 * must leave none of its writes, in SQLite or in a cache.
 */
import { dirname } from "node:path";
import { describe, expect, it } from "vitest";
import { copyTask, OPEN_TASK_CACHE_LIMIT, OPEN_TASK_CACHE_MAX_ARGS, type Store } from "../../../src/server/store/store.js";
import { useTemporaryStores } from "../helpers/store.js";

const openStore = useTemporaryStores("arkitekt-store-caches-");

const identity = { org: "lab", clientId: "c1", sub: "1", iss: "static" };

function seed(store: Store) {
  const agent = store.createAgent({ org: "lab", client_id: "c1", user_sub: "1", iss: "static", username: "one", app: "app", release: "1", name: "agent", kind: "WEBSOCKET", hook_url: null });
  const action = store.insertAction({
    org: "lab", app: "app", key: "add", version: "1", hash: "h1", name: "Add", kind: "FUNCTION", description: null,
    stateful: 0, pure: 0, idempotent: 0, is_dev: 0, definition: JSON.stringify({ key: "add", args: [] }), defined_at: Date.now(),
  });
  const impl = store.insertImplementation({ agent_id: agent.id, action_id: action.id, interface: "add", params: null, effect: "NONE", needs_token: 1, dependencies: "[]", created_at: Date.now() });
  const caller = store.ensureCaller(identity);
  const newTask = (reference: string) =>
    store.insertTask({
      org: "lab", action_id: action.id, implementation_id: impl.id, agent_id: agent.id, caller_id: caller.id, reference,
      args: "{}", args_hash: "x", parent_id: null, root_id: null, capture: 0, ephemeral: 0, step: 0, created_at: Date.now(),
    });
  return { agent, action, impl, caller, task: newTask("r1"), newTask };
}

const stored = (store: Store, table: "agent" | "task" | "caller", id: number) => store.db.prepare(`SELECT * FROM ${table} WHERE id = ?`).get(id);

describe("Store row caches (issue 18)", () => {
  it("issue 18: a cached agent row follows every agent write (update, lease renewal, restart reset, delete)", () => {
    const store = openStore();
    const { agent } = seed(store);
    expect(store.agent(agent.id)).toEqual(stored(store, "agent", agent.id));
    store.updateAgent(agent.id, { blocked: 1, name: "renamed", lease_epoch: 3, connected: 1, last_seen: 5 });
    expect(store.agent(agent.id)).toMatchObject({ blocked: 1, name: "renamed", lease_epoch: 3 });
    expect(store.agent(agent.id)).toEqual(stored(store, "agent", agent.id));
    expect(store.renewLease(agent.id, 3, 1234)).toBe(true);
    expect(store.agent(agent.id)?.last_seen).toBe(1234);
    expect(store.renewLease(agent.id, 2, 9999)).toBe(false);
    expect(store.agent(agent.id)?.last_seen).toBe(1234);
    store.commit();
    store.resetAgentsAfterRestart(777);
    expect(store.agent(agent.id)).toMatchObject({ connected: 0, lease_epoch: 4, last_seen: 777, active_connection_id: null });
    expect(store.agent(agent.id)).toEqual(stored(store, "agent", agent.id));
    store.deleteAgent(agent.id);
    expect(store.agent(agent.id)).toBeUndefined();
  });

  it("issue 18: cached rows cannot be changed by a reader (they are frozen)", () => {
    const store = openStore();
    const { agent, caller, task } = seed(store);
    expect(() => {
      (store.agent(agent.id) as { blocked: number }).blocked = 1;
    }).toThrow(TypeError);
    expect(() => {
      (store.task(task.id) as { is_done: number }).is_done = 1;
    }).toThrow(TypeError);
    expect(() => {
      (store.caller(caller.id) as { org: string }).org = "other";
    }).toThrow(TypeError);
    expect(store.agent(agent.id)?.blocked).toBe(0);
  });

  it("issue 18: a cached open task row follows its updates and its implementation's or agent's deletion", () => {
    const store = openStore();
    const { agent, impl, task, newTask } = seed(store);
    expect(store.task(task.id)).toEqual(stored(store, "task", task.id));
    store.setTaskLatestEvent(task.id, "PAUSED", 10);
    store.setTaskInstruct(task.id, "PAUSE", 11);
    expect(store.task(task.id)).toMatchObject({ latest_event_kind: "PAUSED", latest_instruct_kind: "PAUSE", updated_at: 11 });
    expect(store.task(task.id)).toEqual(stored(store, "task", task.id));
    expect(store.setTaskDone(task.id, "FAILED", "boom", 12)).toBe(true);
    expect(store.task(task.id)).toMatchObject({ is_done: 1, latest_event_kind: "FAILED", status_message: "boom", finished_at: 12 });
    expect(store.task(task.id)).toEqual(stored(store, "task", task.id));

    const open = newTask("r2");
    store.deleteImplementation(impl.id);
    expect(store.task(open.id)?.implementation_id).toBeNull();
    expect(store.task(open.id)).toEqual(stored(store, "task", open.id));
    store.deleteAgent(agent.id);
    expect(store.task(open.id)?.agent_id).toBeNull();
    expect(store.task(open.id)).toEqual(stored(store, "task", open.id));
  });

  it("issue 18: a rolled-back operation leaves none of its writes, in SQLite or in the caches, and the batch keeps the others", () => {
    const store = openStore();
    const { agent, task, newTask } = seed(store);
    store.commit();
    const stranger = { org: "other", clientId: "x", sub: "2", iss: "static" };
    let inner = 0;
    store.transaction(() => {
      store.setTaskLatestEvent(task.id, "PAUSED", 20);
      expect(() =>
        store.transaction(() => {
          store.updateAgent(agent.id, { blocked: 1 });
          inner = newTask("lost").id;
          store.ensureCaller(stranger);
          store.setTaskDone(task.id, "FAILED", "no", 21);
          throw new Error("the operation fails half way");
        }),
      ).toThrow("half way");
    });
    // the inner operation is gone entirely; the outer one's write stays
    expect(store.agent(agent.id)?.blocked).toBe(0);
    expect(store.task(inner)).toBeUndefined();
    expect(store.findCaller(stranger)).toBeUndefined();
    expect(store.task(task.id)).toMatchObject({ is_done: 0, latest_event_kind: "PAUSED" });
    store.commit();
    expect(stored(store, "task", task.id)).toMatchObject({ is_done: 0, latest_event_kind: "PAUSED" });
    expect(stored(store, "agent", agent.id)).toMatchObject({ blocked: 0 });
    // an id SQLite hands out again after the rollback belongs to the new row, not to a cached ghost
    const again = newTask("again");
    expect(store.task(again.id)).toEqual(stored(store, "task", again.id));
    const caller = store.ensureCaller(stranger);
    expect(stored(store, "caller", caller.id)).toEqual(caller);
  });

  it("issue 18: the open-task cache stays bounded: large args are not held, and past the limit the oldest open task goes", () => {
    const store = openStore();
    const { task, newTask } = seed(store);
    const held = () => (store as unknown as { openTasks: Map<number, unknown> }).openTasks;
    const big = store.insertTask({ ...task, reference: "big", args: JSON.stringify({ x: "a".repeat(OPEN_TASK_CACHE_MAX_ARGS) }) });
    expect(held().has(big.id)).toBe(false);
    expect(store.task(big.id)).toEqual(stored(store, "task", big.id));
    for (let i = 0; i < OPEN_TASK_CACHE_LIMIT + 5; i++) newTask(`bulk-${i}`);
    expect(held().size).toBe(OPEN_TASK_CACHE_LIMIT);
    expect(held().has(task.id)).toBe(false);
    expect(store.task(task.id)).toEqual(stored(store, "task", task.id));
  });

  it("issue 18: callers are cached per identity and two identities never share a caller row", () => {
    const store = openStore();
    const a = { org: 'a"b', clientId: "c", sub: "s", iss: "i" };
    const b = { org: "a", clientId: 'b"c', sub: "s", iss: "i" };
    const ca = store.ensureCaller(a);
    const cb = store.ensureCaller(b);
    expect(ca.id).not.toBe(cb.id);
    expect(store.ensureCaller(a)).toEqual(ca);
    expect(store.ensureCaller({ ...b })).toEqual(cb);
    expect(store.caller(ca.id)).toEqual(stored(store, "caller", ca.id));
  });

  it("issue 18: the outbox count of a task skips only the DELETEs that would find nothing", () => {
    const store = openStore();
    const { agent, task } = seed(store);
    const rows = () => (store.db.prepare("SELECT kind FROM outbox WHERE task_id = ? ORDER BY id").all(task.id) as Array<{ kind: string }>).map((r) => r.kind);
    const paused = store.enqueue(agent.id, task.id, "PAUSE", "{}", 1);
    store.enqueue(agent.id, task.id, "RESUME", "{}", 1);
    expect(store.deleteOutboxOfTask(task.id, "RESUME")).toBe(1);
    expect(store.deleteOutboxOfTask(task.id, "RESUME")).toBe(0);
    expect(rows()).toEqual(["PAUSE"]);
    // the kept PAUSE is still deleted by the end of the task, and after it nothing is left to skip wrongly
    store.deleteOutbox(paused);
    expect(rows()).toEqual([]);
    store.enqueue(agent.id, task.id, "CANCEL", "{}", 1);
    expect(store.deleteOutboxOfTask(task.id)).toBe(1);
    expect(store.deleteOutboxOfTask(task.id)).toBe(0);
    store.enqueue(agent.id, task.id, "INTERRUPT", "{}", 1);
    expect(store.deleteOutboxOfTask(task.id)).toBe(1);
    expect(rows()).toEqual([]);
  });

  it("issue 18: a rolled-back DELETE of an outbox entry is seen again (the count is forgotten with the rollback)", () => {
    const store = openStore();
    const { agent, task } = seed(store);
    const pending = () => store.db.prepare("SELECT count(*) AS n FROM outbox WHERE task_id = ? AND kind = 'PAUSE'").get(task.id) as { n: number };
    store.enqueue(agent.id, task.id, "PAUSE", "{}", 1);
    store.commit();
    expect(() =>
      store.transaction(() => {
        store.deleteOutboxOfTask(task.id, "PAUSE");
        throw new Error("the operation fails after its delete");
      }),
    ).toThrow("the operation fails");
    expect(pending().n).toBe(1);
    expect(store.deleteOutboxOfTask(task.id, "PAUSE")).toBe(1);
    expect(pending().n).toBe(0);
  });

  it("fifth round: a task row made in memory (insertTask, copyTask) has the table's columns, in their order, with the stored values", () => {
    const store = openStore();
    const { task } = seed(store);
    store.setTaskLatestEvent(task.id, "QUEUED", 7);
    const columns = (store.db.prepare("PRAGMA table_info(task)").all() as Array<{ name: string }>).map((c) => c.name);
    const row = stored(store, "task", task.id) as Record<string, unknown>;
    expect(Object.keys(row)).toEqual(columns);
    expect(Object.keys(task)).toEqual(columns);
    expect(Object.keys(copyTask(task))).toEqual(columns);
    expect(store.task(task.id)).toEqual(row);
    expect(Object.isFrozen(store.task(task.id))).toBe(true);
  });

  it("fifth round: an agent's outbox is asked again only after an entry of its own was written (or a rollback)", () => {
    const store = openStore();
    const { agent, task } = seed(store);
    const asked = () => {
      let count = 0;
      const statement = (store as unknown as { s: { outboxOfAgentAfter: { all: (...a: unknown[]) => unknown[] } } }).s.outboxOfAgentAfter;
      const all = statement.all.bind(statement);
      statement.all = (...a: unknown[]) => {
        count++;
        return all(...a);
      };
      return () => count;
    };
    const count = asked();
    expect(store.outboxOfAfter(agent.id, 0)).toEqual([]);
    expect(store.outboxOfAfter(agent.id, 0)).toEqual([]);
    expect(count()).toBe(1);
    const paused = store.enqueue(agent.id, task.id, "PAUSE", "{}", 1);
    expect(store.outboxOfAfter(agent.id, 0).map((e) => e.id)).toEqual([paused.id]);
    expect(store.outboxOfAfter(agent.id, paused.id)).toEqual([]);
    expect(count()).toBe(2);
    expect(() =>
      store.transaction(() => {
        store.enqueue(agent.id, task.id, "RESUME", "{}", 1);
        throw new Error("the control fails after its entry");
      }),
    ).toThrow("the control fails");
    expect(store.outboxOfAfter(agent.id, paused.id)).toEqual([]);
    expect(count()).toBe(3);
  });

  it("fifth round: a rolled-back answer of an ASSIGN leaves it pending in the cached row and in SQLite", () => {
    const store = openStore();
    const { task } = seed(store);
    store.commit();
    expect(() =>
      store.transaction(() => {
        store.setAssignPending(task.id, false);
        throw new Error("the report fails after its answer");
      }),
    ).toThrow("the report fails");
    expect(store.task(task.id)?.assign_pending).toBe(1);
    expect((store.db.prepare("SELECT assign_pending FROM task WHERE id = ?").get(task.id) as { assign_pending: number }).assign_pending).toBe(1);
  });

  it("issue 18: a task written by an earlier process has its outbox entries deleted (no count: SQLite is asked)", () => {
    const store = openStore();
    const { agent, task } = seed(store);
    store.enqueue(agent.id, task.id, "PAUSE", "{}", 1);
    store.commit();
    store.close();
    const again = openStore(dirname(store.path));
    expect(again.deleteOutboxOfTask(task.id, "PAUSE")).toBe(1);
    expect(again.deleteOutboxOfTask(task.id)).toBe(0);
  });
});
