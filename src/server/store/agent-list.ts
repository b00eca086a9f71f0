/**
 * The core's `agents` list in SQL (issue 18): the filters of `AgentFilter` the core serves, the
 * order and the page, so a list reads one page of the organisation's agents instead of all of them.
 * Same typed-filter shape as task-list.ts; the GraphQL layer fills it from its arguments.
 */
import type { RowPage } from "./task-list.js";

export interface AgentListFilter {
  org: string;
  /** Row ids (an empty list matches nothing). */
  ids?: readonly number[];
  clientId?: string;
  /** Case-insensitive substring of the name. */
  search?: string;
  /** The viewer's own pin: pinned (true) or not (false) by this user. */
  pinned?: { value: boolean; sub: string; iss: string };
  app?: string;
  userSub?: string;
  /** Interfaces the agent must all implement. */
  hasImplementations?: readonly string[];
}

/** The statement and parameters of one agents page: `byLastSeen` newest heartbeat first (never seen last), else by id. */
export function agentListQuery(filter: AgentListFilter, byLastSeen: boolean, page: RowPage): { sql: string; params: unknown[] } {
  const where = ["g.org = ?"];
  const params: unknown[] = [filter.org];
  if (filter.ids) {
    where.push("g.id IN (SELECT value FROM json_each(?))");
    params.push(JSON.stringify(filter.ids));
  }
  const eq = (column: string, value: string | undefined) => {
    if (value === undefined) return;
    where.push(`${column} = ?`);
    params.push(value);
  };
  eq("g.client_id", filter.clientId);
  eq("g.app", filter.app);
  eq("g.user_sub", filter.userSub);
  if (filter.search !== undefined) {
    where.push("instr(lower(g.name), lower(?)) > 0");
    params.push(filter.search);
  }
  if (filter.pinned) {
    where.push(`${filter.pinned.value ? "" : "NOT "}EXISTS (SELECT 1 FROM agent_pin p WHERE p.agent_id = g.id AND p.org = g.org AND p.user_sub = ? AND p.iss = ?)`);
    params.push(filter.pinned.sub, filter.pinned.iss);
  }
  for (const name of filter.hasImplementations ?? []) {
    where.push("EXISTS (SELECT 1 FROM implementation i WHERE i.agent_id = g.id AND i.interface = ?)");
    params.push(name);
  }
  const order = byLastSeen ? "COALESCE(g.last_seen, 0) DESC, g.id ASC" : "g.id ASC";
  return { sql: `SELECT g.* FROM agent g WHERE ${where.join(" AND ")} ORDER BY ${order} LIMIT ? OFFSET ?`, params: [...params, page.limit, page.offset] };
}
