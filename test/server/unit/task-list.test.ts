/** Issue 15 item 4: task lists are SQL of the store, built from a typed filter (store/task-list.ts). */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { Store } from "../../../src/server/store/store.js";
import { taskListFilter } from "../../../src/server/graphql/core/scope.js";

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function seeded(): { store: Store; agents: number[] } {
  const dir = mkdtempSync(join(tmpdir(), "arkitekt-task-list-"));
  dirs.push(dir);
  const store = new Store(dir);
  const agents: number[] = [];
  for (const org of ["lab", "lab", "elsewhere"]) {
    const agent = store.createAgent({ org, client_id: `c${agents.length}`, user_sub: "u", iss: "i", username: "u", app: "app", release: "1", name: "a", kind: "WEBSOCKET", hook_url: null });
    agents.push(agent.id);
    const action = store.insertAction({ org, app: "app", key: `k${agent.id}`, version: "1", hash: `h${agent.id}`, name: "K", kind: "FUNCTION", description: null, stateful: 0, pure: 0, idempotent: 0, is_dev: 0, definition: "{}", defined_at: 1 });
    const impl = store.insertImplementation({ agent_id: agent.id, action_id: action.id, interface: "k", params: null, effect: "NONE", needs_token: 1, dependencies: "[]", created_at: 1 });
    const caller = store.ensureCaller({ org, clientId: "c", sub: "u", iss: "i" });
    for (let n = 0; n < 2; n++) {
      store.insertTask({ org, action_id: action.id, implementation_id: impl.id, agent_id: agent.id, caller_id: caller.id, reference: `r${agent.id}-${n}`, args: "{}", args_hash: "x", parent_id: null, root_id: null, capture: 0, ephemeral: 0, step: 0, created_at: n + 1 });
    }
  }
  store.commit();
  return { store, agents };
}

describe("store.tasksMatching (issue 15: no query text in the GraphQL layer)", () => {
  it("issue 15: filters by organisation and the given columns, newest first, one page", () => {
    const { store, agents } = seeded();
    const all = store.tasksMatching({ org: "lab" }, [], { limit: -1, offset: 0 });
    expect(all.map((t) => t.org)).toEqual(["lab", "lab", "lab", "lab"]);
    expect(all.map((t) => t.id)).toEqual([...all.map((t) => t.id)].sort((a, b) => b - a));
    const ofAgent = store.tasksMatching({ org: "lab", agentId: agents[1]! }, [{ by: "created", desc: false }], { limit: 1, offset: 1 });
    expect(ofAgent.map((t) => t.reference)).toEqual([`r${agents[1]}-1`]);
    // another organisation's agent: nothing, even by its id
    expect(store.tasksMatching({ org: "lab", agentId: agents[2]! }, [], { limit: -1, offset: 0 })).toEqual([]);
    store.close();
  });

  it("issue 15: a TaskFilter naming something that is no id, or contradicting the parent's condition, matches nothing", () => {
    expect(taskListFilter("lab", { agent: " 1" })).toBeNull();
    expect(taskListFilter("lab", { agent: "2" }, { agentId: 1 })).toBeNull();
    expect(taskListFilter("lab", { agent: "1", isDone: true }, { agentId: 1 })).toEqual({ org: "lab", agentId: 1, isDone: true });
    expect(taskListFilter("lab", { createdAfter: "1970-01-01T00:00:00.005Z", state: ["COMPLETED"] })).toEqual({ org: "lab", createdAfter: 5, states: ["COMPLETED"] });
  });
});
