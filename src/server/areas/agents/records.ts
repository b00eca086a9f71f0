/**
 * The agents area's rows (migration 4) and its reads over the core tables (stats, reusable runs,
 * cleanup). All SQL of the area lives here; filters become WHERE clauses built from constant
 * fragments with `?` parameters (no value is ever spliced into query text).
 */
import type Database from "better-sqlite3";
import type { ActionRow, ImplementationRow, Store, TaskRow } from "../../store/store.js";
import { PlatformError } from "../../platform.js";
import { idList, parseId } from "../../graphql/ids.js";
import { lookupKey } from "../../store/lookup-key.js";

export interface HigherOrderRow {
  implementation_id: number;
  org: string;
  lower_id: number | null;
  config: string;
  updated_at: number;
}

export interface ClientRow {
  id: number;
  org: string;
  client_id: string;
  user_sub: string;
  app: string | null;
  release: string | null;
  device: string | null;
  created_at: number;
}

/** Who pins: a user (sub + iss) of an organisation. */
export interface Pinner {
  org: string;
  sub: string;
  iss: string;
}

export type StatsField = "CREATED_AT";
export type Granularity = "HOUR" | "DAY" | "WEEK" | "MONTH" | "QUARTER" | "YEAR";

/** A compiled filter: a WHERE fragment over one table alias and its parameters. */
export interface Where {
  sql: string;
  params: unknown[];
}

/** What `taskStats` / `actionStats` select: the table and the compiled filter (the parent of the stats fields). */
export interface StatsSelection {
  table: "task" | "action";
  where: Where;
  /** Each field's summary, read once per selection. */
  cache: Map<string, StatsSummary>;
}

export interface StatsSummary {
  count: number;
  distinctCount: number;
  max: number | null;
  min: number | null;
  avg: number | null;
  sum: number | null;
}

export interface StatsBucket extends StatsSummary {
  ts: string;
}

/** The column behind each stats field, per table, in seconds since the epoch (stored as ms). */
const STATS_COLUMN: Record<StatsSelection["table"], Record<StatsField, string>> = {
  task: { CREATED_AT: "(t.created_at / 1000.0)" },
  action: { CREATED_AT: "(t.defined_at / 1000.0)" },
};
const STATS_TIMESTAMP: Record<StatsSelection["table"], Record<StatsField, string>> = {
  task: { CREATED_AT: "t.created_at / 1000" },
  action: { CREATED_AT: "t.defined_at / 1000" },
};
/** The start of a bucket as an ISO string (UTC; weeks start on Monday, as the platform's TruncWeek). */
const BUCKET: Record<Granularity, (ts: string) => string> = {
  HOUR: (ts) => `strftime('%Y-%m-%dT%H:00:00.000Z', ${ts}, 'unixepoch')`,
  DAY: (ts) => `strftime('%Y-%m-%dT00:00:00.000Z', ${ts}, 'unixepoch')`,
  WEEK: (ts) => `strftime('%Y-%m-%dT00:00:00.000Z', ${ts}, 'unixepoch', 'weekday 0', '-6 days')`,
  MONTH: (ts) => `strftime('%Y-%m-01T00:00:00.000Z', ${ts}, 'unixepoch')`,
  QUARTER: (ts) => `printf('%s-%02d-01T00:00:00.000Z', strftime('%Y', ${ts}, 'unixepoch'), ((CAST(strftime('%m', ${ts}, 'unixepoch') AS INTEGER) - 1) / 3) * 3 + 1)`,
  YEAR: (ts) => `strftime('%Y-01-01T00:00:00.000Z', ${ts}, 'unixepoch')`,
};

const bad = (message: string) => new PlatformError(message, "BAD_USER_INPUT");

const DELETE_TASKS_OF_ACTION = "DELETE FROM task WHERE action_id = ?";
const DELETE_ACTION = "DELETE FROM action WHERE id = ? AND NOT EXISTS (SELECT 1 FROM implementation WHERE action_id = ?)";

type Lookup = Record<string, unknown>;

/** `StrFilterLookup` on one text column. */
function strLookup(column: string, lookup: unknown, path: string): Where[] {
  if (lookup === null || lookup === undefined) return [];
  const l = lookup as Lookup;
  const out: Where[] = [];
  const text = (key: string): string | undefined => (typeof l[key] === "string" ? (l[key] as string) : undefined);
  const push = (sql: string, ...params: unknown[]) => out.push({ sql, params });
  if (text("exact") !== undefined) push(`${column} = ?`, text("exact"));
  if (text("iExact") !== undefined) push(`lower(${column}) = lower(?)`, text("iExact"));
  if (text("contains") !== undefined) push(`instr(${column}, ?) > 0`, text("contains"));
  if (text("iContains") !== undefined) push(`instr(lower(${column}), lower(?)) > 0`, text("iContains"));
  if (text("startsWith") !== undefined) push(`substr(${column}, 1, length(?)) = ?`, text("startsWith"), text("startsWith"));
  if (text("iStartsWith") !== undefined) push(`lower(substr(${column}, 1, length(?))) = lower(?)`, text("iStartsWith"), text("iStartsWith"));
  if (text("endsWith") !== undefined) push(`substr(${column}, -length(?)) = ?`, text("endsWith"), text("endsWith"));
  if (text("iEndsWith") !== undefined) push(`lower(substr(${column}, -length(?))) = lower(?)`, text("iEndsWith"), text("iEndsWith"));
  if (text("gt") !== undefined) push(`${column} > ?`, text("gt"));
  if (text("gte") !== undefined) push(`${column} >= ?`, text("gte"));
  if (text("lt") !== undefined) push(`${column} < ?`, text("lt"));
  if (text("lte") !== undefined) push(`${column} <= ?`, text("lte"));
  if (Array.isArray(l.inList)) push(`${column} IN (SELECT value FROM json_each(?))`, JSON.stringify(l.inList));
  if (Array.isArray(l.range)) {
    if (l.range.length !== 2) throw bad(`${path}.range: must hold two values (from, to); got ${l.range.length}`);
    push(`${column} BETWEEN ? AND ?`, l.range[0], l.range[1]);
  }
  if (typeof l.isNull === "boolean") push(l.isNull ? `${column} IS NULL` : `${column} IS NOT NULL`);
  if (text("regex") !== undefined || text("iRegex") !== undefined) {
    throw bad(`${path}.${text("regex") !== undefined ? "regex" : "iRegex"}: regular expressions are not served by this server; use contains, startsWith or endsWith`);
  }
  return out;
}

function joinAnd(parts: Where[]): Where {
  if (parts.length === 0) return { sql: "1 = 1", params: [] };
  return { sql: parts.map((p) => `(${p.sql})`).join(" AND "), params: parts.flatMap((p) => p.params) };
}

/** AND / OR / NOT of a filter input, as strawberry-django combines them: fields AND `AND`, then OR `OR`, then AND NOT `NOT`. */
function combine(f: Lookup, own: Where[], recurse: (sub: unknown, path: string) => Where, path: string): Where {
  let where = joinAnd([...own, ...(f.AND ? [recurse(f.AND, `${path}.AND`)] : [])]);
  if (f.OR) {
    const or = recurse(f.OR, `${path}.OR`);
    where = { sql: `(${where.sql}) OR (${or.sql})`, params: [...where.params, ...or.params] };
  }
  if (f.NOT) {
    const not = recurse(f.NOT, `${path}.NOT`);
    where = { sql: `(${where.sql}) AND NOT (${not.sql})`, params: [...where.params, ...not.params] };
  }
  return where;
}

function idEquals(column: string, value: unknown): Where | null {
  if (value === null || value === undefined) return null;
  const id = parseId(value);
  // a value that is no id matches nothing
  return id === null ? { sql: "0 = 1", params: [] } : { sql: `${column} = ?`, params: [id] };
}

function idsIn(column: string, value: unknown): Where | null {
  const ids = idList(value);
  return ids ? { sql: `${column} IN (SELECT value FROM json_each(?))`, params: [JSON.stringify([...ids])] } : null;
}

function timestamp(value: unknown, path: string): number {
  const ms = typeof value === "string" ? Date.parse(value) : NaN;
  if (!Number.isFinite(ms)) throw bad(`${path}: not a date-time (${JSON.stringify(value)}); send an ISO-8601 string such as 2026-01-31T12:00:00Z`);
  return ms;
}

/** `TaskFilter` over `task t`. */
export function taskWhere(filters: unknown, path = "filters"): Where {
  if (filters === null || filters === undefined) return joinAnd([]);
  const f = filters as Lookup;
  const own: Where[] = [];
  const add = (w: Where | null) => w && own.push(w);
  add(idsIn("t.id", f.ids));
  if (Array.isArray(f.status) && f.status.length > 0) {
    throw bad(`${path}.status: the task status filter was removed from the platform; filter by ${path}.state (the latest event kinds) instead`);
  }
  if (typeof f.clientId === "string") own.push({ sql: "t.agent_id IN (SELECT id FROM agent WHERE client_id = ?)", params: [f.clientId] });
  if (Array.isArray(f.state)) own.push({ sql: "t.latest_event_kind IN (SELECT value FROM json_each(?))", params: [JSON.stringify(f.state)] });
  add(idEquals("t.implementation_id", f.implementation));
  add(idEquals("t.agent_id", f.agent));
  add(idEquals("t.action_id", f.action));
  add(idEquals("t.caller_id", f.caller));
  add(idEquals("t.parent_id", f.parent));
  add(idEquals("t.root_id", f.root));
  // the server records no structures a task acted on: an `actedOn` overlap matches nothing
  if (Array.isArray(f.actedOn)) own.push({ sql: "0 = 1", params: [] });
  if (f.createdBefore != null) own.push({ sql: "t.created_at < ?", params: [timestamp(f.createdBefore, `${path}.createdBefore`)] });
  if (f.createdAfter != null) own.push({ sql: "t.created_at > ?", params: [timestamp(f.createdAfter, `${path}.createdAfter`)] });
  if (typeof f.rootIsnull === "boolean") own.push({ sql: f.rootIsnull ? "t.root_id IS NULL" : "t.root_id IS NOT NULL", params: [] });
  if (typeof f.isDone === "boolean") own.push({ sql: "t.is_done = ?", params: [f.isDone ? 1 : 0] });
  // the integer key finds the rows through its index (migration 15), the text decides
  if (typeof f.argsHash === "string") own.push({ sql: "t.args_key = ? AND t.args_hash = ?", params: [lookupKey(f.argsHash), f.argsHash] });
  if (typeof f.reference === "string") own.push({ sql: "t.reference_key = ? AND t.reference = ?", params: [lookupKey(f.reference), f.reference] });
  return combine(f, own, taskWhere, path);
}

/** `ActionFilter` over `action t`. */
export function actionWhere(filters: unknown, path = "filters"): Where {
  if (filters === null || filters === undefined) return joinAnd([]);
  const f = filters as Lookup;
  for (const unserved of ["demands", "objectDemands", "protocols"]) {
    if (Array.isArray(f[unserved]) && (f[unserved] as unknown[]).length > 0) {
      throw bad(`${path}.${unserved}: port and protocol matching is not served by this server's actionStats; filter by ids, name, kind or appIdentifier`);
    }
  }
  const own: Where[] = [...strLookup("t.name", f.name, `${path}.name`)];
  const ids = idsIn("t.id", f.ids);
  if (ids) own.push(ids);
  if (typeof f.search === "string") own.push({ sql: "instr(lower(t.name), lower(?)) > 0", params: [f.search] });
  if (typeof f.kind === "string") own.push({ sql: "t.kind = ?", params: [f.kind] });
  if (typeof f.stateful === "boolean") own.push({ sql: "t.stateful = ?", params: [f.stateful ? 1 : 0] });
  if (typeof f.appIdentifier === "string") own.push({ sql: "t.app = ?", params: [f.appIdentifier] });
  if (typeof f.inCollection === "string") {
    own.push({ sql: "EXISTS (SELECT 1 FROM json_each(t.definition, '$.collections') c WHERE c.value = ?)", params: [f.inCollection] });
  }
  if (f.usedBefore != null) {
    own.push({ sql: "EXISTS (SELECT 1 FROM task u WHERE u.action_id = t.id AND u.created_at < ?)", params: [timestamp(f.usedBefore, `${path}.usedBefore`)] });
  }
  if (f.usedAfter != null) {
    own.push({ sql: "EXISTS (SELECT 1 FROM task u WHERE u.action_id = t.id AND u.created_at > ?)", params: [timestamp(f.usedAfter, `${path}.usedAfter`)] });
  }
  return combine(f, own, actionWhere, path);
}

/** `ClientFilter` over `agent_client t`, for the viewer (`mine`). */
export function clientWhere(filters: unknown, viewerSub: string, path = "filters"): Where {
  if (filters === null || filters === undefined) return joinAnd([]);
  const f = filters as Lookup;
  const own: Where[] = [];
  const ids = idsIn("t.id", f.ids);
  if (ids) own.push(ids);
  if (typeof f.mine === "boolean") own.push({ sql: f.mine ? "t.user_sub = ?" : "t.user_sub <> ?", params: [viewerSub] });
  if (Array.isArray(f.hasImplementationsFor)) {
    own.push({
      sql: `EXISTS (SELECT 1 FROM agent g JOIN implementation i ON i.agent_id = g.id JOIN action a ON a.id = i.action_id
             WHERE g.org = t.org AND g.client_id = t.client_id AND a.hash IN (SELECT value FROM json_each(?)))`,
      params: [JSON.stringify(f.hasImplementationsFor)],
    });
  }
  if (f.interface !== null && f.interface !== undefined) {
    // a client matches when one of its agents has an implementation whose interface matches
    const inner = joinAnd(strLookup("i.interface", f.interface, `${path}.interface`));
    own.push({
      sql: `EXISTS (SELECT 1 FROM agent g JOIN implementation i ON i.agent_id = g.id WHERE g.org = t.org AND g.client_id = t.client_id AND ${inner.sql})`,
      params: inner.params,
    });
  }
  return combine(f, own, (sub, p) => clientWhere(sub, viewerSub, p), path);
}

export class AgentsRecords {
  private readonly s;

  constructor(private readonly store: Store) {
    const db: Database.Database = store.db;
    this.s = {
      pinAgent: db.prepare("INSERT OR IGNORE INTO agent_pin (agent_id, org, user_sub, iss, created_at) VALUES (?, ?, ?, ?, ?)"),
      unpinAgent: db.prepare("DELETE FROM agent_pin WHERE agent_id = ? AND user_sub = ? AND iss = ?"),
      agentPinned: db.prepare<[number, string, string, string], { one: number }>(
        "SELECT 1 AS one FROM agent_pin WHERE agent_id = ? AND org = ? AND user_sub = ? AND iss = ?",
      ),
      agentsPinnedBy: db.prepare<[string, string, string], { agent_id: number }>("SELECT agent_id FROM agent_pin WHERE org = ? AND user_sub = ? AND iss = ?"),
      pinImplementation: db.prepare("INSERT OR IGNORE INTO implementation_pin (implementation_id, org, user_sub, iss, created_at) VALUES (?, ?, ?, ?, ?)"),
      unpinImplementation: db.prepare("DELETE FROM implementation_pin WHERE implementation_id = ? AND user_sub = ? AND iss = ?"),
      implementationPinned: db.prepare<[number, string, string, string], { one: number }>(
        "SELECT 1 AS one FROM implementation_pin WHERE implementation_id = ? AND org = ? AND user_sub = ? AND iss = ?",
      ),
      higherOrder: db.prepare<[number], HigherOrderRow>("SELECT * FROM implementation_higher_order WHERE implementation_id = ?"),
      setHigherOrder: db.prepare(
        `INSERT INTO implementation_higher_order (implementation_id, org, lower_id, config, updated_at) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (implementation_id) DO UPDATE SET lower_id = excluded.lower_id, config = excluded.config, updated_at = excluded.updated_at`,
      ),
      wrappersOf: db.prepare<[number, string, number, number], ImplementationRow>(
        `SELECT i.* FROM implementation_higher_order h JOIN implementation i ON i.id = h.implementation_id
         WHERE h.lower_id = ? AND h.org = ? ORDER BY i.id LIMIT ? OFFSET ?`,
      ),
      upsertClient: db.prepare(
        `INSERT INTO agent_client (org, client_id, user_sub, app, release, device, created_at) VALUES (@org, @client_id, @user_sub, @app, @release, @device, @created_at)
         ON CONFLICT (org, client_id) DO UPDATE SET app = excluded.app, release = excluded.release, device = excluded.device`,
      ),
      clientOf: db.prepare<[string, string], ClientRow>("SELECT * FROM agent_client WHERE org = ? AND client_id = ?"),
      myLatestTask: db.prepare<[number, string, string, string], TaskRow>(
        `SELECT t.* FROM task t JOIN caller c ON c.id = t.caller_id
         WHERE t.implementation_id = ? AND t.is_done = 1 AND t.org = ? AND c.user_sub = ? AND c.iss = ?
         ORDER BY t.created_at DESC, t.id DESC LIMIT 1`,
      ),
      reusableTask: db.prepare<[string, string, number, string], TaskRow>(
        `SELECT t.* FROM task t JOIN action a ON a.id = t.action_id
         WHERE a.org = ? AND a.hash = ? AND a.pure = 1 AND t.org = a.org AND t.args_key = ? AND t.args_hash = ? AND t.is_done = 1
           AND t.latest_event_kind = 'COMPLETED' AND t.ephemeral = 0
         ORDER BY t.finished_at DESC, t.id DESC LIMIT 1`,
      ),
      unreferencedActions: db.prepare<[string, string | null, string | null], { id: number }>(
        `SELECT a.id FROM action a
         WHERE a.org = ? AND (? IS NULL OR a.id IN (SELECT value FROM json_each(?)))
           AND NOT EXISTS (SELECT 1 FROM implementation i WHERE i.action_id = a.id)
         ORDER BY a.id`,
      ),
      declareLock: db.prepare(
        `INSERT INTO agent_lock (org, agent_id, key, description, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT (agent_id, key) DO UPDATE SET description = excluded.description, updated_at = excluded.updated_at`,
      ),
      holdLock: db.prepare(
        `INSERT INTO agent_lock (org, agent_id, key, hold_by, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT (agent_id, key) DO UPDATE SET hold_by = excluded.hold_by, updated_at = excluded.updated_at`,
      ),
      releaseLock: db.prepare("UPDATE agent_lock SET hold_by = NULL, updated_at = ? WHERE agent_id = ? AND key = ?"),
      lockKnown: db.prepare("SELECT 1 FROM agent_lock WHERE agent_id = ? AND key = ?").pluck(),
      lockCount: db.prepare("SELECT COUNT(*) FROM agent_lock WHERE agent_id = ?").pluck(),
    };
  }

  // pins ----------------------------------------------------------------------------------------

  setAgentPin(agentId: number, who: Pinner, pin: boolean, now: number): void {
    this.store.batch();
    if (pin) this.s.pinAgent.run(agentId, who.org, who.sub, who.iss, now);
    else this.s.unpinAgent.run(agentId, who.sub, who.iss);
  }
  agentPinned(agentId: number, who: Pinner): boolean {
    return this.s.agentPinned.get(agentId, who.org, who.sub, who.iss) !== undefined;
  }
  /** The ids of the agents `who` pinned (a page of agents asks once instead of once per agent). */
  agentsPinnedBy(who: Pinner): Set<number> {
    return new Set(this.s.agentsPinnedBy.all(who.org, who.sub, who.iss).map((r) => r.agent_id));
  }
  setImplementationPin(implementationId: number, who: Pinner, pin: boolean, now: number): void {
    this.store.batch();
    if (pin) this.s.pinImplementation.run(implementationId, who.org, who.sub, who.iss, now);
    else this.s.unpinImplementation.run(implementationId, who.sub, who.iss);
  }
  implementationPinned(implementationId: number, who: Pinner): boolean {
    return this.s.implementationPinned.get(implementationId, who.org, who.sub, who.iss) !== undefined;
  }

  // higher order ----------------------------------------------------------------------------------

  higherOrder(implementationId: number): HigherOrderRow | undefined {
    return this.s.higherOrder.get(implementationId);
  }
  setHigherOrder(implementationId: number, org: string, lowerId: number, config: string, now: number): void {
    this.store.batch();
    this.s.setHigherOrder.run(implementationId, org, lowerId, config, now);
  }
  /** The implementations that wrap `lowerId`, in the organisation. */
  wrappersOf(lowerId: number, org: string, limit: number, offset: number): ImplementationRow[] {
    return this.s.wrappersOf.all(lowerId, org, limit, offset);
  }

  // clients -------------------------------------------------------------------------------------

  upsertClient(row: Omit<ClientRow, "id">): void {
    this.store.batch();
    this.s.upsertClient.run(row);
  }
  clientOf(org: string, clientId: string): ClientRow | undefined {
    return this.s.clientOf.get(org, clientId);
  }
  clients(org: string, where: Where, newestFirst: boolean | null, limit: number, offset: number): ClientRow[] {
    const order = newestFirst === null ? "t.id" : `t.created_at ${newestFirst ? "DESC" : "ASC"}, t.id`;
    return this.store.query<ClientRow>(`SELECT t.* FROM agent_client t WHERE t.org = ? AND (${where.sql}) ORDER BY ${order} LIMIT ? OFFSET ?`, [
      org,
      ...where.params,
      limit,
      offset,
    ]);
  }

  // tasks -----------------------------------------------------------------------------------------

  myLatestTask(implementationId: number, who: Pinner): TaskRow | undefined {
    return this.s.myLatestTask.get(implementationId, who.org, who.sub, who.iss);
  }
  reusableTask(org: string, actionHash: string, argsHash: string): TaskRow | undefined {
    return this.s.reusableTask.get(org, actionHash, lookupKey(argsHash), argsHash);
  }

  // locks ---------------------------------------------------------------------------------------

  declareLock(org: string, agentId: number, key: string, description: string | null, now: number): void {
    this.store.batch();
    this.s.declareLock.run(org, agentId, key, description, now, now);
  }
  holdLock(org: string, agentId: number, key: string, taskId: number, now: number): void {
    this.store.batch();
    this.s.holdLock.run(org, agentId, key, taskId, now, now);
  }
  /** Whether the agent has a row for this lock (declared, or held before). */
  lockKnown(agentId: number, key: string): boolean {
    return this.s.lockKnown.get(agentId, key) !== undefined;
  }
  lockCount(agentId: number): number {
    return this.s.lockCount.get(agentId) as number;
  }
  releaseLock(agentId: number, key: string, now: number): void {
    this.store.batch();
    this.s.releaseLock.run(now, agentId, key);
  }

  // cleanup ---------------------------------------------------------------------------------------

  /**
   * Deletes the organisation's actions that no implementation references (of `ids`, or all), with
   * their tasks (and through them the tasks' events and outbox entries), as the platform's cascade
   * does. An action whose tasks are still referenced elsewhere (a child task of another action, a
   * row of another area without ON DELETE CASCADE) is kept. Returns the ids deleted. Not inside a
   * transaction: when the process dies between an action's two statements, its tasks are gone and
   * the action stays, to go at the next cleanup.
   */
  deleteUnreferencedActions(org: string, ids: readonly number[] | null): number[] {
    const list = ids === null ? null : JSON.stringify(ids);
    const candidates = this.s.unreferencedActions.all(org, list, list).map((r) => r.id);
    const deleted: number[] = [];
    for (const id of candidates) {
      // each statement alone (Store.runAlone): an action's tasks and events may be any number of rows
      try {
        this.store.runAlone(DELETE_TASKS_OF_ACTION, id);
      } catch (error) {
        if ((error as { code?: string }).code !== "SQLITE_CONSTRAINT_FOREIGNKEY") throw error;
        continue;
      }
      if (this.store.runAlone(DELETE_ACTION, id, id).changes === 1) deleted.push(id);
    }
    return deleted;
  }

  // stats -----------------------------------------------------------------------------------------

  statsSummary(org: string, selection: StatsSelection, field: StatsField | null): StatsSummary {
    const column = field === null ? "NULL" : STATS_COLUMN[selection.table][field];
    const row = this.store.query<StatsSummary>(
      `SELECT COUNT(*) AS count, COUNT(DISTINCT ${column}) AS distinctCount, MAX(${column}) AS max, MIN(${column}) AS min, AVG(${column}) AS avg, SUM(${column}) AS sum
       FROM ${selection.table} t WHERE t.org = ? AND (${selection.where.sql})`,
      [org, ...selection.where.params],
    )[0];
    return row ?? { count: 0, distinctCount: 0, max: null, min: null, avg: null, sum: null };
  }

  statsSeries(org: string, selection: StatsSelection, field: StatsField, timestampField: StatsField, by: Granularity): StatsBucket[] {
    const column = STATS_COLUMN[selection.table][field];
    const bucket = BUCKET[by](STATS_TIMESTAMP[selection.table][timestampField]);
    return this.store.query<StatsBucket>(
      `SELECT ${bucket} AS ts, COUNT(*) AS count, COUNT(DISTINCT ${column}) AS distinctCount, MAX(${column}) AS max, MIN(${column}) AS min, AVG(${column}) AS avg, SUM(${column}) AS sum
       FROM ${selection.table} t WHERE t.org = ? AND (${selection.where.sql}) GROUP BY 1 ORDER BY 1`,
      [org, ...selection.where.params],
    );
  }

  /** An action row as the store holds it (for `newActions`' payloads). */
  action(id: number): ActionRow | undefined {
    return this.store.action(id);
  }
}
