/**
 * The server's persistent state: one SQLite file (WAL), opened with better-sqlite3. Every method is
 * synchronous; writes join one group transaction per event-loop turn (`batch`), committed before
 * anything that depends on them (acks, responses, mirrors, deliveries) is sent, so a SIGKILL loses
 * nothing that was acknowledged.
 */
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import { MIGRATIONS } from "./migrations.js";
import { LOOKUP_KEY_FUNCTION, lookupKey } from "./lookup-key.js";
import { ArkitektError } from "../../shared/errors.js";
import type { TaskEventKind } from "../../protocol/index.js";
import { allRows } from "./rows.js";
import { taskListQuery, type RowPage, type TaskListFilter, type TaskListOrder } from "./task-list.js";

/** How an agent is reached (the platform's AgentKind). */
export type AgentKind = "WEBSOCKET" | "WEBHOOK";

/** What a task was last told (the platform's TaskInstructKind). */
export type TaskInstructKind = "ASSIGN" | "CANCEL" | "RESUME" | "PAUSE" | "INTERRUPT" | "COLLECT";

export const STORE_FILE = "rekuest.sqlite3";
/** The SQLite page cache of the store's connection, KiB (`PRAGMA cache_size`); see the constructor. */
export const PAGE_CACHE_KIB = 2_000;
/**
 * Pages the WAL may hold before a commit copies them into the database file (SQLite's default is
 * 1,000). Each of those checkpoints copies pages and syncs both files; with one task at a time (two
 * commits per task, each rewriting the same few pages) one commit in 60 checkpointed, 7 ms of wall
 * time each (1.5 of the 2.2 s spent in COMMIT over 6,000 tasks). At 10,000 pages (a WAL of up to
 * 40 MB on disk, cut back to WAL_SIZE_LIMIT_BYTES after a checkpoint) one commit in 560 does
 * (issue 18, DESIGN.md).
 */
export const WAL_AUTOCHECKPOINT_PAGES = 10_000;
/** The size the WAL file is truncated to after a checkpoint (`PRAGMA journal_size_limit`). */
export const WAL_SIZE_LIMIT_BYTES = 64 * 1024 * 1024;

export interface AgentRow {
  id: number;
  org: string;
  client_id: string;
  user_sub: string;
  iss: string;
  username: string | null;
  app: string | null;
  release: string | null;
  name: string;
  kind: AgentKind;
  hash: string | null;
  hook_url: string | null;
  /** A WEBHOOK agent's shared HMAC secret (EnsureAgentInput.hookUrlSecret; migration 13). */
  hook_url_secret: string | null;
  connected: number;
  last_seen: number | null;
  blocked: number;
  pinned: number;
  lease_epoch: number;
  active_connection_id: string | null;
  active_session_id: string | null;
  created_at: number;
}

export interface ActionRow {
  id: number;
  org: string;
  app: string;
  key: string;
  version: string;
  hash: string;
  name: string;
  kind: string;
  description: string | null;
  stateful: number;
  pure: number;
  idempotent: number;
  is_dev: number;
  /** JSON of the DefinitionInput as received. */
  definition: string;
  defined_at: number;
}

export interface ImplementationRow {
  id: number;
  agent_id: number;
  action_id: number;
  interface: string;
  params: string | null;
  effect: string;
  needs_token: number;
  dependencies: string;
  /** JSON list of the provenance token's audience the implementation asked for, or null (migration 13). */
  provenance_audience: string | null;
  created_at: number;
}

export interface CallerRow {
  id: number;
  org: string;
  client_id: string;
  user_sub: string;
  iss: string;
}

export interface TaskRow {
  id: number;
  org: string;
  action_id: number;
  implementation_id: number | null;
  agent_id: number | null;
  caller_id: number;
  reference: string;
  args: string;
  args_hash: string;
  /** lookupKey(reference) and lookupKey(args_hash): what their indexes hold (migration 15). */
  reference_key: number;
  args_key: number;
  parent_id: number | null;
  root_id: number | null;
  is_done: number;
  latest_event_kind: TaskEventKind;
  latest_instruct_kind: TaskInstructKind;
  status_message: string | null;
  capture: number;
  ephemeral: number;
  step: number;
  created_at: number;
  updated_at: number;
  finished_at: number | null;
  /** 1 while the task's ASSIGN waits for the agent's first report on it (migration 16). */
  assign_pending: number;
}

export interface TaskEventRow {
  id: number;
  task_id: number;
  kind: TaskEventKind;
  message: string | null;
  progress: number | null;
  returns: string | null;
  level: string;
  created_at: number;
  /** The agent report's `seq`, when it carried one (YIELDs resent after a lost ack are recognised by it). */
  seq?: number | null;
  /** The reporting connection's session id, which scopes `seq`. */
  session?: string | null;
}

/**
 * A write the store could not make durable (disk full, I/O error, ...): everything of the batch it
 * belonged to was rolled back. `message` says so and what to do; `cause` is SQLite's error.
 */
export class StoreWriteError extends ArkitektError {
  override readonly name = "StoreWriteError";
  readonly code = "STORE_UNAVAILABLE";
  constructor(
    readonly path: string,
    cause: Error,
  ) {
    super(
      `the server could not save this change to its store (${cause.message}); nothing of it was kept: ` +
        `free disk space for ${path} (or fix its file system) and retry`,
      { cause },
    );
  }
}

/** SQLite error codes that mean "the write cannot be made durable" rather than "the statement is wrong". */
const STORAGE_FAILURE = /^SQLITE_(FULL|IOERR|READONLY|CANTOPEN|CORRUPT|NOTADB|PROTOCOL|NOMEM|BUSY|LOCKED)/;

/** The store's failure for `error` when it is one of the storage layer (else null). */
export function storeFailureOf(error: unknown, path: string): StoreWriteError | null {
  if (error instanceof StoreWriteError) return error;
  const code = (error as { code?: unknown } | null)?.code;
  if (error instanceof Error && typeof code === "string" && STORAGE_FAILURE.test(code)) return new StoreWriteError(path, error);
  return null;
}

export interface OutboxRow {
  id: number;
  agent_id: number;
  task_id: number | null;
  kind: string;
  payload: string;
  created_at: number;
}

export interface IdentityKey {
  org: string;
  clientId: string;
  sub: string;
  iss: string;
}

export type NewTask = Omit<TaskRow, "id" | "reference_key" | "args_key" | "is_done" | "latest_event_kind" | "latest_instruct_kind" | "status_message" | "updated_at" | "finished_at" | "assign_pending">;

/** The event kinds of control messages (`Task.instructs`). */
const CONTROL_EVENT_KINDS = "('CANCELLING', 'INTERRUPTING', 'PAUSING', 'RESUMING')";

/** The most rows a row cache of the store holds; past it the cache starts again empty (memory stays bounded). */
export const ROW_CACHE_LIMIT = 10_000;
/** The most open tasks whose rows the store keeps (the oldest goes first), and the largest args text such a row may carry. */
export const OPEN_TASK_CACHE_LIMIT = 1_000;
export const OPEN_TASK_CACHE_MAX_ARGS = 4_096;

/** A connection to the store's file with the server's settings. */
function openConnection(path: string): Database.Database {
  const db = new Database(path);
  // Only this process uses the file: exclusive locking saves the shared-memory lock calls of
  // every WAL transaction, and a second server on the same folder fails fast instead of sharing.
  db.pragma("busy_timeout = 200");
  db.pragma("locking_mode = EXCLUSIVE");
  db.pragma("journal_mode = WAL");
  db.pragma("synchronous = NORMAL");
  db.pragma("foreign_keys = ON");
  // SQLite's own default page cache (2,000 KiB; better-sqlite3 builds with 16,000): the OS keeps the
  // file's pages cached anyway, and the 16 MB filled up with the store and stayed (issue 18: RSS after
  // 100,000 tasks 153 -> 138 MB at the same CPU per task, bench/server/MEMORY.md)
  db.pragma(`cache_size = -${PAGE_CACHE_KIB}`);
  db.pragma(`wal_autocheckpoint = ${WAL_AUTOCHECKPOINT_PAGES}`);
  db.pragma(`journal_size_limit = ${WAL_SIZE_LIMIT_BYTES}`);
  db.function(LOOKUP_KEY_FUNCTION, { deterministic: true }, (text: unknown) => (typeof text === "string" ? lookupKey(text) : null));
  return db;
}

/** Applies the migrations the file lacks; true when it applied any. */
function migrate(db: Database.Database): boolean {
  const current = db.pragma("user_version", { simple: true }) as number;
  for (let version = current; version < MIGRATIONS.length; version++) {
    db.transaction(() => {
      db.exec(MIGRATIONS[version]!);
      db.pragma(`user_version = ${version + 1}`);
    })();
  }
  return current < MIGRATIONS.length;
}

/** SQLite's LIMIT for a read of at most `maxRows` rows plus one (to tell that there were more). */
const rowCap = (maxRows: number): number => (Number.isFinite(maxRows) ? Math.max(0, Math.floor(maxRows)) + 1 : -1);

/** Event rows grouped by task id (in their order), or undefined when there are more than `maxRows`. */
function byTask(rows: TaskEventRow[], maxRows: number): Map<number, TaskEventRow[]> | undefined {
  if (rows.length > maxRows) return undefined;
  const grouped = new Map<number, TaskEventRow[]>();
  for (const row of rows) {
    const list = grouped.get(row.task_id);
    if (list) list.push(row);
    else grouped.set(row.task_id, [row]);
  }
  return grouped;
}

/**
 * A copy of a task row as an object literal with the table's columns in their order: the shape of a
 * row read from SQLite. Callers change fields on the copy. A spread with properties after it
 * (`{ ...task, x }`) built a new map per object, 1–7 KB of allocation each (issue 18, fifth round:
 * the core made three such copies per task).
 */
export function copyTask(t: TaskRow): TaskRow {
  return {
    id: t.id,
    org: t.org,
    action_id: t.action_id,
    implementation_id: t.implementation_id,
    agent_id: t.agent_id,
    caller_id: t.caller_id,
    reference: t.reference,
    args: t.args,
    args_hash: t.args_hash,
    parent_id: t.parent_id,
    root_id: t.root_id,
    is_done: t.is_done,
    latest_event_kind: t.latest_event_kind,
    latest_instruct_kind: t.latest_instruct_kind,
    status_message: t.status_message,
    capture: t.capture,
    ephemeral: t.ephemeral,
    step: t.step,
    created_at: t.created_at,
    updated_at: t.updated_at,
    finished_at: t.finished_at,
    reference_key: t.reference_key,
    args_key: t.args_key,
    assign_pending: t.assign_pending,
  };
}

function remember<K, V>(cache: Map<K, V>, key: K, value: V): void {
  if (cache.size >= ROW_CACHE_LIMIT) cache.clear();
  cache.set(key, value);
}

export class Store {
  readonly db: Database.Database;
  readonly path: string;
  private readonly s;

  constructor(dataDir: string) {
    mkdirSync(dataDir, { recursive: true });
    this.path = join(dataDir, STORE_FILE);
    this.db = openConnection(this.path);
    if (migrate(this.db)) {
      // a migration's statement journal may have grown past SQLite's 64 KiB and moved to a file, which
      // an exclusive connection then keeps for every later transaction: start on a fresh connection
      this.db.close();
      this.db = openConnection(this.path);
    }
    // Statement journals (SQLite's copy of each page a savepoint or statement changes, kept to undo
    // it) in memory: each operation runs in a savepoint of the group batch, and its journal of ~20
    // pages went to a temporary file, 2 writes a page (issue 18: 70 -> 7 write system calls and 143 ->
    // 16 KB written per task). They stay small because the statements that may change any number of
    // rows run alone (`runAlone`).
    this.db.pragma("temp_store = MEMORY");
    const db = this.db;
    // one name for every level: SQLite releases and rolls back to the innermost savepoint of a name
    this.savepoint = db.prepare("SAVEPOINT op");
    this.releaseSavepoint = db.prepare("RELEASE op");
    this.rollbackToSavepoint = db.prepare("ROLLBACK TO op");
    this.s = {
      agentById: db.prepare<[number], AgentRow>("SELECT * FROM agent WHERE id = ?"),
      agentByIdentity: db.prepare<[string, string, string, string], AgentRow>(
        "SELECT * FROM agent WHERE org = ? AND client_id = ? AND user_sub = ? AND iss = ?",
      ),
      agentsByOrg: db.prepare<[string], AgentRow>("SELECT * FROM agent WHERE org = ? ORDER BY id"),
      insertAgent: db.prepare(
        `INSERT INTO agent (org, client_id, user_sub, iss, username, app, release, name, kind, hook_url, hook_url_secret, created_at)
         VALUES (@org, @client_id, @user_sub, @iss, @username, @app, @release, @name, @kind, @hook_url, @hook_url_secret, @created_at)`,
      ),
      callerByIdentity: db.prepare<[string, string, string, string], CallerRow>(
        "SELECT * FROM caller WHERE org = ? AND client_id = ? AND user_sub = ? AND iss = ?",
      ),
      callerById: db.prepare<[number], CallerRow>("SELECT * FROM caller WHERE id = ?"),
      insertCaller: db.prepare("INSERT INTO caller (org, client_id, user_sub, iss) VALUES (?, ?, ?, ?)"),
      actionById: db.prepare<[number], ActionRow>("SELECT * FROM action WHERE id = ?"),
      actionByKey: db.prepare<[string, string, string, string], ActionRow>(
        "SELECT * FROM action WHERE org = ? AND app = ? AND key = ? AND version = ?",
      ),
      actionsByHash: db.prepare<[string, string], ActionRow>("SELECT * FROM action WHERE org = ? AND hash = ? ORDER BY id"),
      actionsByOrg: db.prepare<[string], ActionRow>("SELECT * FROM action WHERE org = ? ORDER BY id"),
      insertAction: db.prepare(
        `INSERT INTO action (org, app, key, version, hash, name, kind, description, stateful, pure, idempotent, is_dev, definition, defined_at)
         VALUES (@org, @app, @key, @version, @hash, @name, @kind, @description, @stateful, @pure, @idempotent, @is_dev, @definition, @defined_at)`,
      ),
      updateAction: db.prepare(
        `UPDATE action SET hash = @hash, name = @name, kind = @kind, description = @description, stateful = @stateful,
         pure = @pure, idempotent = @idempotent, is_dev = @is_dev, definition = @definition WHERE id = @id`,
      ),
      implementationById: db.prepare<[number], ImplementationRow>("SELECT * FROM implementation WHERE id = ?"),
      implementationByInterface: db.prepare<[number, string], ImplementationRow>(
        "SELECT * FROM implementation WHERE agent_id = ? AND interface = ?",
      ),
      implementationsByAgent: db.prepare<[number], ImplementationRow>("SELECT * FROM implementation WHERE agent_id = ? ORDER BY id"),
      implementationsByAction: db.prepare<[number], ImplementationRow>("SELECT * FROM implementation WHERE action_id = ? ORDER BY id"),
      implementationsByOrg: db.prepare<[string], ImplementationRow>(
        "SELECT i.* FROM implementation i JOIN agent a ON a.id = i.agent_id WHERE a.org = ? ORDER BY i.id",
      ),
      insertImplementation: db.prepare(
        `INSERT INTO implementation (agent_id, action_id, interface, params, effect, needs_token, dependencies, provenance_audience, created_at)
         VALUES (@agent_id, @action_id, @interface, @params, @effect, @needs_token, @dependencies, @provenance_audience, @created_at)`,
      ),
      updateImplementation: db.prepare(
        `UPDATE implementation SET action_id = @action_id, params = @params, effect = @effect, needs_token = @needs_token,
         dependencies = @dependencies, provenance_audience = @provenance_audience WHERE id = @id`,
      ),
      deleteImplementation: db.prepare("DELETE FROM implementation WHERE id = ?"),
      taskById: db.prepare<[number], TaskRow>("SELECT * FROM task WHERE id = ?"),
      taskByCallerReference: db.prepare<[number, number, string], TaskRow>(
        "SELECT * FROM task WHERE reference_key = ? AND caller_id = ? AND reference = ? ORDER BY id LIMIT 1",
      ),
      insertTask: db.prepare(
        // positional parameters: binding 16 named ones from an object cost ~2 µs more per task (issue 18)
        `INSERT INTO task (org, action_id, implementation_id, agent_id, caller_id, reference, reference_key, args, args_hash, args_key,
           parent_id, root_id, capture, ephemeral, step, created_at, updated_at, assign_pending)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1)`,
      ),
      openTasksOfAgent: db.prepare<[number], TaskRow>("SELECT * FROM task WHERE agent_id = ? AND is_done = 0 ORDER BY id"),
      inflightTasksOfAgent: db.prepare<[number], TaskRow>("SELECT * FROM task WHERE agent_id = ? AND is_done = 0 AND assign_pending = 0 ORDER BY id"),
      agentsWithInflight: db.prepare<[], { agent_id: number }>(
        "SELECT DISTINCT agent_id FROM task WHERE is_done = 0 AND agent_id IS NOT NULL AND assign_pending = 0",
      ),
      pendingAssignsOfAgent: db.prepare<[number, number, number], TaskRow>(
        "SELECT * FROM task WHERE agent_id = ? AND is_done = 0 AND assign_pending = 1 AND id > ? ORDER BY id LIMIT ?",
      ),
      setAssignPending: db.prepare("UPDATE task SET assign_pending = ? WHERE id = ?"),
      openDescendants: db.prepare<[number], TaskRow>("SELECT * FROM task WHERE root_id = ? AND is_done = 0 ORDER BY id"),
      setTaskEvent: db.prepare("UPDATE task SET latest_event_kind = ?, updated_at = ? WHERE id = ?"),
      setTaskDone: db.prepare(
        "UPDATE task SET latest_event_kind = ?, is_done = 1, status_message = ?, updated_at = ?, finished_at = ? WHERE id = ? AND is_done = 0",
      ),
      setTaskInstruct: db.prepare("UPDATE task SET latest_instruct_kind = ?, updated_at = ? WHERE id = ?"),
      insertEvent: db.prepare(
        "INSERT INTO task_event (task_id, kind, message, progress, returns, level, created_at, seq, session) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
      ),
      hasEventOfSeq: db.prepare<[number, string, number, string | null], { one: number }>(
        "SELECT 1 AS one FROM task_event WHERE task_id = ? AND kind = ? AND seq = ? AND session IS ? LIMIT 1",
      ),
      hasEventOfKind: db.prepare<[number, string], { one: number }>("SELECT 1 AS one FROM task_event WHERE task_id = ? AND kind = ? LIMIT 1"),
      eventById: db.prepare<[number], TaskEventRow>("SELECT * FROM task_event WHERE id = ?"),
      eventsOfTask: db.prepare<[number], TaskEventRow>("SELECT * FROM task_event WHERE task_id = ? ORDER BY id"),
      // the newest task of an action (the driving index: task_action, as taskListQuery's shape)
      latestTaskOfAction: db.prepare<[number, string], TaskRow>("SELECT * FROM task WHERE action_id = ? AND +org = ? ORDER BY id DESC LIMIT 1"),
      eventsOfTaskAsc: db.prepare<[number, number, number], TaskEventRow>("SELECT * FROM task_event WHERE task_id = ? ORDER BY id ASC LIMIT ? OFFSET ?"),
      eventsOfTaskDesc: db.prepare<[number, number, number], TaskEventRow>("SELECT * FROM task_event WHERE task_id = ? ORDER BY id DESC LIMIT ? OFFSET ?"),
      controlEventsOfTask: db.prepare<[number], TaskEventRow>(
        `SELECT * FROM task_event WHERE task_id = ? AND kind IN ${CONTROL_EVENT_KINDS} ORDER BY id`,
      ),
      // the events of a page of tasks (ids as one JSON parameter, in page order), each task's bounded as
      // eventsOfTaskAsc/Desc bound it: the correlated subquery reads at most LIMIT + OFFSET index entries
      // per task. The outer LIMIT caps the whole read (read in raw mode: rows.ts)
      eventsOfTasksAsc: db.prepare(
        `SELECT e.* FROM json_each(?) j CROSS JOIN task_event e ON e.id IN (SELECT x.id FROM task_event x WHERE x.task_id = j.value ORDER BY x.id ASC LIMIT ? OFFSET ?)
         ORDER BY j.key, e.id ASC LIMIT ?`,
      ),
      eventsOfTasksDesc: db.prepare(
        `SELECT e.* FROM json_each(?) j CROSS JOIN task_event e ON e.id IN (SELECT x.id FROM task_event x WHERE x.task_id = j.value ORDER BY x.id DESC LIMIT ? OFFSET ?)
         ORDER BY j.key, e.id DESC LIMIT ?`,
      ),
      controlEventsOfTasks: db.prepare(
        `SELECT e.* FROM json_each(?) j CROSS JOIN task_event e ON e.task_id = j.value WHERE e.kind IN ${CONTROL_EVENT_KINDS} ORDER BY j.key, e.id LIMIT ?`,
      ),
      insertOutbox: db.prepare("INSERT INTO outbox (agent_id, task_id, kind, payload, created_at) VALUES (?, ?, ?, ?, ?)"),
      outboxOfAgent: db.prepare<[number], OutboxRow>("SELECT * FROM outbox WHERE agent_id = ? ORDER BY id"),
      outboxOfAgentAfter: db.prepare<[number, number], OutboxRow>("SELECT * FROM outbox WHERE agent_id = ? AND id > ? ORDER BY id"),
      deleteOutbox: db.prepare("DELETE FROM outbox WHERE id = ?"),
      deleteOutboxOfTaskKind: db.prepare("DELETE FROM outbox WHERE task_id = ? AND kind = ?"),
      deleteOutboxOfTask: db.prepare("DELETE FROM outbox WHERE task_id = ?"),
    };
  }

  private readonly savepoint: Database.Statement;
  private readonly releaseSavepoint: Database.Statement;
  private readonly rollbackToSavepoint: Database.Statement;

  /**
   * Runs `fn` atomically: inside the open batch it is a savepoint (rolled back alone if `fn`
   * throws), so a failed operation never leaves half its writes. A rollback also empties the row
   * caches, which may hold rows the savepoint just undid (SQLite reuses their ids).
   */
  transaction<T>(fn: () => T): T {
    this.batch();
    // A savepoint of prepared statements: better-sqlite3's `db.transaction(fn)` builds a new
    // wrapper per call, which cost ~8 µs of CPU three times per task (issue 18).
    this.savepoint.run();
    this.depth++;
    try {
      const result = fn();
      this.releaseSavepoint.run();
      return result;
    } catch (error) {
      // SQLite may have rolled back the whole batch on its own (disk full, I/O error): nothing to undo then
      if (this.db.inTransaction) {
        try {
          this.rollbackToSavepoint.run();
          this.releaseSavepoint.run();
        } catch (undo) {
          // the operation's writes cannot be undone alone: the whole batch goes, and its waiters hear of it
          this.failBatch(storeFailureOf(undo, this.path) ?? new StoreWriteError(this.path, undo as Error));
        }
      }
      this.rolledBack();
      if (this.batchOpen && !this.db.inTransaction) this.failBatch(storeFailureOf(error, this.path) ?? new StoreWriteError(this.path, error as Error));
      throw storeFailureOf(error, this.path) ?? error;
    } finally {
      this.depth--;
    }
  }

  /** How many `transaction` calls are running (their savepoints are open). */
  private depth = 0;

  /**
   * Runs one statement that may change any number of existing rows (all tasks of an agent, of an
   * implementation or of an action, with their events) on its own: the open batch is committed
   * first, and the statement is its own transaction. Inside the batch SQLite would keep a copy of
   * every page it changes in memory, to undo it (`temp_store = MEMORY`); alone it needs none. It is
   * atomic, but not with the writes before or after it; it may not run inside `transaction`.
   */
  runAlone(sql: string, ...params: unknown[]): Database.RunResult {
    if (this.depth > 0) throw new Error(`Store.runAlone called inside a transaction (statement: ${sql})`);
    // a commit's callbacks may write again, which opens the next batch
    for (let round = 0; this.db.inTransaction; round++) {
      if (!this.batchOpen || round === 100) throw new Error(`Store.runAlone: a transaction that is not the store's batch stays open (statement: ${sql})`);
      const failure = this.commit();
      if (failure) throw failure;
    }
    try {
      return this.prepared(sql).run(...params);
    } catch (error) {
      throw storeFailureOf(error, this.path) ?? error;
    }
  }

  // group commit ------------------------------------------------------------------------------
  //
  // Writes join one open transaction that commits on the next turn of the event loop
  // (setImmediate), so a burst of reports costs one commit. Anything that tells the outside world
  // that a write happened (EVENT_ACK, responses, mirrors, deliveries) runs through `afterCommit`,
  // so nothing is acknowledged before it is durable. When the commit fails (disk full), the batch
  // is rolled back, every waiter hears of it (`committed()` rejects, `afterCommit`'s `onFailed`
  // runs) and the next write opens a fresh batch: the server keeps serving once space returns.

  private pending: Array<{ done: () => void; failed?: ((error: StoreWriteError) => void) | undefined }> = [];
  private commitScheduled = false;
  /** True from our BEGIN until its COMMIT or ROLLBACK (SQLite may end the transaction behind our back). */
  private batchOpen = false;
  private readonly statements = new Map<string, Database.Statement>();
  private readonly rollbackListeners: Array<() => void> = [];
  private onCommitError: (error: StoreWriteError) => void = () => undefined;

  /** Where a failed group commit is reported (the batch is rolled back and its waiters rejected). */
  setCommitErrorHandler(handler: (error: StoreWriteError) => void): void {
    this.onCommitError = handler;
  }

  /** Runs `listener` after any rollback, so caches of rows outside the store can forget them too. */
  onRollback(listener: () => void): void {
    this.rollbackListeners.push(listener);
  }

  private rolledBack(): void {
    this.openTasks.clear();
    this.outboxCount.clear();
    this.outboxEmptyAfter.clear();
    this.agentCache.clear();
    this.callerCache.clear();
    this.callerIdentityCache.clear();
    this.actionCache.clear();
    this.implementationCache.clear();
    for (const listener of this.rollbackListeners) listener();
  }

  private batches = 0;

  /** The serial number of the open group transaction; undefined between commits. */
  get openBatch(): number | undefined {
    return this.batchOpen ? this.batches : undefined;
  }

  /** The serial number of the group transaction opened last (open, committed or rolled back). */
  get lastBatch(): number {
    return this.batches;
  }

  /** Opens the group transaction if none is open. */
  batch(): void {
    if (this.batchOpen && !this.db.inTransaction) {
      this.failBatch(new StoreWriteError(this.path, new Error("SQLite rolled back the open transaction after a failed write")));
    }
    if (this.db.inTransaction) return;
    this.db.exec("BEGIN");
    this.batchOpen = true;
    this.batches++;
    if (!this.commitScheduled) {
      this.commitScheduled = true;
      setImmediate(() => this.commit());
      this.commitQueuedListener?.();
    }
  }

  private commitQueuedListener: (() => void) | undefined;

  /** Runs `listener` right after each group commit is queued (the server queues its socket writes behind it). */
  onCommitQueued(listener: () => void): void {
    this.commitQueuedListener = listener;
  }

  /** Commits the open group transaction now and runs the callbacks that waited for it; returns the failure, if it failed. */
  commit(): StoreWriteError | undefined {
    this.commitScheduled = false;
    if (this.batchOpen) {
      if (!this.db.open || !this.db.inTransaction) {
        const failure = new StoreWriteError(this.path, new Error(this.db.open ? "SQLite rolled back the open transaction after a failed write" : "the store is closed"));
        this.failBatch(failure);
        return failure;
      }
      try {
        this.db.exec("COMMIT");
      } catch (error) {
        const failure = storeFailureOf(error, this.path) ?? new StoreWriteError(this.path, error as Error);
        this.failBatch(failure);
        return failure;
      }
      this.batchOpen = false;
    }
    const callbacks = this.pending;
    this.pending = [];
    for (const callback of callbacks) callback.done();
    return undefined;
  }

  /** Rolls the open batch back (if SQLite has not) and tells every waiter that it was lost. */
  private failBatch(error: StoreWriteError): void {
    try {
      if (this.db.open && this.db.inTransaction) this.db.exec("ROLLBACK");
    } catch {
      // nothing more to undo
    }
    this.batchOpen = false;
    this.rolledBack();
    const callbacks = this.pending;
    this.pending = [];
    this.onCommitError(error);
    for (const callback of callbacks) {
      try {
        callback.failed?.(error);
      } catch (failure) {
        this.onCommitError(new StoreWriteError(this.path, failure as Error));
      }
    }
  }

  /**
   * Runs `callback` once everything written so far is committed (at once when nothing is pending);
   * when that commit fails, runs `onFailed` instead.
   */
  afterCommit(callback: () => void, onFailed?: (error: StoreWriteError) => void): void {
    if (this.batchOpen) this.pending.push({ done: callback, failed: onFailed });
    else callback();
  }

  /** Resolves once everything written so far is committed; rejects with a StoreWriteError when that commit fails. */
  committed(): Promise<void> {
    if (!this.batchOpen) return Promise.resolve();
    return new Promise((resolve, reject) => this.pending.push({ done: resolve, failed: reject }));
  }

  close(): void {
    if (!this.db.open) return;
    this.commit();
    try {
      this.db.pragma("wal_checkpoint(TRUNCATE)");
    } finally {
      this.db.close();
    }
  }

  // agents ------------------------------------------------------------------------------------

  // Agent rows are read several times per task (routing, liveness, the report's session) and change
  // only through the methods below, which all forget the row they write: reads are cached (issue 18).
  private readonly agentCache = new Map<number, AgentRow>();

  agent(id: number): AgentRow | undefined {
    let row = this.agentCache.get(id);
    if (!row) {
      row = this.s.agentById.get(id);
      if (row) remember(this.agentCache, id, Object.freeze(row));
    }
    return row;
  }
  agentByIdentity(k: IdentityKey): AgentRow | undefined {
    return this.s.agentByIdentity.get(k.org, k.clientId, k.sub, k.iss);
  }
  agentsOfOrg(org: string): AgentRow[] {
    return this.s.agentsByOrg.all(org);
  }
  createAgent(row: Pick<AgentRow, "org" | "client_id" | "user_sub" | "iss" | "username" | "app" | "release" | "name" | "kind" | "hook_url"> & { hook_url_secret?: string | null }): AgentRow {
    this.batch();
    const info = this.s.insertAgent.run({ hook_url_secret: null, ...row, created_at: Date.now() });
    return this.agent(Number(info.lastInsertRowid))!;
  }
  /** Updates the given columns of one agent. Column names come from our code only. */
  updateAgent(id: number, fields: Partial<Omit<AgentRow, "id">>): void {
    const keys = Object.keys(fields);
    if (keys.length === 0) return;
    const sql = `UPDATE agent SET ${keys.map((k) => `${k} = @${k}`).join(", ")} WHERE id = @id`;
    this.batch();
    this.agentCache.delete(id);
    this.prepared(sql).run({ ...fields, id });
  }
  /** Compare-and-set renewal: returns false when the lease epoch moved on (fenced). */
  renewLease(id: number, epoch: number, now: number): boolean {
    this.batch();
    this.agentCache.delete(id);
    return this.prepared("UPDATE agent SET last_seen = ? WHERE id = ? AND lease_epoch = ?").run(now, id, epoch).changes === 1;
  }
  /**
   * Deletes the agent; its tasks stay, without it and its implementations. Three statements, each
   * alone (`runAlone`: outside any `transaction`): when the process dies between them, the agent is
   * still there and deleting it again finishes the job.
   */
  deleteAgent(id: number): void {
    this.implementationCache.clear();
    this.openTasks.clear();
    this.agentCache.delete(id);
    this.runAlone("UPDATE task SET implementation_id = NULL WHERE implementation_id IN (SELECT id FROM implementation WHERE agent_id = ?)", id);
    this.runAlone("UPDATE task SET agent_id = NULL WHERE agent_id = ?", id);
    this.runAlone("DELETE FROM agent WHERE id = ?", id);
  }
  /** At start: every agent offline, epoch bumped, last_seen now. Returns agents with in-flight work. */
  resetAgentsAfterRestart(now: number): number[] {
    return this.transaction(() => {
      this.batch();
      this.agentCache.clear();
      this.db.prepare("UPDATE agent SET connected = 0, lease_epoch = lease_epoch + 1, last_seen = ?, active_connection_id = NULL").run(now);
      return this.s.agentsWithInflight.all().map((r) => r.agent_id);
    });
  }
  staleConnectedAgents(before: number): AgentRow[] {
    return this.prepared("SELECT * FROM agent WHERE connected = 1 AND kind = 'WEBSOCKET' AND (last_seen IS NULL OR last_seen <= ?)").all(before) as AgentRow[];
  }

  // callers -----------------------------------------------------------------------------------

  // Caller rows are only ever inserted: reads are cached, by id and by identity (issue 18).
  private readonly callerCache = new Map<number, CallerRow>();
  private readonly callerIdentityCache = new Map<string, CallerRow>();

  caller(id: number): CallerRow | undefined {
    let row = this.callerCache.get(id);
    if (!row) {
      row = this.s.callerById.get(id);
      if (row) remember(this.callerCache, id, Object.freeze(row));
    }
    return row;
  }
  ensureCaller(k: IdentityKey): CallerRow {
    // JSON, so no two identities share a key
    const key = JSON.stringify([k.org, k.clientId, k.sub, k.iss]);
    const cached = this.callerIdentityCache.get(key);
    if (cached) return cached;
    let found = this.s.callerByIdentity.get(k.org, k.clientId, k.sub, k.iss);
    if (!found) {
      this.batch();
      const info = this.s.insertCaller.run(k.org, k.clientId, k.sub, k.iss);
      found = this.caller(Number(info.lastInsertRowid))!;
    }
    remember(this.callerIdentityCache, key, Object.freeze(found));
    return found;
  }

  // actions and implementations -----------------------------------------------------------------

  // Actions and implementations change only through register calls: reads are cached.
  private readonly actionCache = new Map<number, ActionRow>();
  private readonly implementationCache = new Map<number, ImplementationRow>();

  action(id: number): ActionRow | undefined {
    let row = this.actionCache.get(id);
    if (!row) {
      row = this.s.actionById.get(id);
      if (row) this.actionCache.set(id, row);
    }
    return row;
  }
  actionByKey(org: string, app: string, key: string, version: string): ActionRow | undefined {
    return this.s.actionByKey.get(org, app, key, version);
  }
  actionsByHash(org: string, hash: string): ActionRow[] {
    return this.s.actionsByHash.all(org, hash);
  }
  actionsOfOrg(org: string): ActionRow[] {
    return this.s.actionsByOrg.all(org);
  }
  insertAction(row: Omit<ActionRow, "id">): ActionRow {
    this.batch();
    const info = this.s.insertAction.run(row);
    return this.action(Number(info.lastInsertRowid))!;
  }
  updateAction(row: Omit<ActionRow, "org" | "app" | "key" | "version" | "defined_at">): void {
    this.batch();
    this.actionCache.delete(row.id);
    this.s.updateAction.run(row);
  }
  /** Forgets cached action rows (after an area deleted them: src/server/areas/agents, cleanupActions). */
  forgetActions(ids: readonly number[]): void {
    for (const id of ids) this.actionCache.delete(id);
    // their tasks were deleted with them
    this.openTasks.clear();
  }
  implementation(id: number): ImplementationRow | undefined {
    let row = this.implementationCache.get(id);
    if (!row) {
      row = this.s.implementationById.get(id);
      if (row) this.implementationCache.set(id, row);
    }
    return row;
  }
  implementationByInterface(agentId: number, iface: string): ImplementationRow | undefined {
    return this.s.implementationByInterface.get(agentId, iface);
  }
  implementationsOfAgent(agentId: number): ImplementationRow[] {
    return this.s.implementationsByAgent.all(agentId);
  }
  implementationsOfAction(actionId: number): ImplementationRow[] {
    return this.s.implementationsByAction.all(actionId);
  }
  implementationsOfOrg(org: string): ImplementationRow[] {
    return this.s.implementationsByOrg.all(org);
  }
  insertImplementation(row: Omit<ImplementationRow, "id" | "provenance_audience"> & { provenance_audience?: string | null }): ImplementationRow {
    this.batch();
    const info = this.s.insertImplementation.run({ provenance_audience: null, ...row });
    return this.implementation(Number(info.lastInsertRowid))!;
  }
  updateImplementation(row: Pick<ImplementationRow, "id" | "action_id" | "params" | "effect" | "needs_token" | "dependencies"> & { provenance_audience?: string | null }): void {
    this.batch();
    this.implementationCache.delete(row.id);
    this.s.updateImplementation.run({ provenance_audience: null, ...row });
  }
  /**
   * Sets the implementation of its tasks to NULL, alone (`runAlone`: outside any `transaction`), as
   * its delete would (ON DELETE SET NULL), so that the delete changes no task.
   */
  detachTasksOfImplementation(id: number): void {
    this.openTasks.clear();
    this.runAlone("UPDATE task SET implementation_id = NULL WHERE implementation_id = ?", id);
  }
  /** Deletes the implementation; detach its tasks first (`detachTasksOfImplementation`). */
  deleteImplementation(id: number): void {
    this.batch();
    this.implementationCache.delete(id);
    // the tasks that were assigned since `detachTasksOfImplementation` (ON DELETE SET NULL)
    this.openTasks.clear();
    this.s.deleteImplementation.run(id);
  }

  // tasks and events ----------------------------------------------------------------------------

  // The rows of open tasks this process created, kept up to date by the writes below and dropped
  // when the task is done: each report reads its task, which cost ~8 µs a read (issue 18). Filled
  // only by insertTask; emptied by anything that changes task rows behind these methods (deleting an
  // agent, an implementation or actions, a rollback).
  private readonly openTasks = new Map<number, TaskRow>();

  task(id: number): TaskRow | undefined {
    return this.openTasks.get(id) ?? this.s.taskById.get(id);
  }
  taskByCallerReference(callerId: number, reference: string): TaskRow | undefined {
    return this.s.taskByCallerReference.get(lookupKey(reference), callerId, reference);
  }
  insertTask(row: NewTask): TaskRow {
    this.batch();
    const referenceKey = lookupKey(row.reference);
    const argsKey = lookupKey(row.args_hash);
    const info = this.s.insertTask.run(
      row.org,
      row.action_id,
      row.implementation_id,
      row.agent_id,
      row.caller_id,
      row.reference,
      referenceKey,
      row.args,
      row.args_hash,
      argsKey,
      row.parent_id,
      row.root_id,
      row.capture,
      row.ephemeral,
      row.step,
      row.created_at,
      row.created_at,
    );
    // the row as stored, without reading it back
    const task: TaskRow = Object.freeze({
      id: Number(info.lastInsertRowid),
      org: row.org,
      action_id: row.action_id,
      implementation_id: row.implementation_id,
      agent_id: row.agent_id,
      caller_id: row.caller_id,
      reference: row.reference,
      args: row.args,
      args_hash: row.args_hash,
      parent_id: row.parent_id,
      root_id: row.root_id,
      is_done: 0,
      latest_event_kind: "STARTED",
      latest_instruct_kind: "ASSIGN",
      status_message: null,
      capture: row.capture,
      ephemeral: row.ephemeral,
      step: row.step,
      created_at: row.created_at,
      updated_at: row.created_at,
      finished_at: null,
      reference_key: referenceKey,
      args_key: argsKey,
      assign_pending: 1,
    });
    if (this.outboxCount.size < ROW_CACHE_LIMIT) this.outboxCount.set(task.id, 0);
    // large args are read back from SQLite when needed rather than held for as long as the task runs
    if (task.args.length <= OPEN_TASK_CACHE_MAX_ARGS) {
      if (this.openTasks.size >= OPEN_TASK_CACHE_LIMIT) this.openTasks.delete(this.openTasks.keys().next().value!);
      this.openTasks.set(task.id, task);
    }
    return task;
  }
  openTasksOfAgent(agentId: number): TaskRow[] {
    return this.s.openTasksOfAgent.all(agentId);
  }
  /** Not-done tasks of the agent whose ASSIGN was answered. */
  inflightTasksOfAgent(agentId: number): TaskRow[] {
    return this.s.inflightTasksOfAgent.all(agentId);
  }
  /** Not-done tasks of the agent whose ASSIGN waits for an answer, after task `afterId`, oldest first. */
  pendingAssignsOfAgent(agentId: number, afterId: number, limit: number): TaskRow[] {
    return this.s.pendingAssignsOfAgent.all(agentId, afterId, limit);
  }
  /** Marks the task's ASSIGN answered (false) or waiting again (true: re-queued for its agent). */
  setAssignPending(taskId: number, pending: boolean): void {
    this.batch();
    const value = pending ? 1 : 0;
    this.s.setAssignPending.run(value, taskId);
    const open = this.openTasks.get(taskId);
    if (open) {
      const next = copyTask(open);
      next.assign_pending = value;
      this.openTasks.set(taskId, Object.freeze(next));
    }
  }
  openDescendants(rootId: number): TaskRow[] {
    return this.s.openDescendants.all(rootId);
  }
  setTaskLatestEvent(taskId: number, kind: TaskEventKind, now: number): void {
    this.batch();
    this.s.setTaskEvent.run(kind, now, taskId);
    const open = this.openTasks.get(taskId);
    if (open) {
      const next = copyTask(open);
      next.latest_event_kind = kind;
      next.updated_at = now;
      this.openTasks.set(taskId, Object.freeze(next));
    }
  }
  /** Marks the task terminal; false when it already was (dedup). */
  setTaskDone(taskId: number, kind: string, statusMessage: string | null, now: number): boolean {
    this.batch();
    this.openTasks.delete(taskId);
    return this.s.setTaskDone.run(kind, statusMessage, now, now, taskId).changes === 1;
  }
  setTaskInstruct(taskId: number, kind: TaskInstructKind, now: number): void {
    this.batch();
    this.s.setTaskInstruct.run(kind, now, taskId);
    const open = this.openTasks.get(taskId);
    if (open) {
      const next = copyTask(open);
      next.latest_instruct_kind = kind;
      next.updated_at = now;
      this.openTasks.set(taskId, Object.freeze(next));
    }
  }
  insertEvent(
    taskId: number,
    kind: TaskEventKind,
    message: string | null,
    progress: number | null,
    returns: string | null,
    level: string,
    now: number,
    origin: { seq?: number | null; session?: string | null } = {},
  ): TaskEventRow {
    this.batch();
    const seq = origin.seq ?? null;
    const session = origin.session ?? null;
    const info = this.s.insertEvent.run(taskId, kind, message, progress, returns, level, now, seq, session);
    return { id: Number(info.lastInsertRowid), task_id: taskId, kind, message, progress, returns, level, created_at: now, seq, session };
  }
  /** True when the task already has an event of `kind` written from the report with this `seq` of this session. */
  hasEventOfSeq(taskId: number, kind: string, seq: number, session: string | null): boolean {
    return this.s.hasEventOfSeq.get(taskId, kind, seq, session) !== undefined;
  }
  /** True when the task has at least one event of `kind`. */
  hasEventOfKind(taskId: number, kind: string): boolean {
    return this.s.hasEventOfKind.get(taskId, kind) !== undefined;
  }
  event(id: number): TaskEventRow | undefined {
    return this.s.eventById.get(id);
  }
  eventsOfTask(taskId: number): TaskEventRow[] {
    return this.s.eventsOfTask.all(taskId);
  }
  /**
   * One page of a task's events, filtered in SQL (ids and kinds travel as one JSON parameter each,
   * so a filter of any length stays within SQLite's variable limit).
   */
  eventsOfTaskPage(taskId: number, filter: { ids?: readonly number[] | null; kinds?: readonly string[] | null }, newestFirst: boolean, limit: number, offset: number): TaskEventRow[] {
    // the shape of every page of a list of tasks with their events: one prepared statement each way
    // (a page of 100 tasks asks 100 times; building and looking up the SQL text cost more than the read)
    if (!filter.ids && !filter.kinds) return (newestFirst ? this.s.eventsOfTaskDesc : this.s.eventsOfTaskAsc).all(taskId, limit, offset);
    const where = ["task_id = ?"];
    const params: unknown[] = [taskId];
    if (filter.ids) {
      where.push("id IN (SELECT value FROM json_each(?))");
      params.push(JSON.stringify(filter.ids));
    }
    if (filter.kinds) {
      where.push("kind IN (SELECT value FROM json_each(?))");
      params.push(JSON.stringify(filter.kinds));
    }
    const sql = `SELECT * FROM task_event WHERE ${where.join(" AND ")} ORDER BY id ${newestFirst ? "DESC" : "ASC"} LIMIT ? OFFSET ?`;
    return this.prepared(sql).all(...params, limit, offset) as TaskEventRow[];
  }
  /** The newest task of an action in an organisation (`Action.latestTask`). */
  latestTaskOfAction(org: string, actionId: number): TaskRow | undefined {
    return this.s.latestTaskOfAction.get(actionId, org);
  }
  /** The task's control events (CANCELLING, INTERRUPTING, PAUSING, RESUMING: `Task.instructs`), oldest first. */
  controlEventsOfTask(taskId: number): TaskEventRow[] {
    return this.s.controlEventsOfTask.all(taskId);
  }
  /**
   * The events of several tasks (a page of a task list), each task's page as `eventsOfTaskPage` without
   * filters gives it, in one read: grouped by task id. Undefined when there are more than `maxRows`
   * (then nothing more is read; ask per task).
   */
  eventsOfTasks(taskIds: readonly number[], newestFirst: boolean, limit: number, offset: number, maxRows: number): Map<number, TaskEventRow[]> | undefined {
    const statement = newestFirst ? this.s.eventsOfTasksDesc : this.s.eventsOfTasksAsc;
    return byTask(allRows<TaskEventRow>(statement, [JSON.stringify(taskIds), limit, offset, rowCap(maxRows)]), maxRows);
  }
  /** The control events of several tasks (`controlEventsOfTask` of each), grouped by task id; undefined past `maxRows`. */
  controlEventsOfTasks(taskIds: readonly number[], maxRows: number): Map<number, TaskEventRow[]> | undefined {
    return byTask(allRows<TaskEventRow>(this.s.controlEventsOfTasks, [JSON.stringify(taskIds), rowCap(maxRows)]), maxRows);
  }
  /** The caller row of an identity, without creating it (read paths). */
  findCaller(k: IdentityKey): CallerRow | undefined {
    return this.s.callerByIdentity.get(k.org, k.clientId, k.sub, k.iss);
  }
  /**
   * Task events written at or after `since`, newest first, each with its task's caller. The scan walks
   * the primary key backwards and stops at the first older event, so it costs the recent events only.
   */
  *recentEvents(since: number): Generator<TaskEventRow & { caller_id: number }> {
    const rows = this.prepared(
      "SELECT e.*, t.caller_id AS caller_id FROM task_event e CROSS JOIN task t ON t.id = e.task_id ORDER BY e.id DESC",
    ).iterate() as IterableIterator<TaskEventRow & { caller_id: number }>;
    for (const row of rows) {
      if (row.created_at < since) return;
      yield row;
    }
  }
  /** Tasks created at or after `since`, newest first (same backwards scan as `recentEvents`). */
  *recentTasks(since: number): Generator<TaskRow> {
    const rows = this.prepared("SELECT * FROM task ORDER BY id DESC").iterate() as IterableIterator<TaskRow>;
    for (const row of rows) {
      if (row.created_at < since) return;
      yield row;
    }
  }

  /** Runs a read-only SQL query built by our code (filters of list queries). */
  query<T>(sql: string, params: unknown[]): T[] {
    return allRows<T>(this.preparedRaw(sql), params);
  }
  /** One page of the tasks that match `filter` (store/task-list.ts), in `order`. */
  tasksMatching(filter: TaskListFilter, order: TaskListOrder, page: RowPage): TaskRow[] {
    const { sql, params } = taskListQuery(filter, order, page);
    return this.query<TaskRow>(sql, params);
  }

  /** A prepared statement per SQL text, kept for the store's life: heartbeats and list queries repeat the same few. */
  private prepared(sql: string): Database.Statement {
    return this.cachedStatement(this.statements, sql);
  }

  /** Like `prepared`, for the statements read in raw mode (rows.ts): never shared with `prepared`'s callers. */
  private preparedRaw(sql: string): Database.Statement {
    return this.cachedStatement(this.rawStatements, sql);
  }

  /** The statement of `sql` in `cache`, prepared when missing (at most 500 per cache: past it the cache starts again empty). */
  private cachedStatement(cache: Map<string, Database.Statement>, sql: string): Database.Statement {
    let statement = cache.get(sql);
    if (!statement) {
      if (cache.size >= 500) cache.clear();
      statement = this.db.prepare(sql);
      cache.set(sql, statement);
    }
    return statement;
  }
  private readonly rawStatements = new Map<string, Database.Statement>();

  // outbox --------------------------------------------------------------------------------------

  // How many outbox entries each task created by this process has (bounded; a task not in it is
  // asked of SQLite). A task's end deletes its entries, a PAUSED or RESUMED report its control: for
  // almost every task there is none, and each such DELETE cost ~4 µs of CPU (issue 18). Forgotten
  // on any rollback.
  private readonly outboxCount = new Map<number, number>();
  // Per agent, an outbox id past which it is known to have no entry: each commit that assigns asks
  // for the agent's new entries, which are rare now that ASSIGNs wait in the task rows (fifth round).
  // Forgotten by the agent's next entry and on any rollback.
  private readonly outboxEmptyAfter = new Map<number, number>();

  enqueue(agentId: number, taskId: number | null, kind: string, payload: string, now: number): OutboxRow {
    this.batch();
    this.outboxEmptyAfter.delete(agentId);
    const info = this.s.insertOutbox.run(agentId, taskId, kind, payload, now);
    if (taskId !== null) {
      const count = this.outboxCount.get(taskId);
      if (count !== undefined) this.outboxCount.set(taskId, count + 1);
    }
    return { id: Number(info.lastInsertRowid), agent_id: agentId, task_id: taskId, kind, payload, created_at: now };
  }
  outboxOf(agentId: number): OutboxRow[] {
    return this.s.outboxOfAgent.all(agentId);
  }
  outboxOfAfter(agentId: number, afterId: number): OutboxRow[] {
    const emptyAfter = this.outboxEmptyAfter.get(agentId);
    if (emptyAfter !== undefined && emptyAfter <= afterId) return [];
    const rows = this.s.outboxOfAgentAfter.all(agentId, afterId);
    if (this.outboxEmptyAfter.size >= ROW_CACHE_LIMIT) this.outboxEmptyAfter.clear();
    this.outboxEmptyAfter.set(agentId, rows.length === 0 ? afterId : rows[rows.length - 1]!.id);
    return rows;
  }
  deleteOutbox(entry: Pick<OutboxRow, "id" | "task_id">): void {
    this.batch();
    const deleted = this.s.deleteOutbox.run(entry.id).changes;
    if (entry.task_id !== null) this.countOutbox(entry.task_id, -deleted);
  }
  /** Removes the task's entries (of one kind, or all); returns how many there were. */
  deleteOutboxOfTask(taskId: number, kind?: string): number {
    if (this.outboxCount.get(taskId) === 0) {
      // the task ended: nothing of it will be enqueued again
      if (kind === undefined) this.outboxCount.delete(taskId);
      return 0;
    }
    this.batch();
    if (kind === undefined) {
      this.outboxCount.delete(taskId);
      return this.s.deleteOutboxOfTask.run(taskId).changes;
    }
    const deleted = this.s.deleteOutboxOfTaskKind.run(taskId, kind).changes;
    this.countOutbox(taskId, -deleted);
    return deleted;
  }
  private countOutbox(taskId: number, change: number): void {
    const count = this.outboxCount.get(taskId);
    if (count !== undefined) this.outboxCount.set(taskId, Math.max(0, count + change));
  }
}
