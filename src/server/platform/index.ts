/**
 * The platform core: agents, actions, implementations, tasks and their lifecycle, the durable
 * per-agent outbox, leases and the disconnect fate (docs/spec/wire-protocol.md). It knows
 * nothing about HTTP or WebSocket: GraphQL resolvers and the agent socket call into it, and it
 * talks back to agents through the small `AgentLink` interface.
 *
 * `Platform` is the facade the rest of the server (and the areas) use; each section lives in its
 * own file: agents.ts (agents and implementations), leases.ts (the agent socket: claims, links,
 * grace, reaper), outbox.ts (per-agent delivery), tasks.ts (assign, controls, reports).
 */
import { createAreas, type Areas } from "../areas/index.js";
import { formatValuePath, valueTooDeepAt } from "../../protocol/index.js";
import type { Identity } from "../auth.js";
import { Hub, type HubEvent } from "../hub.js";
import type { Logger } from "../../shared/logger.js";
import type { CompiledOptions } from "../options.js";
import type { AgentRow, ImplementationRow, Store, TaskRow } from "../store/store.js";
import type { MediaService } from "../media/service.js";
import { PlatformError } from "./errors.js";
import type { AgentLink, AssignInput, ImplementationInputLike } from "./model.js";
import { Agents } from "./agents.js";
import { Leases } from "./leases.js";
import { Outbox } from "./outbox.js";
import { Tasks } from "./tasks.js";

export { PlatformError, invalidArgs, type RefusedPort } from "./errors.js";
export {
  MAX_AUTO_INTERRUPT_SECONDS,
  clampProgress,
  definitionOf,
  type AgentLink,
  type AssignInput,
  type ControlKind,
  type DefinitionInputLike,
  type ImplementationInputLike,
  type PortInputLike,
} from "./model.js";

export class Platform {
  readonly hub = new Hub();
  private reaper: NodeJS.Timeout | null = null;
  /** True once `close()` ran: timers and late socket events change nothing any more. */
  closed = false;
  /** The media store (src/server/media), set by the server: assign checks `@arkitekt/file` values with it. */
  media: MediaService | null = null;
  /** The sections of the core (one file each in this folder). */
  readonly agents: Agents;
  readonly leases: Leases;
  readonly outbox: Outbox;
  readonly tasks: Tasks;
  /** The services of the areas beyond the core (src/server/areas). */
  readonly areas: Areas;

  constructor(
    readonly store: Store,
    readonly options: CompiledOptions,
    readonly log: Logger,
  ) {
    this.agents = new Agents(this);
    this.leases = new Leases(this);
    this.outbox = new Outbox(this);
    this.tasks = new Tasks(this);
    this.areas = createAreas(this);
    store.setCommitErrorHandler((error) => this.log.error(`store commit failed, the last batch of writes was rolled back: ${error.message}`));
    // rows of a rolled-back write may come back under the same ids with other contents
    store.onRollback(() => this.tasks.forgetCaches());
  }

  /**
   * Refuses an input that would be hashed or stored when it nests deeper than `maxJsonDepth` or
   * serializes to more than `maxFrameBytes` (the limits of assign args), before anything walks it
   * recursively or writes it. `field` names it in the error (the areas check their JSON inputs with it).
   */
  checkStoredInput(value: unknown, field: string): void {
    if (value === undefined || value === null) return;
    const limit = this.options.maxJsonDepth;
    const deep = valueTooDeepAt(value, limit);
    if (deep) {
      const at = formatValuePath(deep, 12);
      throw new PlatformError(
        `${field}${at.startsWith("[") || at === "" ? "" : "."}${at} is nested deeper than ${limit} levels (the server's maxJsonDepth): flatten the value or raise the limit`,
        "INPUT_TOO_DEEP",
      );
    }
    const bytes = typeof value === "string" ? Buffer.byteLength(value) : Buffer.byteLength(JSON.stringify(value) ?? "");
    if (bytes > this.options.maxFrameBytes) {
      throw new PlatformError(
        `${field} is ${bytes} bytes of JSON, more than the server's maxFrameBytes (${this.options.maxFrameBytes}): make it smaller or raise the limit`,
        "INPUT_TOO_LARGE",
      );
    }
  }

  /** Publishes to subscriptions once the writes behind the event are committed (areas publish through it too). */
  publish(event: HubEvent): void {
    this.store.afterCommit(() => this.hub.publish(event));
  }

  // lifecycle -------------------------------------------------------------------------------------

  /** Applies the restart rules and starts the stale-agent reaper. */
  start(): void {
    const now = Date.now();
    const withInflight = this.store.resetAgentsAfterRestart(now);
    for (const agentId of withInflight) this.leases.armGrace(agentId);
    if (withInflight.length > 0) this.log.info(`restart: ${withInflight.length} agent(s) with in-flight tasks, grace reconcile armed`);
    const period = Math.max(50, Math.min(this.options.staleAfterMs || 30_000, 30_000));
    this.reaper = setInterval(() => this.leases.reap(), period);
    this.reaper.unref();
  }

  close(): void {
    this.closed = true;
    if (this.reaper) clearInterval(this.reaper);
    this.leases.close();
    this.tasks.close();
    this.hub.clear();
  }

  isLive(agent: AgentRow, now = Date.now()): boolean {
    if (agent.kind === "WEBHOOK") return true;
    return agent.connected === 1 && agent.last_seen !== null && agent.last_seen > now - this.options.staleAfterMs;
  }

  // agents (agents.ts) ------------------------------------------------------------------------------

  agentInOrg(identity: Identity, id: string | number): AgentRow {
    return this.agents.agentInOrg(identity, id);
  }
  ensureAgent(identity: Identity, input: Parameters<Agents["ensureAgent"]>[1]): AgentRow {
    return this.agents.ensureAgent(identity, input);
  }
  implementAgent(identity: Identity, input: Parameters<Agents["implementAgent"]>[1]): AgentRow {
    return this.agents.implementAgent(identity, input);
  }
  createImplementation(identity: Identity, impl: ImplementationInputLike): ImplementationRow {
    return this.agents.createImplementation(identity, impl);
  }
  setBlocked(identity: Identity, agentId: string, blocked: boolean, reason?: string | null): AgentRow {
    return this.agents.setBlocked(identity, agentId, blocked, reason);
  }
  kick(identity: Identity, agentId: string, reason?: string | null): AgentRow {
    return this.agents.kick(identity, agentId, reason);
  }
  bounce(identity: Identity, agentId: string, duration?: number | null): AgentRow {
    return this.agents.bounce(identity, agentId, duration);
  }
  deleteAgent(identity: Identity, agentId: string): string {
    return this.agents.deleteAgent(identity, agentId);
  }
  renameAgent(identity: Identity, agentId: string, name: string): AgentRow {
    return this.agents.renameAgent(identity, agentId, name);
  }
  deleteImplementationRow(impl: ImplementationRow, org: string): void {
    this.agents.deleteImplementationRow(impl, org);
  }

  // agent socket (leases.ts, outbox.ts) -------------------------------------------------------------

  claim(...args: Parameters<Leases["claim"]>): ReturnType<Leases["claim"]> {
    return this.leases.claim(...args);
  }
  attach(link: AgentLink): void {
    this.leases.attach(link);
  }
  disconnected(link: AgentLink): void {
    this.leases.disconnected(link);
  }
  renew(link: AgentLink): boolean {
    return this.leases.renew(link);
  }
  /** The agent's current socket, if it is connected (areas send their frames through it). */
  linkOf(agentId: number): AgentLink | undefined {
    return this.leases.links.get(agentId);
  }
  flush(agentId: number): void {
    this.outbox.flush(agentId);
  }
  reconcileNow(agentIds: readonly number[]): void {
    this.leases.reconcileNow(agentIds);
  }

  // tasks (tasks.ts) ----------------------------------------------------------------------------------

  taskInOrg(identity: Identity, id: string | number): TaskRow {
    return this.tasks.taskInOrg(identity, id);
  }
  callerKeyOfTask(task: TaskRow): string | undefined {
    return this.tasks.callerKeyOfTask(task);
  }
  assign(identity: Identity, input: AssignInput): TaskRow {
    return this.tasks.assign(identity, input);
  }
  assignRequest(identity: Identity, input: AssignInput & { reference: string }): { task: TaskRow; created: boolean } {
    return this.tasks.assignRequest(identity, input);
  }
  control(...args: Parameters<Tasks["control"]>): TaskRow {
    return this.tasks.control(...args);
  }
  report(...args: Parameters<Tasks["report"]>): ReturnType<Tasks["report"]> {
    return this.tasks.report(...args);
  }
}
