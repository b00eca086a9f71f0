/**
 * The memory area's GraphQL fields, typed from the platform schema (generated/server/resolvers.ts):
 * shelves and drawers are served from their rows; every lookup checks the viewer's organisation.
 */
import type { Maybe, OffsetPaginationInput, Resolvers } from "../../../../generated/server/resolvers.js";
import { PlatformError } from "../../platform.js";
import type { ResolverContext } from "../../graphql/context.js";
import type { RowPage } from "./records.js";

/** The page graphql/schema.ts filled in for a paged field (its defaults when a caller bypasses it). */
function pageOf(pagination: Maybe<OffsetPaginationInput> | undefined, ctx: ResolverContext): RowPage {
  return { limit: pagination?.limit ?? ctx.platform.options.defaultPageSize, offset: pagination?.offset ?? 0 };
}

const memoryOf = (ctx: ResolverContext) => ctx.platform.areas.memory;

export function memoryResolvers(): Omit<Resolvers, "Subscription"> {
  return {
    Query: {
      memoryShelves: (_p, a, ctx) => memoryOf(ctx).records.listShelves(ctx.me.org, a.filters, a.ordering ?? [], pageOf(a.pagination, ctx)),
      memoryDrawers: (_p, a, ctx) => memoryOf(ctx).records.listDrawers(ctx.me.org, a.filters, pageOf(a.pagination, ctx)),
      memoryShelve: (_p, a, ctx) => memoryOf(ctx).shelveInOrg(ctx.me, a.id),
      memoryDrawer: (_p, a, ctx) => memoryOf(ctx).drawerInOrg(ctx.me, a.id),
    },
    Mutation: {
      shelveInMemoryDrawer: (_p, a, ctx) => memoryOf(ctx).shelve(ctx.me, a.input),
      unshelveMemoryDrawer: (_p, a, ctx) => memoryOf(ctx).unshelve(ctx.me, a.input.id),
      collect: (_p, a, ctx) => memoryOf(ctx).collect(ctx.me, a.input.drawers),
    },
    Agent: {
      // the viewer's organisation, never the parent's: another organisation's agent shows no shelve
      memoryShelve: (agent, _a, ctx) => (agent.org === ctx.me.org ? (memoryOf(ctx).records.shelveOfAgent(agent.id) ?? null) : null),
    },
    MemoryShelve: {
      id: (shelve) => String(shelve.id),
      agent: (shelve, _a, ctx) => {
        const agent = ctx.platform.store.agent(shelve.agent_id);
        if (!agent || agent.org !== ctx.me.org) throw new PlatformError(`Agent of memory shelve ${shelve.id} not found in organisation "${ctx.me.org}"`, "NOT_FOUND");
        return agent;
      },
      description: (shelve) => shelve.description,
      drawers: (shelve, a, ctx) => (shelve.org === ctx.me.org ? memoryOf(ctx).records.listDrawers(ctx.me.org, a.filters, pageOf(a.pagination, ctx), shelve.id) : []),
    },
    MemoryDrawer: {
      id: (drawer) => String(drawer.id),
      resourceId: (drawer) => drawer.resource_id,
      shelve: (drawer, _a, ctx) => memoryOf(ctx).shelveInOrg(ctx.me, drawer.shelve_id),
      description: (drawer) => drawer.description,
      createdAt: (drawer) => new Date(drawer.created_at).toISOString(),
      // as the platform: the given label, else `identifier@resourceId`
      label: (drawer) => drawer.label ?? `${drawer.identifier}@${drawer.resource_id}`,
    },
  };
}
