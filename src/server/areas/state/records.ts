/**
 * The state area's rows (migration 5) and every query over them. Writes join the store's group
 * transaction (callers wrap them in `store.transaction`); optional filters are bound parameters
 * (`? IS NULL OR ...`, id sets as JSON arrays through `json_each`), so every statement is prepared once.
 */
import type Database from "better-sqlite3";
import type { Store } from "../../store/store.js";

export interface StateDefinitionRow {
  id: number;
  org: string;
  hash: string;
  name: string;
  /** JSON: the ports (ReturnPortInput shapes) as declared. */
  ports: string;
  created_at: number;
}

export interface StateRow {
  id: number;
  org: string;
  agent_id: number;
  definition_id: number;
  interface: string;
  key: string | null;
  app_identifier: string | null;
  /** JSON: the current value. */
  value: string;
  global_rev: number;
  local_rev: number;
  session_ref: number | null;
  pruned_through: number;
  created_at: number;
  updated_at: number;
}

export interface SessionRow {
  id: number;
  org: string;
  agent_id: number;
  /** The session id the agent sent (SESSION_INIT / STATE_* `session_id`). */
  session_id: string;
  started_at: number;
  ended_at: number | null;
}

export interface SnapshotRow {
  id: number;
  org: string;
  state_id: number;
  session_ref: number;
  value: string;
  revision: number;
  global_revision: number;
  patch_mark: number;
  timestamp: number;
  /** Joined: the agent's session id. */
  session_key: string;
}

export interface PatchRow {
  id: number;
  org: string;
  state_id: number;
  session_ref: number;
  task_id: number | null;
  correlation: string | null;
  op: string;
  path: string;
  value: string | null;
  current_revision: number;
  future_revision: number;
  global_current_revision: number;
  global_future_revision: number;
  timestamp: number;
  /** Joined: the agent's session id. */
  session_key: string;
  /** Joined: the interface of the state. */
  interface: string;
  /** Joined: the agent of the state. */
  agent_id: number;
}

export interface Boundary {
  start_global_revision: number | null;
  end_global_revision: number | null;
  start_time: number | null;
  end_time: number | null;
}

/** Where a point in time falls in a state's history: a session and the global revision reached there. */
export interface HistoryPoint {
  session_ref: number;
  rev: number;
}

/** One `SessionOrder` entry: a column and the schema's `Ordering`. */
export interface SessionOrdering {
  column: "started_at" | "ended_at";
  direction: "ASC" | "ASC_NULLS_FIRST" | "ASC_NULLS_LAST" | "DESC" | "DESC_NULLS_FIRST" | "DESC_NULLS_LAST";
}
const NULLS: Record<SessionOrdering["direction"], string> = {
  ASC: "",
  DESC: "",
  ASC_NULLS_FIRST: " NULLS FIRST",
  ASC_NULLS_LAST: " NULLS LAST",
  DESC_NULLS_FIRST: " NULLS FIRST",
  DESC_NULLS_LAST: " NULLS LAST",
};

/** Which sessions a filter keeps: `null` for all, else the session row ids (a JSON array). */
export type IdSet = readonly number[] | null;
const idSet = (ids: IdSet): string | null => (ids === null ? null : JSON.stringify(ids));

const SNAPSHOT = "SELECT sn.*, ss.session_id AS session_key FROM state_snapshot sn JOIN state_session ss ON ss.id = sn.session_ref";
const PATCH =
  "SELECT p.*, ss.session_id AS session_key, s.interface AS interface, s.agent_id AS agent_id FROM state_patch p JOIN state_session ss ON ss.id = p.session_ref JOIN state s ON s.id = p.state_id";

export class StateRecords {
  private readonly s;

  constructor(private readonly store: Store) {
    const db: Database.Database = store.db;
    this.s = {
      definition: db.prepare<[number], StateDefinitionRow>("SELECT * FROM state_definition WHERE id = ?"),
      definitionByHash: db.prepare<[string, string], StateDefinitionRow>("SELECT * FROM state_definition WHERE org = ? AND hash = ?"),
      insertDefinition: db.prepare("INSERT INTO state_definition (org, hash, name, ports, created_at) VALUES (@org, @hash, @name, @ports, @created_at)"),
      renameDefinition: db.prepare("UPDATE state_definition SET name = ? WHERE id = ?"),
      definitionsOfOrg: db.prepare<[string], StateDefinitionRow>("SELECT * FROM state_definition WHERE org = ? ORDER BY id"),

      state: db.prepare<[number], StateRow>("SELECT * FROM state WHERE id = ?"),
      stateByInterface: db.prepare<[number, string], StateRow>("SELECT * FROM state WHERE agent_id = ? AND interface = ?"),
      statesOfOrg: db.prepare<[string], StateRow>("SELECT * FROM state WHERE org = ? ORDER BY id"),
      statesOfAgent: db.prepare<[number], StateRow>("SELECT * FROM state WHERE agent_id = ? ORDER BY id"),
      insertState: db.prepare(
        `INSERT INTO state (org, agent_id, definition_id, interface, key, app_identifier, created_at, updated_at)
         VALUES (@org, @agent_id, @definition_id, @interface, @key, @app_identifier, @now, @now)`,
      ),
      redefineState: db.prepare("UPDATE state SET definition_id = @definition_id, key = @key, app_identifier = @app_identifier, updated_at = @now WHERE id = @id"),
      deleteState: db.prepare("DELETE FROM state WHERE id = ?"),
      setCurrent: db.prepare(
        "UPDATE state SET value = @value, global_rev = @global_rev, local_rev = @local_rev, session_ref = @session_ref, updated_at = @now WHERE id = @id",
      ),

      session: db.prepare<[number], SessionRow>("SELECT * FROM state_session WHERE id = ?"),
      sessionByKey: db.prepare<[number, string], SessionRow>("SELECT * FROM state_session WHERE agent_id = ? AND session_id = ?"),
      insertSession: db.prepare("INSERT INTO state_session (org, agent_id, session_id, started_at) VALUES (@org, @agent_id, @session_id, @now)"),
      endOtherSessions: db.prepare("UPDATE state_session SET ended_at = ? WHERE agent_id = ? AND id <> ? AND ended_at IS NULL"),
      sessionRefsMatching: db.prepare<[string, string, number | null], { id: number }>("SELECT id FROM state_session WHERE org = ? AND (session_id = ? OR id = ?)"),
      sessionsOfAgent: db.prepare<[number], SessionRow>("SELECT * FROM state_session WHERE agent_id = ? ORDER BY id"),

      insertSnapshot: db.prepare(
        `INSERT INTO state_snapshot (org, state_id, session_ref, value, revision, global_revision, patch_mark, timestamp)
         VALUES (@org, @state_id, @session_ref, @value, @revision, @global_revision, @patch_mark, @timestamp)`,
      ),
      snapshot: db.prepare<[number], SnapshotRow>(`${SNAPSHOT} WHERE sn.id = ?`),
      snapshotsOfSession: db.prepare<[number], SnapshotRow>(`${SNAPSHOT} WHERE sn.session_ref = ? ORDER BY sn.id`),
      anchor: db.prepare<{ state: number; session: number; rev: number; local: number }, SnapshotRow>(
        `${SNAPSHOT} WHERE sn.state_id = @state AND sn.session_ref = @session
           AND (@rev < 0 OR sn.global_revision <= @rev) AND (@local < 0 OR sn.revision <= @local)
         ORDER BY sn.id DESC LIMIT 1`,
      ),
      snapshotsBefore: db.prepare<{ state: number; sessions: string | null; rev: number; n: number }, SnapshotRow>(
        `SELECT * FROM (${SNAPSHOT} WHERE sn.state_id = @state AND (@sessions IS NULL OR sn.session_ref IN (SELECT value FROM json_each(@sessions)))
           AND sn.revision <= @rev ORDER BY sn.revision DESC, sn.id DESC LIMIT @n) ORDER BY revision, id`,
      ),
      snapshotsAfter: db.prepare<{ state: number; sessions: string | null; rev: number; n: number }, SnapshotRow>(
        `${SNAPSHOT} WHERE sn.state_id = @state AND (@sessions IS NULL OR sn.session_ref IN (SELECT value FROM json_each(@sessions)))
           AND sn.revision > @rev ORDER BY sn.revision, sn.id LIMIT @n`,
      ),
      pruneSnapshots: db.prepare(
        "DELETE FROM state_snapshot WHERE state_id = @state AND id <= (SELECT id FROM state_snapshot WHERE state_id = @state ORDER BY id DESC LIMIT 1 OFFSET @keep)",
      ),

      insertPatch: db.prepare(
        `INSERT INTO state_patch (org, state_id, session_ref, task_id, correlation, op, path, value,
           current_revision, future_revision, global_current_revision, global_future_revision, timestamp)
         VALUES (@org, @state_id, @session_ref, @task_id, @correlation, @op, @path, @value,
           @current_revision, @future_revision, @global_current_revision, @global_future_revision, @timestamp)`,
      ),
      patch: db.prepare<[number], PatchRow>(`${PATCH} WHERE p.id = ?`),
      lastPatchId: db.prepare<[number], { id: number | null }>("SELECT MAX(id) AS id FROM state_patch WHERE state_id = ?"),
      patchesOfSession: db.prepare<[number], PatchRow>(`${PATCH} WHERE p.session_ref = ? ORDER BY p.id`),
      patchesAfterMark: db.prepare<{ state: number; session: number; mark: number; rev: number; local: number }, PatchRow>(
        `${PATCH} WHERE p.state_id = @state AND p.session_ref = @session AND p.id > @mark
           AND (@rev < 0 OR p.global_future_revision <= @rev) AND (@local < 0 OR p.future_revision <= @local) ORDER BY p.id`,
      ),
      forwardAfter: db.prepare<{ org: string; rev: number; state: number | null; sessions: string | null; n: number }, PatchRow>(
        `${PATCH} WHERE p.org = @org AND p.global_current_revision >= @rev AND (@state IS NULL OR p.state_id = @state)
           AND (@sessions IS NULL OR p.session_ref IN (SELECT value FROM json_each(@sessions)))
         ORDER BY p.global_current_revision, p.state_id, p.current_revision, p.id LIMIT @n`,
      ),
      between: db.prepare<{ org: string; from: number; to: number; states: string | null; sessions: string | null; n: number }, PatchRow>(
        `${PATCH} WHERE p.org = @org AND p.global_current_revision >= @from AND p.global_future_revision <= @to
           AND (@states IS NULL OR p.state_id IN (SELECT value FROM json_each(@states)))
           AND (@sessions IS NULL OR p.session_ref IN (SELECT value FROM json_each(@sessions)))
         ORDER BY p.global_current_revision, p.state_id, p.current_revision, p.id LIMIT @n`,
      ),
      checkoutForward: db.prepare<{ session: number; state: number | null; agent: number; rev: number; n: number }, PatchRow>(
        `${PATCH} WHERE p.session_ref = @session AND s.agent_id = @agent AND (@state IS NULL OR p.state_id = @state) AND p.global_current_revision >= @rev
         ORDER BY p.global_current_revision, p.state_id, p.current_revision, p.id LIMIT @n`,
      ),
      checkoutBackward: db.prepare<{ session: number; state: number | null; agent: number; rev: number; n: number }, PatchRow>(
        `SELECT * FROM (${PATCH} WHERE p.session_ref = @session AND s.agent_id = @agent AND (@state IS NULL OR p.state_id = @state) AND p.global_future_revision <= @rev
           ORDER BY p.global_future_revision DESC, p.state_id DESC, p.id DESC LIMIT @n) ORDER BY global_future_revision, state_id, id`,
      ),
      historyAt: db.prepare<{ agent: number; state: number | null; session: number | null; ts: number }, HistoryPoint>(
        `SELECT session_ref, rev FROM (
           SELECT sn.session_ref AS session_ref, sn.global_revision AS rev, sn.timestamp AS ts FROM state_snapshot sn JOIN state s ON s.id = sn.state_id
             WHERE s.agent_id = @agent AND (@state IS NULL OR sn.state_id = @state) AND (@session IS NULL OR sn.session_ref = @session) AND sn.timestamp <= @ts
           UNION ALL
           SELECT p.session_ref, p.global_future_revision, p.timestamp FROM state_patch p JOIN state s ON s.id = p.state_id
             WHERE s.agent_id = @agent AND (@state IS NULL OR p.state_id = @state) AND (@session IS NULL OR p.session_ref = @session) AND p.timestamp <= @ts)
         ORDER BY ts DESC, session_ref DESC, rev DESC LIMIT 1`,
      ),
      pruneMark: db.prepare<{ state: number; keep: number }, { id: number | null }>(
        "SELECT id FROM state_patch WHERE state_id = @state ORDER BY id DESC LIMIT 1 OFFSET @keep",
      ),
      prunePatches: db.prepare("DELETE FROM state_patch WHERE state_id = ? AND id <= ?"),
      setPruned: db.prepare("UPDATE state SET pruned_through = MAX(pruned_through, ?) WHERE id = ?"),
      taskBoundary: db.prepare<{ org: string; correlation: string; state: number | null }, Boundary>(
        `SELECT MIN(p.global_current_revision) AS start_global_revision, MAX(p.global_future_revision) AS end_global_revision,
                MIN(p.timestamp) AS start_time, MAX(p.timestamp) AS end_time
         FROM state_patch p LEFT JOIN task t ON t.id = p.task_id
         WHERE p.org = @org AND (p.correlation = @correlation OR t.reference = @correlation) AND (@state IS NULL OR p.state_id = @state)`,
      ),
      sessionBoundary: db.prepare<{ org: string; sessions: string; state: number | null }, Boundary>(
        `SELECT MIN(p.global_current_revision) AS start_global_revision, MAX(p.global_future_revision) AS end_global_revision,
                MIN(p.timestamp) AS start_time, MAX(p.timestamp) AS end_time
         FROM state_patch p WHERE p.org = @org AND p.session_ref IN (SELECT value FROM json_each(@sessions)) AND (@state IS NULL OR p.state_id = @state)`,
      ),
      stateIdsOfSessions: db.prepare<{ org: string; sessions: string | null }, { id: number }>(
        `SELECT id FROM state WHERE org = @org AND (@sessions IS NULL OR id IN (
           SELECT state_id FROM state_snapshot WHERE session_ref IN (SELECT value FROM json_each(@sessions))
           UNION SELECT state_id FROM state_patch WHERE session_ref IN (SELECT value FROM json_each(@sessions)))) ORDER BY id`,
      ),
    };
  }

  // definitions -------------------------------------------------------------------------------------
  definition(id: number): StateDefinitionRow | undefined {
    return this.s.definition.get(id);
  }
  definitionsOfOrg(org: string): StateDefinitionRow[] {
    return this.s.definitionsOfOrg.all(org);
  }
  /** The organisation's definition with these ports (by hash), created or renamed to `name`. */
  upsertDefinition(org: string, hash: string, name: string, ports: string, now: number): StateDefinitionRow {
    const existing = this.s.definitionByHash.get(org, hash);
    if (existing) {
      if (existing.name !== name) this.s.renameDefinition.run(name, existing.id);
      return { ...existing, name };
    }
    const id = Number(this.s.insertDefinition.run({ org, hash, name, ports, created_at: now }).lastInsertRowid);
    return this.s.definition.get(id)!;
  }

  // states ------------------------------------------------------------------------------------------
  state(id: number): StateRow | undefined {
    return this.s.state.get(id);
  }
  stateByInterface(agentId: number, iface: string): StateRow | undefined {
    return this.s.stateByInterface.get(agentId, iface);
  }
  statesOfOrg(org: string): StateRow[] {
    return this.s.statesOfOrg.all(org);
  }
  statesOfAgent(agentId: number): StateRow[] {
    return this.s.statesOfAgent.all(agentId);
  }
  upsertState(row: { org: string; agent_id: number; definition_id: number; interface: string; key: string | null; app_identifier: string | null }, now: number): StateRow {
    const existing = this.s.stateByInterface.get(row.agent_id, row.interface);
    if (existing) {
      this.s.redefineState.run({ id: existing.id, definition_id: row.definition_id, key: row.key, app_identifier: row.app_identifier, now });
      return this.s.state.get(existing.id)!;
    }
    const id = Number(this.s.insertState.run({ ...row, now }).lastInsertRowid);
    return this.s.state.get(id)!;
  }
  deleteState(id: number): void {
    this.s.deleteState.run(id);
  }
  setCurrent(id: number, current: { value: string; global_rev: number; local_rev: number; session_ref: number }, now: number): StateRow {
    this.s.setCurrent.run({ id, ...current, now });
    return this.s.state.get(id)!;
  }

  // sessions ----------------------------------------------------------------------------------------
  session(id: number): SessionRow | undefined {
    return this.s.session.get(id);
  }
  sessionsOfAgent(agentId: number): SessionRow[] {
    return this.s.sessionsOfAgent.all(agentId);
  }
  /** The agent's session with this id, created when new; `fresh` ends the agent's other sessions. */
  ensureSession(org: string, agentId: number, sessionId: string, now: number, fresh: boolean): SessionRow {
    let session = this.s.sessionByKey.get(agentId, sessionId);
    if (!session) {
      const id = Number(this.s.insertSession.run({ org, agent_id: agentId, session_id: sessionId, now }).lastInsertRowid);
      session = this.s.session.get(id)!;
      fresh = true;
    }
    if (fresh) this.s.endOtherSessions.run(now, agentId, session.id);
    return session;
  }
  /** The organisation's sessions a `sessionId` argument names: by the agent's session id, or by row id. */
  sessionRefs(org: string, sessionId: string): number[] {
    const asId = /^\d{1,15}$/.test(sessionId) ? Number(sessionId) : null;
    return this.s.sessionRefsMatching.all(org, sessionId, asId).map((r) => r.id);
  }
  /** Sessions of the organisation, filtered, ordered and paged in SQL. */
  listSessions(org: string, q: { ids: IdSet; agent: number | null; order: SessionOrdering[]; limit: number; offset: number }): SessionRow[] {
    const order = [...q.order.map((o) => `${o.column} ${o.direction.startsWith("DESC") ? "DESC" : "ASC"}${NULLS[o.direction]}`), "id ASC"].join(", ");
    const statement = this.listSessionsStatement(order);
    return statement.all({ org, ids: idSet(q.ids), agent: q.agent, limit: q.limit, offset: q.offset });
  }
  private readonly sessionLists = new Map<string, Database.Statement<Record<string, unknown>, SessionRow>>();
  private listSessionsStatement(order: string): Database.Statement<Record<string, unknown>, SessionRow> {
    let statement = this.sessionLists.get(order);
    if (!statement) {
      // `order` is built from the two fixed column names above, never from input text
      statement = this.store.db.prepare<Record<string, unknown>, SessionRow>(
        `SELECT * FROM state_session WHERE org = @org AND (@ids IS NULL OR id IN (SELECT value FROM json_each(@ids)))
           AND (@agent IS NULL OR agent_id = @agent) ORDER BY ${order} LIMIT @limit OFFSET @offset`,
      );
      this.sessionLists.set(order, statement);
    }
    return statement;
  }

  // snapshots and patches ---------------------------------------------------------------------------
  insertSnapshot(row: Omit<SnapshotRow, "id" | "session_key">): number {
    return Number(this.s.insertSnapshot.run(row).lastInsertRowid);
  }
  snapshot(id: number): SnapshotRow | undefined {
    return this.s.snapshot.get(id);
  }
  snapshotsOfSession(sessionRef: number): SnapshotRow[] {
    return this.s.snapshotsOfSession.all(sessionRef);
  }
  insertPatch(row: Omit<PatchRow, "id" | "session_key" | "interface" | "agent_id">): PatchRow {
    const id = Number(this.s.insertPatch.run(row).lastInsertRowid);
    return this.s.patch.get(id)!;
  }
  patch(id: number): PatchRow | undefined {
    return this.s.patch.get(id);
  }
  lastPatchId(stateId: number): number {
    return this.s.lastPatchId.get(stateId)?.id ?? 0;
  }
  patchesOfSession(sessionRef: number): PatchRow[] {
    return this.s.patchesOfSession.all(sessionRef);
  }
  /** Drops all but the newest `patches` patches and `snapshots` snapshots of a state; remembers the highest dropped patch. */
  prune(stateId: number, patches: number, snapshots: number): void {
    const mark = this.s.pruneMark.get({ state: stateId, keep: patches })?.id;
    if (mark !== undefined && mark !== null) {
      this.s.prunePatches.run(stateId, mark);
      this.s.setPruned.run(mark, stateId);
    }
    this.s.pruneSnapshots.run({ state: stateId, keep: snapshots });
  }
  /** The newest snapshot of a state in a session at or before a global (or local) revision; -1 means any. */
  anchor(stateId: number, sessionRef: number, rev: number, local: number): SnapshotRow | undefined {
    return this.s.anchor.get({ state: stateId, session: sessionRef, rev, local });
  }
  patchesAfterMark(stateId: number, sessionRef: number, mark: number, rev: number, local: number): PatchRow[] {
    return this.s.patchesAfterMark.all({ state: stateId, session: sessionRef, mark, rev, local });
  }
  forwardAfter(org: string, rev: number, state: number | null, sessions: IdSet, count: number): PatchRow[] {
    return this.s.forwardAfter.all({ org, rev, state, sessions: idSet(sessions), n: count });
  }
  between(org: string, from: number, to: number, states: IdSet, sessions: IdSet, max: number): PatchRow[] {
    return this.s.between.all({ org, from, to, states: idSet(states), sessions: idSet(sessions), n: max });
  }
  /** Checkout: the first `n` patches of a session (of one state, or of all the agent's) starting at or after global revision `rev`. */
  checkoutForward(q: { session: number; state: number | null; agent: number; rev: number; n: number }): PatchRow[] {
    return this.s.checkoutForward.all(q);
  }
  /** Checkout: the last `n` patches of a session (of one state, or of all the agent's) ending at or before global revision `rev`, oldest first. */
  checkoutBackward(q: { session: number; state: number | null; agent: number; rev: number; n: number }): PatchRow[] {
    return this.s.checkoutBackward.all(q);
  }
  /** The newest snapshot or patch (of one state, or of all the agent's; in one session or any) at or before `ts`: its session and global revision. */
  historyAt(q: { agent: number; state: number | null; session: number | null; ts: number }): HistoryPoint | undefined {
    return this.s.historyAt.get(q);
  }
  snapshotsAround(stateId: number, sessions: IdSet, revision: number, before: number, after: number): SnapshotRow[] {
    const args = { state: stateId, sessions: idSet(sessions), rev: revision };
    return [...this.s.snapshotsBefore.all({ ...args, n: before }), ...this.s.snapshotsAfter.all({ ...args, n: after })];
  }
  taskBoundary(org: string, correlation: string, state: number | null): Boundary {
    return this.s.taskBoundary.get({ org, correlation, state })!;
  }
  sessionBoundary(org: string, sessions: readonly number[], state: number | null): Boundary {
    return this.s.sessionBoundary.get({ org, sessions: JSON.stringify(sessions), state })!;
  }
  /** States of the organisation with history in these sessions (all states when null). */
  stateIdsOfSessions(org: string, sessions: IdSet): number[] {
    return this.s.stateIdsOfSessions.all({ org, sessions: idSet(sessions) }).map((r) => r.id);
  }
}
