/**
 * Issue 15, dependencies area: a data dir written before migration 7 (user_version 3, declarations
 * kept as the implementation's JSON column) upgrades: the declarations become dependency rows and
 * the new tables serve resolutions.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { describe, expect, it } from "vitest";
import { startServer } from "../../../src/server/index.js";
import { MIGRATIONS } from "../../../src/server/store/migrations.js";
import { STORE_FILE } from "../../../src/server/store/store.js";
import { graphqlData } from "../helpers/graphql.js";
import { TEST_TIMING } from "../helpers/server.js";
import { T1, TOKENS } from "../helpers/tokens.js";

/** A store as a server before the areas left it: migrations 1-3, one implementation with declared dependencies. */
function oldStore(dir: string): { impl: number; bare: number } {
  const db = new Database(join(dir, STORE_FILE));
  for (const sql of MIGRATIONS.slice(0, 3)) db.exec(sql);
  db.pragma("user_version = 3");
  const now = Date.now();
  const agent = db
    .prepare("INSERT INTO agent (org, client_id, user_sub, iss, app, release, name, created_at) VALUES ('lab', 'client-one', '1', 'static', 'app-one', '1.0.0', 'old agent', ?)")
    .run(now).lastInsertRowid;
  const action = db
    .prepare("INSERT INTO action (org, app, key, version, hash, name, kind, definition, defined_at) VALUES ('lab', 'app-one', 'pipeline', '1', 'h', 'Pipeline', 'FUNCTION', '{\"args\":[],\"returns\":[]}', ?)")
    .run(now).lastInsertRowid;
  const declared = [
    { key: "seg", app: "app-two", optional: true, autoResolvable: true, maxViableInstances: 1, actionDependencies: [{ key: "run", demand: { key: "ping" } }] },
    "not a declaration",
    { app: "no-key" },
  ];
  const insert = db.prepare("INSERT INTO implementation (agent_id, action_id, interface, dependencies, created_at) VALUES (?, ?, ?, ?, ?)");
  const impl = Number(insert.run(agent, action, "pipeline", JSON.stringify(declared), now).lastInsertRowid);
  const bare = Number(insert.run(agent, action, "broken", "not json", now).lastInsertRowid);
  db.close();
  return { impl, bare };
}

describe("issue 15: dependencies migration", () => {
  it("issue 15: a data dir from before the dependencies area upgrades: declared dependencies become rows, resolutions can be stored", async () => {
    const dir = await mkdtemp(join(tmpdir(), "arkitekt-deps-migration-"));
    const { impl, bare } = oldStore(dir);
    const handle = await startServer({ host: "127.0.0.1", port: 0, tokens: TOKENS, ...TEST_TIMING, dataDir: dir });
    try {
      const query = `query ($id: ID!) { implementation(id: $id) { dependencies { key optional autoResolvable appFilter maxViableInstances singular actionDependencies { key demand { key } } } } }`;
      const data = await graphqlData<{ implementation: { dependencies: unknown[] } }>(handle.graphqlUrl, T1, query, { id: String(impl) });
      expect(data.implementation.dependencies).toEqual([
        { key: "seg", optional: true, autoResolvable: true, appFilter: "app-two", maxViableInstances: 1, singular: true, actionDependencies: [{ key: "run", demand: { key: "ping" } }] },
        // an entry without a key keeps its place under a generated one
        { key: "dependency2", optional: false, autoResolvable: false, appFilter: "no-key", maxViableInstances: null, singular: false, actionDependencies: [] },
      ]);
      const broken = await graphqlData<{ implementation: { dependencies: unknown[] } }>(handle.graphqlUrl, T1, query, { id: String(bare) });
      expect(broken.implementation.dependencies).toEqual([]);
      const created = await graphqlData<{ createResolution: { name: string; resolvedDependencies: unknown[] } }>(
        handle.graphqlUrl,
        T1,
        `mutation ($input: CreateResolutionInput!) { createResolution(input: $input) { name resolvedDependencies { id } } }`,
        { input: { key: "k", implementation: String(impl), name: "lab: after upgrade" } },
      );
      expect(created.createResolution).toEqual({ name: "lab: after upgrade", resolvedDependencies: [] });
    } finally {
      await handle.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
