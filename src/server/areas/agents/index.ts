/**
 * Agents and implementations beyond the core: pins (per user), higher-order links, reinit (the
 * disconnect fate now), cleanup of unreferenced actions, clients, reusable runs, stats, and the
 * implementation and action subscriptions (the core calls the hooks below where it writes those rows).
 */
import type { Area } from "../../graphql/area.js";
import { PlatformError, type AgentLink, type Platform } from "../../platform.js";
import type { Identity } from "../../auth.js";
import type { ActionRow, AgentRow, ImplementationRow, TaskRow } from "../../store/store.js";
import { hashDefinitions } from "../../../definition/hash.js";
import { parseId } from "../../graphql/ids.js";
import { isRecord } from "../inputs.js";
import { AgentsRecords, actionWhere, taskWhere, type Pinner, type StatsSelection } from "./records.js";
import { agentsResolvers, agentsSubscriptions } from "./resolvers.js";

const bad = (message: string) => new PlatformError(message, "BAD_USER_INPUT");
const pinner = (me: Identity): Pinner => ({ org: me.org, sub: me.sub, iss: me.iss });

/** The area's service: its rules, over its records. Reached as `platform.areas.agents`. */
/** Lock rows one agent may have (declared with implementAgent, or first seen in a LOCK frame). */
export const MAX_LOCKS_PER_AGENT = 256;

export class AgentsArea {
  private recordsOnce: AgentsRecords | undefined;

  constructor(readonly platform: Platform) {}

  /** The area's SQL (built on first use: the platform's store is ready by then). */
  get records(): AgentsRecords {
    return (this.recordsOnce ??= new AgentsRecords(this.platform.store));
  }

  // lookups ---------------------------------------------------------------------------------------

  /** The implementation `id` of the viewer's organisation (through its agent), or NOT_FOUND. */
  implementationInOrg(me: Identity, id: unknown, field = "id"): ImplementationRow {
    const implId = parseId(id);
    if (id === null || id === undefined || (typeof id === "string" && id.trim() === "")) throw bad(`${field}: must name an implementation; send its id`);
    const impl = implId === null ? undefined : this.platform.store.implementation(implId);
    const agent = impl ? this.platform.store.agent(impl.agent_id) : undefined;
    if (!impl || !agent || agent.org !== me.org) throw new PlatformError(`Implementation ${String(id)} not found in organisation "${me.org}"`, "NOT_FOUND");
    return impl;
  }

  /** The organisation of an implementation (its agent's), or null when the agent is gone. */
  orgOfImplementation(impl: ImplementationRow): string | null {
    return this.platform.store.agent(impl.agent_id)?.org ?? null;
  }

  // mutations -------------------------------------------------------------------------------------

  pinAgent(me: Identity, input: { id: string; pin: boolean }): AgentRow {
    const agent = this.platform.agentInOrg(me, input.id);
    this.platform.store.transaction(() => this.records.setAgentPin(agent.id, pinner(me), input.pin, Date.now()));
    this.platform.publish({ type: "agentUpdate", agent });
    return agent;
  }

  pinImplementation(me: Identity, input: { id: string; pin: boolean }): ImplementationRow {
    const impl = this.implementationInOrg(me, input.id, "input.id");
    this.platform.store.transaction(() => this.records.setImplementationPin(impl.id, pinner(me), input.pin, Date.now()));
    this.implementationSaved(impl, false, me.org);
    return impl;
  }

  /**
   * Marks `implementation` as a wrapper of `lowerImplementation` with a projection config, after
   * the platform's checks: not itself, the same agent, the lower one no wrapper, the same action
   * kind, and every dependency of the lower one covered (bound, mapped or declared by the wrapper).
   */
  setHigherOrder(me: Identity, input: { implementation: string; lowerImplementation: string; config?: unknown }): ImplementationRow {
    const higher = this.implementationInOrg(me, input.implementation, "input.implementation");
    const lower = this.implementationInOrg(me, input.lowerImplementation, "input.lowerImplementation");
    const config = input.config ?? {};
    if (typeof config !== "object" || config === null || Array.isArray(config)) {
      throw bad("input.config: must be a JSON object (bound, args_key, arg_map, dependency_map, return_map); send {} for none");
    }
    this.platform.checkStoredInput(config, "input.config");
    if (higher.id === lower.id) throw bad("input.lowerImplementation: an implementation cannot wrap itself; name another implementation");
    if (higher.agent_id !== lower.agent_id) {
      throw bad(
        `input.lowerImplementation: implementation ${lower.id} runs on agent ${lower.agent_id}, the wrapper on agent ${higher.agent_id}; a higher-order implementation must be on the agent of the implementation it wraps`,
      );
    }
    if (this.records.higherOrder(lower.id)?.lower_id != null) {
      throw bad(`input.lowerImplementation: implementation ${lower.id} is itself a higher-order wrapper; wrappers cannot be nested`);
    }
    const higherKind = this.platform.store.action(higher.action_id)?.kind;
    const lowerKind = this.platform.store.action(lower.action_id)?.kind;
    if (higherKind !== lowerKind) {
      throw bad(`input.lowerImplementation: a ${higherKind ?? "?"} wrapper cannot wrap a ${lowerKind ?? "?"} implementation; the action kinds must agree`);
    }
    checkDependencyCoverage(config, dependencyKeys(lower), dependencyKeys(higher));
    this.platform.store.transaction(() => this.records.setHigherOrder(higher.id, me.org, lower.id, JSON.stringify(config), Date.now()));
    this.implementationSaved(higher, false, me.org);
    return higher;
  }

  /**
   * `reinit`: the lost work of the agent (or of every agent of the organisation) meets its
   * disconnect fate now, instead of after the grace period or the next reaper sweep. Live agents
   * are untouched and no agent is sent anything.
   */
  reinit(me: Identity, input: { agent?: string | null }): string {
    const agents = input.agent == null ? this.platform.store.agentsOfOrg(me.org) : [this.platform.agentInOrg(me, input.agent)];
    this.platform.reconcileNow(agents.map((a) => a.id));
    return "ok";
  }

  /** Deletes the organisation's actions no implementation references (of `actionIds`, or all); returns how many. */
  cleanupActions(me: Identity, actionIds: readonly string[] | null | undefined): number {
    let ids: number[] | null = null;
    if (actionIds !== null && actionIds !== undefined) {
      ids = actionIds.map((raw, index) => {
        const id = parseId(raw);
        if (id === null) throw bad(`actionIds[${index}]: ${JSON.stringify(raw)} is no action id; send the ids of Action.id`);
        return id;
      });
    }
    const deleted = this.records.deleteUnreferencedActions(me.org, ids);
    this.platform.store.forgetActions(deleted);
    return deleted.length;
  }

  // queries ---------------------------------------------------------------------------------------

  reusableTaskFor(me: Identity, actionHash: string, args: unknown): TaskRow | null {
    if (actionHash.trim() === "") throw bad("actionHash: must not be empty; send Action.hash");
    if (args === null || typeof args !== "object" || Array.isArray(args)) throw bad("args: must be a JSON object keyed by port key");
    this.platform.checkStoredInput(args, "args");
    // the canonical hash the platform stored with each task (platform.ts assign)
    return this.records.reusableTask(me.org, actionHash, hashDefinitions(args)) ?? null;
  }

  taskStats(filters: unknown): StatsSelection {
    return { table: "task", where: taskWhere(filters), cache: new Map() };
  }

  actionStats(filters: unknown): StatsSelection {
    return { table: "action", where: actionWhere(filters), cache: new Map() };
  }

  // hooks of the core (platform.ts, graphql/schema.ts) ----------------------------------------------

  /** An implementation was created or changed (and committed with the current batch). */
  implementationSaved(implementation: ImplementationRow, created: boolean, org: string): void {
    this.platform.publish({ type: "agentsImplementation", change: created ? "create" : "update", implementation, org });
  }

  /** An implementation was deleted. */
  implementationDeleted(implementation: ImplementationRow, org: string): void {
    this.platform.publish({ type: "agentsImplementation", change: "delete", implementation, org });
  }

  /** An action was defined (`created`) or its definition was updated. */
  actionSaved(action: ActionRow, created: boolean): void {
    this.platform.publish({ type: "agentsAction", change: created ? "create" : "update", action });
  }

  /**
   * `implementAgent(locks)`: the resources the agent declares, upserted by key (a redeclared
   * description replaces the old one; locks no longer declared stay, as on the platform).
   * Runs inside implementAgent's transaction, so a refused lock refuses the whole registration.
   */
  declareLocks(agent: AgentRow, locks: ReadonlyArray<{ key: string; definition?: { key?: string; description?: string | null } | null }> | null | undefined): void {
    if (!locks) return;
    this.platform.checkStoredInput(locks, "input.locks");
    const now = Date.now();
    locks.forEach((lock, index) => {
      if (typeof lock.key !== "string" || lock.key.trim() === "") throw bad(`input.locks[${index}].key: must not be empty; name the resource the agent locks`);
      this.records.declareLock(agent.org, agent.id, lock.key, lock.definition?.description ?? null, now);
    });
  }

  /** LOCK / UNLOCK from an agent: which of its tasks holds a lock. A task that is not the agent's is ignored (as the platform ignores unknown ones). */
  onLockFrame(link: AgentLink, frame: { type: "LOCK"; key: string; task: string } | { type: "UNLOCK"; key: string }): void {
    const agent = this.platform.store.agent(link.agentId);
    if (!agent) return;
    if (frame.type === "UNLOCK") {
      this.records.releaseLock(agent.id, frame.key, Date.now());
      return;
    }
    const taskId = parseId(frame.task);
    const task = taskId === null ? undefined : this.platform.store.task(taskId);
    if (!task || task.org !== agent.org) return;
    // bounded (review): a key is a name, and an agent has at most MAX_LOCKS_PER_AGENT lock rows, so
    // LOCK frames with ever new keys cannot grow the store (undeclared ones past that are ignored)
    if (frame.key.length > this.platform.options.maxNameChars) return;
    if (!this.records.lockKnown(agent.id, frame.key) && this.records.lockCount(agent.id) >= MAX_LOCKS_PER_AGENT) return;
    this.records.holdLock(agent.org, agent.id, frame.key, task.id, Date.now());
  }

  /** An agent was created for `identity`, or now stands for another release: its client is recorded (for `clients`, `Agent.device`). */
  clientSeen(identity: Identity): void {
    this.records.upsertClient({
      org: identity.org,
      client_id: identity.clientId,
      user_sub: identity.sub,
      app: identity.app,
      release: identity.release,
      device: identity.device,
      created_at: Date.now(),
    });
  }
}

/** The dependency keys an implementation declared (`ImplementationInput.dependencies`, stored by the core). */
function dependencyKeys(impl: ImplementationRow): string[] {
  let declared: unknown;
  try {
    declared = JSON.parse(impl.dependencies);
  } catch {
    return [];
  }
  if (!Array.isArray(declared)) return [];
  return declared.flatMap((d, index) => {
    const key = isRecord(d) ? d.key : undefined;
    return [typeof key === "string" ? key : `dependency${index}`];
  });
}

/** The platform's `validate_dependency_coverage` for a higher-order config. */
function checkDependencyCoverage(config: unknown, lowerKeys: string[], declaredKeys: string[]): void {
  const map = isRecord(config) ? (config.dependency_map ?? {}) : {};
  if (!isRecord(map)) throw bad("input.config.dependency_map: must be an object of lower dependency key -> {from, key | value}");
  const declared = new Set(declaredKeys);
  for (const [lowerKey, spec] of Object.entries(map)) {
    const s = isRecord(spec) ? spec : {};
    if (s.from === "caller") {
      if (typeof s.key !== "string" || !declared.has(s.key)) {
        throw bad(`input.config.dependency_map.${lowerKey}: maps from the wrapper's dependency ${JSON.stringify(s.key)}, which the wrapper does not declare; declare it on the wrapper`);
      }
    } else if (s.from !== "bound") {
      throw bad(`input.config.dependency_map.${lowerKey}: "from" must be "bound" or "caller"`);
    }
  }
  const empty = Object.keys(map).length === 0;
  for (const lowerKey of lowerKeys) {
    if (empty ? !declared.has(lowerKey) : !(lowerKey in map)) {
      throw bad(`input.config.dependency_map: the lower implementation's dependency "${lowerKey}" is neither bound nor mapped to a dependency the wrapper declares; add it to dependency_map`);
    }
  }
}

export const agentsArea: Area = { name: "agents", resolvers: agentsResolvers, subscriptions: agentsSubscriptions };
