/** Issue 18: `agents` reads one page of the organisation's agents in SQL (store/agent-list.ts), with the core's AgentFilter. */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { Store, type AgentRow } from "../../../src/server/store/store.js";
import { agentListQuery, type AgentListFilter } from "../../../src/server/store/agent-list.js";

const dir = mkdtempSync(join(tmpdir(), "arkitekt-agent-list-"));
const store = new Store(dir);
afterAll(() => {
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

const made: AgentRow[] = [];
for (const [org, client, user, app, name, lastSeen] of [
  ["lab", "c1", "u1", "app-a", "Microscope One", 30],
  ["lab", "c2", "u2", "app-b", "microscope two", null],
  ["lab", "c3", "u1", "app-a", "Stage", 50],
  ["elsewhere", "c1", "u1", "app-a", "Microscope Elsewhere", 99],
] as const) {
  const agent = store.createAgent({ org, client_id: client, user_sub: user, iss: "i", username: user, app, release: "1", name, kind: "WEBSOCKET", hook_url: null });
  if (lastSeen !== null) store.updateAgent(agent.id, { last_seen: lastSeen });
  made.push(agent);
}
const [one, two, stage, other] = made as [AgentRow, AgentRow, AgentRow, AgentRow];
const action = store.insertAction({ org: "lab", app: "app-a", key: "k", version: "1", hash: "h", name: "K", kind: "FUNCTION", description: null, stateful: 0, pure: 0, idempotent: 0, is_dev: 0, definition: "{}", defined_at: 1 });
for (const [agent, iface] of [[one, "add"], [one, "mul"], [stage, "add"]] as const) {
  store.insertImplementation({ agent_id: agent.id, action_id: action.id, interface: iface, params: null, effect: "NONE", needs_token: 1, dependencies: "[]", created_at: 1 });
}
store.db.prepare("INSERT INTO agent_pin (agent_id, org, user_sub, iss, created_at) VALUES (?, 'lab', 'viewer', 'i', 1)").run(two.id);
store.commit();

const ids = (filter: Omit<AgentListFilter, "org">, byLastSeen = false, limit = -1, offset = 0) => {
  const { sql, params } = agentListQuery({ org: "lab", ...filter }, byLastSeen, { limit, offset });
  return store.query<AgentRow>(sql, params).map((a) => a.id);
};

describe("issue 18: agents lists in SQL", () => {
  it("issue 18: agents lists the organisation's agents by id, one page at a time", () => {
    expect(ids({})).toEqual([one.id, two.id, stage.id]);
    expect(ids({}, false, 1, 1)).toEqual([two.id]);
    expect(ids({})).not.toContain(other.id);
  });

  it("issue 18: agents ordered by lastSeen come newest heartbeat first, never seen last", () => {
    expect(ids({}, true)).toEqual([stage.id, one.id, two.id]);
  });

  it("issue 18: agents filters by ids, clientId, search (any case), appIdentifier and user", () => {
    expect(ids({ ids: [two.id, other.id] })).toEqual([two.id]);
    expect(ids({ ids: [] })).toEqual([]);
    expect(ids({ clientId: "c3" })).toEqual([stage.id]);
    expect(ids({ search: "MICROSCOPE" })).toEqual([one.id, two.id]);
    expect(ids({ app: "app-a" })).toEqual([one.id, stage.id]);
    expect(ids({ userSub: "u1" })).toEqual([one.id, stage.id]);
  });

  it("issue 18: agents filters by the viewer's own pin and by implemented interfaces (all of them)", () => {
    expect(ids({ pinned: { value: true, sub: "viewer", iss: "i" } })).toEqual([two.id]);
    expect(ids({ pinned: { value: false, sub: "viewer", iss: "i" } })).toEqual([one.id, stage.id]);
    expect(ids({ pinned: { value: true, sub: "someone else", iss: "i" } })).toEqual([]);
    expect(ids({ hasImplementations: ["add"] })).toEqual([one.id, stage.id]);
    expect(ids({ hasImplementations: ["add", "mul"] })).toEqual([one.id]);
    expect(ids({ hasImplementations: [] })).toEqual([one.id, two.id, stage.id]);
  });
});
