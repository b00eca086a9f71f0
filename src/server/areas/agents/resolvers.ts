/** The agents area's GraphQL fields, typed from the full schema (generated/server/resolvers.ts). */
import type { GraphQLResolveInfo } from "graphql";
import type { Resolvers } from "../../../../generated/server/resolvers.js";
import type { Subscribers } from "../../graphql/area.js";
import type { ResolverContext } from "../../graphql/context.js";
import { PlatformError } from "../../platform.js";
import type { ImplementationRow } from "../../store/store.js";
import { clientWhere, type ClientRow, type HigherOrderRow, type StatsField, type StatsSelection, type StatsSummary } from "./records.js";

/** The agents the viewer pinned, read once per query (`Agent.pinned` of a page of agents). */
const pinsOfRequest = new WeakMap<ResolverContext, Set<number>>();
/** The higher-order links a query read, per implementation (a page of 100 tasks asked each task's implementation). */
const higherOrderOfRequest = new WeakMap<ResolverContext, Map<number, HigherOrderRow | undefined>>();

/** An implementation's higher-order link: read once per query operation; a mutation may set one between its fields, so it asks each time. */
function higherOrderOf(id: number, ctx: ResolverContext, info: GraphQLResolveInfo): HigherOrderRow | undefined {
  const records = ctx.platform.areas.agents.records;
  if (info.operation.operation !== "query") return records.higherOrder(id);
  let links = higherOrderOfRequest.get(ctx);
  if (!links) higherOrderOfRequest.set(ctx, (links = new Map()));
  if (!links.has(id)) links.set(id, records.higherOrder(id));
  return links.get(id);
}

function client(row: ClientRow) {
  const app = { id: row.app ?? "", identifier: row.app ?? "" };
  return {
    id: String(row.id),
    name: row.client_id,
    clientId: row.client_id,
    release: row.app === null ? null : { id: `${row.app}@${row.release ?? ""}`, version: row.release ?? "", app },
    device: row.device === null ? null : { id: row.device, deviceId: row.device },
  };
}

/** One field's summary of a stats selection, read once per selection and field. */
function summary(selection: StatsSelection, field: StatsField | null, ctx: ResolverContext): StatsSummary {
  const key = field ?? "";
  let cached = selection.cache.get(key);
  if (!cached) {
    cached = ctx.platform.areas.agents.records.statsSummary(ctx.me.org, selection, field);
    selection.cache.set(key, cached);
  }
  return cached;
}

/** An implementation the viewer's organisation may see (nested fields check again, never trusting the parent). */
function visible(ctx: ResolverContext, impl: ImplementationRow | undefined): ImplementationRow | null {
  if (!impl) return null;
  return ctx.platform.store.agent(impl.agent_id)?.org === ctx.me.org ? impl : null;
}

const stats = {
  count: (p: StatsSelection, _a: unknown, ctx: ResolverContext) => summary(p, null, ctx).count,
  distinctCount: (p: StatsSelection, a: { field: StatsField }, ctx: ResolverContext) => summary(p, a.field, ctx).distinctCount,
  max: (p: StatsSelection, a: { field: StatsField }, ctx: ResolverContext) => summary(p, a.field, ctx).max,
  min: (p: StatsSelection, a: { field: StatsField }, ctx: ResolverContext) => summary(p, a.field, ctx).min,
  avg: (p: StatsSelection, a: { field: StatsField }, ctx: ResolverContext) => summary(p, a.field, ctx).avg,
  sum: (p: StatsSelection, a: { field: StatsField }, ctx: ResolverContext) => summary(p, a.field, ctx).sum,
  series: (p: StatsSelection, a: { field: StatsField; timestampField: StatsField; by: "HOUR" | "DAY" | "WEEK" | "MONTH" | "QUARTER" | "YEAR" }, ctx: ResolverContext) =>
    ctx.platform.areas.agents.records.statsSeries(ctx.me.org, p, a.field, a.timestampField, a.by),
};

export const agentsResolvers: Omit<Resolvers, "Subscription"> = {
  Query: {
    clients: (_p, a, ctx) => {
      const newestFirst = a.ordering.length === 0 ? null : a.ordering.some((o) => o.definedAt?.startsWith("DESC") === true);
      const page = { limit: a.pagination?.limit ?? -1, offset: a.pagination?.offset ?? 0 };
      return ctx.platform.areas.agents.records.clients(ctx.me.org, clientWhere(a.filters, ctx.me.sub), newestFirst, page.limit, page.offset).map(client);
    },
    // Neither the platform nor its agent protocol has a way to report hardware (no mutation, no
    // frame; the reference client's hardware_record.graphql is empty): there is nothing to store.
    hardwareRecords: () => [],
    hardwareRecord: (_p, a, ctx) => {
      throw new PlatformError(`HardwareRecord ${a.id} not found in organisation "${ctx.me.org}" (this server records no hardware: agents have no way to report it)`, "NOT_FOUND");
    },
    reusableTaskFor: (_p, a, ctx) => ctx.platform.areas.agents.reusableTaskFor(ctx.me, a.actionHash, a.args),
    taskStats: (_p, a, ctx) => ctx.platform.areas.agents.taskStats(a.filters),
    actionStats: (_p, a, ctx) => ctx.platform.areas.agents.actionStats(a.filters),
  },
  Mutation: {
    pinAgent: (_p, a, ctx) => ctx.platform.areas.agents.pinAgent(ctx.me, a.input),
    pinImplementation: (_p, a, ctx) => ctx.platform.areas.agents.pinImplementation(ctx.me, a.input),
    setHigherOrder: (_p, a, ctx) => ctx.platform.areas.agents.setHigherOrder(ctx.me, a.input),
    reinit: (_p, a, ctx) => ctx.platform.areas.agents.reinit(ctx.me, a.input),
    cleanupActions: (_p, a, ctx) => ctx.platform.areas.agents.cleanupActions(ctx.me, a.actionIds),
  },
  TaskStats: stats,
  ActionStats: stats,
  Implementation: {
    pinned: (p, _a, ctx) => ctx.platform.areas.agents.records.implementationPinned(p.id, { org: ctx.me.org, sub: ctx.me.sub, iss: ctx.me.iss }),
    myLatestTask: (p, _a, ctx) => ctx.platform.areas.agents.records.myLatestTask(p.id, { org: ctx.me.org, sub: ctx.me.sub, iss: ctx.me.iss }) ?? null,
    higherOrderFor: (p, _a, ctx, info) => {
      const lower = higherOrderOf(p.id, ctx, info)?.lower_id;
      return lower === null || lower === undefined ? null : visible(ctx, ctx.platform.store.implementation(lower));
    },
    higherOrderConfig: (p, _a, ctx, info) => {
      const link = higherOrderOf(p.id, ctx, info);
      return link ? JSON.parse(link.config) : {};
    },
    lowerOrderImplementations: (p, a, ctx) => {
      const page = { limit: a.pagination?.limit ?? -1, offset: a.pagination?.offset ?? 0 };
      return ctx.platform.areas.agents.records.wrappersOf(p.id, ctx.me.org, page.limit, page.offset);
    },
  },
  Agent: {
    pinned: (p, _a, ctx, info) => {
      const who = { org: ctx.me.org, sub: ctx.me.sub, iss: ctx.me.iss };
      // a query reads the viewer's pins once (a page of 200 agents asked 200 times); a mutation may
      // pin between two of its fields, so it asks each time
      if (info.operation.operation !== "query") return ctx.platform.areas.agents.records.agentPinned(p.id, who);
      let pins = pinsOfRequest.get(ctx);
      if (!pins) pinsOfRequest.set(ctx, (pins = ctx.platform.areas.agents.records.agentsPinnedBy(who)));
      return pins.has(p.id);
    },
    device: (p, _a, ctx) => {
      if (p.org !== ctx.me.org) return null;
      const device = ctx.platform.areas.agents.records.clientOf(p.org, p.client_id)?.device;
      return device === null || device === undefined ? null : { id: device, deviceId: device };
    },
  },
};

export const agentsSubscriptions: Subscribers = {
  newActions: (_a, ctx) => (e) => (e.type === "agentsAction" && e.action.org === ctx.me.org ? e.action : undefined),
  implementationChange: (a, ctx) => {
    const impl = ctx.platform.areas.agents.implementationInOrg(ctx.me, a.implementation, "implementation");
    return (e) => {
      if (e.type !== "agentsImplementation" || e.change !== "update" || e.implementation.id !== impl.id || e.org !== ctx.me.org) return undefined;
      return ctx.platform.store.implementation(impl.id) ?? e.implementation;
    };
  },
  implementations: (a, ctx) => {
    const agent = ctx.platform.agentInOrg(ctx.me, a.agent);
    return (e) => {
      if (e.type !== "agentsImplementation" || e.implementation.agent_id !== agent.id || e.org !== ctx.me.org) return undefined;
      if (e.change === "delete") return { delete: String(e.implementation.id) };
      const row = ctx.platform.store.implementation(e.implementation.id) ?? e.implementation;
      return e.change === "create" ? { create: row } : { update: row };
    };
  },
};
