/**
 * The GraphQL fields of the dependencies area. Every lookup checks the row's organisation against
 * the viewer's; another organisation's row is "not found" (by id) or absent (in lists).
 */
import type { GraphQLResolveInfo } from "graphql";
import type { Area } from "../../graphql/area.js";
import { NOT_LISTED, pageSlot } from "../../graphql/core/task-pages.js";
import type { ResolverContext } from "../../graphql/context.js";
import { idList } from "../../graphql/ids.js";
import { PlatformError } from "../../platform.js";
import type { AgentRow, ImplementationRow, TaskRow } from "../../store/store.js";
import type { OffsetPaginationInput, StrFilterLookup } from "../../../../generated/server/resolvers.js";
import type { DependencyRow, NameLookup, ResolutionRow, TaskDependencyRow } from "./records.js";
import type { AgentEntry, DependencyMap, ResolvedAgentDependencyValue } from "./service.js";
import { mapOf, storedList } from "./records.js";

const iso = (ms: number): string => new Date(ms).toISOString();

/** Page of a list field: the GraphQL layer fills `{limit, offset}` in (graphql/pages.ts). */
function page(p: OffsetPaginationInput | null | undefined): { limit: number; offset: number } {
  return { limit: p?.limit ?? -1, offset: p?.offset ?? 0 };
}

function ids(value: readonly string[] | null | undefined): number[] | null {
  const set = idList(value);
  return set ? [...set] : null;
}

/** Filters the embedded server does not apply are refused, never ignored. */
function refuseCombinators(filters: { AND?: unknown; OR?: unknown; NOT?: unknown } | null | undefined, field: string): void {
  for (const key of ["AND", "OR", "NOT"] as const) {
    if (filters?.[key] != null) throw new PlatformError(`${field}.${key}: not supported by the embedded server; filter by ids or name`, "BAD_USER_INPUT");
  }
}

function nameLookup(lookup: StrFilterLookup | null | undefined, field: string): NameLookup | null {
  if (!lookup) return null;
  const supported = new Set(["exact", "iExact", "contains", "iContains", "inList", "startsWith", "iStartsWith", "endsWith", "iEndsWith", "isNull"]);
  for (const [key, value] of Object.entries(lookup)) {
    if (value != null && !supported.has(key)) throw new PlatformError(`${field}.${key}: not supported by the embedded server; use ${[...supported].join(", ")}`, "BAD_USER_INPUT");
  }
  return lookup;
}

function implementationFor(ctx: ResolverContext, id: number, what: string): ImplementationRow {
  const impl = ctx.platform.store.implementation(id);
  const agent = impl ? ctx.platform.store.agent(impl.agent_id) : undefined;
  if (!impl || !agent || agent.org !== ctx.me.org) throw new PlatformError(`Implementation of ${what} not found in organisation "${ctx.me.org}"`, "NOT_FOUND");
  return impl;
}

function agentFor(ctx: ResolverContext, id: string, what: string): AgentRow {
  const agent = ctx.platform.store.agent(Number(id));
  if (!agent || agent.org !== ctx.me.org) throw new PlatformError(`Agent ${id} of ${what} not found in organisation "${ctx.me.org}"`, "NOT_FOUND");
  return agent;
}

function resolutionOf(ctx: ResolverContext, id: number | null): ResolutionRow | null {
  const res = id === null ? undefined : ctx.platform.areas.dependencies.records.resolution(id);
  return res && res.org === ctx.me.org ? res : null;
}

/** The dependency rows of a page of tasks, read once per page. */
const dependencyRows = pageSlot<TaskDependencyRow>();

/** A task's dependency row; a page of a task list reads its tasks' rows at once (issue 18: three fields of 100 tasks asked 300 times). */
function taskDependency(ctx: ResolverContext, task: TaskRow, info: GraphQLResolveInfo) {
  if (task.org !== ctx.me.org) return undefined;
  const records = ctx.platform.areas.dependencies.records;
  const fromPage = dependencyRows.rowOf(ctx, task, info, (ids) => records.taskDependencies(ids));
  return fromPage === NOT_LISTED ? records.taskDependency(task.id) : fromPage;
}


const resolvedAgentDependencies = (map: DependencyMap): ResolvedAgentDependencyValue[] => Object.entries(map).map(([key, entries]) => ({ key, entries }));

const isSingular = (d: DependencyRow) => d.max_viable_instances === 1 || (d.min_viable_instances === 1 && d.max_viable_instances === null);

export const dependenciesResolvers: NonNullable<Area["resolvers"]> = {
  Query: {
    dependency: (_p, a, ctx) => ctx.platform.areas.dependencies.dependencyInOrg(ctx.me.org, a.id),
    resolution: (_p, a, ctx) => ctx.platform.areas.dependencies.resolutionInOrg(ctx.me.org, a.id),
    resolutions: (_p, a, ctx) => {
      refuseCombinators(a.filters, "filters");
      const { limit, offset } = page(a.pagination);
      return ctx.platform.areas.dependencies.records.resolutionsPage(
        ctx.me.org,
        { ids: ids(a.filters?.ids), implementation: null, name: nameLookup(a.filters?.name, "filters.name") },
        limit,
        offset,
      );
    },
    resolvedImplementations: (_p, a, ctx) => ctx.platform.areas.dependencies.resolvedImplementations(ctx.me, a.resolution, a.dependencyKey ?? null, a.methodKey ?? null),
  },
  Mutation: {
    createResolution: (_p, a, ctx) => ctx.platform.areas.dependencies.createResolution(ctx.me, a.input),
    updateResolution: (_p, a, ctx) => ctx.platform.areas.dependencies.updateResolution(ctx.me, a.input),
    deleteResolution: (_p, a, ctx) => ctx.platform.areas.dependencies.deleteResolution(ctx.me, a.input.id),
    autoResolve: (_p, a, ctx) => ctx.platform.areas.dependencies.autoResolve(ctx.me, a.input.implementation),
  },
  Implementation: {
    dependencies: (p, a, ctx) => {
      refuseCombinators(a.filters, "filters");
      if (ctx.platform.store.agent(p.agent_id)?.org !== ctx.me.org) return [];
      const { limit, offset } = page(a.pagination);
      const wanted = ids(a.filters?.ids);
      const rows = ctx.platform.areas.dependencies.records.dependenciesPage(p.id, wanted === null ? limit : -1, wanted === null ? offset : 0);
      if (wanted === null) return rows;
      const filtered = rows.filter((d) => wanted.includes(d.id));
      return limit < 0 ? filtered.slice(offset) : filtered.slice(offset, offset + limit);
    },
    resolutions: (p, a, ctx) => {
      refuseCombinators(a.filters, "filters");
      const { limit, offset } = page(a.pagination);
      return ctx.platform.areas.dependencies.records.resolutionsPage(
        ctx.me.org,
        { ids: ids(a.filters?.ids), implementation: p.id, name: nameLookup(a.filters?.name, "filters.name") },
        limit,
        offset,
      );
    },
  },
  Dependency: {
    id: (p) => String(p.id),
    implementation: (p, _a, ctx) => implementationFor(ctx, p.implementation_id, `dependency ${p.id}`),
    optional: (p) => p.optional === 1,
    autoResolvable: (p) => p.auto_resolvable === 1,
    appFilter: (p) => p.app_filter,
    versionFilter: (p) => p.version_filter,
    minViableInstances: (p) => p.min_viable_instances,
    maxViableInstances: (p) => p.max_viable_instances,
    singular: (p) => isSingular(p),
    actionDependencies: (p) => storedList(p.action_dependencies),
    stateDependencies: (p) => storedList(p.state_dependencies),
  },
  ActionDependency: {
    optional: (p) => p.optional ?? false,
    description: (p) => p.description ?? null,
    demand: (p) => p.demand ?? null,
  },
  StateDependency: {
    optional: (p) => p.optional ?? false,
    description: (p) => p.description ?? null,
    demand: (p) => p.demand ?? null,
  },
  Resolution: {
    id: (p) => String(p.id),
    resolvedDependencies: (p, a, ctx) => {
      refuseCombinators(a.filters, "filters");
      if (p.org !== ctx.me.org) return [];
      const { limit, offset } = page(a.pagination);
      return ctx.platform.areas.dependencies.records.resolvedPage(p.id, ids(a.filters?.ids), limit, offset);
    },
    implementation: (p, _a, ctx) => implementationFor(ctx, p.implementation_id, `resolution ${p.id}`),
    resolvedAt: (p) => iso(p.resolved_at),
    creator: (p) => ({ id: p.creator_sub, sub: p.creator_sub }),
    organization: (p) => ({ slug: p.org }),
  },
  ResolvedDependency: {
    id: (p) => String(p.id),
    key: (p) => p.method,
    resolutionKey: (p) => p.resolution_key,
    dependency: (p, _a, ctx) => ctx.platform.areas.dependencies.dependencyInOrg(ctx.me.org, String(p.dependency_id)),
    implementation: (p, _a, ctx) => implementationFor(ctx, p.implementation_id, `resolved dependency ${p.id}`),
    downStreamResolution: (p, _a, ctx) => resolutionOf(ctx, p.down_stream_resolution_id),
  },
  Task: {
    dependencies: (p, _a, ctx, info) => mapOf(taskDependency(ctx, p, info)?.dependencies),
    dependency: (p, _a, ctx, info) => taskDependency(ctx, p, info)?.dependency ?? null,
    dependencyMethod: (p, _a, ctx, info) => taskDependency(ctx, p, info)?.dependency_method ?? null,
    resolvedDependencies: (p, _a, ctx, info) => resolvedAgentDependencies(mapOf(taskDependency(ctx, p, info)?.dependencies)),
    resolution: (p, _a, ctx, info) => resolutionOf(ctx, taskDependency(ctx, p, info)?.resolution_id ?? null),
  },
  ResolvedAgentDependency: {
    values: (p) => JSON.stringify(p.entries),
    // only agents of the viewer's organisation (a map is written in one organisation; this is the nested check)
    mappedAgents: (p, _a, ctx) => p.entries.filter((e) => ctx.platform.store.agent(Number(e.agent))?.org === ctx.me.org),
  },
  AgentMapping: {
    agent: (p, _a, ctx) => agentFor(ctx, p.agent, "an agent mapping"),
    agentId: (p) => p.agent,
    mappedImplementations: (p: AgentEntry) => Object.entries(p.actions).map(([key, entry]) => ({ key, entry })),
  },
  ImplementationMapping: {
    implementation: (p, _a, ctx) => implementationFor(ctx, Number(p.entry.implementation), `slot "${p.key}"`),
    resolvedDependencies: (p) => resolvedAgentDependencies(p.entry.dependencies),
  },
};

