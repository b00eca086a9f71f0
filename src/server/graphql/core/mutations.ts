/** The core's mutations: agents and implementations, assign and the task controls. */
import type { MutationResolvers, ResolverFn } from "../../../../generated/server/resolvers.js";
import type { ControlKind } from "../../platform.js";
import { PlatformError } from "../../platform.js";
import type { TaskRow } from "../../store/store.js";
import type { ResolverContext } from "../context.js";
import { parseId } from "../ids.js";

type ControlResolver = ResolverFn<TaskRow, object, ResolverContext, { input: { task: string; step?: boolean | null } }>;
const control =
  (kind: ControlKind): ControlResolver =>
  (_p, a, ctx) =>
    ctx.platform.control(ctx.me, a.input.task, kind, { step: a.input.step ?? false });

export const coreMutations: MutationResolvers = {
  ensureAgent: (_p, a, ctx) => ctx.platform.ensureAgent(ctx.me, a.input ?? {}),
  implementAgent: (_p, a, ctx) => ctx.platform.implementAgent(ctx.me, a.input),
  createImplementation: (_p, a, ctx) => ctx.platform.createImplementation(ctx.me, a.input.implementation),
  deleteImplementation: (_p, a, ctx) => {
    const raw = a.input.implementation;
    const id = parseId(raw);
    const impl = id === null ? undefined : ctx.platform.store.implementation(id);
    const agent = impl ? ctx.platform.store.agent(impl.agent_id) : undefined;
    if (id === null || !impl || !agent || agent.org !== ctx.me.org) throw new PlatformError(`Implementation ${raw} not found`, "NOT_FOUND");
    ctx.platform.deleteImplementationRow(impl, agent.org);
    return String(id);
  },
  assign: (_p, a, ctx) => ctx.platform.assign(ctx.me, a.input),
  cancel: control("CANCEL"),
  interrupt: control("INTERRUPT"),
  pause: control("PAUSE"),
  resume: control("RESUME"),
  ack: (_p, a, ctx) => ctx.platform.taskInOrg(ctx.me, a.input.task),
  bounce: (_p, a, ctx) => ctx.platform.bounce(ctx.me, a.input.agent),
  kick: (_p, a, ctx) => ctx.platform.kick(ctx.me, a.input.agent, a.input.reason),
  block: (_p, a, ctx) => ctx.platform.setBlocked(ctx.me, a.input.agent, true, a.input.reason),
  unblock: (_p, a, ctx) => ctx.platform.setBlocked(ctx.me, a.input.agent, false),
  deleteAgent: (_p, a, ctx) => ctx.platform.deleteAgent(ctx.me, a.input.id),
  updateAgent: (_p, a, ctx) => {
    const agent = ctx.platform.agentInOrg(ctx.me, a.input.id);
    return a.input.name ? ctx.platform.renameAgent(ctx.me, a.input.id, a.input.name) : agent;
  },
};
