/**
 * The workspace area's GraphQL fields. Every lookup checks the row's organisation against the
 * viewer's (never the parent's); a nested list of a row of another organisation is empty.
 */
import type { Resolvers } from "../../../../generated/server/resolvers.js";
import type { ResolverContext } from "../../graphql/context.js";
import { PlatformError } from "../../platform.js";
import { childrenOf, mine, required, visible } from "../scope.js";
import { iso, parsed } from "../inputs.js";

const area = (ctx: ResolverContext) => ctx.platform.areas.workspace;
const records = (ctx: ResolverContext) => ctx.platform.areas.workspace.records;
/** The unpaged lists of the schema (`dashboards`, `bloks`) return at most one maximum page. */
const wholePage = (ctx: ResolverContext) => ({ offset: 0, limit: ctx.platform.options.maxPageSize });

export const workspaceResolvers: Omit<Resolvers, "Subscription"> = {
  Query: {
    shortcuts: (_p, args, ctx) => records(ctx).shortcuts.list(ctx.me.org, args),
    shortcut: (_p, { id }, ctx) => records(ctx).shortcuts.inOrg(ctx.me.org, id),
    toolboxes: (_p, args, ctx) => records(ctx).toolboxes.list(ctx.me.org, args),
    toolbox: (_p, { id }, ctx) => records(ctx).toolboxes.inOrg(ctx.me.org, id),
    dashboards: (_p, _a, ctx) => records(ctx).dashboards.list(ctx.me.org, { pagination: wholePage(ctx) }),
    dashboard: (_p, { id }, ctx) => records(ctx).dashboards.inOrg(ctx.me.org, id),
    bloks: (_p, _a, ctx) => records(ctx).bloks.list(ctx.me.org, { pagination: wholePage(ctx) }),
    blok: (_p, { id }, ctx) => records(ctx).bloks.inOrg(ctx.me.org, id),
    materializedBloks: (_p, args, ctx) => records(ctx).materializedBloks.list(ctx.me.org, args),
    materializedBlok: (_p, { id }, ctx) => records(ctx).materializedBloks.inOrg(ctx.me.org, id),
  },
  Mutation: {
    createToolbox: (_p, { input }, ctx) => area(ctx).createToolbox(ctx.me, input),
    deleteToolbox: (_p, { input }, ctx) => area(ctx).deleteToolbox(ctx.me, input.id),
    createShortcut: (_p, { input }, ctx) => area(ctx).createShortcut(ctx.me, input),
    deleteShortcut: (_p, { input }, ctx) => area(ctx).deleteShortcut(ctx.me, input.id),
    createDashboard: (_p, { input }, ctx) => area(ctx).createDashboard(ctx.me, input),
    updateDashboard: (_p, { input }, ctx) => area(ctx).updateDashboard(ctx.me, input),
    deleteDashboard: (_p, { input }, ctx) => area(ctx).deleteDashboard(ctx.me, input.id),
    createBlok: (_p, { input }, ctx) => area(ctx).createBlok(ctx.me, input),
    updateBlok: (_p, { input }, ctx) => area(ctx).updateBlok(ctx.me, input),
    deleteBlok: (_p, { input }, ctx) => area(ctx).deleteBlok(ctx.me, input.id),
    materializeBlok: (_p, { input }, ctx) => area(ctx).materializeBlok(ctx.me, input),
    updateMaterializedBlok: (_p, { input }, ctx) => area(ctx).updateMaterializedBlok(ctx.me, input),
    deleteMaterializedBlok: (_p, { input }, ctx) => area(ctx).deleteMaterializedBlok(ctx.me, input.id),
  },
  Toolbox: {
    id: (p) => String(p.id),
    shortcuts: (p, args, ctx) => records(ctx).shortcuts.list(ctx.me.org, args, childrenOf(ctx, p, "toolbox_id")),
  },
  Shortcut: {
    id: (p) => String(p.id),
    action: (p, _a, ctx) => required(ctx, ctx.platform.store.action(p.action_id), `Action ${p.action_id} of shortcut ${p.id}`),
    // a shortcut is made for an action; the schema's implementation input does not exist
    implementation: () => null,
    toolboxes: (p, args, ctx) => records(ctx).toolboxes.list(ctx.me.org, args, { sql: "id = ?", params: [mine(ctx, p) ? p.toolbox_id : -1] }),
    savedArgs: (p) => parsed(p.saved_args),
    allowQuick: (p) => p.allow_quick === 1,
    useReturns: (p) => p.use_returns === 1,
    bindNumber: (p) => p.bind_number,
    args: (p) => parsed(p.args),
    returns: (p) => parsed(p.returns),
  },
  Dashboard: {
    id: (p) => String(p.id),
    placements: (p, args, ctx) => records(ctx).dashboardPlacements.list(ctx.me.org, args, childrenOf(ctx, p, "dashboard_id")),
  },
  DashboardPlacement: {
    id: (p) => String(p.id),
    dashboard: (p, _a, ctx) => required(ctx, records(ctx).dashboards.find(p.dashboard_id), `Dashboard ${p.dashboard_id} of placement ${p.id}`),
    blok: (p, _a, ctx) => visible(ctx, records(ctx).materializedBloks.find(p.materialized_blok_id)),
  },
  UICatalog: {
    id: (p) => String(p.id),
  },
  Blok: {
    id: (p) => String(p.id),
    creator: (p) => ({ id: p.creator_sub, sub: p.creator_sub }),
    catalog: (p, _a, ctx) => required(ctx, records(ctx).catalogs.find(p.catalog_id), `UICatalog ${p.catalog_id} of blok ${p.id}`),
    materializedBloks: (p, args, ctx) => records(ctx).materializedBloks.list(ctx.me.org, args, childrenOf(ctx, p, "blok_id")),
    dependencies: (p, args, ctx) => records(ctx).blokDependencies.list(ctx.me.org, args, childrenOf(ctx, p, "blok_id")),
    components: (p) => parsed(p.components),
    uiComponents: (p) => parsed(p.components),
    demoState: (p) => parsed(p.demo_state),
  },
  BlokDependency: {
    id: (p) => String(p.id),
    implementation: (p) => {
      // the schema shares this type with implementations' dependencies; a blok's has no implementation
      throw new PlatformError(`BlokDependency ${p.id} belongs to a blok, not to an implementation: select its blok's fields instead of implementation`, "NOT_FOUND");
    },
    optional: (p) => declared(p.declared).optional === true,
    description: (p) => stringOrNull(declared(p.declared).description),
    autoResolvable: (p) => declared(p.declared).autoResolvable === true,
    appFilter: (p) => stringOrNull(declared(p.declared).app),
    versionFilter: (p) => stringOrNull(declared(p.declared).version),
    minViableInstances: (p) => intOrNull(declared(p.declared).minViableInstances),
    maxViableInstances: (p) => intOrNull(declared(p.declared).maxViableInstances),
    singular: (p) => intOrNull(declared(p.declared).maxViableInstances) === 1,
    actionDependencies: (p) => listOf(declared(p.declared).actionDependencies),
    stateDependencies: (p) => listOf(declared(p.declared).stateDependencies),
  },
  MaterializedBlok: {
    id: (p) => String(p.id),
    blok: (p, _a, ctx) => required(ctx, records(ctx).bloks.find(p.blok_id), `Blok ${p.blok_id} of materialized blok ${p.id}`),
    createdAt: (p) => iso(p.created_at),
    updatedAt: (p) => iso(p.updated_at),
    agentMappings: (p, _a, ctx) => (mine(ctx, p) ? records(ctx).mappingsOf(p.id) : []),
    dashboardPlacements: (p, args, ctx) => records(ctx).dashboardPlacements.list(ctx.me.org, args, childrenOf(ctx, p, "materialized_blok_id")),
    placements: (p, args, ctx) => ctx.platform.areas.spaces.records.placements.list(ctx.me.org, args, childrenOf(ctx, p, "materialized_blok_id")),
  },
  BlokAgentMapping: {
    id: (p) => String(p.id),
    agent: (p, _a, ctx) => required(ctx, ctx.platform.store.agent(p.agent_id), `Agent ${p.agent_id} of blok agent mapping ${p.id}`),
    materializedBlok: (p, _a, ctx) => required(ctx, records(ctx).materializedBloks.find(p.materialized_blok_id), `MaterializedBlok ${p.materialized_blok_id} of mapping ${p.id}`),
    createdAt: (p) => iso(p.created_at),
    updatedAt: (p) => iso(p.updated_at),
  },
  Agent: {
    agentMappings: (p, _a, ctx) => (p.org === ctx.me.org ? records(ctx).mappingsOfAgent(p.id) : []),
  },
};

/** A blok dependency's declared AgentDependencyInput. */
const declared = (text: string): Record<string, unknown> => {
  const value = parsed(text);
  return value !== null && typeof value === "object" && !Array.isArray(value) ? { ...value } : {};
};
const stringOrNull = (value: unknown): string | null => (typeof value === "string" ? value : null);
const intOrNull = (value: unknown): number | null => (typeof value === "number" && Number.isInteger(value) ? value : null);
// the declared inputs (ActionDependencyInput, StateDependencyInput) have the output types' shape
const listOf = (value: unknown) => (Array.isArray(value) ? value : []);
