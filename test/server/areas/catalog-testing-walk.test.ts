/**
 * Issue 15: the walk population of the catalog and testing areas (test/server/walk/populate)
 * fills every table of both areas for two organisations through the public API, and neither
 * organisation's rows reach the other.
 */
import Database from "better-sqlite3";
import { join } from "node:path";
import { expect, it } from "vitest";
import { STORE_FILE } from "../../../src/server/store/store.js";
import { setupAgent } from "../helpers/fixture.js";
import { startTestServer } from "../helpers/server.js";
import { T1, T3 } from "../helpers/tokens.js";
import { populate as populateCatalog } from "../walk/populate/catalog.js";
import { populate as populateTesting } from "../walk/populate/testing.js";
import type { WalkOrg } from "../walk/populate/types.js";

const TABLES = ["structure_package", "structure", "structure_interface", "port_usage", "action_interface", "protocol", "action_protocol", "test_case", "test_result", "action_test_target"];

it("issue 15: the catalog and testing walk populations fill every table of both areas for both organisations, and each sees only its own", async () => {
  const s = await startTestServer();
  try {
    for (const [token, org] of [[T1, "lab"], [T3, "elsewhere"]] as const) {
      const fixture = await setupAgent(s, token);
      const { socket } = await s.connectAgent(token);
      const walkOrg: WalkOrg = { server: s, token, org, gql: (q, v) => s.gql(token, q, v), agent: { id: fixture.agentId, socket, impl: fixture.impl }, taskId: "" };
      await populateCatalog(walkOrg);
      await populateTesting(walkOrg);
    }
    const seen = (token: string) =>
      s.gql<{ structures: Array<{ identifier: string }>; testCases: Array<{ name: string }>; testResults: Array<{ case: { name: string } }>; interfaces: Array<{ package: { key: string } }> }>(
        token,
        `{ structures { identifier } interfaces { package { key } } testCases { name } testResults { case { name } } }`,
      );
    const lab = JSON.stringify(await seen(T1));
    const elsewhere = JSON.stringify(await seen(T3));
    expect(lab).toContain("walk-lab");
    expect(lab).not.toContain("elsewhere");
    expect(elsewhere).toContain("walk-elsewhere");
    expect(elsewhere).not.toContain("lab");
  } finally {
    await s.handle.close();
    const db = new Database(join(s.dataDir, STORE_FILE), { readonly: true });
    try {
      const empty = TABLES.filter((table) => (db.prepare(`SELECT COUNT(*) AS n FROM ${table}`).get() as { n: number }).n === 0);
      expect(empty).toEqual([]);
      const orgs = db.prepare("SELECT DISTINCT org FROM test_result UNION SELECT DISTINCT org FROM structure ORDER BY 1").all();
      expect(orgs).toEqual([{ org: "elsewhere" }, { org: "lab" }]);
    } finally {
      db.close();
      await s.close().catch(() => undefined);
    }
  }
});
