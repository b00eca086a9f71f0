/**
 * The executable schema: the platform SDL subset (sdl.ts) with our resolvers attached. Every root
 * field needs an authenticated identity and is scoped to its organisation.
 */
import type { GraphQLError as GraphQLErrorType, GraphQLFieldResolver, GraphQLSchema } from "graphql";
import { graphql } from "./graphql-module.js";
import type { Port } from "../../definition/model.js";
import type { Identity } from "../auth.js";
import type { GraphqlContext } from "./context.js";
import { Platform, PlatformError, clampProgress, definitionOf, type ControlKind } from "../platform.js";
import { StoreWriteError, storeFailureOf, type ActionRow, type AgentRow, type ImplementationRow, type TaskEventRow, type TaskRow } from "../store/store.js";
import { PageError, isPaged, pageOf, type Page } from "./pages.js";
import { idList, parseId } from "./ids.js";
import { rawJson } from "./raw-json.js";
import { asCreated, readMyTasksReplay, replayThenLive } from "./replay.js";
import { loadPlatformDocument, subsetSdl } from "./sdl.js";
import { mediaResolvers } from "../media/graphql.js";
import { AREAS } from "../areas/index.js";
import type { Area, Replaying as AreaReplaying, Select } from "./area.js";

const { GraphQLError, buildASTSchema, isInterfaceType, isListType, isNonNullType, isObjectType } = graphql;

export type { GraphqlContext } from "./context.js";

type Args = Record<string, unknown>;
type Resolver = (parent: unknown, args: Args, ctx: GraphqlContext & { me: Identity }) => unknown;

const iso = (ms: number | null | undefined): string | null => (ms === null || ms === undefined ? null : new Date(ms).toISOString());
const json = (text: string | null): unknown => (text === null ? null : (JSON.parse(text) as unknown));

/**
 * `Implementation.dependencies`: the `AgentDependencyInput`s the agent declared (stored as JSON),
 * as `Dependency` objects. Only what was declared is returned; resolving them is not served yet.
 */
function storedDependencies(row: ImplementationRow): Array<Record<string, unknown>> {
  const declared = json(row.dependencies);
  if (!Array.isArray(declared)) return [];
  return declared.flatMap((entry, index) => {
    if (entry === null || typeof entry !== "object") return [];
    const d = entry as Record<string, unknown>;
    const text = (value: unknown) => (typeof value === "string" ? value : null);
    const int = (value: unknown) => (typeof value === "number" && Number.isInteger(value) ? value : null);
    return [
      {
        id: `${row.id}:${index}`,
        implementation: row,
        key: text(d.key) ?? `dependency${index}`,
        optional: d.optional === true,
        description: text(d.description),
        autoResolvable: d.autoResolvable === true,
        appFilter: text(d.app),
        versionFilter: text(d.version),
        minViableInstances: int(d.minViableInstances),
        maxViableInstances: int(d.maxViableInstances),
        singular: int(d.maxViableInstances) === 1,
        actionDependencies: [],
        stateDependencies: [],
      },
    ];
  });
}
const isDesc = (value: unknown): boolean => typeof value === "string" && value.startsWith("DESC");

interface Pagination {
  offset?: number | null;
  limit?: number | null;
}
function paginate<T>(items: T[], pagination: unknown): T[] {
  const p = (pagination ?? {}) as Pagination;
  const offset = Math.max(0, p.offset ?? 0);
  const limit = p.limit === null || p.limit === undefined ? undefined : Math.max(0, p.limit);
  return limit === undefined ? items.slice(offset) : items.slice(offset, offset + limit);
}

function strLookup(value: string, lookup: unknown): boolean {
  if (lookup === null || lookup === undefined) return true;
  const l = lookup as Record<string, unknown>;
  const v = value;
  const lv = v.toLowerCase();
  if (typeof l.exact === "string" && v !== l.exact) return false;
  if (typeof l.iExact === "string" && lv !== l.iExact.toLowerCase()) return false;
  if (typeof l.contains === "string" && !v.includes(l.contains)) return false;
  if (typeof l.iContains === "string" && !lv.includes(l.iContains.toLowerCase())) return false;
  if (Array.isArray(l.inList) && !l.inList.includes(v)) return false;
  if (typeof l.startsWith === "string" && !v.startsWith(l.startsWith)) return false;
  if (typeof l.iStartsWith === "string" && !lv.startsWith(l.iStartsWith.toLowerCase())) return false;
  if (typeof l.endsWith === "string" && !v.endsWith(l.endsWith)) return false;
  if (typeof l.iEndsWith === "string" && !lv.endsWith(l.iEndsWith.toLowerCase())) return false;
  return true;
}

function taskChange(platform: Platform, task: TaskRow): Record<string, unknown> {
  void platform;
  return {
    id: String(task.id),
    reference: task.reference,
    isDone: task.is_done === 1,
    latestEventKind: task.latest_event_kind,
    latestInstructKind: task.latest_instruct_kind,
    statusMessage: task.status_message,
    action: String(task.action_id),
    implementation: task.implementation_id === null ? null : String(task.implementation_id),
    agent: task.agent_id === null ? null : String(task.agent_id),
    root: task.root_id === null ? null : String(task.root_id),
    parent: task.parent_id === null ? null : String(task.parent_id),
    createdAt: iso(task.created_at),
    updatedAt: iso(task.updated_at),
    finishedAt: iso(task.finished_at),
  };
}

function eventChange(event: TaskEventRow): Record<string, unknown> {
  return {
    id: String(event.id),
    task: String(event.task_id),
    kind: event.kind,
    message: event.message,
    progress: clampProgress(event.progress),
    // the stored text as is: a FLOAT port's `2.0` stays `2.0` on every output path (issue 10 #3)
    returns: rawJson(event.returns),
    createdAt: iso(event.created_at),
  };
}

function agentChange(platform: Platform, agent: AgentRow): Record<string, unknown> {
  return {
    id: String(agent.id),
    name: agent.name,
    kind: agent.kind,
    latestEvent: platform.isLive(agent) ? "CONNECT" : "DISCONNECT",
    connected: agent.connected === 1,
    blocked: agent.blocked === 1,
    lastSeen: iso(agent.last_seen),
    client: agent.client_id,
    user: agent.user_sub,
    organization: agent.org,
    app: agent.app ?? "",
    release: agent.release ?? "",
  };
}

/** SQL-backed task listing with the TaskFilter fields the platform knows. */
function listTasks(platform: Platform, org: string, filters: unknown, ordering: unknown, pagination: unknown, extra?: { where: string; params: unknown[] }): TaskRow[] {
  const f = (filters ?? {}) as Record<string, unknown>;
  const where: string[] = ["org = ?"];
  const params: unknown[] = [org];
  if (extra) {
    where.push(extra.where);
    params.push(...extra.params);
  }
  const eq = (column: string, value: unknown) => {
    if (value === null || value === undefined) return;
    const id = column.endsWith("_id") ? parseId(value) : value;
    // a value that is no id matches nothing (SQLite would compare " 1" to 1 as equal)
    if (id === null) where.push("0 = 1");
    else {
      where.push(`${column} = ?`);
      params.push(id);
    }
  };
  // lists travel as one JSON parameter: any length stays within SQLite's variable limit
  const ids = idList(f.ids);
  if (ids) {
    where.push("id IN (SELECT value FROM json_each(?))");
    params.push(JSON.stringify([...ids]));
  }
  eq("agent_id", f.agent);
  eq("action_id", f.action);
  eq("implementation_id", f.implementation);
  eq("caller_id", f.caller);
  eq("parent_id", f.parent);
  eq("root_id", f.root);
  eq("args_hash", f.argsHash);
  eq("reference", f.reference);
  if (typeof f.isDone === "boolean") eq("is_done", f.isDone ? 1 : 0);
  if (typeof f.rootIsnull === "boolean") where.push(f.rootIsnull ? "root_id IS NULL" : "root_id IS NOT NULL");
  if (Array.isArray(f.state) && f.state.length > 0) {
    where.push("latest_event_kind IN (SELECT value FROM json_each(?))");
    params.push(JSON.stringify(f.state));
  }
  if (typeof f.createdBefore === "string") {
    where.push("created_at < ?");
    params.push(Date.parse(f.createdBefore));
  }
  if (typeof f.createdAfter === "string") {
    where.push("created_at > ?");
    params.push(Date.parse(f.createdAfter));
  }
  const orders = Array.isArray(ordering) ? (ordering as Array<Record<string, unknown>>) : [];
  const orderBy: string[] = [];
  for (const o of orders) {
    if (o.createdAt) orderBy.push(`id ${isDesc(o.createdAt) ? "DESC" : "ASC"}`);
    if (o.finishedAt || o.startedAt) orderBy.push(`finished_at ${isDesc(o.finishedAt ?? o.startedAt) ? "DESC" : "ASC"}`);
  }
  if (orderBy.length === 0) orderBy.push("id DESC");
  const p = (pagination ?? {}) as Pagination;
  const limit = p.limit === null || p.limit === undefined ? -1 : Math.max(0, p.limit);
  const offset = Math.max(0, p.offset ?? 0);
  return platform.store.query<TaskRow>(
    `SELECT * FROM task WHERE ${where.join(" AND ")} ORDER BY ${orderBy.join(", ")} LIMIT ? OFFSET ?`,
    [...params, limit, offset],
  );
}

function filterImplementations(platform: Platform, rows: ImplementationRow[], filters: unknown): ImplementationRow[] {
  const f = (filters ?? {}) as Record<string, unknown>;
  const ids = idList(f.ids);
  return rows.filter((impl) => {
    if (ids && !ids.has(impl.id)) return false;
    if (!strLookup(impl.interface, f.interface)) return false;
    const action = platform.store.action(impl.action_id);
    if (typeof f.actionHash === "string" && action?.hash !== f.actionHash) return false;
    if (f.action) {
      const af = f.action as Record<string, unknown>;
      const aids = idList(af.ids);
      if (aids && !aids.has(impl.action_id)) return false;
      if (typeof af.kind === "string" && action?.kind !== af.kind) return false;
      if (typeof af.search === "string" && !(action?.name ?? "").toLowerCase().includes(af.search.toLowerCase())) return false;
      if (typeof af.name === "string" && action?.name !== af.name) return false;
    }
    const agent = platform.store.agent(impl.agent_id);
    if (f.agent) {
      const gf = f.agent as Record<string, unknown>;
      const gids = idList(gf.ids);
      if (gids && !gids.has(impl.agent_id)) return false;
      if (typeof gf.clientId === "string" && agent?.client_id !== gf.clientId) return false;
    }
    if (typeof f.active === "boolean" && (agent !== undefined && platform.isLive(agent)) !== f.active) return false;
    if (typeof f.search === "string" && !impl.interface.toLowerCase().includes(f.search.toLowerCase())) return false;
    return true;
  });
}

function filterActions(rows: ActionRow[], filters: unknown): ActionRow[] {
  const f = (filters ?? {}) as Record<string, unknown>;
  const ids = idList(f.ids);
  return rows.filter((a) => {
    if (ids && !ids.has(a.id)) return false;
    if (!strLookup(a.name, f.name)) return false;
    if (typeof f.search === "string" && !`${a.name} ${a.key} ${a.description ?? ""}`.toLowerCase().includes(f.search.toLowerCase())) return false;
    if (typeof f.kind === "string" && a.kind !== f.kind) return false;
    if (typeof f.stateful === "boolean" && (a.stateful === 1) !== f.stateful) return false;
    if (typeof f.appIdentifier === "string" && a.app !== f.appIdentifier) return false;
    if (typeof f.inCollection === "string" && !((definitionOf(a).collections ?? []) as string[]).includes(f.inCollection)) return false;
    return true;
  });
}

function filterAgents(platform: Platform, rows: AgentRow[], filters: unknown): AgentRow[] {
  const f = (filters ?? {}) as Record<string, unknown>;
  const ids = idList(f.ids);
  return rows.filter((a) => {
    if (ids && !ids.has(a.id)) return false;
    if (typeof f.clientId === "string" && a.client_id !== f.clientId) return false;
    if (typeof f.search === "string" && !a.name.toLowerCase().includes(f.search.toLowerCase())) return false;
    if (typeof f.pinned === "boolean" && (a.pinned === 1) !== f.pinned) return false;
    if (typeof f.appIdentifier === "string" && a.app !== f.appIdentifier) return false;
    if (typeof f.user === "string" && a.user_sub !== f.user) return false;
    if (Array.isArray(f.hasImplementations)) {
      const ifaces = new Set(platform.store.implementationsOfAgent(a.id).map((i) => i.interface));
      if (!(f.hasImplementations as string[]).every((i) => ifaces.has(i))) return false;
    }
    return true;
  });
}

/** The object type of a stored assign widget, by its `kind` (issue 13: form hints). */
const ASSIGN_WIDGET_TYPES: Record<string, string> = {
  SLIDER: "SliderAssignWidget",
  CHOICE: "ChoiceAssignWidget",
  STRING: "StringAssignWidget",
  SEARCH: "SearchAssignWidget",
  STATE_CHOICE: "StateChoiceAssignWidget",
  PROXY: "ProxyWidget",
  CUSTOM: "CustomAssignWidget",
};

/** The object type of each stored form-hint interface value, by its `kind`. */
const RESOLVE_TYPE: Record<string, (value: unknown) => string> = {
  AssignWidget: (w) => ASSIGN_WIDGET_TYPES[(w as { kind?: string }).kind ?? ""] ?? "CustomAssignWidget",
  ReturnWidget: (w) => ((w as { kind?: string }).kind === "CHOICE" ? "ChoiceReturnWidget" : "CustomReturnWidget"),
  Effect: (e) => {
    const kind = (e as { kind?: string }).kind;
    return kind === "MESSAGE" ? "MessageEffect" : kind === "CUSTOM" ? "CustomEffect" : "HideEffect";
  },
};

function choiceValue(value: unknown): string {
  return typeof value === "string" ? value : JSON.stringify(value);
}

// Organisation scoping of nested fields: a parent row always belongs to the viewer's organisation
// when it was reached through a root field, but every nested field checks again with the viewer's
// organisation (never the parent's), so one wrong row can never open a path into another one.
type ScopedCtx = { platform: Platform; me: Identity | null | undefined };
const viewerOrg = (ctx: ScopedCtx): string | null => ctx.me?.org ?? null;
function inViewerOrg<T extends { org: string }>(ctx: ScopedCtx, row: T | undefined | null): T | null {
  return row && row.org === viewerOrg(ctx) ? row : null;
}
function implementationInViewerOrg(ctx: ScopedCtx, impl: ImplementationRow | undefined | null): ImplementationRow | null {
  if (!impl) return null;
  return inViewerOrg(ctx, ctx.platform.store.agent(impl.agent_id)) ? impl : null;
}
function required<T>(row: T | null, what: string, ctx: ScopedCtx): T {
  if (row === null) throw new PlatformError(`${what} not found in organisation "${viewerOrg(ctx) ?? "?"}"`, "NOT_FOUND");
  return row;
}
/** Tasks of the viewer's organisation only; nothing when the viewer has none. */
function scopedTasks(ctx: ScopedCtx, filters: unknown, ordering: unknown, pagination: unknown, extra: { where: string; params: unknown[] }): TaskRow[] {
  const org = viewerOrg(ctx);
  return org === null ? [] : listTasks(ctx.platform, org, filters, ordering, pagination, extra);
}

/** The core (agents, actions, implementations, tasks) and the media store (src/server/media) as areas. */
function coreAreas(): Area[] {
  return [
    { name: "core", resolvers: coreResolvers() as Area["resolvers"], subscriptions: buildSubscriptions() as Area["subscriptions"] },
    { name: "media", resolvers: mediaResolvers() as Area["resolvers"] },
  ];
}

type AnyResolver = (parent: unknown, args: Args, ctx: GraphqlContext & { me: Identity }, info?: unknown) => unknown;
interface Merged {
  resolvers: Record<string, Record<string, AnyResolver>>;
  subscriptions: Record<string, Subscriber>;
  /** Which area resolves each `Type.field`. */
  owner: Map<string, string>;
}

/** Merges the areas' fields; one field resolved by two areas is an error (say which two). */
export function mergeAreas(areas: readonly Area[]): Merged {
  const merged: Merged = { resolvers: {}, subscriptions: {}, owner: new Map() };
  const claim = (field: string, area: string) => {
    const before = merged.owner.get(field);
    if (before) throw new Error(`${field} is resolved by two areas of the server: ${before} and ${area}`);
    merged.owner.set(field, area);
  };
  for (const area of areas) {
    for (const [typeName, fields] of Object.entries(area.resolvers ?? {})) {
      const into = (merged.resolvers[typeName] ??= {});
      for (const [field, resolver] of Object.entries(fields as Record<string, unknown>)) {
        claim(`${typeName}.${field}`, area.name);
        into[field] = resolver as AnyResolver;
      }
    }
    for (const [field, subscriber] of Object.entries(area.subscriptions ?? {})) {
      claim(`Subscription.${field}`, area.name);
      merged.subscriptions[field] = subscriber as Subscriber;
    }
  }
  return merged;
}

/** Every area of the server: the core, the media store and src/server/areas. */
export function serverAreas(): Area[] {
  return [...coreAreas(), ...AREAS];
}

/** The root fields the server serves: exactly those some area resolves. */
export function servedRootFields(areas: readonly Area[] = serverAreas()): Record<"Query" | "Mutation" | "Subscription", string[]> {
  const merged = mergeAreas(areas);
  return {
    Query: Object.keys(merged.resolvers.Query ?? {}),
    Mutation: Object.keys(merged.resolvers.Mutation ?? {}),
    Subscription: Object.keys(merged.subscriptions),
  };
}

function coreResolvers(): Record<string, Record<string, Resolver>> {
  const agentOf = (ctx: ScopedCtx, id: number | null) => (id === null ? null : inViewerOrg(ctx, ctx.platform.store.agent(id)));
  const control = (kind: ControlKind): Resolver => (_p, args, ctx) => {
    const input = args.input as { task: string; step?: boolean };
    return ctx.platform.control(ctx.me, input.task, kind, { step: input.step ?? false });
  };
  return {
    Query: {
      agents: (_p, a, ctx) =>
        paginate(
          filterAgents(ctx.platform, ctx.platform.store.agentsOfOrg(ctx.me.org), a.filters).sort((x, y) =>
            Array.isArray(a.ordering) && a.ordering.some((o: Record<string, unknown>) => isDesc(o.lastSeen)) ? (y.last_seen ?? 0) - (x.last_seen ?? 0) : x.id - y.id,
          ),
          a.pagination,
        ),
      agent: (_p, a, ctx) => {
        if (a.id) return ctx.platform.agentInOrg(ctx.me, a.id as string);
        if (typeof a.app === "string") {
          const found = ctx.platform.store
            .agentsOfOrg(ctx.me.org)
            .find((g) => g.app === a.app && (a.version == null || g.release === a.version));
          if (found) return found;
          throw new PlatformError(`No agent of app "${a.app}" in organisation "${ctx.me.org}"`, "NOT_FOUND");
        }
        throw new PlatformError("agent(...) needs an id or an app");
      },
      actions: (_p, a, ctx) => {
        const rows = filterActions(ctx.platform.store.actionsOfOrg(ctx.me.org), a.filters);
        const desc = Array.isArray(a.ordering) && a.ordering.some((o: Record<string, unknown>) => isDesc(o.definedAt));
        rows.sort((x, y) => (desc ? y.defined_at - x.defined_at || y.id - x.id : x.id - y.id));
        return paginate(rows, a.pagination);
      },
      action: (_p, a, ctx) => {
        const store = ctx.platform.store;
        const inOrg = (row: ActionRow | undefined, what: string): ActionRow => {
          if (!row || row.org !== ctx.me.org) throw new PlatformError(`No action found for ${what} in organisation "${ctx.me.org}"`, "NOT_FOUND");
          return row;
        };
        if (a.task) return inOrg(store.action(ctx.platform.taskInOrg(ctx.me, a.task as string).action_id), `task ${String(a.task)}`);
        if (a.implementation) {
          const implId = parseId(a.implementation);
          const impl = implId === null ? undefined : store.implementation(implId);
          return inOrg(impl ? store.action(impl.action_id) : undefined, `implementation ${String(a.implementation)}`);
        }
        if (typeof a.hash === "string") return inOrg(store.actionsByHash(ctx.me.org, a.hash)[0], `hash ${a.hash}`);
        if (a.matching) {
          const m = a.matching as Record<string, unknown>;
          if (typeof m.hash === "string") return inOrg(store.actionsByHash(ctx.me.org, m.hash)[0], `hash ${m.hash}`);
          const found = store
            .actionsOfOrg(ctx.me.org)
            .find((x) => (m.key == null || x.key === m.key) && (m.app == null || x.app === m.app) && (m.version == null || x.version === m.version) && (m.name == null || x.name === m.name));
          return inOrg(found, "the demand");
        }
        if (a.agent && typeof a.interface === "string") {
          const agent = ctx.platform.agentInOrg(ctx.me, a.agent as string);
          const impl = store.implementationByInterface(agent.id, a.interface);
          return inOrg(impl ? store.action(impl.action_id) : undefined, `agent ${agent.id} interface "${a.interface}"`);
        }
        if (a.id !== null && a.id !== undefined) {
          const id = parseId(a.id);
          return inOrg(id === null ? undefined : store.action(id), `id ${JSON.stringify(a.id)}`);
        }
        throw new PlatformError("action(...) needs one of id, task, implementation, hash, matching, agent + interface");
      },
      implementations: (_p, a, ctx) => paginate(filterImplementations(ctx.platform, ctx.platform.store.implementationsOfOrg(ctx.me.org), a.filters), a.pagination),
      implementation: (_p, a, ctx) => {
        const id = parseId(a.id);
        const impl = id === null ? undefined : ctx.platform.store.implementation(id);
        const agent = impl ? ctx.platform.store.agent(impl.agent_id) : undefined;
        if (!impl || !agent || agent.org !== ctx.me.org) throw new PlatformError(`Implementation ${String(a.id)} not found in organisation "${ctx.me.org}"`, "NOT_FOUND");
        return impl;
      },
      implementationAt: (_p, a, ctx) => {
        const agent = ctx.platform.agentInOrg(ctx.me, a.agent as string);
        const rows = ctx.platform.store.implementationsOfAgent(agent.id);
        const impl =
          typeof a.interface === "string"
            ? rows.find((i) => i.interface === a.interface)
            : typeof a.actionHash === "string"
              ? rows.find((i) => ctx.platform.store.action(i.action_id)?.hash === a.actionHash)
              : undefined;
        if (!impl) throw new PlatformError(`Agent ${agent.id} has no matching implementation`, "NOT_FOUND");
        return impl;
      },
      myImplementationAt: (_p, a, ctx) => {
        const agent = ctx.platform.store.agentByIdentity(ctx.me);
        if (!agent) throw new PlatformError("You have no agent: call ensureAgent first", "NOT_FOUND");
        const rows = ctx.platform.store.implementationsOfAgent(agent.id);
        const impl = typeof a.interface === "string" ? rows.find((i) => i.interface === a.interface) : rows.find((i) => String(i.action_id) === String(a.actionId));
        if (!impl) throw new PlatformError(`Your agent ${agent.id} has no matching implementation`, "NOT_FOUND");
        return impl;
      },
      tasks: (_p, a, ctx) => listTasks(ctx.platform, ctx.me.org, a.filters, a.ordering, a.pagination),
      myTasks: (_p, a, ctx) => {
        const caller = ctx.platform.store.ensureCaller(ctx.me);
        return listTasks(ctx.platform, ctx.me.org, {}, [], a.pagination, { where: "caller_id = ?", params: [caller.id] });
      },
      task: (_p, a, ctx) => ctx.platform.taskInOrg(ctx.me, a.id as string),
      event: (_p, a, ctx) => {
        const id = parseId(a.id);
        const event = id === null ? undefined : ctx.platform.store.event(id);
        const task = event ? ctx.platform.store.task(event.task_id) : undefined;
        if (!event || !task || task.org !== ctx.me.org) throw new PlatformError(`Event ${String(a.id)} not found`, "NOT_FOUND");
        return event;
      },
    },
    Mutation: {
      ensureAgent: (_p, a, ctx) => ctx.platform.ensureAgent(ctx.me, (a.input ?? {}) as { name?: string }),
      implementAgent: (_p, a, ctx) => ctx.platform.implementAgent(ctx.me, (a.input ?? {}) as Parameters<Platform["implementAgent"]>[1]),
      createImplementation: (_p, a, ctx) =>
        ctx.platform.createImplementation(ctx.me, (a.input as { implementation: Parameters<Platform["createImplementation"]>[1] }).implementation),
      deleteImplementation: (_p, a, ctx) => {
        const raw = (a.input as { implementation: string }).implementation;
        const id = parseId(raw);
        const impl = id === null ? undefined : ctx.platform.store.implementation(id);
        const agent = impl ? ctx.platform.store.agent(impl.agent_id) : undefined;
        if (id === null || !impl || !agent || agent.org !== ctx.me.org) throw new PlatformError(`Implementation ${String(raw)} not found`, "NOT_FOUND");
        ctx.platform.store.deleteImplementation(id);
        return String(id);
      },
      assign: (_p, a, ctx) => ctx.platform.assign(ctx.me, a.input as Parameters<Platform["assign"]>[1]),
      cancel: control("CANCEL"),
      interrupt: control("INTERRUPT"),
      pause: control("PAUSE"),
      resume: control("RESUME"),
      ack: (_p, a, ctx) => ctx.platform.taskInOrg(ctx.me, (a.input as { task: string }).task),
      bounce: (_p, a, ctx) => ctx.platform.bounce(ctx.me, (a.input as { agent: string }).agent),
      kick: (_p, a, ctx) => {
        const input = a.input as { agent: string; reason?: string | null };
        return ctx.platform.kick(ctx.me, input.agent, input.reason);
      },
      block: (_p, a, ctx) => {
        const input = a.input as { agent: string; reason?: string | null };
        return ctx.platform.setBlocked(ctx.me, input.agent, true, input.reason);
      },
      unblock: (_p, a, ctx) => ctx.platform.setBlocked(ctx.me, (a.input as { agent: string }).agent, false),
      deleteAgent: (_p, a, ctx) => ctx.platform.deleteAgent(ctx.me, (a.input as { id: string }).id),
      updateAgent: (_p, a, ctx) => {
        const input = a.input as { id: string; name?: string | null };
        const agent = ctx.platform.agentInOrg(ctx.me, input.id);
        return input.name ? ctx.platform.renameAgent(ctx.me, input.id, input.name) : agent;
      },
    },
    Agent: {
      id: (p) => String((p as AgentRow).id),
      hash: (p) => (p as AgentRow).hash ?? "",
      client: (p) => {
        const a = p as AgentRow;
        return { id: a.client_id, name: a.client_id, clientId: a.client_id, release: { id: `${a.app}@${a.release}`, version: a.release ?? "", app: { id: a.app ?? "", identifier: a.app ?? "" } }, device: null };
      },
      user: (p) => ({ id: (p as AgentRow).user_sub, sub: (p as AgentRow).user_sub }),
      organization: (p) => ({ slug: (p as AgentRow).org }),
      lastSeen: (p) => iso((p as AgentRow).last_seen),
      connected: (p) => (p as AgentRow).connected === 1,
      active: (p, _a, ctx) => ctx.platform.isLive(p as AgentRow),
      blocked: (p) => (p as AgentRow).blocked === 1,
      pinned: (p) => (p as AgentRow).pinned === 1,
      hookUrl: (p) => (p as AgentRow).hook_url,
      hookUrlSecret: () => null,
      app: (p) => ({ id: (p as AgentRow).app ?? "", identifier: (p as AgentRow).app ?? "" }),
      release: (p) => {
        const a = p as AgentRow;
        return { id: `${a.app}@${a.release}`, version: a.release ?? "", app: { id: a.app ?? "", identifier: a.app ?? "" } };
      },
      device: () => null,
      implementations: (p, a, ctx) =>
        inViewerOrg(ctx, p as AgentRow) ? paginate(filterImplementations(ctx.platform, ctx.platform.store.implementationsOfAgent((p as AgentRow).id), a.filters), a.pagination) : [],
      implementation: (p, a, ctx) => (inViewerOrg(ctx, p as AgentRow) ? (ctx.platform.store.implementationByInterface((p as AgentRow).id, a.interface as string) ?? null) : null),
      tasks: (p, a, ctx) => scopedTasks(ctx, a.filters, a.ordering, a.pagination, { where: "agent_id = ?", params: [(p as AgentRow).id] }),
    },
    Action: {
      id: (p) => String((p as ActionRow).id),
      app: (p) => ({ id: (p as ActionRow).app, identifier: (p as ActionRow).app }),
      stateful: (p) => (p as ActionRow).stateful === 1,
      pure: (p) => (p as ActionRow).pure === 1,
      idempotent: (p) => (p as ActionRow).idempotent === 1,
      isDev: (p) => (p as ActionRow).is_dev === 1,
      definedAt: (p) => iso((p as ActionRow).defined_at),
      collections: (p) => ((definitionOf(p as ActionRow).collections ?? []) as string[]).map((name) => ({ id: name, name })),
      scope: () => "GLOBAL",
      logo: () => null,
      interfaces: () => [],
      organization: (p) => ({ slug: (p as ActionRow).org }),
      args: (p) => definitionOf(p as ActionRow).args ?? [],
      returns: (p) => definitionOf(p as ActionRow).returns ?? [],
      portGroups: (p) => definitionOf(p as ActionRow).portGroups ?? [],
      pinned: () => false,
      implementations: (p, a, ctx) =>
        paginate(
          filterImplementations(
            ctx.platform,
            ctx.platform.store.implementationsOfAction((p as ActionRow).id).filter((impl) => implementationInViewerOrg(ctx, impl) !== null),
            a.filters,
          ),
          a.pagination,
        ),
      tasks: (p, a, ctx) => scopedTasks(ctx, a.filters, a.ordering, a.pagination, { where: "action_id = ?", params: [(p as ActionRow).id] }),
      latestTask: (p, _a, ctx) => scopedTasks(ctx, {}, [], { limit: 1 }, { where: "action_id = ?", params: [(p as ActionRow).id] })[0] ?? null,
      runs: (p, a, ctx) => scopedTasks(ctx, {}, [], a.pagination, { where: "action_id = ?", params: [(p as ActionRow).id] }),
    },
    ArgPort: {
      default: (p) => (p as Port).default ?? null,
    },
    // Form hints (issue 13) are stored as the agent sent them; their interfaces resolve by `kind`
    // (RESOLVE_TYPE), and the fields the schema requires get the platform's defaults.
    StringAssignWidget: {
      placeholder: (w) => (w as { placeholder?: string | null }).placeholder ?? "",
      asParagraph: (w) => (w as { asParagraph?: boolean | null }).asParagraph ?? false,
    },
    HideEffect: {
      fade: (e) => (e as { fade?: boolean | null }).fade ?? true,
      dependencies: (e) => (e as { dependencies?: string[] | null }).dependencies ?? [],
    },
    MessageEffect: {
      message: (e) => (e as { message?: string | null }).message ?? "",
      dependencies: (e) => (e as { dependencies?: string[] | null }).dependencies ?? [],
    },
    CustomEffect: {
      hook: (e) => (e as { hook?: string | null }).hook ?? "",
      ward: (e) => (e as { ward?: string | null }).ward ?? "",
      dependencies: (e) => (e as { dependencies?: string[] | null }).dependencies ?? [],
    },
    CustomAssignWidget: {
      hook: (w) => (w as { hook?: string | null }).hook ?? "",
      ward: (w) => (w as { ward?: string | null }).ward ?? "",
    },
    CustomReturnWidget: {
      hook: (w) => (w as { hook?: string | null }).hook ?? "",
      ward: (w) => (w as { ward?: string | null }).ward ?? "",
    },
    PortGroup: {
      ports: (g) => (g as { ports?: string[] | null }).ports ?? [],
    },
    ReturnPort: {
      default: (p) => (p as Port).default ?? null,
    },
    Choice: {
      value: (p) => choiceValue((p as { value: unknown }).value),
      label: (p) => String((p as { label?: unknown }).label ?? choiceValue((p as { value: unknown }).value)),
    },
    Implementation: {
      id: (p) => String((p as ImplementationRow).id),
      agent: (p, _a, ctx) => required(inViewerOrg(ctx, ctx.platform.store.agent((p as ImplementationRow).agent_id)), `Agent of implementation ${(p as ImplementationRow).id}`, ctx),
      action: (p, _a, ctx) => required(inViewerOrg(ctx, ctx.platform.store.action((p as ImplementationRow).action_id)), `Action of implementation ${(p as ImplementationRow).id}`, ctx),
      params: (p) => json((p as ImplementationRow).params) ?? {},
      higherOrderConfig: () => ({}),
      needsToken: (p) => (p as ImplementationRow).needs_token === 1,
      name: (p, _a, ctx) => `${(p as ImplementationRow).interface}@${ctx.platform.store.agent((p as ImplementationRow).agent_id)?.name ?? "?"}`,
      dependencies: (p, a) => {
        const ids = (a.filters as { ids?: string[] | null } | null | undefined)?.ids;
        const declared = storedDependencies(p as ImplementationRow);
        return paginate(ids ? declared.filter((d) => ids.includes(d.id as string)) : declared, a.pagination);
      },
      pinned: () => false,
      myLatestTask: () => null,
      higherOrderFor: () => null,
      provenanceAudience: () => null,
    },
    Task: {
      id: (p) => String((p as TaskRow).id),
      isDone: (p) => (p as TaskRow).is_done === 1,
      args: (p) => json((p as TaskRow).args),
      argsHash: (p) => (p as TaskRow).args_hash,
      dependencies: () => ({}),
      resolution: () => null,
      root: (p, _a, ctx) => ((p as TaskRow).root_id === null ? null : inViewerOrg(ctx, ctx.platform.store.task((p as TaskRow).root_id!))),
      parent: (p, _a, ctx) => ((p as TaskRow).parent_id === null ? null : inViewerOrg(ctx, ctx.platform.store.task((p as TaskRow).parent_id!))),
      action: (p, _a, ctx) => required(inViewerOrg(ctx, ctx.platform.store.action((p as TaskRow).action_id)), `Action of task ${(p as TaskRow).id}`, ctx),
      capture: (p) => (p as TaskRow).capture === 1,
      ephemeral: (p) => (p as TaskRow).ephemeral === 1,
      implementation: (p, _a, ctx) =>
        (p as TaskRow).implementation_id === null ? null : implementationInViewerOrg(ctx, ctx.platform.store.implementation((p as TaskRow).implementation_id!)),
      latestEventKind: (p) => (p as TaskRow).latest_event_kind,
      latestInstructKind: (p) => (p as TaskRow).latest_instruct_kind,
      caller: (p, _a, ctx) => {
        const c = inViewerOrg(ctx, ctx.platform.store.caller((p as TaskRow).caller_id));
        if (!c) return null;
        return {
          id: String(c.id),
          client: { id: c.client_id, name: c.client_id, clientId: c.client_id, release: null, device: null },
          user: { id: c.user_sub, sub: c.user_sub },
          organization: { slug: c.org },
        };
      },
      createdAt: (p) => iso((p as TaskRow).created_at),
      updatedAt: (p) => iso((p as TaskRow).updated_at),
      finishedAt: (p) => iso((p as TaskRow).finished_at),
      actedOn: () => [],
      children: (p, a, ctx) => scopedTasks(ctx, a.filters, a.ordering, a.pagination, { where: "parent_id = ?", params: [(p as TaskRow).id] }),
      agent: (p, _a, ctx) => agentOf(ctx, (p as TaskRow).agent_id),
      events: (p, a, ctx) => {
        const f = (a.filters ?? {}) as { ids?: string[] | null; kind?: string[] | null };
        const ids = idList(f.ids);
        if (!inViewerOrg(ctx, p as TaskRow)) return [];
        const newestFirst = Array.isArray(a.ordering) && a.ordering.some((o: Record<string, unknown>) => isDesc(o.createdAt));
        const page = a.pagination as Page;
        return ctx.platform.store.eventsOfTaskPage((p as TaskRow).id, { ids: ids ? [...ids] : null, kinds: f.kind ?? null }, newestFirst, page.limit, page.offset);
      },
      dependency: () => null,
      dependencyMethod: () => null,
      resolvedDependencies: () => [],
      instructs: () => [],
      arg: (p, a) => {
        // own keys only: "__proto__", "constructor" or "toString" are no args
        const args = json((p as TaskRow).args);
        const key = a.key as string;
        if (args === null || typeof args !== "object" || Array.isArray(args) || !Object.hasOwn(args, key)) return null;
        return (args as Record<string, unknown>)[key] ?? null;
      },
    },
    TaskEvent: {
      id: (p) => String((p as TaskEventRow).id),
      name: (p) => (p as TaskEventRow).kind,
      returns: (p) => rawJson((p as TaskEventRow).returns),
      // a percentage (Int): a value stored by an older server outside 0..100 must not break the whole list
      progress: (p) => clampProgress((p as TaskEventRow).progress),
      task: (p, _a, ctx) => required(inViewerOrg(ctx, ctx.platform.store.task((p as TaskEventRow).task_id)), `Task of event ${(p as TaskEventRow).id}`, ctx),
      createdAt: (p) => iso((p as TaskEventRow).created_at),
      delegatedTo: () => null,
      reference: (p, _a, ctx) => inViewerOrg(ctx, ctx.platform.store.task((p as TaskEventRow).task_id))?.reference ?? "",
    },
  };
}

type Replaying = AreaReplaying<unknown>;
type Subscriber = (args: Args, ctx: GraphqlContext & { me: Identity }) => Select<unknown> | Replaying;

interface TaskChangePayload {
  create: { id: string } | null;
  event: { id: string } | null;
}

/** `mytasks`: the subscriber's tasks and events, after a replay of the last `replayWindowMs` (issue 10 #8). */
function myTasksSubscription(ctx: GraphqlContext & { me: Identity }): Replaying {
  return {
    select: (e) => {
      if ((e.type === "taskCreate" || e.type === "taskEvent") && ctx.platform.callerKeyOfTask(e.task) === ctx.me.key) {
        return e.type === "taskCreate" ? { create: taskChange(ctx.platform, e.task), event: null } : { create: null, event: eventChange(e.event) };
      }
      return undefined;
    },
    replay: () => {
      const { tasks, events } = readMyTasksReplay(ctx.platform.store, ctx.me, ctx.platform.options);
      const taskIds = new Set(tasks.map((t) => String(t.id)));
      const eventIds = new Set(events.map((e) => String(e.id)));
      // in time order; a task's create before its events
      const timed = [
        ...tasks.map((t) => ({ at: t.created_at, order: 0, id: t.id, payload: { create: taskChange(ctx.platform, asCreated(t)), event: null } })),
        ...events.map((e) => ({ at: e.created_at, order: 1, id: e.id, payload: { create: null, event: eventChange(e) } })),
      ].sort((a, b) => a.at - b.at || a.order - b.order || a.id - b.id);
      return {
        items: timed.map((t) => t.payload),
        // a replayed payload arrives live at most once (when it was still being committed): skip it then
        replayed: (payload) => {
          const p = payload as TaskChangePayload;
          if (p.create) return taskIds.delete(p.create.id);
          if (p.event) return eventIds.delete(p.event.id);
          return false;
        },
      };
    },
  };
}

function buildSubscriptions(): Record<string, Subscriber> {
  return {
    mytasks: (_a, ctx) => myTasksSubscription(ctx),
    tasks: (_a, ctx) => (e) => {
      if ((e.type === "taskCreate" || e.type === "taskEvent") && e.task.org === ctx.me.org) {
        return e.type === "taskCreate" ? { create: taskChange(ctx.platform, e.task), event: null } : { create: null, event: eventChange(e.event) };
      }
      return undefined;
    },
    childTasks: (a, ctx) => {
      const parent = ctx.platform.taskInOrg(ctx.me, a.id as string);
      return (e) => {
        if ((e.type === "taskCreate" || e.type === "taskUpdate") && (e.task.parent_id === parent.id || e.task.root_id === parent.id)) {
          return e.type === "taskCreate" ? { create: taskChange(ctx.platform, e.task), update: null } : { create: null, update: taskChange(ctx.platform, e.task) };
        }
        return undefined;
      };
    },
    agentTasks: (a, ctx) => {
      const agent = ctx.platform.agentInOrg(ctx.me, a.agent as string);
      return (e) => {
        if ((e.type === "taskCreate" || e.type === "taskUpdate") && e.task.agent_id === agent.id) {
          return e.type === "taskCreate" ? { create: e.task, update: null } : { create: null, update: e.task };
        }
        return undefined;
      };
    },
    agents: (_a, ctx) => (e) => {
      if (e.type !== "agentCreate" && e.type !== "agentUpdate" && e.type !== "agentDelete") return undefined;
      if (e.agent.org !== ctx.me.org) return undefined;
      if (e.type === "agentDelete") return { create: null, update: null, delete: String(e.agent.id) };
      const change = agentChange(ctx.platform, e.agent);
      return e.type === "agentCreate" ? { create: change, update: null, delete: null } : { create: null, update: change, delete: null };
    },
  };
}

/** Turns our errors into GraphQL errors the client sees (yoga masks anything else). */
function toGraphqlError(error: unknown): GraphQLErrorType {
  if (error instanceof GraphQLError) return error;
  if (error instanceof PlatformError) return new GraphQLError(error.message, { extensions: { ...error.extensions, code: error.code } });
  if (error instanceof PageError) return new GraphQLError(error.message, { extensions: { code: "BAD_USER_INPUT" } });
  // disk full and other storage failures: say so instead of yoga's masked "Unexpected error."
  const stored = error instanceof StoreWriteError ? error : storeFailureOf(error, "the server's data folder");
  if (stored) return new GraphQLError(stored.message, { extensions: { code: stored.code } });
  throw error;
}

function requireIdentity(ctx: GraphqlContext): Identity {
  if (!ctx.identity) {
    throw new GraphQLError("Authentication required: send a valid token (Authorization: Bearer <token>, or connection_init {token})", {
      extensions: { code: "UNAUTHENTICATED", http: { status: 401 } },
    });
  }
  return ctx.identity;
}

function emptyFor(type: unknown): unknown {
  if (isNonNullType(type)) return isListType(type.ofType) ? [] : undefined;
  return isListType(type) ? [] : null;
}

/** Builds the executable schema. */
export function buildServerSchema(areas: readonly Area[] = serverAreas()): GraphQLSchema {
  const { resolvers, subscriptions } = mergeAreas(areas);
  const schema = buildASTSchema(subsetSdl(loadPlatformDocument(), servedRootFields(areas)), { assumeValidSDL: true });
  for (const [name, resolveType] of Object.entries(RESOLVE_TYPE)) {
    const type = schema.getType(name);
    if (isInterfaceType(type)) type.resolveType = resolveType;
  }
  for (const type of Object.values(schema.getTypeMap())) {
    if (!isObjectType(type) || type.name.startsWith("__")) continue;
    const isRoot = type.name === "Query" || type.name === "Mutation";
    const map = resolvers[type.name] ?? {};
    for (const field of Object.values(type.getFields())) {
      const custom = map[field.name];
      if (type.name === "Subscription") {
        const make = subscriptions[field.name]!;
        field.subscribe = ((_p: unknown, args: Args, ctx: GraphqlContext) => {
          const me = requireIdentity(ctx);
          try {
            const made = make(args, { ...ctx, me });
            if (typeof made === "function") return ctx.platform.hub.subscribe(made, ctx.signal);
            // listen first, then read the store once the pending writes are committed: no gap at the seam
            const live = ctx.platform.hub.subscribe(made.select, ctx.signal);
            return replayThenLive<unknown>(
              ctx.platform.store.committed().then(() => made.replay()),
              live,
            );
          } catch (error) {
            throw toGraphqlError(error);
          }
        }) as GraphQLFieldResolver<unknown, GraphqlContext>;
        field.resolve = (payload: unknown) => payload;
        continue;
      }
      if (custom) {
        const listName = `${type.name}.${field.name}`;
        const paged = isPaged(field, listName);
        field.resolve = ((parent: unknown, args: Args, ctx: GraphqlContext, info: unknown) => {
          const me = isRoot ? requireIdentity(ctx) : (ctx.identity as Identity);
          try {
            // every paged list gets a checked page (`pagination.limit`, else its default; over the maximum is refused)
            const pagedArgs = paged ? { ...args, pagination: pageOf(listName, args.pagination, ctx.platform.options) } : args;
            const result = custom(parent, pagedArgs, { ...ctx, me }, info);
            // a mutation answers only once its writes are durable
            // (an async resolver's refusal is turned into its GraphQL error too)
            return type.name === "Mutation"
              ? ctx.platform.store
                  .committed()
                  .then(() => result)
                  .catch((error: unknown) => {
                    throw toGraphqlError(error);
                  })
              : result;
          } catch (error) {
            throw toGraphqlError(error);
          }
        }) as GraphQLFieldResolver<unknown, GraphqlContext>;
      } else if (isRoot) {
        throw new Error(`no resolver for ${type.name}.${field.name}`);
      } else {
        const name = field.name;
        const empty = emptyFor(field.type);
        field.resolve = (parent: unknown) => {
          const value = (parent as Record<string, unknown> | null)?.[name];
          return value === undefined || value === null ? (empty ?? value ?? null) : value;
        };
      }
    }
  }
  return schema;
}

