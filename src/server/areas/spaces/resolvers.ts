/**
 * The spaces area's GraphQL fields. Every lookup checks the row's organisation against the viewer's
 * (never the parent's); a nested list of a row of another organisation is empty.
 */
import type { Resolvers } from "../../../../generated/server/resolvers.js";
import type { ResolverContext } from "../../graphql/context.js";
import { PlatformError } from "../../platform.js";
import { childrenOf, mine, required, visible } from "../scope.js";
import { iso, parsed } from "../inputs.js";

const area = (ctx: ResolverContext) => ctx.platform.areas.spaces;
const records = (ctx: ResolverContext) => ctx.platform.areas.spaces.records;

export const spacesResolvers: Omit<Resolvers, "Subscription"> = {
  Query: {
    spaces: (_p, args, ctx) => records(ctx).spaces.list(ctx.me.org, args),
    space: (_p, { id }, ctx) => records(ctx).spaces.inOrg(ctx.me.org, id),
    placements: (_p, args, ctx) => records(ctx).placements.list(ctx.me.org, args),
    placement: (_p, { id }, ctx) => records(ctx).placements.inOrg(ctx.me.org, id),
    threedModels: (_p, args, ctx) => records(ctx).models.list(ctx.me.org, args),
    threedModel: (_p, { id }, ctx) => records(ctx).models.inOrg(ctx.me.org, id),
  },
  Mutation: {
    createThreedModel: (_p, { input }, ctx) => area(ctx).createThreedModel(ctx.me, input),
    updateThreedModel: (_p, { input }, ctx) => area(ctx).updateThreedModel(ctx.me, input),
    deleteThreedModel: (_p, { input }, ctx) => area(ctx).deleteThreedModel(ctx.me, input.id),
    createSpace: (_p, { input }, ctx) => area(ctx).createSpace(ctx.me, input),
    updateSpace: (_p, { input }, ctx) => area(ctx).updateSpace(ctx.me, input),
    deleteSpace: (_p, { input }, ctx) => area(ctx).deleteSpace(ctx.me, input.id),
    createPlacement: (_p, { input }, ctx) => area(ctx).createPlacement(ctx.me, input),
    updatePlacement: (_p, { input }, ctx) => area(ctx).updatePlacement(ctx.me, input),
    deletePlacement: (_p, { input }, ctx) => area(ctx).deletePlacement(ctx.me, input.id),
  },
  Space: {
    id: (p) => String(p.id),
    creator: (p) => ({ id: p.creator_sub, sub: p.creator_sub }),
    createdAt: (p) => iso(p.created_at),
    updatedAt: (p) => iso(p.updated_at),
    placements: (p, args, ctx) => records(ctx).placements.list(ctx.me.org, args, childrenOf(ctx, p, "space_id")),
  },
  Placement: {
    id: (p) => String(p.id),
    space: (p, _a, ctx) => required(ctx, records(ctx).spaces.find(p.space_id), `Space ${p.space_id} of placement ${p.id}`),
    agent: (p, _a, ctx) => required(ctx, ctx.platform.store.agent(p.agent_id), `Agent ${p.agent_id} of placement ${p.id}`),
    blok: (p, _a, ctx) => (p.materialized_blok_id === null ? null : visible(ctx, ctx.platform.areas.workspace.records.materializedBloks.find(p.materialized_blok_id))),
    affineMatrix: (p) => parsed(p.affine_matrix),
    model: (p, _a, ctx) => (p.model_id === null ? null : visible(ctx, records(ctx).models.find(p.model_id))),
    // as the platform: a placement is named by its agent
    name: (p, _a, ctx) => required(ctx, ctx.platform.store.agent(p.agent_id), `Agent ${p.agent_id} of placement ${p.id}`).name,
  },
  ThreeDModel: {
    id: (p) => String(p.id),
    transferFunction: (p) => p.transfer_function,
    // no input declares it: the agent the model was last placed for shows it
    dependency: (p, _a, ctx) => {
      const agentId = mine(ctx, p) ? records(ctx).latestAgentOfModel(p.id) : null;
      if (agentId === null) throw new PlatformError(`ThreeDModel ${p.id} is placed for no agent yet: create a placement with this model first`, "NOT_FOUND");
      return required(ctx, ctx.platform.store.agent(agentId), `Agent ${agentId} of 3D model ${p.id}`);
    },
    file: (p, _a, ctx) => {
      const file = ctx.platform.media?.records.find(p.media_id);
      return required(ctx, file, `Media store ${p.media_id} of 3D model ${p.id}`);
    },
    createdAt: (p) => iso(p.created_at),
    updatedAt: (p) => iso(p.updated_at),
  },
  Agent: {
    placements: (p, args, ctx) => records(ctx).placements.list(ctx.me.org, args, childrenOf(ctx, p, "agent_id")),
  },
};
