/**
 * Issue 15: a data dir written before the state area existed (PRAGMA user_version = 3, with an agent)
 * upgrades on start: the state tables are created and the old agent declares and publishes state.
 */
import Database from "better-sqlite3";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { isDeepStrictEqual } from "node:util";
import { afterEach, describe, expect, it } from "vitest";
import { MIGRATIONS } from "../../../src/server/store/migrations.js";
import { startServer, type ServerHandle } from "../../../src/server/index.js";
import { TEST_TIMING } from "../helpers/server.js";
import { COUNTER, implementStates, sessionInit, statePatch } from "../helpers/state.js";
import { TOKENS, T1, claimsOf } from "../helpers/tokens.js";
import { AgentSocket } from "../helpers/agent-socket.js";
import { graphqlData } from "../helpers/graphql.js";
import { pollUntil } from "../helpers/wait.js";

describe("issue 15: state tables upgrade an existing data dir", () => {
  let dir = "";
  let handle: ServerHandle | undefined;
  let socket: AgentSocket | undefined;
  afterEach(async () => {
    await socket?.terminate();
    await handle?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("issue 15: a version-3 store with an agent is migrated; that agent's states are stored and patched", async () => {
    dir = await mkdtemp(join(tmpdir(), "arkitekt-state-upgrade-"));
    const old = new Database(join(dir, "rekuest.sqlite3"));
    for (const migration of MIGRATIONS.slice(0, 3)) old.exec(migration);
    old.pragma("user_version = 3");
    const claims = claimsOf(T1);
    const agentId = Number(
      old
        .prepare("INSERT INTO agent (org, client_id, user_sub, iss, app, release, name, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)")
        .run(claims.active_org, claims.client_id, claims.sub, "static_issuer", claims.client_app, claims.client_release, "old agent", Date.now()).lastInsertRowid,
    );
    old.close();

    handle = await startServer({ host: "127.0.0.1", port: 0, tokens: TOKENS, ...TEST_TIMING, dataDir: dir });
    const target = {
      gql: <T>(token: string, query: string, variables?: Record<string, unknown>) => graphqlData<T>(handle!.graphqlUrl, token, query, variables),
      gqlErrors: async () => [],
    };
    const { agentId: implemented, states } = await implementStates(target, T1, [COUNTER]);
    expect(implemented).toBe(String(agentId));

    socket = await AgentSocket.open(handle.agiUrl);
    await socket.register(T1);
    sessionInit(socket, "after-upgrade", { counter: { count: 1, last: null, items: [] } });
    statePatch(socket, "after-upgrade", 1, "counter", { op: "replace", path: "/count", value: 2 });
    const value = await pollUntil(
      () => target.gql<{ stateAtGlobalRev: Array<{ value: unknown }> }>(T1, "query($id: ID) { stateAtGlobalRev(globalRevision: 1, stateId: $id) { value } }", { id: states.counter!.id }),
      (d) => isDeepStrictEqual(d.stateAtGlobalRev[0]?.value, { count: 2, last: null, items: [] }),
    );
    expect(value.stateAtGlobalRev).toHaveLength(1);
    await handle.close();
    handle = undefined;
    const reopened = new Database(join(dir, "rekuest.sqlite3"), { readonly: true });
    expect(reopened.pragma("user_version", { simple: true })).toBe(MIGRATIONS.length);
    expect(reopened.prepare("SELECT COUNT(*) AS n FROM state_patch").get()).toEqual({ n: 1 });
    reopened.close();
  });
});
