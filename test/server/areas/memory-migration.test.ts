/**
 * The memory area's migration upgrades an existing data dir: a store written before the areas
 * (`PRAGMA user_version = 3`, with an agent of T1 and one of organisation "elsewhere") is opened by
 * the current server; the old agents keep working, get their shelve lazily or through ensureAgent,
 * and the new tables are scoped like every other.
 */
import Database from "better-sqlite3";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { MIGRATIONS } from "../../../src/server/store/migrations.js";
import { STORE_FILE } from "../../../src/server/store/store.js";
import { startServer, type ServerHandle } from "../../../src/server/index.js";
import { graphqlData, graphqlRequest } from "../helpers/graphql.js";
import { TOKENS, T1, T3, claimsOf } from "../helpers/tokens.js";

const AGENT_SHELVE = "query ($id: ID!) { agent(id: $id) { name memoryShelve { id drawers { id } } } }";
const SHELVE = "mutation ($input: ShelveInMemoryDrawerInput!) { shelveInMemoryDrawer(input: $input) { id shelve { id agent { id } } } }";

/** A data dir as a server of migration 3 left it: the initial tables, media, and two agents. */
async function oldDataDir(): Promise<{ dir: string; labAgent: number; otherAgent: number }> {
  const dir = await mkdtemp(join(tmpdir(), "arkitekt-memory-migration-"));
  const db = new Database(join(dir, STORE_FILE));
  for (const migration of MIGRATIONS.slice(0, 3)) db.exec(migration);
  db.pragma("user_version = 3");
  const insert = db.prepare(
    "INSERT INTO agent (org, client_id, user_sub, iss, app, release, name, created_at) VALUES (?, ?, ?, 'static_issuer', ?, ?, ?, ?)",
  );
  const agentOf = (token: string, name: string) => {
    const c = claimsOf(token);
    return Number(insert.run(c.active_org, c.client_id, c.sub, c.client_app, c.client_release, name, Date.now()).lastInsertRowid);
  };
  const labAgent = agentOf(T1, "old lab agent");
  const otherAgent = agentOf(T3, "old elsewhere agent");
  db.close();
  return { dir, labAgent, otherAgent };
}

describe("issue 15: the memory migration", () => {
  let handle: ServerHandle | undefined;
  let dir: string | undefined;
  afterEach(async () => {
    await handle?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
    handle = undefined;
    dir = undefined;
  });

  it("issue 15: a data dir of user_version 3 with agents upgrades; the old agents shelve, and ensureAgent gives them a shelve", async () => {
    const old = await oldDataDir();
    dir = old.dir;
    handle = await startServer({ host: "127.0.0.1", port: 0, dataDir: dir, tokens: TOKENS });
    const url = handle.graphqlUrl;
    const gql = <T>(token: string, query: string, variables: Record<string, unknown>) => graphqlData<T>(url, token, query, variables);

    // the old agent is there, with no shelve yet
    expect(await gql(T1, AGENT_SHELVE, { id: String(old.labAgent) })).toEqual({ agent: { name: "old lab agent", memoryShelve: null } });
    // shelving on it makes the shelve
    const drawer = await gql<{ shelveInMemoryDrawer: { id: string; shelve: { id: string; agent: { id: string } } } }>(T1, SHELVE, {
      input: { identifier: "x", resourceId: "r" },
    });
    expect(drawer.shelveInMemoryDrawer.shelve.agent.id).toBe(String(old.labAgent));
    expect(await gql(T1, AGENT_SHELVE, { id: String(old.labAgent) })).toEqual({
      agent: { name: "old lab agent", memoryShelve: { id: drawer.shelveInMemoryDrawer.shelve.id, drawers: [{ id: drawer.shelveInMemoryDrawer.id }] } },
    });
    // ensureAgent on the other organisation's old agent makes its (empty) shelve, invisible to lab
    await gql(T3, "mutation { ensureAgent(input: {}) { id } }", {});
    const theirs = await gql<{ agent: { memoryShelve: { id: string; drawers: unknown[] } } }>(T3, AGENT_SHELVE, { id: String(old.otherAgent) });
    expect(theirs.agent.memoryShelve.drawers).toEqual([]);
    const fromLab = await graphqlRequest(url, T1, "query ($id: ID!) { memoryShelve(id: $id) { id } }", { id: theirs.agent.memoryShelve.id });
    expect(fromLab.errors?.[0]?.extensions?.code).toBe("NOT_FOUND");

    await handle.close();
    handle = undefined;
    const db = new Database(join(dir, STORE_FILE), { readonly: true });
    try {
      expect(db.pragma("user_version", { simple: true })).toBe(MIGRATIONS.length);
      expect(db.prepare("SELECT org, agent_id FROM memory_shelve ORDER BY id").all()).toEqual([
        { org: "lab", agent_id: old.labAgent },
        { org: "elsewhere", agent_id: old.otherAgent },
      ]);
    } finally {
      db.close();
    }
  });
});
