/**
 * The media store's rows (migration 3): `media_store`, one per stored object, and `media_grant`,
 * the temporary S3 credentials of each grant. Writes join the store's group transaction (`batch`),
 * so they commit with everything else of the same turn.
 */
import type Database from "better-sqlite3";
import type { Store } from "../store/store.js";

export type MediaState = "pending" | "finished" | "discarded";
export type GrantAction = "upload" | "read";

export interface MediaStoreRow {
  id: string;
  org: string;
  /** The object key: 32 hex digits. */
  key: string;
  bucket: string;
  original_file_name: string | null;
  content_type: string | null;
  max_bytes: number;
  state: MediaState;
  /** Bytes of the object as received (null until an upload completed). */
  size: number | null;
  etag: string | null;
  created_by: string;
  created_at: number;
  finished_at: number | null;
}

export interface MediaGrantRow {
  access_key: string;
  secret_key: string;
  session_token: string;
  store_id: string;
  org: string;
  action: GrantAction;
  expires_at: number;
}

export class MediaRecords {
  private readonly s;

  constructor(private readonly store: Store) {
    const db: Database.Database = store.db;
    this.s = {
      byId: db.prepare<[string], MediaStoreRow>("SELECT * FROM media_store WHERE id = ?"),
      byKey: db.prepare<[string], MediaStoreRow>("SELECT * FROM media_store WHERE key = ?"),
      insert: db.prepare(
        `INSERT INTO media_store (id, org, key, bucket, original_file_name, content_type, max_bytes, state, created_by, created_at)
         VALUES (@id, @org, @key, @bucket, @original_file_name, @content_type, @max_bytes, 'pending', @created_by, @created_at)`,
      ),
      setUploaded: db.prepare("UPDATE media_store SET size = ?, etag = ?, content_type = COALESCE(content_type, ?) WHERE id = ? AND state = 'pending'"),
      setState: db.prepare("UPDATE media_store SET state = ?, finished_at = ? WHERE id = ?"),
      delete: db.prepare("DELETE FROM media_store WHERE id = ?"),
      all: db.prepare<[], MediaStoreRow>("SELECT * FROM media_store ORDER BY created_at, id"),
      grant: db.prepare<[string], MediaGrantRow>("SELECT * FROM media_grant WHERE access_key = ?"),
      insertGrant: db.prepare(
        `INSERT INTO media_grant (access_key, secret_key, session_token, store_id, org, action, expires_at)
         VALUES (@access_key, @secret_key, @session_token, @store_id, @org, @action, @expires_at)`,
      ),
      deleteGrantsOfStore: db.prepare("DELETE FROM media_grant WHERE store_id = ?"),
      deleteExpiredGrants: db.prepare("DELETE FROM media_grant WHERE expires_at < ?"),
      latestGrantExpiry: db.prepare<[string], { expires: number | null }>("SELECT MAX(expires_at) AS expires FROM media_grant WHERE store_id = ?"),
      referencedByTask: db.prepare<[string, string], { open: number | null }>(
        // a task refers to a store when its args or one of its events' returns hold the id; `open` says whether any such task is unfinished
        `SELECT MAX(CASE WHEN t.is_done = 0 THEN 1 ELSE 0 END) AS open FROM task t
         WHERE instr(t.args, ?) > 0 OR EXISTS (SELECT 1 FROM task_event e WHERE e.task_id = t.id AND e.returns IS NOT NULL AND instr(e.returns, ?) > 0)`,
      ),
    };
  }

  find(id: string): MediaStoreRow | undefined {
    return this.s.byId.get(id);
  }
  byKey(key: string): MediaStoreRow | undefined {
    return this.s.byKey.get(key);
  }
  all(): MediaStoreRow[] {
    return this.s.all.all();
  }
  insert(row: Pick<MediaStoreRow, "id" | "org" | "key" | "bucket" | "original_file_name" | "content_type" | "max_bytes" | "created_by" | "created_at">): MediaStoreRow {
    this.store.batch();
    this.s.insert.run(row);
    return this.find(row.id)!;
  }
  /** Records a completed upload of a pending store's object (its content type only when the request gave none). */
  setUploaded(id: string, size: number, etag: string, contentType: string | null): void {
    this.store.batch();
    this.s.setUploaded.run(size, etag, contentType, id);
  }
  setState(id: string, state: MediaState, at: number | null): void {
    this.store.batch();
    this.s.setState.run(state, at, id);
  }
  delete(id: string): void {
    this.store.batch();
    this.s.delete.run(id);
  }

  grant(accessKey: string): MediaGrantRow | undefined {
    return this.s.grant.get(accessKey);
  }
  insertGrant(row: MediaGrantRow): void {
    this.store.batch();
    this.s.insertGrant.run(row);
  }
  deleteGrantsOfStore(storeId: string): void {
    this.store.batch();
    this.s.deleteGrantsOfStore.run(storeId);
  }
  deleteExpiredGrants(before: number): number {
    this.store.batch();
    return this.s.deleteExpiredGrants.run(before).changes;
  }
  /** When the last grant of the store expires (null: it has none). */
  latestGrantExpiry(storeId: string): number | null {
    return this.s.latestGrantExpiry.get(storeId)?.expires ?? null;
  }
  /** Whether a task refers to the store: "none", "finished" (only finished tasks) or "open" (an unfinished one). */
  taskReference(storeId: string): "none" | "finished" | "open" {
    const open = this.s.referencedByTask.get(storeId, storeId)?.open;
    return open === null || open === undefined ? "none" : open === 1 ? "open" : "finished";
  }
}
