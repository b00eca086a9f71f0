/** The filters of the core's lists over rows the store returns per organisation (agents, actions, implementations). */
import type { Identity } from "../../auth.js";
import type { ActionFilter, AgentFilter, ImplementationFilter, StrFilterLookup } from "../../../../generated/server/resolvers.js";
import type { Platform } from "../../platform.js";
import { definitionOf } from "../../platform.js";
import type { AgentListFilter } from "../../store/agent-list.js";
import type { ActionRow, ImplementationRow } from "../../store/store.js";
import { idList } from "../ids.js";

function strLookup(v: string, l: StrFilterLookup | null | undefined): boolean {
  if (!l) return true;
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

export function filterImplementations(platform: Platform, rows: ImplementationRow[], f: ImplementationFilter | null | undefined): ImplementationRow[] {
  if (!f) return rows;
  const ids = idList(f.ids);
  return rows.filter((impl) => {
    if (ids && !ids.has(impl.id)) return false;
    if (!strLookup(impl.interface, f.interface)) return false;
    const action = platform.store.action(impl.action_id);
    if (typeof f.actionHash === "string" && action?.hash !== f.actionHash) return false;
    if (f.action) {
      const af = f.action;
      const aids = idList(af.ids);
      if (aids && !aids.has(impl.action_id)) return false;
      if (typeof af.kind === "string" && action?.kind !== af.kind) return false;
      if (typeof af.search === "string" && !(action?.name ?? "").toLowerCase().includes(af.search.toLowerCase())) return false;
      if (typeof af.name === "string" && action?.name !== af.name) return false;
    }
    const agent = platform.store.agent(impl.agent_id);
    if (f.agent) {
      const gids = idList(f.agent.ids);
      if (gids && !gids.has(impl.agent_id)) return false;
      if (typeof f.agent.clientId === "string" && agent?.client_id !== f.agent.clientId) return false;
    }
    if (typeof f.active === "boolean" && (agent !== undefined && platform.isLive(agent)) !== f.active) return false;
    if (typeof f.search === "string" && !impl.interface.toLowerCase().includes(f.search.toLowerCase())) return false;
    return true;
  });
}

export function filterActions(rows: ActionRow[], f: ActionFilter | null | undefined): ActionRow[] {
  if (!f) return rows;
  const ids = idList(f.ids);
  return rows.filter((a) => {
    if (ids && !ids.has(a.id)) return false;
    if (!strLookup(a.name, f.name)) return false;
    if (typeof f.search === "string" && !`${a.name} ${a.key} ${a.description ?? ""}`.toLowerCase().includes(f.search.toLowerCase())) return false;
    if (typeof f.kind === "string" && a.kind !== f.kind) return false;
    if (typeof f.stateful === "boolean" && (a.stateful === 1) !== f.stateful) return false;
    if (typeof f.appIdentifier === "string" && a.app !== f.appIdentifier) return false;
    if (typeof f.inCollection === "string" && !(definitionOf(a).collections ?? []).includes(f.inCollection)) return false;
    return true;
  });
}

/**
 * `agents(filters)` as the store's typed agent filter (store/agent-list.ts): the list reads one page
 * in SQL. `pinned` is the viewer's own pin (the agents area keeps pins per user).
 */
export function agentListFilter(org: string, f: AgentFilter | null | undefined, viewer: Identity): AgentListFilter {
  const filter: AgentListFilter = { org };
  if (!f) return filter;
  const ids = idList(f.ids);
  if (ids) filter.ids = [...ids];
  if (typeof f.clientId === "string") filter.clientId = f.clientId;
  if (typeof f.search === "string") filter.search = f.search;
  if (typeof f.pinned === "boolean") filter.pinned = { value: f.pinned, sub: viewer.sub, iss: viewer.iss };
  if (typeof f.appIdentifier === "string") filter.app = f.appIdentifier;
  if (typeof f.user === "string") filter.userSub = f.user;
  if (f.hasImplementations) filter.hasImplementations = f.hasImplementations;
  return filter;
}
