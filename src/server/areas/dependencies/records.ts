/**
 * The dependencies area's rows (migration 7): declared dependencies, resolutions, their resolved
 * dependencies and what each task was assigned with. Statements are prepared once on first use;
 * writes go inside `platform.store.transaction` (they join the group commit).
 */
import type Database from "better-sqlite3";
import type { Store } from "../../store/store.js";
import type { DependencyMap } from "./service.js";

export interface DependencyRow {
  id: number;
  org: string;
  implementation_id: number;
  position: number;
  key: string;
  optional: number;
  description: string | null;
  auto_resolvable: number;
  app_filter: string | null;
  version_filter: string | null;
  min_viable_instances: number | null;
  max_viable_instances: number | null;
  prefered_instances: number | null;
  /** JSON: the declared `ActionDependencyInput`s. */
  action_dependencies: string;
  /** JSON: the declared `StateDependencyInput`s. */
  state_dependencies: string;
  created_at: number;
}

export interface ResolutionRow {
  id: number;
  org: string;
  implementation_id: number;
  name: string;
  creator_sub: string;
  resolved_at: number;
}

export interface ResolvedDependencyRow {
  id: number;
  org: string;
  resolution_id: number;
  dependency_id: number;
  /** The key of the dependency (`Dependency.key`). */
  dependency_key: string;
  /** The action slot of the dependency this implementation fills (`ResolvedDependency.key`). */
  method: string;
  resolution_key: string;
  implementation_id: number;
  down_stream_resolution_id: number | null;
}

export interface TaskDependencyRow {
  task_id: number;
  org: string;
  /** JSON: the dependency map (see plan.ts `DependencyMap`). */
  dependencies: string;
  resolution_id: number | null;
  dependency: string | null;
  dependency_method: string | null;
}

/** The name lookups `resolutions(filters: {name})` applies (a subset of StrFilterLookup). */
export interface NameLookup {
  exact?: string | null;
  iExact?: string | null;
  contains?: string | null;
  iContains?: string | null;
  startsWith?: string | null;
  iStartsWith?: string | null;
  endsWith?: string | null;
  iEndsWith?: string | null;
  inList?: readonly string[] | null;
  isNull?: boolean | null;
}

interface ResolutionQuery {
  org: string;
  ids: string | null;
  impl: number | null;
  exact: string | null;
  iExact: string | null;
  contains: string | null;
  iContains: string | null;
  startsWith: string | null;
  iStartsWith: string | null;
  endsWith: string | null;
  iEndsWith: string | null;
  inList: string | null;
  isNull: number | null;
  limit: number;
  offset: number;
}

/** Decodes a task's stored dependency map (JSON written by `recordTask`); none is an empty map. */
export function mapOf(text: string | undefined): DependencyMap {
  return text === undefined ? {} : (JSON.parse(text) as DependencyMap);
}

/** Decodes the stored slots of a dependency (JSON lists written by `declare`). */
export function storedList<T>(text: string): T[] {
  const parsed: unknown = JSON.parse(text);
  return Array.isArray(parsed) ? (parsed as T[]) : [];
}

export type NewDependency = Omit<DependencyRow, "id">;
export type NewResolvedDependency = Omit<ResolvedDependencyRow, "id">;

function prepare(db: Database.Database) {
  return {
    dependency: db.prepare<[number], DependencyRow>("SELECT * FROM dependency WHERE id = ?"),
    dependenciesOf: db.prepare<[number], DependencyRow>("SELECT * FROM dependency WHERE implementation_id = ? ORDER BY position, id"),
    dependenciesPage: db.prepare<[number, number, number], DependencyRow>("SELECT * FROM dependency WHERE implementation_id = ? ORDER BY position, id LIMIT ? OFFSET ?"),
    upsertDependency: db.prepare(
      `INSERT INTO dependency (org, implementation_id, position, key, optional, description, auto_resolvable, app_filter, version_filter,
         min_viable_instances, max_viable_instances, prefered_instances, action_dependencies, state_dependencies, created_at)
       VALUES (@org, @implementation_id, @position, @key, @optional, @description, @auto_resolvable, @app_filter, @version_filter,
         @min_viable_instances, @max_viable_instances, @prefered_instances, @action_dependencies, @state_dependencies, @created_at)
       ON CONFLICT (implementation_id, key) DO UPDATE SET position = excluded.position, optional = excluded.optional,
         description = excluded.description, auto_resolvable = excluded.auto_resolvable, app_filter = excluded.app_filter,
         version_filter = excluded.version_filter, min_viable_instances = excluded.min_viable_instances,
         max_viable_instances = excluded.max_viable_instances, prefered_instances = excluded.prefered_instances,
         action_dependencies = excluded.action_dependencies, state_dependencies = excluded.state_dependencies`,
    ),
    deleteDependency: db.prepare<[number]>("DELETE FROM dependency WHERE id = ?"),
    resolution: db.prepare<[number], ResolutionRow>("SELECT * FROM resolution WHERE id = ?"),
    resolutionsPage: db.prepare<[ResolutionQuery], ResolutionRow>(
      `SELECT * FROM resolution WHERE org = @org AND (@ids IS NULL OR id IN (SELECT value FROM json_each(@ids)))
         AND (@impl IS NULL OR implementation_id = @impl)
         AND (@exact IS NULL OR name = @exact) AND (@iExact IS NULL OR lower(name) = lower(@iExact))
         AND (@contains IS NULL OR instr(name, @contains) > 0) AND (@iContains IS NULL OR instr(lower(name), lower(@iContains)) > 0)
         AND (@startsWith IS NULL OR substr(name, 1, length(@startsWith)) = @startsWith)
         AND (@iStartsWith IS NULL OR lower(substr(name, 1, length(@iStartsWith))) = lower(@iStartsWith))
         AND (@endsWith IS NULL OR substr(name, length(name) - length(@endsWith) + 1) = @endsWith)
         AND (@iEndsWith IS NULL OR lower(substr(name, length(name) - length(@iEndsWith) + 1)) = lower(@iEndsWith))
         AND (@inList IS NULL OR name IN (SELECT value FROM json_each(@inList)))
         AND (@isNull IS NULL OR @isNull = 0)
         ORDER BY id LIMIT @limit OFFSET @offset`,
    ),
    insertResolution: db.prepare<[string, number, string, string, number]>(
      "INSERT INTO resolution (org, implementation_id, name, creator_sub, resolved_at) VALUES (?, ?, ?, ?, ?)",
    ),
    renameResolution: db.prepare<[string, number]>("UPDATE resolution SET name = ? WHERE id = ?"),
    deleteResolution: db.prepare<[number]>("DELETE FROM resolution WHERE id = ?"),
    resolvedOf: db.prepare<[number], ResolvedDependencyRow>("SELECT * FROM resolved_dependency WHERE resolution_id = ? ORDER BY id"),
    resolvedPage: db.prepare<[{ resolution: number; ids: string | null; limit: number; offset: number }], ResolvedDependencyRow>(
      "SELECT * FROM resolved_dependency WHERE resolution_id = @resolution AND (@ids IS NULL OR id IN (SELECT value FROM json_each(@ids))) ORDER BY id LIMIT @limit OFFSET @offset",
    ),
    resolvedFor: db.prepare<[{ resolution: number; key: string | null; method: string | null }], ResolvedDependencyRow>(
      "SELECT * FROM resolved_dependency WHERE resolution_id = @resolution AND (@key IS NULL OR dependency_key = @key) AND (@method IS NULL OR method = @method) ORDER BY id",
    ),
    insertResolved: db.prepare(
      `INSERT INTO resolved_dependency (org, resolution_id, dependency_id, dependency_key, method, resolution_key, implementation_id, down_stream_resolution_id)
       VALUES (@org, @resolution_id, @dependency_id, @dependency_key, @method, @resolution_key, @implementation_id, @down_stream_resolution_id)`,
    ),
    clearResolved: db.prepare<[number]>("DELETE FROM resolved_dependency WHERE resolution_id = ?"),
    taskDependency: db.prepare<[number], TaskDependencyRow>("SELECT * FROM task_dependency WHERE task_id = ?"),
    taskDependencies: db.prepare<[string], TaskDependencyRow>("SELECT * FROM task_dependency WHERE task_id IN (SELECT value FROM json_each(?))"),
    insertTaskDependency: db.prepare(
      `INSERT INTO task_dependency (task_id, org, dependencies, resolution_id, dependency, dependency_method)
       VALUES (@task_id, @org, @dependencies, @resolution_id, @dependency, @dependency_method)`,
    ),
  };
}

export class DependencyRecords {
  private statements: ReturnType<typeof prepare> | null = null;

  constructor(private readonly store: Store) {}

  /** Prepared on first use: the area is built before the store's tables are known to exist. */
  private get s(): ReturnType<typeof prepare> {
    this.statements ??= prepare(this.store.db);
    return this.statements;
  }

  dependency(id: number): DependencyRow | undefined {
    return this.s.dependency.get(id);
  }
  dependenciesOf(implementationId: number): DependencyRow[] {
    return this.s.dependenciesOf.all(implementationId);
  }
  dependenciesPage(implementationId: number, limit: number, offset: number): DependencyRow[] {
    return this.s.dependenciesPage.all(implementationId, limit, offset);
  }
  /** Replaces the declared dependencies of one implementation, keeping the ids of keys it declares again. */
  replaceDependencies(implementationId: number, rows: NewDependency[]): void {
    const keep = new Set(rows.map((r) => r.key));
    for (const old of this.dependenciesOf(implementationId)) if (!keep.has(old.key)) this.s.deleteDependency.run(old.id);
    for (const row of rows) this.s.upsertDependency.run(row);
  }

  resolution(id: number): ResolutionRow | undefined {
    return this.s.resolution.get(id);
  }
  /** Resolutions of an organisation, optionally only `ids`, of one implementation, with a name lookup; by id. `limit` -1: all. */
  resolutionsPage(org: string, filter: { ids: number[] | null; implementation: number | null; name: NameLookup | null }, limit: number, offset: number): ResolutionRow[] {
    const n = filter.name ?? {};
    return this.s.resolutionsPage.all({
      org,
      ids: filter.ids ? JSON.stringify(filter.ids) : null,
      impl: filter.implementation,
      exact: n.exact ?? null,
      iExact: n.iExact ?? null,
      contains: n.contains ?? null,
      iContains: n.iContains ?? null,
      startsWith: n.startsWith ?? null,
      iStartsWith: n.iStartsWith ?? null,
      endsWith: n.endsWith ?? null,
      iEndsWith: n.iEndsWith ?? null,
      inList: n.inList ? JSON.stringify(n.inList) : null,
      isNull: n.isNull === undefined || n.isNull === null ? null : n.isNull ? 1 : 0,
      limit,
      offset,
    });
  }
  insertResolution(org: string, implementationId: number, name: string, creatorSub: string): ResolutionRow {
    const info = this.s.insertResolution.run(org, implementationId, name, creatorSub, Date.now());
    return this.resolution(Number(info.lastInsertRowid))!;
  }
  renameResolution(id: number, name: string): void {
    this.s.renameResolution.run(name, id);
  }
  deleteResolution(id: number): void {
    this.s.deleteResolution.run(id);
  }

  resolvedOf(resolutionId: number): ResolvedDependencyRow[] {
    return this.s.resolvedOf.all(resolutionId);
  }
  resolvedPage(resolutionId: number, ids: number[] | null, limit: number, offset: number): ResolvedDependencyRow[] {
    return this.s.resolvedPage.all({ resolution: resolutionId, ids: ids ? JSON.stringify(ids) : null, limit, offset });
  }
  resolvedFor(resolutionId: number, dependencyKey: string | null, method: string | null): ResolvedDependencyRow[] {
    return this.s.resolvedFor.all({ resolution: resolutionId, key: dependencyKey, method });
  }
  insertResolved(row: NewResolvedDependency): void {
    this.s.insertResolved.run(row);
  }
  clearResolved(resolutionId: number): void {
    this.s.clearResolved.run(resolutionId);
  }

  taskDependency(taskId: number): TaskDependencyRow | undefined {
    return this.s.taskDependency.get(taskId);
  }
  /** `taskDependency` of several tasks in one read (a page of a task list), by task id. */
  taskDependencies(taskIds: readonly number[]): Map<number, TaskDependencyRow> {
    return new Map(this.s.taskDependencies.all(JSON.stringify(taskIds)).map((row) => [row.task_id, row]));
  }
  insertTaskDependency(row: TaskDependencyRow): void {
    this.s.insertTaskDependency.run(row);
  }
}
