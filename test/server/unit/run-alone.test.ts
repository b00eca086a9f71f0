/**
 * Issue 18: the store keeps SQLite's statement journals in memory (`temp_store = MEMORY`), which is
 * safe only while no statement inside the group batch changes an unbounded number of rows. Those
 * statements (an agent's tasks, an implementation's tasks, an action's tasks and events) run alone,
 * in autocommit, through `Store.runAlone`. A temporary trigger calls a probe for every task row they
 * change, which records whether an explicit transaction was open at that moment.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { AgentsRecords } from "../../../src/server/areas/agents/records.js";
import type { Store } from "../../../src/server/store/store.js";
import { useTemporaryStores } from "../helpers/store.js";

const openStore = useTemporaryStores("arkitekt-run-alone-");

function seed(store: Store, tasks: number) {
  const agent = store.createAgent({ org: "lab", client_id: "c1", user_sub: "1", iss: "static", username: "one", app: "app", release: "1", name: "agent", kind: "WEBSOCKET", hook_url: null });
  const action = store.insertAction({
    org: "lab", app: "app", key: "add", version: "1", hash: "h1", name: "Add", kind: "FUNCTION", description: null,
    stateful: 0, pure: 0, idempotent: 0, is_dev: 0, definition: JSON.stringify({ key: "add", args: [] }), defined_at: Date.now(),
  });
  const impl = store.insertImplementation({ agent_id: agent.id, action_id: action.id, interface: "add", params: null, effect: "NONE", needs_token: 1, dependencies: "[]", created_at: Date.now() });
  const caller = store.ensureCaller({ org: "lab", clientId: "c1", sub: "1", iss: "static" });
  const ids: number[] = [];
  for (let i = 0; i < tasks; i++) {
    const task = store.insertTask({
      org: "lab", action_id: action.id, implementation_id: impl.id, agent_id: agent.id, caller_id: caller.id, reference: `r${i}`,
      args: "{}", args_hash: "x", parent_id: null, root_id: null, capture: 0, ephemeral: 0, step: 0, created_at: Date.now(),
    });
    store.insertEvent(task.id, "YIELD", null, null, "[]", "INFO", Date.now());
    ids.push(task.id);
  }
  return { agent, action, impl, ids };
}

/** Records, for every task row changed or deleted from now on, whether an explicit transaction was open. */
function probeTaskWrites(store: Store): boolean[] {
  const seen: boolean[] = [];
  store.db.function("probe_open_transaction", () => {
    seen.push(store.db.inTransaction);
    return null;
  });
  store.db.exec(`
    CREATE TEMP TRIGGER probe_update AFTER UPDATE ON main.task BEGIN SELECT probe_open_transaction(); END;
    CREATE TEMP TRIGGER probe_delete AFTER DELETE ON main.task BEGIN SELECT probe_open_transaction(); END;
  `);
  return seen;
}

const count = (store: Store, sql: string, ...params: unknown[]) => (store.db.prepare(sql).get(...params) as { n: number }).n;

describe("statements that change any number of rows run alone (issue 18)", () => {
  it("issue 18: the store keeps statement journals in memory, on a new file, an upgraded one and one opened again", () => {
    const dir = mkdtempSync(join(tmpdir(), "arkitekt-run-alone-"));
    const created = openStore(dir);
    expect(created.db.pragma("temp_store", { simple: true })).toBe(2);
    created.close();
    const again = openStore(dir);
    expect(again.db.pragma("temp_store", { simple: true })).toBe(2);
    expect(again.db.pragma("locking_mode", { simple: true })).toBe("exclusive");
  });

  it("issue 18: deleting an agent detaches its tasks with no transaction open, after committing what waited, and keeps every task and event", () => {
    const store = openStore();
    const { agent, ids } = seed(store, 40);
    let committed = false;
    store.afterCommit(() => {
      committed = true;
    });
    const seen = probeTaskWrites(store);
    store.deleteAgent(agent.id);
    expect(committed).toBe(true);
    // one row change per task and statement: implementation_id, then agent_id
    expect(seen).toHaveLength(80);
    expect(seen.every((open) => open === false)).toBe(true);
    expect(count(store, "SELECT COUNT(*) AS n FROM task WHERE agent_id IS NULL AND implementation_id IS NULL")).toBe(ids.length);
    expect(count(store, "SELECT COUNT(*) AS n FROM task_event")).toBe(ids.length);
    expect(count(store, "SELECT COUNT(*) AS n FROM agent WHERE id = ?", agent.id)).toBe(0);
    expect(count(store, "SELECT COUNT(*) AS n FROM implementation")).toBe(0);
  });

  it("issue 18: an implementation's tasks are detached alone, so its delete inside a transaction changes no task", () => {
    const store = openStore();
    const { impl, ids } = seed(store, 25);
    const seen = probeTaskWrites(store);
    store.detachTasksOfImplementation(impl.id);
    expect(seen).toHaveLength(ids.length);
    expect(seen.every((open) => open === false)).toBe(true);
    store.transaction(() => store.deleteImplementation(impl.id));
    expect(seen).toHaveLength(ids.length);
    expect(count(store, "SELECT COUNT(*) AS n FROM task WHERE implementation_id IS NULL AND agent_id IS NOT NULL")).toBe(ids.length);
  });

  it("issue 18: cleanupActions deletes an action's tasks alone, and keeps an action whose tasks another task still references", () => {
    const store = openStore();
    const { impl, action, ids } = seed(store, 30);
    // a second action whose one task is a child of the first action's first task: the first cannot go
    const { id: _id, ...fields } = action;
    const other = store.insertAction({ ...fields, key: "other", hash: "h2" });
    const child = store.insertTask({
      org: "lab", action_id: other.id, implementation_id: null, agent_id: null, caller_id: store.ensureCaller({ org: "lab", clientId: "c1", sub: "1", iss: "static" }).id,
      reference: "child", args: "{}", args_hash: "y", parent_id: ids[0]!, root_id: ids[0]!, capture: 0, ephemeral: 0, step: 0, created_at: Date.now(),
    });
    store.detachTasksOfImplementation(impl.id);
    store.transaction(() => store.deleteImplementation(impl.id));
    const seen = probeTaskWrites(store);
    const deleted = new AgentsRecords(store).deleteUnreferencedActions("lab", null);
    expect(deleted).toEqual([other.id]);
    expect(seen.length).toBeGreaterThan(0);
    expect(seen.every((open) => open === false)).toBe(true);
    // the first action's delete failed on the foreign key and undid itself; the other's task went
    expect(count(store, "SELECT COUNT(*) AS n FROM task")).toBe(ids.length);
    expect(count(store, "SELECT COUNT(*) AS n FROM task WHERE id = ?", child.id)).toBe(0);
    expect(count(store, "SELECT COUNT(*) AS n FROM task_event")).toBe(ids.length);
    expect(count(store, "SELECT COUNT(*) AS n FROM action WHERE id = ?", action.id)).toBe(1);
    // with the child gone, the next cleanup takes the first action, its tasks and their events
    expect(new AgentsRecords(store).deleteUnreferencedActions("lab", null)).toEqual([action.id]);
    expect(count(store, "SELECT COUNT(*) AS n FROM task_event")).toBe(0);
    expect(seen.every((open) => open === false)).toBe(true);
  });

  it("issue 18: runAlone refuses to run inside a transaction, and the transaction's writes are undone", () => {
    const store = openStore();
    const { ids } = seed(store, 3);
    store.commit();
    expect(() =>
      store.transaction(() => {
        store.setTaskLatestEvent(ids[0]!, "YIELD", 1);
        store.runAlone("DELETE FROM task WHERE id = ?", ids[1]);
      }),
    ).toThrow(/runAlone called inside a transaction/);
    expect(count(store, "SELECT COUNT(*) AS n FROM task")).toBe(3);
    expect(count(store, "SELECT COUNT(*) AS n FROM task WHERE latest_event_kind = 'YIELD'")).toBe(0);
    // a transaction the store did not open is never committed behind its owner's back
    store.commit();
    store.db.exec("BEGIN");
    expect(() => store.runAlone("DELETE FROM task WHERE id = ?", ids[1])).toThrow(/not the store's batch/);
    store.db.exec("ROLLBACK");
    expect(count(store, "SELECT COUNT(*) AS n FROM task")).toBe(3);
  });
});
