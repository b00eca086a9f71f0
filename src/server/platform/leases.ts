/**
 * The agent socket's side of the core: lease claims (REGISTER), the live links, heartbeats, the
 * grace period after a disconnect, the stale-agent reaper and the disconnect fate of in-flight
 * tasks (docs/spec/wire-protocol.md §2.5).
 */
import { CloseCode } from "../../protocol/index.js";
import type { Identity } from "../auth.js";
import type { AgentRow } from "../store/store.js";
import type { AgentLink } from "./model.js";
import type { Store } from "../store/store.js";
import type { CompiledOptions } from "../options.js";
import type { Logger } from "../../shared/logger.js";
import type { Platform } from "./index.js";

export class Leases {
  /** The registered link of each agent. */
  readonly links = new Map<number, AgentLink>();
  /** The links of each identity (a caller's mirrors go to every socket of its identity). */
  readonly linksByIdentity = new Map<string, Set<AgentLink>>();
  private readonly graceTimers = new Map<number, NodeJS.Timeout>();
  private readonly store: Store;
  private readonly options: CompiledOptions;
  private readonly log: Logger;

  constructor(private readonly p: Platform) {
    this.store = p.store;
    this.options = p.options;
    this.log = p.log;
  }

  close(): void {
    for (const t of this.graceTimers.values()) clearTimeout(t);
    this.graceTimers.clear();
  }


  /**
   * The lease claim of a REGISTER that passed authentication. Returns the INIT message to send,
   * or a refusal (the caller sends PROTOCOL_ERROR/closes).
   */
  claim(
    identity: Identity,
    connectionId: string,
    force: boolean,
    sessionId: string | null,
  ):
    | { ok: true; agent: AgentRow; epoch: number; inquiries: Array<{ task: string }> }
    | { ok: false; code: number; reason: string; protocolError?: string } {
    const now = Date.now();
    const result = this.store.transaction(() => {
      const agent = this.store.agentByIdentity(identity);
      if (!agent) {
        return { ok: false as const, code: CloseCode.ProtocolError, reason: "unknown agent: call ensureAgent (or implementAgent) with this token first" };
      }
      if (agent.blocked) return { ok: false as const, code: CloseCode.Blocked, reason: "agent is blocked" };
      if (this.p.isLive(agent, now) && !force) {
        return {
          ok: false as const,
          code: CloseCode.AlreadyConnected,
          reason: "another connection is already registered",
          protocolError: `Another connection is already registered for agent ${agent.id}; register with force: true to take over`,
        };
      }
      const priorSession = agent.active_session_id;
      const epoch = agent.lease_epoch + 1;
      this.store.updateAgent(agent.id, {
        lease_epoch: epoch,
        connected: 1,
        last_seen: now,
        active_connection_id: connectionId,
        active_session_id: sessionId,
      });
      const sameSession = priorSession === null || sessionId === null || priorSession === sessionId;
      if (!sameSession) this.failInflight(agent.id, "session changed");
      const inquiries = sameSession ? this.store.inflightTasksOfAgent(agent.id).map((t) => ({ task: String(t.id) })) : [];
      return { ok: true as const, agent: this.store.agent(agent.id)!, epoch, inquiries };
    });
    if (!result.ok) return result;
    const timer = this.graceTimers.get(result.agent.id);
    if (timer) {
      clearTimeout(timer);
      this.graceTimers.delete(result.agent.id);
    }
    const previous = this.links.get(result.agent.id);
    if (previous && previous.connectionId !== connectionId) {
      this.detach(previous);
      previous.close(CloseCode.Replaced, "replaced by another connection");
    }
    this.p.publish({ type: "agentUpdate", agent: result.agent });
    return result;
  }

  /** Called after INIT was sent: the link starts receiving the outbox and mirrors. */
  attach(link: AgentLink): void {
    this.links.set(link.agentId, link);
    let set = this.linksByIdentity.get(link.identity.key);
    if (!set) this.linksByIdentity.set(link.identity.key, (set = new Set()));
    set.add(link);
    this.log.debug(`agent ${link.agentId} registered (connection ${link.connectionId}, epoch ${link.epoch})`);
    this.p.outbox.flush(link.agentId);
  }

  private detach(link: AgentLink): void {
    if (this.links.get(link.agentId) === link) this.links.delete(link.agentId);
    const set = this.linksByIdentity.get(link.identity.key);
    if (set) {
      set.delete(link);
      if (set.size === 0) this.linksByIdentity.delete(link.identity.key);
    }
  }

  /** The socket of a registered link closed. A displaced connection changes nothing. */
  disconnected(link: AgentLink): void {
    this.detach(link);
    if (this.p.closed) return;
    const agent = this.store.agent(link.agentId);
    if (!agent || agent.active_connection_id !== link.connectionId) return;
    this.store.updateAgent(agent.id, { connected: 0, last_seen: Date.now() });
    this.log.debug(`agent ${agent.id} disconnected (connection ${link.connectionId})`);
    this.p.publish({ type: "agentUpdate", agent: this.store.agent(agent.id)! });
    this.armGrace(agent.id);
  }

  /** Heartbeat answer: renews the lease; false when fenced (the caller closes 4005). */
  renew(link: AgentLink): boolean {
    return this.store.renewLease(link.agentId, link.epoch, Date.now());
  }

  armGrace(agentId: number): void {
    const existing = this.graceTimers.get(agentId);
    if (existing) clearTimeout(existing);
    if (this.options.graceMs <= 0) {
      this.reconcile(agentId);
      return;
    }
    const timer = setTimeout(() => {
      this.graceTimers.delete(agentId);
      this.reconcile(agentId);
    }, this.options.graceMs);
    timer.unref();
    this.graceTimers.set(agentId, timer);
  }

  /** Grace expired: if the agent is not live again, its in-flight tasks meet their fate. */
  private reconcile(agentId: number): void {
    if (this.p.closed) return;
    const agent = this.store.agent(agentId);
    if (!agent || this.p.isLive(agent)) return;
    this.store.transaction(() => this.failInflight(agentId, "agent lost"));
  }

  reap(only?: ReadonlySet<number>): void {
    if (this.p.closed || this.options.staleAfterMs <= 0) return;
    const now = Date.now();
    for (const agent of this.store.staleConnectedAgents(now - this.options.staleAfterMs)) {
      if (only && !only.has(agent.id)) continue;
      // Clearing the active connection makes the link's own close a no-op in `disconnected()`: the
      // reaper is the one place that publishes this update and settles the in-flight work, at once.
      this.store.updateAgent(agent.id, { connected: 0, lease_epoch: agent.lease_epoch + 1, active_connection_id: null });
      this.log.debug(`agent ${agent.id} is stale: lease revoked`);
      this.links.get(agent.id)?.close(CloseCode.Replaced, "lease revoked: agent went stale");
      this.p.publish({ type: "agentUpdate", agent: this.store.agent(agent.id)! });
      this.store.transaction(() => this.failInflight(agent.id, "agent stale"));
    }
  }

  /** `reinit` (src/server/areas/agents): these agents' lost work meets its fate now (stale ones are reaped, a pending grace is cut short); live agents are untouched. */
  reconcileNow(agentIds: readonly number[]): void {
    this.reap(new Set(agentIds));
    for (const id of agentIds) {
      clearTimeout(this.graceTimers.get(id));
      this.graceTimers.delete(id);
      this.reconcile(id);
    }
  }

  /** The disconnect fate of every in-flight task (docs/spec/wire-protocol.md §2.5). */
  private failInflight(agentId: number, why: string): void {
    const now = Date.now();
    for (const task of this.store.inflightTasksOfAgent(agentId)) {
      const impl = task.implementation_id === null ? undefined : this.store.implementation(task.implementation_id);
      const action = this.store.action(task.action_id);
      if (impl?.effect === "PHYSICAL") {
        this.p.tasks.finish(task, "CRITICAL", "Executor lost while running physical-effect work; the task cannot be retried safely", now);
      } else if (action?.idempotent && impl && task.latest_event_kind !== "QUEUED") {
        this.store.setTaskLatestEvent(task.id, "QUEUED", now);
        this.p.tasks.recordEvent(this.store.task(task.id)!, "QUEUED", { message: "Agent lost; re-queued (idempotent action)" }, now);
        this.store.setAssignPending(task.id, true);
        this.p.outbox.requeued(agentId, task.id);
      } else if (task.latest_event_kind !== "DISCONNECTED" && task.latest_event_kind !== "QUEUED") {
        this.store.setTaskLatestEvent(task.id, "DISCONNECTED", now);
        this.p.tasks.recordEvent(this.store.task(task.id)!, "DISCONNECTED", { message: "Agent disconnected. Fate unknown" }, now);
      }
    }
    this.log.debug(`agent ${agentId}: in-flight tasks reconciled (${why})`);
  }

}
