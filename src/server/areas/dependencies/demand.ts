/**
 * Matching of declared demands against stored actions and agents: the `ActionDemandInput` of an
 * action slot of a dependency, and a dependency's app and version filters against an agent.
 */
import type { AgentRow, ActionRow } from "../../store/store.js";
import type { ActionDemandInput, ActionDependencyInput, PortMatchInput, StateDemandInput, StateDependencyInput } from "../../../../generated/server/resolvers.js";

export type PortMatchLike = PortMatchInput;
export type ActionDemandLike = ActionDemandInput;
export type StateDemandLike = StateDemandInput;
/** One action slot of a dependency, as declared (`ActionDependencyInput`); the parent of `ActionDependency`. */
export type ActionSlot = ActionDependencyInput;
/** One state slot of a dependency, as declared (`StateDependencyInput`); the parent of `StateDependency`. */
export type StateSlot = StateDependencyInput;

interface StoredPort {
  key?: string;
  kind?: string;
  identifier?: string | null;
  nullable?: boolean;
  children?: StoredPort[] | null;
}

function portMatches(port: StoredPort, match: PortMatchLike): boolean {
  if (match.key != null && port.key !== match.key) return false;
  if (match.kind != null && port.kind !== match.kind) return false;
  if (match.identifier != null && (port.identifier ?? null) !== match.identifier) return false;
  if (match.nullable != null && (port.nullable ?? false) !== match.nullable) return false;
  return portsMatch(port.children ?? [], match.children ?? []);
}

/** Every match finds its port: by index (`at`), else by key, else any port. */
function portsMatch(ports: StoredPort[], matches: PortMatchLike[]): boolean {
  return matches.every((m) => {
    if (m.at != null) {
      const port = ports[m.at];
      return port !== undefined && portMatches(port, m);
    }
    return ports.some((p) => portMatches(p, m));
  });
}

function portsOf(action: ActionRow): { args: StoredPort[]; returns: StoredPort[] } {
  const definition = JSON.parse(action.definition) as { args?: StoredPort[]; returns?: StoredPort[] };
  return { args: definition.args ?? [], returns: definition.returns ?? [] };
}

/**
 * Whether `action` satisfies the slot: its demand's hash alone when given, else the action key
 * (the demand's, else the slot's own key) and every other criterion the demand sets. Protocols are
 * not matched by the embedded server (it stores no protocol of an action).
 */
export function actionSatisfies(action: ActionRow, slot: ActionSlot): boolean {
  const d = slot.demand ?? {};
  if (d.hash) return action.hash === d.hash;
  if (action.key !== (d.key ?? slot.key)) return false;
  if (d.app != null && action.app !== d.app) return false;
  if (d.version != null && action.version !== d.version) return false;
  if (d.name != null && action.name !== d.name) return false;
  if (d.pure != null && (action.pure === 1) !== d.pure) return false;
  if (d.idempotent != null && (action.idempotent === 1) !== d.idempotent) return false;
  if (d.stateful != null && (action.stateful === 1) !== d.stateful) return false;
  if (d.forceArgLength != null || d.forceReturnLength != null || d.argMatches?.length || d.returnMatches?.length) {
    const ports = portsOf(action);
    if (d.forceArgLength != null && ports.args.length !== d.forceArgLength) return false;
    if (d.forceReturnLength != null && ports.returns.length !== d.forceReturnLength) return false;
    if (!portsMatch(ports.args, d.argMatches ?? [])) return false;
    if (!portsMatch(ports.returns, d.returnMatches ?? [])) return false;
  }
  return true;
}

/**
 * Whether an agent passes a dependency's filters: `app_filter` is `app` or `app:version` (`*` any
 * version), `version_filter` a release or `*`.
 */
export function agentPassesFilters(agent: AgentRow, appFilter: string | null, versionFilter: string | null): boolean {
  if (appFilter) {
    const [app, version] = appFilter.split(":", 2);
    if (app && agent.app !== app) return false;
    if (version && version !== "*" && agent.release !== version) return false;
  }
  if (versionFilter && versionFilter !== "*" && agent.release !== versionFilter) return false;
  return true;
}
