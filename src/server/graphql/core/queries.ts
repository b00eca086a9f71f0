/** The core's root queries: agents, actions, implementations, tasks and events of the viewer's organisation. */
import type { QueryResolvers } from "../../../../generated/server/resolvers.js";
import { PlatformError } from "../../platform.js";
import type { ActionRow, AgentRow } from "../../store/store.js";
import { parseId } from "../ids.js";
import { agentListQuery } from "../../store/agent-list.js";
import { agentListFilter, filterActions, filterImplementations } from "./filters.js";
import { isDesc, listTasks, pageArg, paginate } from "./scope.js";

export const coreQueries: QueryResolvers = {
  agents: (_p, a, ctx) => {
    const byLastSeen = (a.ordering ?? []).some((o) => isDesc(o.lastSeen));
    // one page in SQL: an organisation may hold thousands of agents (issue 18)
    const { sql, params } = agentListQuery(agentListFilter(ctx.me.org, a.filters, ctx.me), byLastSeen, pageArg(a));
    return ctx.platform.store.query<AgentRow>(sql, params);
  },
  agent: (_p, a, ctx) => {
    if (a.id) return ctx.platform.agentInOrg(ctx.me, a.id);
    if (typeof a.app === "string") {
      const found = ctx.platform.store.agentsOfOrg(ctx.me.org).find((g) => g.app === a.app && (a.version == null || g.release === a.version));
      if (found) return found;
      throw new PlatformError(`No agent of app "${a.app}" in organisation "${ctx.me.org}"`, "NOT_FOUND");
    }
    throw new PlatformError("agent(...) needs an id or an app");
  },
  actions: (_p, a, ctx) => {
    const rows = filterActions(ctx.platform.store.actionsOfOrg(ctx.me.org), a.filters);
    const desc = (a.ordering ?? []).some((o) => isDesc(o.definedAt));
    rows.sort((x, y) => (desc ? y.defined_at - x.defined_at || y.id - x.id : x.id - y.id));
    return paginate(rows, pageArg(a));
  },
  action: (_p, a, ctx) => {
    const store = ctx.platform.store;
    const inOrg = (row: ActionRow | undefined, what: string): ActionRow => {
      if (!row || row.org !== ctx.me.org) throw new PlatformError(`No action found for ${what} in organisation "${ctx.me.org}"`, "NOT_FOUND");
      return row;
    };
    if (a.task) return inOrg(store.action(ctx.platform.taskInOrg(ctx.me, a.task).action_id), `task ${a.task}`);
    if (a.implementation) {
      const implId = parseId(a.implementation);
      const impl = implId === null ? undefined : store.implementation(implId);
      return inOrg(impl ? store.action(impl.action_id) : undefined, `implementation ${a.implementation}`);
    }
    if (typeof a.hash === "string") return inOrg(store.actionsByHash(ctx.me.org, a.hash)[0], `hash ${a.hash}`);
    if (a.matching) {
      const m = a.matching;
      if (typeof m.hash === "string") return inOrg(store.actionsByHash(ctx.me.org, m.hash)[0], `hash ${m.hash}`);
      const found = store
        .actionsOfOrg(ctx.me.org)
        .find((x) => (m.key == null || x.key === m.key) && (m.app == null || x.app === m.app) && (m.version == null || x.version === m.version) && (m.name == null || x.name === m.name));
      return inOrg(found, "the demand");
    }
    if (a.agent && typeof a.interface === "string") {
      const agent = ctx.platform.agentInOrg(ctx.me, a.agent);
      const impl = store.implementationByInterface(agent.id, a.interface);
      return inOrg(impl ? store.action(impl.action_id) : undefined, `agent ${agent.id} interface "${a.interface}"`);
    }
    if (a.id !== null && a.id !== undefined) {
      const id = parseId(a.id);
      return inOrg(id === null ? undefined : store.action(id), `id ${JSON.stringify(a.id)}`);
    }
    throw new PlatformError("action(...) needs one of id, task, implementation, hash, matching, agent + interface");
  },
  implementations: (_p, a, ctx) => paginate(filterImplementations(ctx.platform, ctx.platform.store.implementationsOfOrg(ctx.me.org), a.filters), pageArg(a)),
  implementation: (_p, a, ctx) => {
    const id = parseId(a.id);
    const impl = id === null ? undefined : ctx.platform.store.implementation(id);
    const agent = impl ? ctx.platform.store.agent(impl.agent_id) : undefined;
    if (!impl || !agent || agent.org !== ctx.me.org) throw new PlatformError(`Implementation ${a.id} not found in organisation "${ctx.me.org}"`, "NOT_FOUND");
    return impl;
  },
  implementationAt: (_p, a, ctx) => {
    const agent = ctx.platform.agentInOrg(ctx.me, a.agent);
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
  tasks: (_p, a, ctx) => listTasks(ctx, a, pageArg(a)),
  myTasks: (_p, a, ctx) => {
    const caller = ctx.platform.store.ensureCaller(ctx.me);
    return listTasks(ctx, {}, pageArg(a), { callerId: caller.id });
  },
  task: (_p, a, ctx) => ctx.platform.taskInOrg(ctx.me, a.id),
  event: (_p, a, ctx) => {
    const id = parseId(a.id);
    const event = id === null ? undefined : ctx.platform.store.event(id);
    const task = event ? ctx.platform.store.task(event.task_id) : undefined;
    if (!event || !task || task.org !== ctx.me.org) throw new PlatformError(`Event ${a.id} not found`, "NOT_FOUND");
    return event;
  },
};
