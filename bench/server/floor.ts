/**
 * What a durable task costs the store's SQLite alone: a store of the server's schema (its migrations,
 * pragmas and indexes) with one agent, action, implementation and caller, and the plain prepared
 * inserts of the rows a task leaves (the task row with a uuid4 reference and hashed args, its YIELD
 * and COMPLETED events). `core.ts` and `run.ts` measure the server beside it.
 */
import { randomUUID } from "node:crypto";
import type Database from "better-sqlite3";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expandClaims } from "../../src/server/auth.js";
import { compileOptions } from "../../src/server/options.js";
import { Platform, type AgentLink } from "../../src/server/platform.js";
import { lookupKey } from "../../src/server/store/lookup-key.js";
import { Store } from "../../src/server/store/store.js";
import { ECHO_DEFINITION } from "./harness.js";

export interface CoreSetup {
  dataDir: string;
  store: Store;
  platform: Platform;
  link: AgentLink;
  impl: string;
  ids: { agent: number; action: number; impl: number; caller: number };
  close(): void;
}

export const BENCH_CALLER = expandClaims("c", { sub: "caller", client_id: "caller", active_org: "bench" });

/** A store in a temporary folder with the platform on it, an agent attached and the echo action implemented. */
export function setUpCore(): CoreSetup {
  const dataDir = mkdtempSync(join(tmpdir(), "arkitekt-bench-core-"));
  const options = compileOptions({ dataDir });
  const store = new Store(dataDir);
  const platform = new Platform(store, options, options.logger);
  const agentIdentity = expandClaims("a", { sub: "agent", client_id: "agent", active_org: "bench" });
  platform.implementAgent(agentIdentity, {
    implementations: [{ interface: "echo", definition: { ...ECHO_DEFINITION, args: [...ECHO_DEFINITION.args], returns: [...ECHO_DEFINITION.returns] } }],
  });
  const claim = platform.claim(agentIdentity, "conn", true, "session-1");
  if (!claim.ok) throw new Error("claim failed");
  const link: AgentLink = {
    connectionId: "conn",
    agentId: claim.agent.id,
    identity: agentIdentity,
    epoch: claim.epoch,
    lastOutboxId: 0,
    send: () => undefined,
    close: () => undefined,
  };
  store.commit();
  platform.attach(link);
  const implRow = store.implementationsOfAgent(claim.agent.id)[0]!;
  const callerRow = store.ensureCaller(BENCH_CALLER);
  store.commit();
  return {
    dataDir,
    store,
    platform,
    link,
    impl: String(implRow.id),
    ids: { agent: claim.agent.id, action: implRow.action_id, impl: implRow.id, caller: callerRow.id },
    close() {
      platform.close();
      store.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export interface FloorRows {
  db: Database.Database;
  /** Inserts task `x`'s row; returns its id. */
  task(x: number): number;
  /** Inserts task `id`'s YIELD and COMPLETED events. */
  events(id: number, x: number): void;
}

/** The plain statements of a task's rows on the setup's store; the caller opens and commits the transactions. */
export function floorRows(s: CoreSetup): FloorRows {
  const db = s.store.db;
  const task = db.prepare(
    `INSERT INTO task (org, action_id, implementation_id, agent_id, caller_id, reference, reference_key, args, args_hash, args_key, created_at, updated_at)
     VALUES ('bench', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const event = db.prepare("INSERT INTO task_event (task_id, kind, returns, level, created_at, seq, session) VALUES (?, ?, ?, 'INFO', ?, ?, ?)");
  const { agent, action, impl, caller } = s.ids;
  return {
    db,
    task(x: number): number {
      const now = Date.now();
      const reference = randomUUID();
      const argsHash = `${x.toString(16).padStart(8, "0")}0123456789abcdef01234567`;
      return Number(task.run(action, impl, agent, caller, reference, lookupKey(reference), `{"x":${x}}`, argsHash, lookupKey(argsHash), now, now).lastInsertRowid);
    },
    events(id: number, x: number): void {
      const now = Date.now();
      event.run(id, "YIELD", `{"return0":${x}}`, now, 2 * x, "session-1");
      event.run(id, "COMPLETED", null, now, null, null);
    },
  };
}
