/**
 * Task lists in SQL: the filters of the platform's `TaskFilter` that map to stored columns, as a
 * typed object the GraphQL layer fills from its arguments (no query text outside the store).
 */
import { lookupKey } from "./lookup-key.js";

/** One page of a list: `limit` -1 means no limit. */
export interface RowPage {
  limit: number;
  offset: number;
}

/** Which tasks: every given field must match (undefined = no condition). Ids are row ids. */
export interface TaskListFilter {
  org: string;
  ids?: readonly number[];
  agentId?: number;
  actionId?: number;
  implementationId?: number;
  callerId?: number;
  parentId?: number;
  rootId?: number;
  argsHash?: string;
  reference?: string;
  isDone?: boolean;
  /** true: root tasks only; false: child tasks only. */
  rootIsNull?: boolean;
  /** Latest event kinds. */
  states?: readonly string[];
  /** Milliseconds since the epoch, exclusive. */
  createdBefore?: number;
  createdAfter?: number;
}

/** Sort keys of a task list, in order; none = newest first. */
export type TaskListOrder = ReadonlyArray<{ by: "created" | "finished"; desc: boolean }>;

/** Latest event kinds of a done task: a task is done exactly when its latest event kind is one of these. */
const TERMINAL_KINDS: ReadonlySet<string> = new Set(["COMPLETED", "FAILED", "CRITICAL", "CANCELLED", "INTERRUPTED"]);

/**
 * The one condition that picks the rows (its index, migration 14), in order of how few rows it
 * leaves: the others are checked on those rows. Each index keeps equal keys in id order, so the
 * page comes newest (or oldest) first without sorting; `isDone: false` reads the small partial
 * indexes of the open tasks.
 */
type Driver = "ids" | "parent" | "root" | "open" | "reference" | "argsHash" | "implementation" | "action" | "agent" | "caller" | "doneState" | "org";
function driverOf(filter: TaskListFilter, open: boolean, doneState: boolean): Driver {
  if (filter.ids) return "ids";
  if (filter.parentId !== undefined) return "parent";
  if (filter.rootId !== undefined) return "root";
  if (open) return "open";
  if (filter.reference !== undefined) return "reference";
  if (filter.argsHash !== undefined) return "argsHash";
  if (filter.implementationId !== undefined) return "implementation";
  if (filter.actionId !== undefined) return "action";
  if (filter.agentId !== undefined) return "agent";
  if (filter.callerId !== undefined) return "caller";
  if (doneState) return "doneState";
  return "org";
}

/**
 * The statement and parameters of one task list query. Conditions other than the driver's are
 * written with a unary `+` on the column (SQLite then uses no index for them), so the plan does
 * not depend on table statistics: test/server/task-list-plans.test.ts pins it per shape.
 */
export function taskListQuery(filter: TaskListFilter, order: TaskListOrder, page: RowPage): { sql: string; params: unknown[] } {
  // a state filter of open kinds only asks for open tasks (a done task's latest kind is terminal)
  const openStates = filter.states !== undefined && filter.states.length > 0 && filter.states.every((s) => !TERMINAL_KINDS.has(s));
  const open = filter.isDone === false || (filter.isDone === undefined && openStates);
  // one terminal state (e.g. only the FAILED tasks): the partial index of done tasks by kind
  const doneState = !open && filter.isDone !== false && filter.states !== undefined && filter.states.length === 1 && TERMINAL_KINDS.has(filter.states[0]!);
  const driver = driverOf(filter, open, doneState);
  const drives = (column: string, d: Driver) => (driver === d ? column : `+${column}`);
  const where: string[] = [`${driver === "org" || driver === "doneState" || (driver === "open" && filter.agentId === undefined) ? "org" : "+org"} = ?`];
  const params: unknown[] = [filter.org];
  const eq = (column: string, value: string | number | undefined) => {
    if (value === undefined) return;
    where.push(`${column} = ?`);
    params.push(value);
  };
  // lists travel as one JSON parameter: any length stays within SQLite's variable limit
  if (filter.ids) {
    where.push("id IN (SELECT value FROM json_each(?))");
    params.push(JSON.stringify(filter.ids));
  }
  eq(drives("agent_id", driver === "open" ? "open" : "agent"), filter.agentId);
  eq(drives("action_id", "action"), filter.actionId);
  eq(drives("implementation_id", "implementation"), filter.implementationId);
  eq(drives("caller_id", "caller"), filter.callerId);
  eq(drives("parent_id", "parent"), filter.parentId);
  eq(drives("root_id", "root"), filter.rootId);
  // the text's integer key drives its index (migration 15); the text itself is checked on the row
  if (filter.argsHash !== undefined) {
    eq(drives("args_key", "argsHash"), lookupKey(filter.argsHash));
    eq("+args_hash", filter.argsHash);
  }
  if (filter.reference !== undefined) {
    eq(drives("reference_key", "reference"), lookupKey(filter.reference));
    eq("+reference", filter.reference);
  }
  if (filter.isDone !== undefined) eq(drives("is_done", "open"), filter.isDone ? 1 : 0);
  else if (open) eq("is_done", 0);
  if (filter.rootIsNull !== undefined) where.push(filter.rootIsNull ? "+root_id IS NULL" : "+root_id IS NOT NULL");
  if (driver === "doneState") {
    where.push("latest_event_kind = ?", "is_done = 1");
    params.push(filter.states![0]);
  } else if (filter.states && filter.states.length > 0) {
    where.push("latest_event_kind IN (SELECT value FROM json_each(?))");
    params.push(JSON.stringify(filter.states));
  }
  if (filter.createdBefore !== undefined) {
    where.push("created_at < ?");
    params.push(filter.createdBefore);
  }
  if (filter.createdAfter !== undefined) {
    where.push("created_at > ?");
    params.push(filter.createdAfter);
  }
  const orderBy = order.map((o) => `${o.by === "created" ? "id" : "finished_at"} ${o.desc ? "DESC" : "ASC"}`);
  if (orderBy.length === 0) orderBy.push("id DESC");
  return {
    sql: `SELECT * FROM task WHERE ${where.join(" AND ")} ORDER BY ${orderBy.join(", ")} LIMIT ? OFFSET ?`,
    params: [...params, page.limit, page.offset],
  };
}
