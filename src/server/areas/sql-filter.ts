/**
 * The schema's list filters (`XFilter` inputs: field lookups, `ids`, `search`, nested AND / OR / NOT,
 * DISTINCT) compiled to one SQL condition with bound parameters, for the areas' records. A filter
 * field the area does not map is refused by name (nothing is ignored silently). Semantics follow
 * strawberry-django's, as the reference server applies them: the fields of one filter are ANDed;
 * `AND: g` adds g, `OR: g` ORs g with the rest, `NOT: g` excludes what g matches.
 */
import { PlatformError } from "../platform.js";
import { parseId } from "../graphql/ids.js";

/** A condition and its parameters, in order. */
export interface Sql {
  sql: string;
  params: unknown[];
}

/** How one filter field becomes SQL: `at` is its input path (e.g. `filters.name`) for errors. */
export type FieldCompiler = (value: unknown, at: string) => Sql;

export type FilterSpec = Readonly<Record<string, FieldCompiler>>;

const TRUE: Sql = { sql: "1", params: [] };

/** A list query: the extra condition of the caller, the compiled filter, order terms and the page. */
export interface ListQuery {
  where: Sql;
  order?: string[];
  limit: number;
  offset: number;
}

/**
 * One page of `base` (a `SELECT … WHERE <caller's condition>`) under a list query: its filter, its
 * order with `idColumn` last for a stable page, through the store's cached statements.
 */
export function listPage<T>(store: { query<R>(sql: string, params: unknown[]): R[] }, base: string, params: unknown[], q: ListQuery, idColumn: string): T[] {
  const order = [...(q.order ?? []), `${idColumn} ASC`].join(", ");
  return store.query<T>(`${base} AND (${q.where.sql}) ORDER BY ${order} LIMIT ? OFFSET ?`, [...params, ...q.where.params, q.limit, q.offset]);
}

function badInput(at: string, what: string, todo: string): PlatformError {
  return new PlatformError(`${at}: ${what}; ${todo}`, "BAD_USER_INPUT");
}

function needString(value: unknown, at: string): string {
  if (typeof value !== "string") throw badInput(at, `expected a string, got ${JSON.stringify(value)}`, "pass a string");
  return value;
}

/** LIKE patterns would need escaping; instr() and substr() compare literally. */
const lookups: Record<string, (column: string, value: unknown, at: string) => Sql> = {
  exact: (c, v, at) => ({ sql: `${c} = ?`, params: [needString(v, at)] }),
  iExact: (c, v, at) => ({ sql: `lower(${c}) = lower(?)`, params: [needString(v, at)] }),
  contains: (c, v, at) => ({ sql: `instr(${c}, ?) > 0`, params: [needString(v, at)] }),
  iContains: (c, v, at) => ({ sql: `instr(lower(${c}), lower(?)) > 0`, params: [needString(v, at)] }),
  startsWith: (c, v, at) => ({ sql: `substr(${c}, 1, length(?)) = ?`, params: [needString(v, at), v] }),
  iStartsWith: (c, v, at) => ({ sql: `lower(substr(${c}, 1, length(?))) = lower(?)`, params: [needString(v, at), v] }),
  endsWith: (c, v, at) => ({ sql: `length(${c}) >= length(?) AND substr(${c}, -length(?)) = ?`, params: [needString(v, at), v, v] }),
  iEndsWith: (c, v, at) => ({ sql: `length(${c}) >= length(?) AND lower(substr(${c}, -length(?))) = lower(?)`, params: [needString(v, at), v, v] }),
  gt: (c, v, at) => ({ sql: `${c} > ?`, params: [needString(v, at)] }),
  gte: (c, v, at) => ({ sql: `${c} >= ?`, params: [needString(v, at)] }),
  lt: (c, v, at) => ({ sql: `${c} < ?`, params: [needString(v, at)] }),
  lte: (c, v, at) => ({ sql: `${c} <= ?`, params: [needString(v, at)] }),
  inList: (c, v, at) => {
    if (!Array.isArray(v)) throw badInput(at, "expected a list of strings", "pass a list");
    const values = v.map((item, i) => needString(item, `${at}[${i}]`));
    return values.length === 0 ? { sql: "0", params: [] } : { sql: `${c} IN (${values.map(() => "?").join(", ")})`, params: values };
  },
  range: (c, v, at) => {
    if (!Array.isArray(v) || v.length !== 2) throw badInput(at, "expected exactly two strings [from, to]", "pass [from, to]");
    return { sql: `${c} BETWEEN ? AND ?`, params: [needString(v[0], `${at}[0]`), needString(v[1], `${at}[1]`)] };
  },
  isNull: (c, v, at) => {
    if (typeof v !== "boolean") throw badInput(at, "expected true or false", "pass a boolean");
    return { sql: v ? `${c} IS NULL` : `${c} IS NOT NULL`, params: [] };
  },
  // a user's pattern run on the server's one thread could stall it for minutes (catastrophic
  // backtracking): refused, as in every other list of this server
  regex: (_c, _v, at) => {
    throw badInput(at, "regular expressions are not served by this server", "use contains, startsWith, endsWith or inList");
  },
  iRegex: (_c, _v, at) => {
    throw badInput(at, "regular expressions are not served by this server", "use iContains, iStartsWith, iEndsWith or inList");
  },
};

/** A `StrFilterLookup` on `column`: every lookup given must hold. */
export function strLookup(column: string): FieldCompiler {
  return (value, at) => {
    if (value === null || value === undefined) return TRUE;
    if (typeof value !== "object" || Array.isArray(value)) throw badInput(at, "expected a lookup object such as {iContains: \"...\"}", "pass a StrFilterLookup");
    const parts: Sql[] = [];
    for (const [name, v] of Object.entries(value)) {
      if (v === null || v === undefined) continue;
      const lookup = lookups[name];
      if (!lookup) throw badInput(`${at}.${name}`, "is no lookup of StrFilterLookup", `use one of ${Object.keys(lookups).join(", ")}`);
      parts.push(lookup(column, v, `${at}.${name}`));
    }
    return and(parts);
  };
}

/** An `ids: [ID!]` filter on `column`; values that are no ids match nothing. */
export function idsIn(column: string): FieldCompiler {
  return (value, at) => {
    if (value === null || value === undefined) return TRUE;
    if (!Array.isArray(value)) throw badInput(at, "expected a list of ids", "pass a list");
    const ids = value.map(parseId).filter((id): id is number => id !== null);
    return ids.length === 0 ? { sql: "0", params: [] } : { sql: `${column} IN (${ids.map(() => "?").join(", ")})`, params: ids };
  };
}

/** A `search: String` over several text columns (case-insensitive substring of any). */
export function searchIn(...columns: string[]): FieldCompiler {
  return (value, at) => {
    if (value === null || value === undefined) return TRUE;
    const text = needString(value, at);
    return or(columns.map((c) => ({ sql: `instr(lower(COALESCE(${c}, '')), lower(?)) > 0`, params: [text] })));
  };
}

/** A Boolean filter on an INTEGER 0/1 column. */
export function boolIs(column: string): FieldCompiler {
  return (value, at) => {
    if (value === null || value === undefined) return TRUE;
    if (typeof value !== "boolean") throw badInput(at, "expected true or false", "pass a boolean");
    return { sql: `${column} = ?`, params: [value ? 1 : 0] };
  };
}

/** An enum/string equality filter. */
export function equals(column: string): FieldCompiler {
  return (value, at) => (value === null || value === undefined ? TRUE : { sql: `${column} = ?`, params: [needString(value, at)] });
}

function and(parts: Sql[]): Sql {
  const real = parts.filter((p) => p.sql !== "1");
  if (real.length === 0) return TRUE;
  return { sql: real.map((p) => `(${p.sql})`).join(" AND "), params: real.flatMap((p) => p.params) };
}

function or(parts: Sql[]): Sql {
  if (parts.length === 0) return { sql: "0", params: [] };
  return { sql: parts.map((p) => `(${p.sql})`).join(" OR "), params: parts.flatMap((p) => p.params) };
}

/**
 * Compiles one filter input. `at` is its input path (`filters`). DISTINCT is accepted and changes
 * nothing: the areas' lists never repeat a row.
 */
export function compileFilter(filter: unknown, spec: FilterSpec, at = "filters", typeName = "this filter"): Sql {
  if (filter === null || filter === undefined) return TRUE;
  if (typeof filter !== "object" || Array.isArray(filter)) throw badInput(at, "expected a filter object", "pass an object");
  const own: Sql[] = [];
  let orPart: Sql | null = null;
  let notPart: Sql | null = null;
  for (const [name, value] of Object.entries(filter)) {
    if (value === null || value === undefined) continue;
    const path = `${at}.${name}`;
    if (name === "AND") own.push(compileFilter(value, spec, path, typeName));
    else if (name === "OR") orPart = compileFilter(value, spec, path, typeName);
    else if (name === "NOT") notPart = compileFilter(value, spec, path, typeName);
    else if (name === "DISTINCT") continue;
    else {
      const field = spec[name];
      if (!field) throw badInput(path, `is not supported by the embedded server on ${typeName}`, `filter with ${Object.keys(spec).concat("AND", "OR", "NOT").join(", ")}`);
      own.push(field(value, path));
    }
  }
  let result = and(own);
  if (notPart) result = and([result, { sql: `NOT (${notPart.sql})`, params: notPart.params }]);
  if (orPart) result = or([result, orPart]);
  return result;
}

/** LIMIT/OFFSET of a page (the GraphQL layer fills `{limit, offset}`; a missing limit reads all). */
export function pageParams(pagination: { offset?: number | null; limit?: number | null } | null | undefined): [number, number] {
  return [pagination?.limit ?? -1, pagination?.offset ?? 0];
}

/** `ORDER BY` terms for `[{field: Ordering}]` inputs: `columns` maps each order field to its column. */
export function compileOrdering(ordering: unknown, columns: Readonly<Record<string, string>>, at = "ordering"): string[] {
  if (ordering === null || ordering === undefined) return [];
  const list = Array.isArray(ordering) ? ordering : [ordering];
  const terms: string[] = [];
  list.forEach((entry, i) => {
    if (entry === null || typeof entry !== "object") return;
    for (const [name, direction] of Object.entries(entry as Record<string, unknown>)) {
      if (direction === null || direction === undefined) continue;
      const column = columns[name];
      if (!column) throw badInput(`${at}[${i}].${name}`, "is not supported by the embedded server here", `order by ${Object.keys(columns).join(", ")}`);
      const d = String(direction);
      const dir = d.startsWith("DESC") ? "DESC" : "ASC";
      const nulls = d.endsWith("NULLS_FIRST") ? " NULLS FIRST" : d.endsWith("NULLS_LAST") ? " NULLS LAST" : "";
      terms.push(`${column} ${dir}${nulls}`);
    }
  });
  return terms;
}
