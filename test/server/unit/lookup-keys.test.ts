/**
 * Issue 18, migration 15: a task's reference and args hash are found through integer keys of the
 * text (src/server/store/lookup-key.ts). A store written before the keys upgrades (its tasks get
 * their keys), and a lookup still tells apart two texts that share a key.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterAll, describe, expect, it } from "vitest";
import { lookupKey } from "../../../src/server/store/lookup-key.js";
import { MIGRATIONS } from "../../../src/server/store/migrations.js";
import { STORE_FILE, Store } from "../../../src/server/store/store.js";

const dirs: string[] = [];
const tempDir = () => {
  const dir = mkdtempSync(join(tmpdir(), "arkitekt-lookup-keys-"));
  dirs.push(dir);
  return dir;
};
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

describe("issue 18: integer lookup keys of a task's reference and args hash", () => {
  it("issue 18: the key is a safe integer, stable, and differs for near texts", () => {
    // pinned: stored keys are compared with keys computed by later versions
    expect(lookupKey("")).toBe(3338908027751811);
    expect(lookupKey("0b8a3c46-53c3-4a7b-9d2e-1c1f7b7f0c11")).toBe(lookupKey("0b8a3c46-53c3-4a7b-9d2e-1c1f7b7f0c11"));
    const keys = new Set(Array.from({ length: 10_000 }, (_, i) => lookupKey(`ref-${i}`)));
    expect(keys.size).toBe(10_000);
    for (const key of keys) expect(Number.isSafeInteger(key) && key >= 0).toBe(true);
  });

  it("issue 18: a store from before migration 15 upgrades: its tasks are found by reference and by args hash", () => {
    const dir = tempDir();
    const db = new Database(join(dir, STORE_FILE));
    for (const sql of MIGRATIONS.slice(0, 14)) db.exec(sql);
    db.pragma("user_version = 14");
    db.exec(`INSERT INTO action (org, app, key, version, hash, name, kind, definition, defined_at) VALUES ('lab', 'a', 'k', '1', 'h', 'K', 'FUNCTION', '{}', 0);
      INSERT INTO caller (org, client_id, user_sub, iss) VALUES ('lab', 'c', 'u', 'i');`);
    const insert = db.prepare(`INSERT INTO task (org, action_id, caller_id, reference, args, args_hash, created_at, updated_at) VALUES ('lab', 1, 1, ?, '{}', ?, 0, 0)`);
    for (let i = 0; i < 50; i++) insert.run(`old-ref-${i}`, `hash-${i % 5}`);
    db.close();

    const store = new Store(dir);
    try {
      expect(store.taskByCallerReference(1, "old-ref-7")?.reference).toBe("old-ref-7");
      expect(store.taskByCallerReference(1, "old-ref-x")).toBeUndefined();
      const byHash = store.tasksMatching({ org: "lab", argsHash: "hash-3" }, [], { limit: -1, offset: 0 });
      expect(byHash.map((t) => t.reference).sort()).toEqual(Array.from({ length: 10 }, (_, i) => `old-ref-${i * 5 + 3}`).sort());
      const keyless = store.db.prepare("SELECT COUNT(*) AS n FROM task WHERE reference_key != arkitekt_lookup_key(reference) OR args_key != arkitekt_lookup_key(args_hash)").get() as { n: number };
      expect(keyless.n).toBe(0);
    } finally {
      store.close();
    }
  });

  it("issue 18: two references that share a key are told apart by their text", () => {
    const store = new Store(tempDir());
    try {
      const action = store.insertAction({ org: "lab", app: "a", key: "k", version: "1", hash: "h", name: "K", kind: "FUNCTION", description: null, stateful: 0, pure: 0, idempotent: 0, is_dev: 0, definition: "{}", defined_at: 1 });
      const caller = store.ensureCaller({ org: "lab", clientId: "c", sub: "u", iss: "i" });
      const task = (reference: string) =>
        store.insertTask({ org: "lab", action_id: action.id, implementation_id: null, agent_id: null, caller_id: caller.id, reference, args: "{}", args_hash: "x", parent_id: null, root_id: null, capture: 0, ephemeral: 0, step: 0, created_at: 1 });
      const first = task("alpha");
      // a forced collision: the second row carries the first one's key
      const second = task("beta");
      store.db.prepare("UPDATE task SET reference_key = ? WHERE id = ?").run(first.reference_key, second.id);
      store.commit();
      expect(store.taskByCallerReference(caller.id, "alpha")?.id).toBe(first.id);
      expect(store.db.prepare("SELECT reference_key FROM task WHERE id = ?").pluck().get(second.id)).toBe(first.reference_key);
      expect(store.tasksMatching({ org: "lab", reference: "alpha" }, [], { limit: -1, offset: 0 }).map((t) => t.id)).toEqual([first.id]);
    } finally {
      store.close();
    }
  });
});
