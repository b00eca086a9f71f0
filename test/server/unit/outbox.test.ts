/**
 * A task's ASSIGN waits in its row (store migration 16) and reaches a connected agent in memory
 * (src/server/platform/outbox.ts). A real Store on a temporary folder and the real Platform; the
 * agent link is a plain object that records what it is sent, and can report a backlogged socket.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterEach, describe, expect, it } from "vitest";
import { expandClaims } from "../../../src/server/auth.js";
import { compileOptions } from "../../../src/server/options.js";
import { Platform, type AgentLink } from "../../../src/server/platform.js";
import { MIGRATIONS } from "../../../src/server/store/migrations.js";
import { STORE_FILE, Store } from "../../../src/server/store/store.js";
import { silentLogger } from "../../../src/shared/logger.js";
import { ADD } from "../helpers/fixture.js";

const opened: Array<() => void> = [];
afterEach(() => {
  for (const close of opened.splice(0)) close();
});

const AGENT = expandClaims("a", { sub: "agent", client_id: "agent", active_org: "lab" });
const CALLER = expandClaims("c", { sub: "caller", client_id: "caller", active_org: "lab" });
interface TestLink extends AgentLink {
  sent: string[];
  /** While true the socket reports a backlog; `drain()` ends it and runs the waiting flush. */
  busy: boolean;
  drain(): void;
}

function setUp() {
  const dir = mkdtempSync(join(tmpdir(), "arkitekt-outbox-"));
  const options = compileOptions({ dataDir: dir, logger: silentLogger });
  const store = new Store(dir);
  const platform = new Platform(store, options, silentLogger);
  opened.push(() => {
    platform.close();
    store.close();
    rmSync(dir, { recursive: true, force: true });
  });
  platform.implementAgent(AGENT, { implementations: [{ ...ADD }] });
  const connect = (session: string): TestLink => {
    const claim = platform.claim(AGENT, `conn-${session}`, true, session);
    if (!claim.ok) throw new Error("claim failed");
    let drained: (() => void) | undefined;
    const link: TestLink = {
      connectionId: `conn-${session}`,
      agentId: claim.agent.id,
      identity: AGENT,
      epoch: claim.epoch,
      lastOutboxId: 0,
      sent: [],
      busy: false,
      send: (frame) => link.sent.push(frame),
      close: () => undefined,
      backlogged: () => link.busy,
      whenDrained: (fn) => (drained = fn),
      drain: () => {
        link.busy = false;
        const fn = drained;
        drained = undefined;
        fn?.();
      },
    };
    store.commit();
    platform.attach(link);
    store.commit();
    return link;
  };
  const link = connect("s1");
  const impl = String(store.implementationsOfAgent(link.agentId)[0]!.id);
  const assign = (x: number) => platform.assign(CALLER, { implementation: impl, args: { a: x, b: 0 } });
  const tasksSent = (l: TestLink) => l.sent.map((f) => JSON.parse(f) as { type: string; task: string }).filter((f) => f.type === "ASSIGN").map((f) => f.task);
  return { store, platform, link, connect, assign, tasksSent };
}

describe("ASSIGN delivery from the task rows (fifth round of issue 18)", () => {
  it("a connected agent gets each new task's ASSIGN once, after its commit, and writes no outbox entry for it", () => {
    const { store, link, assign, tasksSent } = setUp();
    const a = assign(1);
    const b = assign(2);
    expect(tasksSent(link)).toEqual([]);
    store.commit();
    expect(tasksSent(link)).toEqual([String(a.id), String(b.id)]);
    expect(store.outboxOf(link.agentId)).toEqual([]);
    expect(store.pendingAssignsOfAgent(link.agentId, 0, 10).map((t) => t.id)).toEqual([a.id, b.id]);
    store.commit();
    expect(tasksSent(link)).toHaveLength(2);
  });

  it("a task cancelled before its commit is never sent; one whose transaction rolled back neither, its batch-mates still are", () => {
    const { store, platform, link, assign, tasksSent } = setUp();
    const cancelled = assign(1);
    platform.control(CALLER, String(cancelled.id), "CANCEL");
    expect(() =>
      store.transaction(() => {
        assign(2);
        throw new Error("the operation fails after its assign");
      }),
    ).toThrow("fails after its assign");
    const kept = assign(3);
    store.commit();
    // (SQLite gives the undone task's id to the next one: the args tell them apart)
    expect(tasksSent(link)).toEqual([String(kept.id)]);
    expect(link.sent.map((f) => (JSON.parse(f) as { args?: { a: number } }).args?.a)).toEqual([3]);
  });

  it("past the in-memory bound of a backlogged socket the ASSIGNs are written from the rows on drain: each once, in order", () => {
    const { store, link, assign, tasksSent } = setUp();
    link.busy = true;
    const ids: string[] = [];
    for (let i = 0; i < 1_200; i++) {
      ids.push(String(assign(i).id));
      if (i % 100 === 99) store.commit();
    }
    store.commit();
    expect(tasksSent(link)).toEqual([]);
    link.drain();
    expect(tasksSent(link)).toEqual(ids);
  });

  it("a new link gets every pending ASSIGN from the rows, an answered task's not", () => {
    const { store, platform, link, connect, assign, tasksSent } = setUp();
    const answered = assign(1);
    const waiting = assign(2);
    store.commit();
    const report = platform.report(link, { type: "STARTED", task: String(answered.id) });
    expect(report.ok).toBe(true);
    store.commit();
    expect(store.task(answered.id)?.assign_pending).toBe(0);
    const again = connect("s1");
    expect(tasksSent(again)).toEqual([String(waiting.id)]);
    const later = assign(3);
    store.commit();
    expect(tasksSent(again)).toEqual([String(waiting.id), String(later.id)]);
  });

  it("a store from before migration 16 upgrades: ASSIGNs waiting in its outbox wait in their tasks' rows, other entries stay", () => {
    const dir = mkdtempSync(join(tmpdir(), "arkitekt-outbox-upgrade-"));
    opened.push(() => rmSync(dir, { recursive: true, force: true }));
    const db = new Database(join(dir, STORE_FILE));
    // the arkitekt_lookup_key function migration 15 uses is registered by the Store only: old rows had no keys to fill
    db.function("arkitekt_lookup_key", (_text: unknown) => 0);
    for (const sql of MIGRATIONS.slice(0, 15)) db.exec(sql);
    db.pragma("user_version = 15");
    db.exec(`INSERT INTO agent (org, client_id, user_sub, iss, name, created_at) VALUES ('lab', 'c', 'u', 'i', 'a', 0);
      INSERT INTO action (org, app, key, version, hash, name, kind, definition, defined_at) VALUES ('lab', 'a', 'k', '1', 'h', 'K', 'FUNCTION', '{}', 0);
      INSERT INTO caller (org, client_id, user_sub, iss) VALUES ('lab', 'c', 'u', 'i');`);
    const task = db.prepare("INSERT INTO task (org, action_id, agent_id, caller_id, reference, args, args_hash, created_at, updated_at) VALUES ('lab', 1, 1, 1, ?, '{}', 'x', 0, 0)");
    const waiting = Number(task.run("waiting").lastInsertRowid);
    const running = Number(task.run("running").lastInsertRowid);
    const entry = db.prepare("INSERT INTO outbox (agent_id, task_id, kind, payload, created_at) VALUES (1, ?, ?, '{}', 0)");
    entry.run(waiting, "ASSIGN");
    entry.run(running, "PAUSE");
    db.close();

    const store = new Store(dir);
    opened.unshift(() => store.close());
    expect(store.pendingAssignsOfAgent(1, 0, 10).map((t) => t.id)).toEqual([waiting]);
    expect(store.inflightTasksOfAgent(1).map((t) => t.id)).toEqual([running]);
    expect(store.outboxOf(1).map((e) => [e.task_id, e.kind])).toEqual([[running, "PAUSE"]]);
  });
});
