/**
 * The memory area's rows (migration 6): `memory_shelve`, one per agent, and `memory_drawer`, one per
 * object an agent keeps in memory and hands out by reference. Writes join the store's group
 * transaction (`batch`). Lists filter by organisation in SQL; filters are built here from fixed
 * fragments with parameters (ids travel as one `json_each` parameter), never in the GraphQL layer.
 */
import type Database from "better-sqlite3";
import type { MemoryDrawerFilter, MemoryShelveFilter, MemoryShelveOrder } from "../../../../generated/server/resolvers.js";
import { idList, parseId } from "../../graphql/ids.js";
import type { Store } from "../../store/store.js";

export interface MemoryShelveRow {
  id: number;
  org: string;
  agent_id: number;
  name: string;
  description: string | null;
  /** `sub` of the user whose agent made the shelve. */
  creator_sub: string;
  created_at: number;
  updated_at: number;
}

export interface MemoryDrawerRow {
  id: number;
  org: string;
  shelve_id: number;
  resource_id: string;
  identifier: string;
  label: string | null;
  description: string | null;
  created_at: number;
}

/** A page as graphql/pages.ts fills it in. */
export interface RowPage {
  limit: number;
  offset: number;
}

/** A WHERE clause (without the word) and its parameters, in text order. */
interface Clause {
  sql: string;
  params: unknown[];
}

/** One equality on an id column: a value that is no id matches nothing. */
function idEquals(column: string, value: unknown): Clause {
  const id = parseId(value);
  return id === null ? { sql: "0 = 1", params: [] } : { sql: `${column} = ?`, params: [id] };
}

function idsIn(column: string, value: unknown): Clause | null {
  const ids = idList(value);
  return ids ? { sql: `${column} IN (SELECT value FROM json_each(?))`, params: [JSON.stringify([...ids])] } : null;
}

/**
 * The platform's filter logic (strawberry-django): the filter's own fields are AND-ed; then `AND`
 * is AND-ed, `OR` OR-ed and `NOT` AND-NOT-ed with what is there, in that order. An empty part is
 * neutral (an `OR` on a filter with no own field is the `OR` alone). `DISTINCT` changes nothing:
 * the rows are distinct already.
 */
function combine<F extends { AND?: F | null; OR?: F | null; NOT?: F | null }>(filter: F | null | undefined, own: (f: F) => Clause[]): Clause | null {
  if (!filter) return null;
  const parts = own(filter);
  let clause: Clause | null = parts.length === 0 ? null : { sql: parts.map((p) => `(${p.sql})`).join(" AND "), params: parts.flatMap((p) => p.params) };
  const join = (op: "AND" | "OR", sub: Clause | null, negate = false) => {
    if (!sub) return;
    const right = negate ? `NOT (${sub.sql})` : `(${sub.sql})`;
    clause = clause ? { sql: `(${clause.sql}) ${op} ${right}`, params: [...clause.params, ...sub.params] } : { sql: right, params: sub.params };
  };
  join("AND", combine(filter.AND, own));
  join("OR", combine(filter.OR, own));
  join("AND", combine(filter.NOT, own), true);
  return clause;
}

function shelveClauses(f: MemoryShelveFilter): Clause[] {
  const parts: Clause[] = [];
  if (f.agent !== null && f.agent !== undefined) parts.push(idEquals("agent_id", f.agent));
  const ids = idsIn("id", f.ids);
  if (ids) parts.push(ids);
  return parts;
}

function drawerClauses(f: MemoryDrawerFilter): Clause[] {
  const parts: Clause[] = [];
  if (f.shelve !== null && f.shelve !== undefined) parts.push(idEquals("shelve_id", f.shelve));
  if (f.agent !== null && f.agent !== undefined) {
    const agent = idEquals("agent_id", f.agent);
    parts.push({ sql: `shelve_id IN (SELECT id FROM memory_shelve WHERE ${agent.sql})`, params: agent.params });
  }
  if (f.implementation !== null && f.implementation !== undefined) {
    // the drawers of the agent that has this implementation
    const impl = idEquals("i.id", f.implementation);
    parts.push({ sql: `shelve_id IN (SELECT s.id FROM memory_shelve s JOIN implementation i ON i.agent_id = s.agent_id WHERE ${impl.sql})`, params: impl.params });
  }
  if (typeof f.identifier === "string") parts.push({ sql: "identifier = ?", params: [f.identifier] });
  const ids = idsIn("id", f.ids);
  if (ids) parts.push(ids);
  if (typeof f.search === "string" && f.search !== "") {
    // case-insensitive (ASCII) substring of the label as served (`identifier@resourceId` when none was given)
    parts.push({ sql: "instr(lower(COALESCE(label, identifier || '@' || resource_id)), lower(?)) > 0", params: [f.search] });
  }
  return parts;
}

const isDescending = (ordering: string): boolean => ordering.startsWith("DESC");

export class MemoryRecords {
  private readonly s;

  constructor(private readonly store: Store) {
    const db: Database.Database = store.db;
    this.s = {
      shelve: db.prepare<[number], MemoryShelveRow>("SELECT * FROM memory_shelve WHERE id = ?"),
      shelveOfAgent: db.prepare<[number], MemoryShelveRow>("SELECT * FROM memory_shelve WHERE agent_id = ?"),
      insertShelve: db.prepare(
        `INSERT INTO memory_shelve (org, agent_id, name, description, creator_sub, created_at, updated_at)
         VALUES (@org, @agent_id, @name, @description, @creator_sub, @created_at, @created_at)`,
      ),
      touchShelve: db.prepare("UPDATE memory_shelve SET updated_at = ? WHERE id = ?"),
      drawer: db.prepare<[number], MemoryDrawerRow>("SELECT * FROM memory_drawer WHERE id = ?"),
      drawerByResource: db.prepare<[number, string], MemoryDrawerRow>("SELECT * FROM memory_drawer WHERE shelve_id = ? AND resource_id = ?"),
      insertDrawer: db.prepare(
        `INSERT INTO memory_drawer (org, shelve_id, resource_id, identifier, label, description, created_at)
         VALUES (@org, @shelve_id, @resource_id, @identifier, @label, @description, @created_at)`,
      ),
      updateDrawer: db.prepare("UPDATE memory_drawer SET identifier = @identifier, label = @label, description = @description WHERE id = @id"),
      deleteDrawer: db.prepare("DELETE FROM memory_drawer WHERE id = ?"),
      deleteDrawersOfShelve: db.prepare("DELETE FROM memory_drawer WHERE shelve_id = ?"),
      countDrawers: db.prepare<[number], { n: number }>("SELECT COUNT(*) AS n FROM memory_drawer WHERE shelve_id = ?"),
      drawersWithAgent: db.prepare<[string, string], MemoryDrawerRow & { agent_id: number }>(
        `SELECT d.*, s.agent_id FROM memory_drawer d JOIN memory_shelve s ON s.id = d.shelve_id
         WHERE d.org = ? AND d.id IN (SELECT value FROM json_each(?)) ORDER BY d.id`,
      ),
    };
  }

  shelve(id: number): MemoryShelveRow | undefined {
    return this.s.shelve.get(id);
  }
  shelveOfAgent(agentId: number): MemoryShelveRow | undefined {
    return this.s.shelveOfAgent.get(agentId);
  }
  insertShelve(row: Pick<MemoryShelveRow, "org" | "agent_id" | "name" | "description" | "creator_sub" | "created_at">): MemoryShelveRow {
    this.store.batch();
    const info = this.s.insertShelve.run(row);
    return this.shelve(Number(info.lastInsertRowid))!;
  }
  touchShelve(id: number, at: number): void {
    this.store.batch();
    this.s.touchShelve.run(at, id);
  }

  drawer(id: number): MemoryDrawerRow | undefined {
    return this.s.drawer.get(id);
  }
  drawerByResource(shelveId: number, resourceId: string): MemoryDrawerRow | undefined {
    return this.s.drawerByResource.get(shelveId, resourceId);
  }
  insertDrawer(row: Omit<MemoryDrawerRow, "id">): MemoryDrawerRow {
    this.store.batch();
    const info = this.s.insertDrawer.run(row);
    return this.drawer(Number(info.lastInsertRowid))!;
  }
  updateDrawer(row: Pick<MemoryDrawerRow, "id" | "identifier" | "label" | "description">): MemoryDrawerRow {
    this.store.batch();
    this.s.updateDrawer.run(row);
    return this.drawer(row.id)!;
  }
  deleteDrawer(id: number): void {
    this.store.batch();
    this.s.deleteDrawer.run(id);
  }
  /** Empties a shelve; returns how many drawers it had. */
  deleteDrawersOfShelve(shelveId: number): number {
    this.store.batch();
    return this.s.deleteDrawersOfShelve.run(shelveId).changes;
  }
  countDrawers(shelveId: number): number {
    return this.s.countDrawers.get(shelveId)?.n ?? 0;
  }
  /** The organisation's drawers among `ids`, each with the agent whose shelve holds it. */
  drawersWithAgent(org: string, ids: readonly number[]): Array<MemoryDrawerRow & { agent_id: number }> {
    return this.s.drawersWithAgent.all(org, JSON.stringify(ids));
  }

  /** `memoryShelves`: the organisation's shelves, filtered, ordered by name (else by id), one page. */
  listShelves(org: string, filter: MemoryShelveFilter | null | undefined, ordering: readonly MemoryShelveOrder[], page: RowPage): MemoryShelveRow[] {
    const where = combine(filter, shelveClauses);
    const orderBy = ordering.filter((o) => typeof o.name === "string").map((o) => `name ${isDescending(o.name) ? "DESC" : "ASC"}`);
    orderBy.push("id ASC");
    return this.store.query<MemoryShelveRow>(
      `SELECT * FROM memory_shelve WHERE org = ?${where ? ` AND (${where.sql})` : ""} ORDER BY ${orderBy.join(", ")} LIMIT ? OFFSET ?`,
      [org, ...(where?.params ?? []), page.limit, page.offset],
    );
  }

  /** `memoryDrawers` and `MemoryShelve.drawers`: the organisation's drawers (of one shelve), filtered, oldest first, one page. */
  listDrawers(org: string, filter: MemoryDrawerFilter | null | undefined, page: RowPage, shelveId?: number): MemoryDrawerRow[] {
    const where = combine(filter, drawerClauses);
    const inShelve = shelveId === undefined ? "" : " AND shelve_id = ?";
    return this.store.query<MemoryDrawerRow>(
      `SELECT * FROM memory_drawer WHERE org = ?${inShelve}${where ? ` AND (${where.sql})` : ""} ORDER BY id LIMIT ? OFFSET ?`,
      [org, ...(shelveId === undefined ? [] : [shelveId]), ...(where?.params ?? []), page.limit, page.offset],
    );
  }
}
