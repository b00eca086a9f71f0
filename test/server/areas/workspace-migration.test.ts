/**
 * Issue 15: a data dir written before the workspace and spaces tables existed (schema version 3,
 * with an agent and an action) upgrades on start, and the new rows can point at the old ones.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterEach, describe, expect, it } from "vitest";
import { startServer } from "../../../src/server/index.js";
import { MIGRATIONS } from "../../../src/server/store/migrations.js";
import { STORE_FILE } from "../../../src/server/store/store.js";
import { graphqlData } from "../helpers/graphql.js";
import { TEST_TIMING } from "../helpers/server.js";
import { T1, TOKENS } from "../helpers/tokens.js";

const DEFINITION = JSON.stringify({ key: "old_add", name: "Old add", kind: "FUNCTION", args: [{ key: "a", kind: "INT", nullable: false }], returns: [{ key: "r", kind: "INT", nullable: false }] });

describe("issue 15: workspace and spaces migrations", () => {
  let dir: string | undefined;
  afterEach(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("issue 15: an existing version-3 data dir upgrades and keeps its rows; shortcuts and placements can point at them", async () => {
    dir = await mkdtemp(join(tmpdir(), "arkitekt-h7-migrate-"));
    const old = new Database(join(dir, STORE_FILE));
    old.exec(MIGRATIONS.slice(0, 3).join("\n"));
    old.pragma("user_version = 3");
    old.prepare(
      "INSERT INTO agent (id, org, client_id, user_sub, iss, name, created_at) VALUES (7, 'lab', 'old-client', 'old-user', 'old-iss', 'old agent', 1)",
    ).run();
    old.prepare(
      "INSERT INTO action (id, org, app, key, version, hash, name, kind, definition, defined_at) VALUES (5, 'lab', 'old-app', 'old_add', '1', 'h', 'Old add', 'FUNCTION', ?, 1)",
    ).run(DEFINITION);
    old.close();

    const handle = await startServer({ host: "127.0.0.1", port: 0, tokens: TOKENS, ...TEST_TIMING, dataDir: dir });
    try {
      const gql = <T>(query: string, variables?: Record<string, unknown>) => graphqlData<T>(handle.graphqlUrl, T1, query, variables);
      const shortcut = await gql<{ createShortcut: { action: { id: string }; args: unknown[] } }>(
        `mutation { createShortcut(input: {name: "old", action: "5", args: {a: 1}}) { action { id } args { key } } }`,
      );
      expect(shortcut.createShortcut).toEqual({ action: { id: "5" }, args: [] });
      const space = await gql<{ createSpace: { placements: Array<{ agent: { id: string }; name: string }> } }>(
        `mutation { createSpace(input: {name: "old lab", placements: []}) { placements { agent { id } name } } }`,
      );
      expect(space.createSpace.placements).toEqual([]);
      const placed = await gql<{ createPlacement: { agent: { id: string }; name: string } }>(
        `mutation ($s: String!) { createPlacement(input: {space: $s, agent: "7"}) { agent { id } name } }`,
        { s: (await gql<{ spaces: Array<{ id: string }> }>(`query { spaces { id } }`)).spaces[0]!.id },
      );
      expect(placed.createPlacement).toEqual({ agent: { id: "7" }, name: "old agent" });
      const blok = await gql<{ createBlok: { catalog: { name: string } } }>(`mutation { createBlok(input: {name: "old blok"}) { catalog { name } } }`);
      expect(blok.createBlok.catalog.name).toBe("default");
    } finally {
      await handle.close();
    }
    const after = new Database(join(dir, STORE_FILE), { readonly: true });
    try {
      expect(after.pragma("user_version", { simple: true })).toBe(MIGRATIONS.length);
      expect(after.prepare("SELECT name FROM agent WHERE id = 7").get()).toEqual({ name: "old agent" });
      const tables = after.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all().map((r) => (r as { name: string }).name);
      for (const table of ["toolbox", "shortcut", "dashboard", "ui_catalog", "blok", "blok_dependency", "materialized_blok", "dashboard_placement", "blok_agent_mapping", "threed_model", "space", "placement"]) {
        expect(tables).toContain(table);
      }
    } finally {
      after.close();
    }
  });
});
