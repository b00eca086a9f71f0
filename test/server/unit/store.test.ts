import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { MIGRATIONS } from "../../../src/server/store/migrations.js";
import { Store } from "../../../src/server/store/store.js";

const dirs: string[] = [];
function freshDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "arkitekt-store-"));
  dirs.push(dir);
  return dir;
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const identity = { org: "lab", clientId: "c1", sub: "1", iss: "static" };

function seed(store: Store) {
  const agent = store.createAgent({ org: "lab", client_id: "c1", user_sub: "1", iss: "static", username: "one", app: "app", release: "1", name: "agent", kind: "WEBSOCKET", hook_url: null });
  const action = store.insertAction({
    org: "lab", app: "app", key: "add", version: "1", hash: "h1", name: "Add", kind: "FUNCTION", description: null,
    stateful: 0, pure: 0, idempotent: 0, is_dev: 0, definition: JSON.stringify({ key: "add", args: [] }), defined_at: Date.now(),
  });
  const impl = store.insertImplementation({ agent_id: agent.id, action_id: action.id, interface: "add", params: null, effect: "NONE", needs_token: 1, dependencies: "[]", created_at: Date.now() });
  const caller = store.ensureCaller(identity);
  const task = store.insertTask({
    org: "lab", action_id: action.id, implementation_id: impl.id, agent_id: agent.id, caller_id: caller.id, reference: "r1",
    args: "{}", args_hash: "x", parent_id: null, root_id: null, capture: 0, ephemeral: 0, step: 0, created_at: Date.now(),
  });
  return { agent, action, impl, caller, task };
}

describe("Store", () => {
  it("applies every migration once and records the version", () => {
    const dir = freshDir();
    const store = new Store(dir);
    expect(store.db.pragma("user_version", { simple: true })).toBe(MIGRATIONS.length);
    expect(store.db.pragma("journal_mode", { simple: true })).toBe("wal");
    store.close();
    const again = new Store(dir);
    expect(again.db.pragma("user_version", { simple: true })).toBe(MIGRATIONS.length);
    again.close();
  });

  it("keeps agents, tasks, events and the outbox across a reopen", () => {
    const dir = freshDir();
    const store = new Store(dir);
    const { agent, task } = seed(store);
    const e1 = store.insertEvent(task.id, "STARTED", null, null, null, "INFO", Date.now());
    const e2 = store.insertEvent(task.id, "LOG", "hi", null, null, "WARN", Date.now());
    expect(e2.id).toBeGreaterThan(e1.id);
    store.enqueue(agent.id, task.id, "PAUSE", '{"type":"PAUSE"}', Date.now());
    store.close();

    const reopened = new Store(dir);
    expect(reopened.agentByIdentity(identity)?.id).toBe(agent.id);
    expect(reopened.eventsOfTask(task.id).map((e) => [e.kind, e.message, e.level])).toEqual([
      ["STARTED", null, "INFO"],
      ["LOG", "hi", "WARN"],
    ]);
    expect(reopened.outboxOf(agent.id).map((o) => o.kind)).toEqual(["PAUSE"]);
    // a new task's ASSIGN waits in its row (migration 16)
    expect(reopened.pendingAssignsOfAgent(agent.id, 0, 10).map((t) => t.id)).toEqual([task.id]);
    reopened.close();
  });

  it("counts a task with a pending ASSIGN as not in flight", () => {
    const store = new Store(freshDir());
    const { agent, task } = seed(store);
    expect(store.task(task.id)?.assign_pending).toBe(1);
    expect(store.inflightTasksOfAgent(agent.id)).toEqual([]);
    expect(store.openTasksOfAgent(agent.id).map((t) => t.id)).toEqual([task.id]);
    store.setAssignPending(task.id, false);
    expect(store.inflightTasksOfAgent(agent.id).map((t) => t.id)).toEqual([task.id]);
    expect(store.pendingAssignsOfAgent(agent.id, 0, 10)).toEqual([]);
    // re-queued: pending again, in the row the cache holds and in SQLite
    store.setAssignPending(task.id, true);
    expect(store.task(task.id)?.assign_pending).toBe(1);
    expect(store.pendingAssignsOfAgent(agent.id, 0, 10).map((t) => t.assign_pending)).toEqual([1]);
    expect(store.pendingAssignsOfAgent(agent.id, task.id, 10)).toEqual([]);
    store.close();
  });

  it("marks a task done once (deduplication) and fences stale lease renewals", () => {
    const store = new Store(freshDir());
    const { agent, task } = seed(store);
    expect(store.setTaskDone(task.id, "COMPLETED", null, Date.now())).toBe(true);
    expect(store.setTaskDone(task.id, "COMPLETED", null, Date.now())).toBe(false);
    expect(store.task(task.id)?.is_done).toBe(1);
    store.updateAgent(agent.id, { lease_epoch: 3 });
    expect(store.renewLease(agent.id, 3, Date.now())).toBe(true);
    expect(store.renewLease(agent.id, 2, Date.now())).toBe(false);
    store.close();
  });

  it("resets every agent after a restart and reports those with in-flight work", () => {
    const store = new Store(freshDir());
    const { agent } = seed(store);
    store.updateAgent(agent.id, { connected: 1, lease_epoch: 5, active_connection_id: "c" });
    // the seeded task's ASSIGN was never answered: not in flight
    expect(store.resetAgentsAfterRestart(Date.now())).toEqual([]);
    store.updateAgent(agent.id, { connected: 1, lease_epoch: 6, active_connection_id: "c" });
    store.setAssignPending(store.openTasksOfAgent(agent.id)[0]!.id, false);
    expect(store.resetAgentsAfterRestart(Date.now())).toEqual([agent.id]);
    const after = store.agent(agent.id)!;
    expect(after.connected).toBe(0);
    expect(after.lease_epoch).toBe(7);
    expect(after.active_connection_id).toBeNull();
    store.close();
  });

  it("keeps actions unique per org, app, key and version", () => {
    const store = new Store(freshDir());
    seed(store);
    expect(() =>
      store.insertAction({
        org: "lab", app: "app", key: "add", version: "1", hash: "h2", name: "Add", kind: "FUNCTION", description: null,
        stateful: 0, pure: 0, idempotent: 0, is_dev: 0, definition: "{}", defined_at: Date.now(),
      }),
    ).toThrow(/UNIQUE/);
    store.close();
  });
});
