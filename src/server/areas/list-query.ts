/**
 * The WHERE and ORDER BY of the areas' list queries, built from the schema's filter and order inputs
 * (the store layer: only records.ts files use it). A filter input is the strawberry-django shape:
 * its own fields plus `AND`, `OR`, `NOT` (nested filters) and `DISTINCT` (rows are distinct already).
 * Every field a filter sets must have a rule here; one without (a field the store cannot answer) is
 * refused naming it, never ignored. Values travel as parameters; lists as one JSON parameter.
 */
import { PlatformError } from "../platform.js";
import { idList, parseId } from "../graphql/ids.js";
import type { Store } from "../store/store.js";

export interface Clause {
  sql: string;
  params: unknown[];
}

/** One filter field: its value (never null) to a clause; `path` names it in errors (`filters.search`). */
export type FilterRule = (value: unknown, path: string) => Clause;

/** The rules of one filter input: its field name to the clause it adds. */
export type FilterRules = Record<string, FilterRule>;

const NOTHING: Clause = { sql: "0 = 1", params: [] };
const bad = (path: string, what: string) => new PlatformError(`${path}: ${what}`, "BAD_USER_INPUT");

/** `ids: [ID!]`: the rows with one of the ids (values that are no ids match nothing). */
export const idsIn =
  (column = "id"): FilterRule =>
  (value) => {
    const ids = idList(value);
    return ids ? { sql: `${column} IN (SELECT value FROM json_each(?))`, params: [JSON.stringify([...ids])] } : NOTHING;
  };

/** An `ID` field: the rows whose column is that id (a value that is no id matches nothing). */
export const idIs =
  (column: string): FilterRule =>
  (value) => {
    const id = parseId(value);
    return id === null ? NOTHING : { sql: `${column} = ?`, params: [id] };
  };

/** `search: String`: a case-insensitive substring of any of the columns (SQL expressions). */
export const searchIn =
  (...columns: string[]): FilterRule =>
  (value, path) => {
    if (typeof value !== "string") throw bad(path, "must be a string");
    const pattern = `%${value.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    return { sql: `(${columns.map((c) => `COALESCE(${c}, '') LIKE ? ESCAPE '\\'`).join(" OR ")})`, params: columns.map(() => pattern) };
  };

/** `StrFilterLookup` on a text column; the regular expression lookups are refused (SQLite has none). */
export const strLookup =
  (column: string): FilterRule =>
  (value, path) => {
    if (value === null || typeof value !== "object") throw bad(path, "must be a StrFilterLookup object");
    const like = (v: unknown, key: string, before: string, after: string, nocase: boolean): Clause => {
      if (typeof v !== "string") throw bad(`${path}.${key}`, "must be a string");
      const escaped = v.replace(/[\\%_]/g, (c) => `\\${c}`);
      // LIKE is case-insensitive for ASCII; the case-sensitive lookups compare with instr/substr instead
      if (nocase) return { sql: `${column} LIKE ? ESCAPE '\\'`, params: [`${before}${escaped}${after}`] };
      if (before && after) return { sql: `instr(${column}, ?) > 0`, params: [v] };
      if (after) return { sql: `substr(${column}, 1, length(?)) = ?`, params: [v, v] };
      return { sql: `(? = '' OR substr(${column}, -length(?)) = ?)`, params: [v, v, v] };
    };
    const clauses: Clause[] = [];
    for (const [key, v] of Object.entries(value)) {
      if (v === null || v === undefined) continue;
      const cmp = (op: string): Clause => {
        if (typeof v !== "string") throw bad(`${path}.${key}`, "must be a string");
        return { sql: `${column} ${op} ?`, params: [v] };
      };
      switch (key) {
        case "exact":
          clauses.push(cmp("="));
          break;
        case "iExact":
          clauses.push({ ...cmp("="), sql: `${column} = ? COLLATE NOCASE` });
          break;
        case "contains":
          clauses.push(like(v, key, "%", "%", false));
          break;
        case "iContains":
          clauses.push(like(v, key, "%", "%", true));
          break;
        case "startsWith":
          clauses.push(like(v, key, "", "%", false));
          break;
        case "iStartsWith":
          clauses.push(like(v, key, "", "%", true));
          break;
        case "endsWith":
          clauses.push(like(v, key, "%", "", false));
          break;
        case "iEndsWith":
          clauses.push(like(v, key, "%", "", true));
          break;
        case "gt":
          clauses.push(cmp(">"));
          break;
        case "gte":
          clauses.push(cmp(">="));
          break;
        case "lt":
          clauses.push(cmp("<"));
          break;
        case "lte":
          clauses.push(cmp("<="));
          break;
        case "inList":
          if (!Array.isArray(v)) throw bad(`${path}.${key}`, "must be a list of strings");
          clauses.push({ sql: `${column} IN (SELECT value FROM json_each(?))`, params: [JSON.stringify(v)] });
          break;
        case "range":
          if (!Array.isArray(v) || v.length !== 2) throw bad(`${path}.${key}`, "must be two strings, [from, to]");
          clauses.push({ sql: `${column} BETWEEN ? AND ?`, params: [v[0], v[1]] });
          break;
        case "isNull":
          clauses.push({ sql: v === true ? `${column} IS NULL` : `${column} IS NOT NULL`, params: [] });
          break;
        default:
          throw bad(`${path}.${key}`, "is not served by this server (no regular expressions); use contains, startsWith or inList");
      }
    }
    return and(clauses);
  };

function and(clauses: Clause[]): Clause {
  if (clauses.length === 0) return { sql: "1 = 1", params: [] };
  return { sql: clauses.map((c) => `(${c.sql})`).join(" AND "), params: clauses.flatMap((c) => c.params) };
}

/** The WHERE clause of a filter input (`path` is where it sits in the arguments, e.g. `filters`). */
export function whereOf(filter: unknown, rules: FilterRules, path = "filters"): Clause {
  if (filter === null || filter === undefined) return and([]);
  if (typeof filter !== "object" || Array.isArray(filter)) throw bad(path, "must be an object");
  // nesting is bounded before this runs: the server checks the variables' depth (maxVariablesDepth)
  const clauses: Clause[] = [];
  for (const [key, value] of Object.entries(filter)) {
    if (value === null || value === undefined || key === "DISTINCT") continue;
    if (key === "AND") clauses.push(whereOf(value, rules, `${path}.AND`));
    else if (key === "OR") {
      // strawberry-django: `{a, OR: {b}}` is `a OR b` (the OR joins the filter it sits in)
      const rest = { ...(filter as Record<string, unknown>), OR: undefined };
      const self = whereOf(rest, rules, path);
      const other = whereOf(value, rules, `${path}.OR`);
      return { sql: `((${self.sql}) OR (${other.sql}))`, params: [...self.params, ...other.params] };
    } else if (key === "NOT") {
      const inner = whereOf(value, rules, `${path}.NOT`);
      clauses.push({ sql: `NOT (${inner.sql})`, params: inner.params });
    } else {
      const rule = rules[key];
      if (!rule) throw bad(`${path}.${key}`, `is not served by this server; filter by ${Object.keys(rules).join(", ")}`);
      clauses.push(rule(value, `${path}.${key}`));
    }
  }
  return and(clauses);
}

const DIRECTIONS: Record<string, string> = {
  ASC: "ASC",
  ASC_NULLS_FIRST: "ASC NULLS FIRST",
  ASC_NULLS_LAST: "ASC NULLS LAST",
  DESC: "DESC",
  DESC_NULLS_FIRST: "DESC NULLS FIRST",
  DESC_NULLS_LAST: "DESC NULLS LAST",
};

/**
 * The ORDER BY of an `ordering: [XOrder!]` argument (each entry one key, `@oneOf`): `columns` maps
 * each order key to its SQL expression; the row id breaks ties (in `fallback`'s direction).
 */
export function orderOf(ordering: unknown, columns: Record<string, string>, fallback: "ASC" | "DESC" = "ASC", path = "ordering"): string {
  const parts: string[] = [];
  const entries = Array.isArray(ordering) ? ordering : [];
  entries.forEach((entry: unknown, i) => {
    if (entry === null || typeof entry !== "object") return;
    for (const [key, direction] of Object.entries(entry)) {
      if (direction === null || direction === undefined) continue;
      const column = columns[key];
      if (!column) throw bad(`${path}[${i}].${key}`, `is not served by this server; order by ${Object.keys(columns).join(", ")}`);
      const sqlDirection = typeof direction === "string" ? DIRECTIONS[direction] : undefined;
      if (!sqlDirection) throw bad(`${path}[${i}].${key}`, `must be one of ${Object.keys(DIRECTIONS).join(", ")}`);
      parts.push(`${column} ${sqlDirection}`);
    }
  });
  parts.push(`id ${fallback}`);
  return parts.join(", ");
}

/** A checked page (the GraphQL layer fills `limit` in for every paged list field); no limit: every row. */
export interface Page {
  offset?: number | null;
  limit?: number | null;
}

/** A page as SQL: LIMIT and OFFSET. */
export const pageParams = (page: Page | null | undefined): [number, number] => [page?.limit ?? -1, page?.offset ?? 0];

/** A row of an area's table: an integer id and the organisation it belongs to. */
export interface OrgRow {
  id: number;
  org: string;
}

/**
 * The reads and the delete every organisation-scoped table of the areas shares: by id (another
 * organisation's row is "not found"), a filtered, ordered page of one organisation's rows, and
 * delete. Inserts and updates stay with each table's records (their columns differ).
 */
export class OrgTable<Row extends OrgRow> {
  private readonly byId;
  private readonly remove;

  constructor(
    private readonly store: Store,
    /** The SQL table. */
    readonly table: string,
    /** The GraphQL type, for "not found" errors. */
    readonly typeName: string,
    private readonly rules: FilterRules,
    private readonly orders: Record<string, string>,
  ) {
    this.byId = store.db.prepare<[number], Row>(`SELECT * FROM ${table} WHERE id = ?`);
    this.remove = store.db.prepare<[number]>(`DELETE FROM ${table} WHERE id = ?`);
  }

  find(id: number): Row | undefined {
    return this.byId.get(id);
  }

  /** The row `id` of organisation `org`, or NOT_FOUND (also for another organisation's row and for a value that is no id). */
  inOrg(org: string, id: unknown): Row {
    const n = parseId(id);
    const row = n === null ? undefined : this.byId.get(n);
    if (!row || row.org !== org) {
      throw new PlatformError(`${this.typeName} ${JSON.stringify(String(id).slice(0, 80))} not found in organisation "${org}"`, "NOT_FOUND");
    }
    return row;
  }

  /** One organisation's rows matching `filters` (and `extra`), in `ordering` (the id breaks ties), one page. */
  list(org: string, args: { filters?: unknown; ordering?: unknown; pagination?: Page | null }, extra?: Clause, fallback: "ASC" | "DESC" = "ASC"): Row[] {
    const where = whereOf(args.filters, this.rules);
    const clauses = [{ sql: "org = ?", params: [org] }, where, ...(extra ? [extra] : [])];
    const order = orderOf(args.ordering, this.orders, fallback);
    const [limit, offset] = pageParams(args.pagination);
    return this.store.query<Row>(
      `SELECT * FROM ${this.table} WHERE ${clauses.map((c) => `(${c.sql})`).join(" AND ")} ORDER BY ${order} LIMIT ? OFFSET ?`,
      [...clauses.flatMap((c) => c.params), limit, offset],
    );
  }

  delete(id: number): void {
    this.store.batch();
    this.remove.run(id);
  }

  /** Deletes the row `id` of organisation `org` (NOT_FOUND as `inOrg`) with what cascades from it; returns the row. */
  deleteInOrg(org: string, id: unknown): Row {
    const row = this.inOrg(org, id);
    this.store.transaction(() => this.delete(row.id));
    return row;
  }
}
