/**
 * Task lists in SQL: the filters of the platform's `TaskFilter` that map to stored columns, as a
 * typed object the GraphQL layer fills from its arguments (no query text outside the store).
 */
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

/** The statement and parameters of one task list query. */
export function taskListQuery(filter: TaskListFilter, order: TaskListOrder, page: RowPage): { sql: string; params: unknown[] } {
  const where: string[] = ["org = ?"];
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
  eq("agent_id", filter.agentId);
  eq("action_id", filter.actionId);
  eq("implementation_id", filter.implementationId);
  eq("caller_id", filter.callerId);
  eq("parent_id", filter.parentId);
  eq("root_id", filter.rootId);
  eq("args_hash", filter.argsHash);
  eq("reference", filter.reference);
  if (filter.isDone !== undefined) eq("is_done", filter.isDone ? 1 : 0);
  if (filter.rootIsNull !== undefined) where.push(filter.rootIsNull ? "root_id IS NULL" : "root_id IS NOT NULL");
  if (filter.states && filter.states.length > 0) {
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
