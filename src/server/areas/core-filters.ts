/**
 * SQL forms of the core's `ActionFilter` / `ActionOrder` and `ImplementationFilter` /
 * `ImplementationOrder`, for the nested action and implementation lists the areas serve
 * (`Protocol.actions`, `Action.isTestFor`, `Action.tests`, `Interface.implementations`).
 * Columns are those of `action a` and `implementation i`. Filters that need the live state of
 * sockets (`active`) or port matching (`demands`) are refused by name: filter with the root
 * `actions` / `implementations` queries instead.
 */
import { PlatformError } from "../platform.js";
import { boolIs, compileFilter, equals, idsIn, searchIn, strLookup, type FieldCompiler, type FilterSpec, type Sql } from "./sql-filter.js";

function dateTime(column: string, op: "<" | ">"): FieldCompiler {
  return (value, at) => {
    if (value === null || value === undefined) return { sql: "1", params: [] };
    const ms = typeof value === "string" ? Date.parse(value) : NaN;
    if (Number.isNaN(ms)) throw new PlatformError(`${at}: expected an ISO date-time, got ${JSON.stringify(value)}; pass e.g. "2026-01-31T12:00:00Z"`, "BAD_USER_INPUT");
    return { sql: `EXISTS (SELECT 1 FROM task t WHERE t.action_id = ${column} AND t.created_at ${op} ?)`, params: [ms] };
  };
}

/** `protocols: [String!]`: the action implements ALL named protocols (catalog's action_protocol). */
const protocolsOf = (actionColumn: string): FieldCompiler => (value, at) => {
  if (value === null || value === undefined) return { sql: "1", params: [] };
  if (!Array.isArray(value) || value.some((v) => typeof v !== "string")) {
    throw new PlatformError(`${at}: expected a list of protocol names; pass e.g. ["predicate"]`, "BAD_USER_INPUT");
  }
  const names = value as string[];
  if (names.length === 0) return { sql: "1", params: [] };
  return {
    sql: names.map(() => `EXISTS (SELECT 1 FROM action_protocol ap JOIN protocol p ON p.id = ap.protocol_id WHERE ap.action_id = ${actionColumn} AND p.name = ?)`).join(" AND "),
    params: names,
  };
};

const inCollection: FieldCompiler = (value, at) => {
  if (value === null || value === undefined) return { sql: "1", params: [] };
  if (typeof value !== "string") throw new PlatformError(`${at}: expected a collection name; pass a string`, "BAD_USER_INPUT");
  return { sql: "EXISTS (SELECT 1 FROM json_each(a.definition, '$.collections') c WHERE c.value = ?)", params: [value] };
};

export const ACTION_FILTER: FilterSpec = {
  ids: idsIn("a.id"),
  name: strLookup("a.name"),
  search: searchIn("a.name", "a.key", "a.description"),
  kind: equals("a.kind"),
  stateful: boolIs("a.stateful"),
  appIdentifier: equals("a.app"),
  protocols: protocolsOf("a.id"),
  inCollection,
  usedBefore: dateTime("a.id", "<"),
  usedAfter: dateTime("a.id", ">"),
};

export const ACTION_ORDER: Readonly<Record<string, string>> = {
  definedAt: "a.defined_at",
  usedAt: "(SELECT MAX(t.created_at) FROM task t WHERE t.action_id = a.id)",
};

/** `ImplementationFilter.action` (ImplementationActionFilter) over the implementation's action. */
const IMPLEMENTATION_ACTION_FILTER: FilterSpec = {
  ids: idsIn("ia.id"),
  name: equals("ia.name"),
  search: searchIn("ia.name", "ia.key", "ia.description"),
  kind: equals("ia.kind"),
  protocols: protocolsOf("ia.id"),
};

/** `ImplementationFilter.agent` (ImplementationAgentFilter) over the implementation's agent. */
const IMPLEMENTATION_AGENT_FILTER: FilterSpec = {
  ids: idsIn("ig.id"),
  clientId: equals("ig.client_id"),
};

const nested = (table: string, alias: string, join: string, spec: FilterSpec, typeName: string): FieldCompiler => (value, at) => {
  const inner: Sql = compileFilter(value, spec, at, typeName);
  return { sql: `EXISTS (SELECT 1 FROM ${table} ${alias} WHERE ${alias}.id = ${join} AND (${inner.sql}))`, params: inner.params };
};

export const IMPLEMENTATION_FILTER: FilterSpec = {
  ids: idsIn("i.id"),
  interface: strLookup("i.interface"),
  search: searchIn("i.interface"),
  actionHash: (value, at) => {
    if (value === null || value === undefined) return { sql: "1", params: [] };
    if (typeof value !== "string") throw new PlatformError(`${at}: expected an action hash; pass a string`, "BAD_USER_INPUT");
    return { sql: "EXISTS (SELECT 1 FROM action ah WHERE ah.id = i.action_id AND ah.hash = ?)", params: [value] };
  },
  action: nested("action", "ia", "i.action_id", IMPLEMENTATION_ACTION_FILTER, "ImplementationActionFilter"),
  agent: nested("agent", "ig", "i.agent_id", IMPLEMENTATION_AGENT_FILTER, "ImplementationAgentFilter"),
};

export const IMPLEMENTATION_ORDER: Readonly<Record<string, string>> = {
  createdAt: "i.created_at",
};
