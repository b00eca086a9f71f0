/**
 * Issue 15: a data dir written before the catalog (8) and testing (11) migrations (user_version 3,
 * with an agent, an action and its implementation) upgrades in place; the catalog fills at the
 * action's next registration, and test cases attach to the old rows.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterEach, describe, expect, it } from "vitest";
import { startServer, type ServerHandle } from "../../../src/server/index.js";
import { MIGRATIONS } from "../../../src/server/store/migrations.js";
import { STORE_FILE } from "../../../src/server/store/store.js";
import { graphqlData } from "../helpers/graphql.js";
import { implementAgent, type ImplementationInput } from "../helpers/fixture.js";
import { TEST_TIMING } from "../helpers/server.js";
import { T1, TOKENS, claimsOf } from "../helpers/tokens.js";

const SEGMENT: ImplementationInput = {
  interface: "segment",
  effect: "NONE",
  definition: {
    key: "segment",
    version: "1",
    name: "Segment",
    kind: "FUNCTION",
    collections: [],
    args: [{ key: "image", kind: "STRUCTURE", identifier: "@mikro/image", nullable: false }],
    returns: [{ key: "return0", kind: "BOOL", nullable: false }],
  },
};

const cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

/** A store as the server of migration 3 left it: one agent of T1 with the `segment` implementation. */
async function oldDataDir(): Promise<{ dir: string; actionId: number; implementationId: number }> {
  const dir = await mkdtemp(join(tmpdir(), "arkitekt-catalog-upgrade-"));
  cleanup.push(() => rm(dir, { recursive: true, force: true }));
  const db = new Database(join(dir, STORE_FILE));
  for (const sql of MIGRATIONS.slice(0, 3)) db.exec(sql);
  db.pragma("user_version = 3");
  const c = claimsOf(T1);
  const now = Date.now();
  const agent = db
    .prepare("INSERT INTO agent (org, client_id, user_sub, iss, username, app, release, name, kind, created_at) VALUES (?, ?, ?, 'static_issuer', ?, ?, ?, 'old agent', 'WEBSOCKET', ?)")
    .run(c.active_org, c.client_id, c.sub, c.preferred_username, c.client_app, c.client_release, now);
  const action = db
    .prepare("INSERT INTO action (org, app, key, version, hash, name, kind, definition, defined_at) VALUES (?, ?, 'segment', '1', 'old-hash', 'Segment', 'FUNCTION', ?, ?)")
    .run(c.active_org, c.client_app, JSON.stringify(SEGMENT.definition), now);
  const impl = db
    .prepare("INSERT INTO implementation (agent_id, action_id, interface, created_at) VALUES (?, ?, 'segment', ?)")
    .run(agent.lastInsertRowid, action.lastInsertRowid, now);
  db.close();
  return { dir, actionId: Number(action.lastInsertRowid), implementationId: Number(impl.lastInsertRowid) };
}

describe("issue 15: catalog and testing migrations", () => {
  it("issue 15: a user_version 3 data dir upgrades: old actions take test cases and results, and the catalog fills at the next registration", async () => {
    const old = await oldDataDir();
    const handle: ServerHandle = await startServer({ host: "127.0.0.1", port: 0, tokens: TOKENS, ...TEST_TIMING, dataDir: old.dir });
    cleanup.push(() => handle.close());
    const target = {
      gql: <T>(token: string, query: string, variables?: Record<string, unknown>) => graphqlData<T>(handle.graphqlUrl, token, query, variables),
      gqlErrors: async () => [] as string[],
    };

    const before = await target.gql<{ structures: unknown[]; protocols: unknown[]; testCases: unknown[] }>(T1, `{ structures { id } protocols { id } testCases { id } }`);
    expect(before).toEqual({ structures: [], protocols: [], testCases: [] });

    const actionId = String(old.actionId);
    const testCase = await target.gql<{ createTestCase: { id: string; action: { key: string } } }>(
      T1,
      `mutation ($a: ID!) { createTestCase(input: { action: $a, tester: $a, name: "self check" }) { id action { key } } }`,
      { a: actionId },
    );
    expect(testCase.createTestCase.action.key).toBe("segment");
    const result = await target.gql<{ createTestResult: { passed: boolean } }>(
      T1,
      `mutation ($c: ID!, $i: ID!) { createTestResult(input: { case: $c, implementation: $i, tester: $i, passed: true }) { passed } }`,
      { c: testCase.createTestCase.id, i: String(old.implementationId) },
    );
    expect(result.createTestResult.passed).toBe(true);

    await implementAgent(target, T1, [SEGMENT]);
    const after = await target.gql<{ structures: Array<{ identifier: string; inputUsages: Array<{ action: { id: string } }> }>; protocols: Array<{ name: string }> }>(
      T1,
      `{ structures { identifier inputUsages { action { id } } } protocols { name } }`,
    );
    expect(after.structures).toEqual([{ identifier: "@mikro/image", inputUsages: [{ action: { id: actionId } }] }]);
    expect(after.protocols).toEqual([{ name: "predicate" }]);
  });
});
