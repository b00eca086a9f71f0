/**
 * The platform core: agents, actions, implementations, tasks and their lifecycle, the durable
 * per-agent outbox, leases and the disconnect fate (docs/spec/wire-protocol.md). It knows
 * nothing about HTTP or WebSocket: GraphQL resolvers and the agent socket call into it, and it
 * talks back to agents through the small `AgentLink` interface.
 */
import { createAreas, type Areas } from "./areas/index.js";
import { randomUUID } from "node:crypto";
import { hashDefinitions } from "../definition/hash.js";
import { writeReturns } from "../definition/json-writer.js";
import type { Port } from "../definition/model.js";
import { checkArgs, formatProblems, problemMessage } from "../definition/values.js";
import {
  ACKED_REPORT_TYPES,
  CloseCode,
  encodeAssign,
  encodeBounce,
  encodeCancel,
  encodeInterrupt,
  encodeKick,
  encodeMirror,
  encodePause,
  encodeResume,
  formatValuePath,
  keptUntilAnswered,
  normalizeLogLevel,
  valueTooDeepAt,
  type FromAgentType,
  type TaskEventKind,
} from "../protocol/index.js";
import type { Identity } from "./auth.js";
import { identityKey } from "./auth.js";
import { Hub, type HubEvent } from "./hub.js";
import type { Logger } from "../shared/logger.js";
import type { CompiledOptions } from "./options.js";
import type { ActionRow, AgentRow, ImplementationRow, Store, StoreWriteError, TaskEventRow, TaskRow } from "./store/store.js";
import { ArkitektError } from "../shared/errors.js";
import type { MediaService } from "./media/service.js";

/** A refused operation; `message` is what the client sees, `code` and `extensions` go into the GraphQL error's `extensions`. */
export class PlatformError extends ArkitektError {
  override readonly name = "PlatformError";
  constructor(
    message: string,
    readonly code: string = "BAD_REQUEST",
    /** More machine-readable detail for the client, e.g. INVALID_ARGS' `ports` (see `invalidArgs`). */
    readonly extensions: Readonly<Record<string, unknown>> = {},
  ) {
    super(message);
  }
}

/** One refused port of an `assign`, as the GraphQL error's `extensions.ports` carries it (the UI shows it at the field). */
export interface RefusedPort {
  /** The port key path from the top of the args: `a`, `images[2]`, `settings.threshold`, `label.__value`. */
  readonly path: string;
  /** What is wrong there, without the path: `expected a finite number, got the string "x"`. */
  readonly message: string;
}

/**
 * The INVALID_ARGS refusal of an assign: the message names every problem (as before), and
 * `extensions` carry them per port, `{ code: "INVALID_ARGS", ports: [{ path, message }], omitted }`
 * (`omitted`: problems past the reported ones, only when there are any).
 */
export function invalidArgs(actionKey: string, text: string, ports: readonly RefusedPort[], omitted = 0): PlatformError {
  return new PlatformError(`Invalid args for action "${actionKey}": ${text}`, "INVALID_ARGS", { ports, ...(omitted > 0 ? { omitted } : {}) });
}

/** One registered agent socket, as the core sees it. */
export interface AgentLink {
  readonly connectionId: string;
  readonly agentId: number;
  readonly identity: Identity;
  readonly epoch: number;
  /** Sends one frame, as written by the protocol's encoders (protocol/frames.ts). */
  send(frame: string): void;
  close(code: number, reason: string): void;
  /** Highest outbox id already sent on this connection. */
  lastOutboxId: number;
  /** True while much is waiting unsent on the socket: the outbox pauses (see `whenDrained`). */
  backlogged?(): boolean;
  /** Calls `fn` once the socket has sent what was waiting. */
  whenDrained?(fn: () => void): void;
}

export type ControlKind = "CANCEL" | "INTERRUPT" | "PAUSE" | "RESUME";
const CONTROL_EVENT: Record<ControlKind, TaskEventKind> = {
  CANCEL: "CANCELLING",
  INTERRUPT: "INTERRUPTING",
  PAUSE: "PAUSING",
  RESUME: "RESUMING",
};

export interface AssignInput {
  action?: string | null;
  implementation?: string | null;
  agent?: string | null;
  actionHash?: string | null;
  interface?: string | null;
  dependency?: string | null;
  method?: string | null;
  args?: unknown;
  reference?: string | null;
  parent?: string | null;
  capture?: boolean | null;
  ephemeral?: boolean | null;
  step?: boolean | null;
}

export interface DefinitionInputLike {
  key: string;
  version?: string | null;
  name: string;
  kind: string;
  description?: string | null;
  collections?: string[] | null;
  stateful?: boolean | null;
  pure?: boolean | null;
  idempotent?: boolean | null;
  isDev?: boolean | null;
  portGroups?: unknown[] | null;
  args?: Port[] | null;
  returns?: Port[] | null;
  isTestFor?: unknown[] | null;
  [extra: string]: unknown;
}

export interface ImplementationInputLike {
  definition: DefinitionInputLike;
  interface?: string | null;
  params?: unknown;
  effect?: string | null;
  needsToken?: boolean | null;
  dependencies?: unknown[] | null;
  [extra: string]: unknown;
}

function toId(value: string | number | null | undefined): number | null {
  if (value === null || value === undefined) return null;
  const text = String(value);
  if (!/^\d{1,15}$/.test(text)) return null;
  return Number(text);
}

/** The longest auto_interrupt a timer can hold (setTimeout takes at most 2^31 - 1 ms, about 24.8 days). */
export const MAX_AUTO_INTERRUPT_SECONDS = Math.floor((2 ** 31 - 1) / 1000);

/** Room left in an ASSIGN frame for everything but args and reference (ids, hash, interface, user, org). */
const ASSIGN_FRAME_OVERHEAD = 2048;

/** Close code of an agent socket whose reports could not be stored: it reconnects and resends what it holds. */
const STORE_FAILED_CLOSE = 1011;

/** The frame of a control message the outbox keeps until the agent answers it. */
function controlFrame(kind: ControlKind, task: string, step: boolean): string {
  switch (kind) {
    case "CANCEL":
      return encodeCancel({ task });
    case "INTERRUPT":
      return encodeInterrupt({ task });
    case "PAUSE":
      return encodePause({ task });
    case "RESUME":
      return encodeResume({ task, step });
  }
}

/** PROGRESS is a percentage (GraphQL `Int`): rounded and clamped to 0..100; anything else is no progress. */
export function clampProgress(progress: unknown): number | null {
  if (typeof progress !== "number" || !Number.isFinite(progress)) return null;
  return Math.max(0, Math.min(100, Math.round(progress)));
}



/** Ports as stored: the definition's `args`/`returns` JSON. */
export function definitionOf(action: ActionRow): DefinitionInputLike {
  return JSON.parse(action.definition) as DefinitionInputLike;
}

export class Platform {
  readonly hub = new Hub();
  private readonly links = new Map<number, AgentLink>();
  private readonly linksByIdentity = new Map<string, Set<AgentLink>>();
  private readonly graceTimers = new Map<number, NodeJS.Timeout>();
  private readonly autoInterruptTimers = new Map<number, NodeJS.Timeout>();
  private readonly callerKeys = new Map<number, string>();
  private readonly definitionCache = new Map<number, { hash: string; args: Port[]; returns: string[]; returnPorts: Port[] }>();
  private reaper: NodeJS.Timeout | null = null;
  private closed = false;
  /** The media store (src/server/media), set by the server: assign checks `@arkitekt/file` values with it. */
  media: MediaService | null = null;
  /** The services of the areas beyond the core (src/server/areas). */
  readonly areas: Areas = createAreas(this);

  constructor(
    readonly store: Store,
    readonly options: CompiledOptions,
    private readonly log: Logger,
  ) {
    store.setCommitErrorHandler((error) => this.log.error(`store commit failed, the last batch of writes was rolled back: ${error.message}`));
    // rows of a rolled-back write may come back under the same ids with other contents
    store.onRollback(() => {
      this.definitionCache.clear();
      this.callerKeys.clear();
    });
  }

  /**
   * Refuses an input that would be hashed or stored when it nests deeper than `maxJsonDepth` or
   * serializes to more than `maxFrameBytes` (the limits of assign args), before anything walks it
   * recursively or writes it. `field` names it in the error.
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

  /** Closes the agent sockets whose reports were in a batch that could not be committed. */
  private readonly reportersInBatch = new Set<AgentLink>();
  private watchBatch(link: AgentLink): void {
    this.store.batch();
    if (this.reportersInBatch.size === 0) {
      this.store.afterCommit(
        () => this.reportersInBatch.clear(),
        (error: StoreWriteError) => {
          const links = [...this.reportersInBatch];
          this.reportersInBatch.clear();
          for (const l of links) l.close(STORE_FAILED_CLOSE, "the server could not store your reports: reconnect and resend them");
          this.log.warn(`closed ${links.length} agent socket(s) whose reports were lost: ${error.message}`);
        },
      );
    }
    this.reportersInBatch.add(link);
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
    for (const agentId of withInflight) this.armGrace(agentId);
    if (withInflight.length > 0) this.log.info(`restart: ${withInflight.length} agent(s) with in-flight tasks, grace reconcile armed`);
    const period = Math.max(50, Math.min(this.options.staleAfterMs || 30_000, 30_000));
    this.reaper = setInterval(() => this.reap(), period);
    this.reaper.unref();
  }

  close(): void {
    this.closed = true;
    if (this.reaper) clearInterval(this.reaper);
    for (const t of this.graceTimers.values()) clearTimeout(t);
    for (const t of this.autoInterruptTimers.values()) clearTimeout(t);
    this.graceTimers.clear();
    this.autoInterruptTimers.clear();
    this.hub.clear();
  }

  isLive(agent: AgentRow, now = Date.now()): boolean {
    if (agent.kind === "WEBHOOK") return true;
    return agent.connected === 1 && agent.last_seen !== null && agent.last_seen > now - this.options.staleAfterMs;
  }

  // agents ----------------------------------------------------------------------------------------

  agentInOrg(identity: Identity, id: string | number): AgentRow {
    const agentId = toId(id);
    const agent = agentId === null ? undefined : this.store.agent(agentId);
    if (!agent || agent.org !== identity.org) throw new PlatformError(`Agent ${String(id)} not found in organisation "${identity.org}"`, "NOT_FOUND");
    return agent;
  }

  /** A new agent row for the identity (client, user, org), with its app and release. */
  private createAgentFor(identity: Identity, name: string, kind: string, hookUrl: string | null): AgentRow {
    return this.store.createAgent({
      org: identity.org,
      client_id: identity.clientId,
      user_sub: identity.sub,
      iss: identity.iss,
      username: identity.username,
      app: identity.app,
      release: identity.release,
      name,
      kind,
      hook_url: hookUrl,
    });
  }

  ensureAgent(identity: Identity, input: { name?: string | null; kind?: string | null; hookUrl?: string | null }): AgentRow {
    this.checkStoredInput(input, "ensureAgent input");
    const existing = this.store.agentByIdentity(identity);
    if (existing && existing.app === identity.app && existing.release === identity.release) return existing;
    if (existing) {
      // The token now names another app or release (arkitekt.json's identifier or version
      // changed): the agent follows it, and its definitions must be registered under the new
      // app, so the stored definitions hash no longer holds (the client then implements again).
      this.store.updateAgent(existing.id, { app: identity.app, release: identity.release, hash: null });
      const moved = this.store.agent(existing.id)!;
      this.log.info(`agent ${moved.id} now stands for ${identity.app} ${identity.release} (was ${existing.app} ${existing.release})`);
      this.publish({ type: "agentUpdate", agent: moved });
      return moved;
    }
    const agent = this.createAgentFor(identity, input.name ?? identity.clientId, input.kind ?? "WEBSOCKET", input.hookUrl ?? null);
    this.log.debug(`agent ${agent.id} created for ${identity.clientId}@${identity.org}`);
    this.publish({ type: "agentCreate", agent });
    return agent;
  }

  implementAgent(
    identity: Identity,
    input: { name?: string | null; hash?: string | null; implementations?: ImplementationInputLike[] | null },
  ): AgentRow {
    const impls = input.implementations ?? [];
    this.checkStoredInput(input.name, "implementAgent name");
    this.checkStoredInput(input.hash, "implementAgent hash");
    impls.forEach((impl, i) => this.checkStoredInput(impl, `implementAgent: implementations[${i}]`));
    const seen = new Set<string>();
    for (const impl of impls) {
      const iface = impl.interface ?? impl.definition?.key;
      if (!iface) throw new PlatformError("every implementation needs an interface (or a definition key)");
      if (seen.has(iface)) throw new PlatformError(`interface "${iface}" is declared twice; interfaces must be unique per agent`);
      seen.add(iface);
      this.checkDefinition(impl);
    }
    const agent = this.store.transaction(() => {
      let agent = this.store.agentByIdentity(identity);
      if (!agent) {
        agent = this.createAgentFor(identity, input.name ?? identity.clientId, "WEBSOCKET", null);
      }
      this.store.updateAgent(agent.id, { name: input.name ?? identity.clientId, hash: input.hash ?? randomUUID(), app: identity.app, release: identity.release });
      const keep = new Set<number>();
      for (const impl of impls) keep.add(this.upsertImplementation(identity, agent.id, impl).id);
      for (const old of this.store.implementationsOfAgent(agent.id)) if (!keep.has(old.id)) this.store.deleteImplementation(old.id);
      return this.store.agent(agent.id)!;
    });
    this.publish({ type: "agentUpdate", agent });
    return agent;
  }

  createImplementation(identity: Identity, impl: ImplementationInputLike): ImplementationRow {
    this.checkStoredInput(impl, "createImplementation: implementation");
    this.checkDefinition(impl);
    return this.store.transaction(() => {
      const agent = this.store.agentByIdentity(identity);
      if (!agent) throw new PlatformError("no agent for this token: call ensureAgent first", "NOT_FOUND");
      return this.upsertImplementation(identity, agent.id, impl);
    });
  }

  private checkDefinition(impl: ImplementationInputLike): void {
    const d = impl.definition;
    if (!d || typeof d.key !== "string") throw new PlatformError("implementation.definition.key is required");
    if (d.pure && impl.effect === "PHYSICAL") throw new PlatformError(`definition "${d.key}": a pure action cannot have a PHYSICAL effect`);
    if (d.pure && d.stateful) throw new PlatformError(`definition "${d.key}": a pure action cannot be stateful`);
    const checkPorts = (ports: Port[] | null | undefined, where: string): void => {
      for (const p of ports ?? []) {
        if (p.kind === "LIST" && (p.children ?? []).length !== 1) {
          throw new PlatformError(`definition "${d.key}": ${where} port "${p.key}" of kind LIST needs exactly one child`);
        }
        checkPorts(p.children, where);
      }
    };
    checkPorts(d.args, "arg");
    checkPorts(d.returns, "return");
  }

  private upsertImplementation(identity: Identity, agentId: number, impl: ImplementationInputLike): ImplementationRow {
    const d = impl.definition;
    const version = d.version ?? "1";
    const pure = d.pure ?? false;
    const definition: DefinitionInputLike = {
      key: d.key,
      version,
      name: d.name,
      kind: d.kind,
      description: d.description ?? null,
      collections: d.collections ?? [],
      stateful: d.stateful ?? false,
      pure,
      idempotent: pure || (d.idempotent ?? false),
      isDev: d.isDev ?? false,
      portGroups: d.portGroups ?? [],
      args: d.args ?? [],
      returns: d.returns ?? [],
      isTestFor: d.isTestFor ?? [],
    };
    const hash = hashDefinitions({
      name: definition.name,
      description: definition.description,
      args: definition.args,
      returns: definition.returns,
      stateful: definition.stateful,
      is_test_for: definition.isTestFor,
      collections: definition.collections,
      key: definition.key,
      version,
    });
    const now = Date.now();
    const fields = {
      hash,
      name: definition.name,
      kind: definition.kind,
      description: definition.description ?? null,
      stateful: definition.stateful ? 1 : 0,
      pure: pure ? 1 : 0,
      idempotent: definition.idempotent ? 1 : 0,
      is_dev: definition.isDev ? 1 : 0,
      definition: JSON.stringify(definition),
    };
    let action = this.store.actionByKey(identity.org, identity.app, d.key, version);
    if (!action) {
      action = this.store.insertAction({ org: identity.org, app: identity.app, key: d.key, version, defined_at: now, ...fields });
    } else {
      this.store.updateAction({ id: action.id, ...fields });
      this.definitionCache.delete(action.id);
    }
    const iface = impl.interface ?? d.key;
    const row = {
      action_id: action.id,
      params: impl.params === undefined || impl.params === null ? null : JSON.stringify(impl.params),
      effect: impl.effect ?? "NONE",
      needs_token: impl.needsToken === false ? 0 : 1,
      dependencies: JSON.stringify(impl.dependencies ?? []),
    };
    const existing = this.store.implementationByInterface(agentId, iface);
    if (existing) {
      this.store.updateImplementation({ id: existing.id, ...row });
      return this.store.implementation(existing.id)!;
    }
    return this.store.insertImplementation({ agent_id: agentId, interface: iface, created_at: now, ...row });
  }

  setBlocked(identity: Identity, agentId: string, blocked: boolean, reason?: string | null): AgentRow {
    const agent = this.agentInOrg(identity, agentId);
    this.store.updateAgent(agent.id, { blocked: blocked ? 1 : 0 });
    if (blocked) {
      const link = this.links.get(agent.id);
      if (link) {
        link.send(encodeKick({ reason: reason ?? "blocked" }));
        link.close(CloseCode.Blocked, "agent is blocked");
      }
    }
    const updated = this.store.agent(agent.id)!;
    this.publish({ type: "agentUpdate", agent: updated });
    return updated;
  }

  kick(identity: Identity, agentId: string, reason?: string | null): AgentRow {
    const agent = this.agentInOrg(identity, agentId);
    this.links.get(agent.id)?.send(encodeKick({ reason: reason ?? null }));
    return agent;
  }

  bounce(identity: Identity, agentId: string, duration?: number | null): AgentRow {
    const agent = this.agentInOrg(identity, agentId);
    this.links.get(agent.id)?.send(encodeBounce({ duration: duration ?? null }));
    return agent;
  }

  /**
   * Deletes the agent. Its open tasks end first, as for cancel before delivery: a task whose ASSIGN
   * was never answered is CANCELLED, one it was running is CRITICAL (its outcome is unknown), so
   * no task is left open without an executor.
   */
  deleteAgent(identity: Identity, agentId: string): string {
    const agent = this.agentInOrg(identity, agentId);
    const now = Date.now();
    this.store.transaction(() => {
      for (const task of this.store.openTasksOfAgent(agent.id)) {
        if (this.store.hasOutbox(task.id, "ASSIGN")) {
          this.store.setTaskInstruct(task.id, "CANCEL", now);
          this.finish(this.store.task(task.id)!, "CANCELLED", `Agent ${agent.id} was deleted before it received this task`, now);
        } else {
          this.finish(this.store.task(task.id)!, "CRITICAL", `Agent ${agent.id} was deleted while running this task; its outcome is unknown`, now);
        }
      }
      this.store.deleteAgent(agent.id);
    });
    this.links.get(agent.id)?.close(CloseCode.Replaced, "agent deleted");
    this.publish({ type: "agentDelete", agent });
    return String(agent.id);
  }

  renameAgent(identity: Identity, agentId: string, name: string): AgentRow {
    this.checkStoredInput(name, "updateAgent name");
    const agent = this.agentInOrg(identity, agentId);
    this.store.updateAgent(agent.id, { name });
    const updated = this.store.agent(agent.id)!;
    this.publish({ type: "agentUpdate", agent: updated });
    return updated;
  }

  // agent socket ------------------------------------------------------------------------------------

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
      if (this.isLive(agent, now) && !force) {
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
    this.publish({ type: "agentUpdate", agent: result.agent });
    return result;
  }

  /** Called after INIT was sent: the link starts receiving the outbox and mirrors. */
  attach(link: AgentLink): void {
    this.links.set(link.agentId, link);
    let set = this.linksByIdentity.get(link.identity.key);
    if (!set) this.linksByIdentity.set(link.identity.key, (set = new Set()));
    set.add(link);
    this.log.debug(`agent ${link.agentId} registered (connection ${link.connectionId}, epoch ${link.epoch})`);
    this.flush(link.agentId);
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
    if (this.closed) return;
    const agent = this.store.agent(link.agentId);
    if (!agent || agent.active_connection_id !== link.connectionId) return;
    this.store.updateAgent(agent.id, { connected: 0, last_seen: Date.now() });
    this.log.debug(`agent ${agent.id} disconnected (connection ${link.connectionId})`);
    this.publish({ type: "agentUpdate", agent: this.store.agent(agent.id)! });
    this.armGrace(agent.id);
  }

  /** Heartbeat answer: renews the lease; false when fenced (the caller closes 4005). */
  renew(link: AgentLink): boolean {
    return this.store.renewLease(link.agentId, link.epoch, Date.now());
  }

  private armGrace(agentId: number): void {
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
    if (this.closed) return;
    const agent = this.store.agent(agentId);
    if (!agent || this.isLive(agent)) return;
    this.store.transaction(() => this.failInflight(agentId, "agent lost"));
  }

  private reap(): void {
    if (this.closed || this.options.staleAfterMs <= 0) return;
    const now = Date.now();
    for (const agent of this.store.staleConnectedAgents(now - this.options.staleAfterMs)) {
      // Clearing the active connection makes the link's own close a no-op in `disconnected()`: the
      // reaper is the one place that publishes this update and settles the in-flight work, at once.
      this.store.updateAgent(agent.id, { connected: 0, lease_epoch: agent.lease_epoch + 1, active_connection_id: null });
      this.log.debug(`agent ${agent.id} is stale: lease revoked`);
      this.links.get(agent.id)?.close(CloseCode.Replaced, "lease revoked: agent went stale");
      this.publish({ type: "agentUpdate", agent: this.store.agent(agent.id)! });
      this.store.transaction(() => this.failInflight(agent.id, "agent stale"));
    }
  }

  /** The disconnect fate of every in-flight task (docs/spec/wire-protocol.md §2.5). */
  private failInflight(agentId: number, why: string): void {
    const now = Date.now();
    for (const task of this.store.inflightTasksOfAgent(agentId)) {
      const impl = task.implementation_id === null ? undefined : this.store.implementation(task.implementation_id);
      const action = this.store.action(task.action_id);
      if (impl?.effect === "PHYSICAL") {
        this.finish(task, "CRITICAL", "Executor lost while running physical-effect work; the task cannot be retried safely", now);
      } else if (action?.idempotent && impl && task.latest_event_kind !== "QUEUED") {
        this.store.setTaskLatestEvent(task.id, "QUEUED", now);
        this.recordEvent(this.store.task(task.id)!, "QUEUED", { message: "Agent lost; re-queued (idempotent action)" }, now);
        this.store.enqueue(agentId, task.id, "ASSIGN", this.assignFrame(task, impl, action), now);
      } else if (task.latest_event_kind !== "DISCONNECTED" && task.latest_event_kind !== "QUEUED") {
        this.store.setTaskLatestEvent(task.id, "DISCONNECTED", now);
        this.recordEvent(this.store.task(task.id)!, "DISCONNECTED", { message: "Agent disconnected. Fate unknown" }, now);
      }
    }
    this.log.debug(`agent ${agentId}: in-flight tasks reconciled (${why})`);
  }

  // outbox --------------------------------------------------------------------------------------------

  private readonly flushQueued = new Set<number>();

  /** Delivers the agent's new outbox entries once what was written so far is committed. */
  flush(agentId: number): void {
    if (this.flushQueued.has(agentId)) return;
    this.flushQueued.add(agentId);
    this.store.afterCommit(
      () => {
        this.flushQueued.delete(agentId);
        this.flushNow(agentId);
      },
      // the entries of a failed commit are gone; the flag must not outlive it, or the agent never hears again
      () => this.flushQueued.delete(agentId),
    );
  }

  /** Sends every outbox entry the agent's current link has not seen yet, in order. */
  private flushNow(agentId: number): void {
    const link = this.links.get(agentId);
    if (!link) return;
    for (const entry of this.store.outboxOfAfter(agentId, link.lastOutboxId)) {
      if (link.backlogged?.()) {
        // a large outbox goes out as the reader takes it, not in one burst the slow-reader bound would punish
        link.whenDrained?.(() => this.flush(agentId));
        return;
      }
      link.lastOutboxId = entry.id;
      link.send(entry.payload);
      if (entry.task_id === null || !keptUntilAnswered(entry.kind)) {
        this.store.deleteOutbox(entry.id);
      }
    }
  }

  // tasks ----------------------------------------------------------------------------------------------

  private callerKey(callerId: number): string | undefined {
    let key = this.callerKeys.get(callerId);
    if (key === undefined) {
      const c = this.store.caller(callerId);
      if (!c) return undefined;
      key = identityKey(c.org, c.client_id, c.user_sub, c.iss);
      this.callerKeys.set(callerId, key);
    }
    return key;
  }

  /** The identity key of a task's caller (for subscription filters). */
  callerKeyOfTask(task: TaskRow): string | undefined {
    return this.callerKey(task.caller_id);
  }

  taskInOrg(identity: Identity, id: string | number): TaskRow {
    const taskId = toId(id);
    const task = taskId === null ? undefined : this.store.task(taskId);
    if (!task || task.org !== identity.org) throw new PlatformError(`Task ${String(id)} not found in organisation "${identity.org}"`, "NOT_FOUND");
    return task;
  }

  private definitionOf(action: ActionRow): { hash: string; args: Port[]; returns: string[]; returnPorts: Port[] } {
    let cached = this.definitionCache.get(action.id);
    if (!cached || cached.hash !== action.hash) {
      const definition = definitionOf(action);
      const returnPorts = definition.returns ?? [];
      cached = { hash: action.hash, args: definition.args ?? [], returns: returnPorts.map((p) => p.key), returnPorts };
      this.definitionCache.set(action.id, cached);
    }
    return cached;
  }

  private portsOf(action: ActionRow): Port[] {
    return this.definitionOf(action).args;
  }

  /**
   * Why a COMPLETED cannot stand, or null when it can: a FUNCTION with return ports must have
   * reported a YIELD first (its results). Without one the results were lost on the way (e.g. a
   * server killed before they were committed) and the task must not end acknowledged without them.
   */
  private missingReturns(task: TaskRow): string | null {
    const action = this.store.action(task.action_id);
    if (!action || action.kind !== "FUNCTION") return null;
    const returns = this.returnKeysOf(action);
    if (returns.length === 0 || this.store.hasEventOfKind(task.id, "YIELD")) return null;
    return `The agent reported COMPLETED but no YIELD with the returns (${returns.join(", ")}) arrived: the results were lost (was the server restarted before they were saved?); assign the task again`;
  }

  private returnKeysOf(action: ActionRow): string[] {
    return this.definitionOf(action).returns;
  }

  /**
   * The stored text of a YIELD's returns, written on the action's return ports: a whole-number FLOAT
   * is stored as `2.0` (also inside LIST, DICT, MODEL, UNION), whether the agent sent `2.0` or `2`,
   * and GraphQL serves this text as is (issue 10 #3).
   */
  private returnsText(task: TaskRow, returns: unknown): string {
    const action = this.store.action(task.action_id);
    if (!action || typeof returns !== "object" || returns === null || Array.isArray(returns)) return JSON.stringify(returns);
    return writeReturns(this.definitionOf(action).returnPorts, returns as Record<string, unknown>);
  }

  private pickLive(action: ActionRow, now: number): ImplementationRow | undefined {
    for (const impl of this.store.implementationsOfAction(action.id)) {
      const agent = this.store.agent(impl.agent_id);
      if (agent && !agent.blocked && this.isLive(agent, now)) return impl;
    }
    return undefined;
  }

  /** Resolves an assign target in routing order, checks liveness and args, then creates the task. */
  assign(identity: Identity, input: AssignInput): TaskRow {
    const now = Date.now();
    let impl: ImplementationRow | undefined;
    let action: ActionRow | undefined;
    const noActive = (what: string) => new PlatformError(`No active implementation found for ${what}: no live agent implements it`, "NO_ACTIVE_IMPLEMENTATION");
    if (input.dependency) {
      throw new PlatformError("assign by dependency is not supported by the embedded server: assign by action, actionHash, implementation or agent + interface");
    } else if (input.action) {
      const actionId = toId(input.action);
      action = actionId === null ? undefined : this.store.action(actionId);
      if (!action || action.org !== identity.org) throw new PlatformError(`Action ${input.action} not found in organisation "${identity.org}"`, "NOT_FOUND");
      impl = this.pickLive(action, now);
      if (!impl) throw noActive(`action ${action.id} (${action.key})`);
    } else if (input.implementation) {
      const implId = toId(input.implementation);
      impl = implId === null ? undefined : this.store.implementation(implId);
      const agent = impl ? this.store.agent(impl.agent_id) : undefined;
      if (!impl || !agent || agent.org !== identity.org) {
        throw new PlatformError(`Implementation ${input.implementation} not found in organisation "${identity.org}"`, "NOT_FOUND");
      }
      action = this.store.action(impl.action_id)!;
      if (agent.blocked || !this.isLive(agent, now)) throw noActive(`implementation ${impl.id}: its agent ${agent.id} is not connected`);
    } else if (input.actionHash) {
      const actions = this.store.actionsByHash(identity.org, input.actionHash);
      if (actions.length === 0) throw new PlatformError(`No action with hash ${input.actionHash} in organisation "${identity.org}"`, "NOT_FOUND");
      for (const candidate of actions) {
        impl = this.pickLive(candidate, now);
        if (impl) {
          action = candidate;
          break;
        }
      }
      if (!impl || !action) throw noActive(`action hash ${input.actionHash}`);
    } else if (input.agent && input.interface) {
      const agent = this.agentInOrg(identity, input.agent);
      impl = this.store.implementationByInterface(agent.id, input.interface);
      if (!impl) throw new PlatformError(`Agent ${agent.id} has no implementation with interface "${input.interface}"`, "NOT_FOUND");
      action = this.store.action(impl.action_id)!;
      if (agent.blocked || !this.isLive(agent, now)) throw noActive(`interface "${input.interface}": agent ${agent.id} is not connected`);
    } else {
      throw new PlatformError("You need to provide either action, actionHash, implementation, or agent + interface to assign a task");
    }
    const args = input.args ?? {};
    // Args deeper than the frame limit are refused before anything walks them recursively.
    const deep = valueTooDeepAt(args, this.options.maxJsonDepth);
    if (deep) {
      const path = formatValuePath(deep, 12);
      const message = `nested deeper than ${this.options.maxJsonDepth} levels (the server's maxJsonDepth)`;
      throw invalidArgs(action.key, `port "${path}": ${message}`, [{ path, message }]);
    }
    this.checkStoredInput(input.reference, "assign reference");
    // they travel in one ASSIGN frame, which must fit the frame limit (with its other fields)
    const frameBytes = Buffer.byteLength(JSON.stringify(args) ?? "") + Buffer.byteLength(input.reference ?? "") + ASSIGN_FRAME_OVERHEAD;
    if (frameBytes > this.options.maxFrameBytes) {
      // the args as a whole, no one port: `ports` is empty
      throw invalidArgs(
        action.key,
        `the ASSIGN frame would be about ${frameBytes} bytes, more than the server's maxFrameBytes (${this.options.maxFrameBytes}): pass large data by reference (a structure)`,
        [],
      );
    }
    const verdict = checkArgs(this.portsOf(action), args);
    if (!verdict.ok) {
      const ports = verdict.problems.map((p) => ({ path: p.path, message: problemMessage(p) }));
      throw invalidArgs(action.key, formatProblems(verdict), ports, verdict.omitted);
    }
    // `@arkitekt/file` values must name a store of the caller's organisation that is (or can now be) finished
    const files = this.media?.refusedFileArgs(identity, this.portsOf(action), args as Record<string, unknown>) ?? [];
    if (files.length > 0) throw invalidArgs(action.key, files.map((p) => `port "${p.path}": ${p.message}`).join("; "), files);

    let parent: TaskRow | undefined;
    if (input.parent) {
      parent = this.taskInOrg(identity, input.parent);
    }
    const caller = this.store.ensureCaller(identity);
    const task = this.store.transaction(() => {
      const task = this.store.insertTask({
        org: identity.org,
        action_id: action.id,
        implementation_id: impl.id,
        agent_id: impl.agent_id,
        caller_id: caller.id,
        reference: input.reference ?? randomUUID(),
        args: JSON.stringify(args),
        args_hash: hashDefinitions(args),
        parent_id: parent ? parent.id : null,
        root_id: parent ? (parent.root_id ?? parent.id) : null,
        capture: input.capture ? 1 : 0,
        ephemeral: input.ephemeral ? 1 : 0,
        step: input.step ? 1 : 0,
        created_at: now,
      });
      this.store.enqueue(impl.agent_id, task.id, "ASSIGN", this.assignFrame(task, impl, action, identity), now);
      return task;
    });
    this.log.debug(`task ${task.id} assigned to agent ${impl.agent_id} (${impl.interface})`);
    this.publish({ type: "taskCreate", task });
    this.flush(impl.agent_id);
    return task;
  }

  private assignFrame(task: TaskRow, impl: ImplementationRow, action: ActionRow, identity?: Identity): string {
    let user = identity?.sub;
    let org = identity?.org;
    if (!identity) {
      const caller = this.store.caller(task.caller_id);
      user = caller?.user_sub;
      org = caller?.org;
    }
    return encodeAssign({
      task: String(task.id),
      interface: impl.interface,
      args: JSON.parse(task.args) as Record<string, unknown>,
      user: user ?? null,
      org: org ?? null,
      action: action.hash,
      implementation: String(impl.id),
      reference: task.reference,
      capture: task.capture === 1,
      step: task.step === 1,
      resolution: null,
      root: task.root_id === null ? null : String(task.root_id),
      parent: task.parent_id === null ? null : String(task.parent_id),
      message: null,
      token: null,
    });
  }

  /** An ASSIGN_REQUEST over the socket: idempotent on (caller, reference), then parent required. */
  assignRequest(identity: Identity, input: AssignInput & { reference: string }): { task: TaskRow; created: boolean } {
    const caller = this.store.ensureCaller(identity);
    const existing = this.store.taskByCallerReference(caller.id, input.reference);
    if (existing) return { task: existing, created: false };
    if (!input.parent) {
      throw new PlatformError("ASSIGN_REQUEST needs a parent task: root assigns go through GraphQL assign", "PARENT_REQUIRED");
    }
    return { task: this.assign(identity, input), created: true };
  }

  /** cancel / interrupt / pause / resume, from GraphQL or a socket request. */
  control(
    identity: Identity,
    id: string,
    kind: ControlKind,
    options: { step?: boolean | null; autoInterruptSeconds?: number | null; requireCaller?: boolean } = {},
  ): TaskRow {
    const task = this.taskInOrg(identity, id);
    if (options.requireCaller && this.callerKey(task.caller_id) !== identity.key) {
      throw new PlatformError(`Task ${id} was not assigned by you: only its caller may ${kind.toLowerCase()} it`, "FORBIDDEN");
    }
    if (task.is_done) throw new PlatformError(`Task ${id} is already terminal (${task.latest_event_kind})`, "TERMINAL");
    const autoInterrupt = options.autoInterruptSeconds;
    if (autoInterrupt != null && (!Number.isFinite(autoInterrupt) || autoInterrupt < 0 || autoInterrupt > MAX_AUTO_INTERRUPT_SECONDS)) {
      throw new PlatformError(
        `auto_interrupt must be between 0 and ${MAX_AUTO_INTERRUPT_SECONDS} seconds (about 24.8 days), got ${autoInterrupt}: cancel without it and interrupt later`,
        "BAD_REQUEST",
      );
    }
    if (task.agent_id === null && (kind === "PAUSE" || kind === "RESUME")) {
      throw new PlatformError(`Task ${id} has no agent any more (it was deleted): it cannot be ${kind === "PAUSE" ? "paused" : "resumed"}`, "NO_AGENT");
    }
    this.applyControl(task, kind, options.step ?? false);
    if (kind === "INTERRUPT") {
      for (const child of this.store.openDescendants(task.id)) this.applyControl(child, "INTERRUPT", false);
    }
    if (kind === "CANCEL" && options.autoInterruptSeconds != null && options.autoInterruptSeconds >= 0) {
      const timer = setTimeout(() => {
        this.autoInterruptTimers.delete(task.id);
        const current = this.store.task(task.id);
        if (current && !current.is_done && !this.closed) {
          this.log.debug(`task ${task.id}: auto_interrupt after ${options.autoInterruptSeconds}s`);
          this.applyControl(current, "INTERRUPT", false);
        }
      }, options.autoInterruptSeconds * 1000);
      timer.unref();
      const old = this.autoInterruptTimers.get(task.id);
      if (old) clearTimeout(old);
      this.autoInterruptTimers.set(task.id, timer);
    }
    return this.store.task(task.id)!;
  }

  private applyControl(task: TaskRow, kind: ControlKind, step: boolean): void {
    const now = Date.now();
    const agentId = task.agent_id;
    // A task without an agent (deleted by an older server) can only be ended by the server itself.
    const undelivered = agentId === null || this.store.hasOutbox(task.id, "ASSIGN");
    if (agentId === null && kind !== "CANCEL" && kind !== "INTERRUPT") return;
    if (undelivered && (kind === "CANCEL" || kind === "INTERRUPT")) {
      // never answered: the server ends it itself and the agent never hears of it
      this.store.transaction(() => {
        this.store.setTaskInstruct(task.id, kind, now);
        this.store.deleteOutboxOfTask(task.id);
        this.finish(this.store.task(task.id)!, kind === "CANCEL" ? "CANCELLED" : "INTERRUPTED", null, now);
      });
      this.log.debug(`task ${task.id}: ${kind.toLowerCase()}led before delivery`);
      return;
    }
    if (agentId === null) return;
    this.store.transaction(() => {
      this.store.setTaskInstruct(task.id, kind, now);
      this.recordEvent(this.store.task(task.id)!, CONTROL_EVENT[kind], {}, now);
      this.store.enqueue(agentId, task.id, kind, controlFrame(kind, String(task.id), step), now);
    });
    this.publish({ type: "taskUpdate", task: this.store.task(task.id)! });
    this.flush(agentId);
  }

  /** Ends a task (terminal kind); false when it was already done. Publishes. */
  private finish(task: TaskRow, kind: TaskEventKind, message: string | null, now: number): boolean {
    if (task.is_done) return false;
    const changed = this.store.setTaskDone(task.id, kind, message, now);
    if (!changed) return false;
    this.store.deleteOutboxOfTask(task.id);
    const timer = this.autoInterruptTimers.get(task.id);
    if (timer) {
      clearTimeout(timer);
      this.autoInterruptTimers.delete(task.id);
    }
    const updated: TaskRow = { ...task, latest_event_kind: kind, is_done: 1, status_message: message, updated_at: now, finished_at: now };
    this.recordEvent(updated, kind, { message }, now);
    this.publish({ type: "taskUpdate", task: updated });
    return true;
  }

  /** Writes a TaskEvent, mirrors it to the caller's agent sockets and publishes it. */
  private recordEvent(
    task: TaskRow,
    kind: TaskEventKind,
    fields: { message?: string | null; progress?: number | null; returns?: unknown; level?: string; seq?: number | null; session?: string | null },
    now: number,
  ): TaskEventRow {
    const returns = fields.returns === undefined || fields.returns === null ? null : this.returnsText(task, fields.returns);
    const progress = clampProgress(fields.progress);
    const event = this.store.insertEvent(task.id, kind, fields.message ?? null, progress, returns, fields.level ?? "INFO", now, {
      seq: fields.seq ?? null,
      session: fields.session ?? null,
    });
    if (kind !== "LOG" && kind !== "PROGRESS" && kind !== "YIELD") this.log.debug(`task ${task.id} -> ${kind}${event.message ? ` (${event.message})` : ""}`);
    const key = this.callerKey(task.caller_id);
    const links = key === undefined ? undefined : this.linksByIdentity.get(key);
    if (links && links.size > 0) {
      // the stored returns text goes out as it is (a FLOAT's `2.0` stays `2.0`)
      const text = encodeMirror({ kind, task: String(task.id), event: String(event.id), seq: event.id, message: event.message, progress, level: event.level, returns });
      this.store.afterCommit(() => {
        for (const link of links) link.send(text);
      });
    }
    this.publish({ type: "taskEvent", task, event });
    return event;
  }

  /**
   * A report from the executing agent about one of its tasks. Returns false when the task is
   * unknown or not this agent's (the socket answers PROTOCOL_ERROR and stays open).
   */
  report(
    link: AgentLink,
    message: {
      type: string;
      task: string;
      seq?: number | null;
      message?: string | null;
      level?: string | null;
      progress?: number | null;
      returns?: unknown;
      error?: string | null;
    },
  ): { ok: true; ack: boolean } | { ok: false; error: string } {
    const taskId = toId(message.task);
    const task = taskId === null ? undefined : this.store.task(taskId);
    if (!task) return { ok: false, error: `${message.type}: unknown task ${JSON.stringify(message.task)}; drop this report` };
    if (task.agent_id !== link.agentId) {
      return { ok: false, error: `${message.type}: task ${message.task} is not assigned to this agent; drop this report` };
    }
    const now = Date.now();
    const type = message.type;
    const seq = typeof message.seq === "number" ? message.seq : null;
    // seq counts per agent process: the session (one per process) scopes it
    const session = seq === null ? null : (this.store.agent(link.agentId)?.active_session_id ?? null);
    this.store.transaction(() => {
      this.store.deleteOutboxOfTask(task.id, "ASSIGN");
      switch (type) {
        case "STARTED":
          if (!task.is_done) {
            this.store.setTaskLatestEvent(task.id, "STARTED", now);
            this.recordEvent(task, "STARTED", {}, now);
          }
          break;
        case "LOG":
          this.recordEvent(task, "LOG", { message: message.message ?? "", level: normalizeLogLevel(message.level) }, now);
          break;
        case "PROGRESS":
          this.recordEvent(task, "PROGRESS", { message: message.message ?? null, progress: message.progress ?? null }, now);
          break;
        case "YIELD":
          // an agent resends the yields it holds with its unacknowledged terminal report: store each once
          if (seq !== null && this.store.hasEventOfSeq(task.id, "YIELD", seq, session)) break;
          this.recordEvent(task, "YIELD", { returns: message.returns ?? {}, seq, session }, now);
          break;
        case "COMPLETED": {
          const lost = task.is_done ? null : this.missingReturns(task);
          if (lost) this.finish(task, "FAILED", lost, now);
          else this.finish(task, type, null, now);
          break;
        }
        case "CANCELLED":
        case "INTERRUPTED":
          this.finish(task, type, null, now);
          break;
        case "FAILED":
        case "CRITICAL":
          this.finish(task, type, message.error ?? null, now);
          break;
        case "PAUSED":
        case "RESUMED":
          if (!task.is_done) {
            this.store.deleteOutboxOfTask(task.id, type === "PAUSED" ? "PAUSE" : "RESUME");
            this.store.setTaskLatestEvent(task.id, type, now);
            this.recordEvent(task, type, {}, now);
          }
          break;
      }
    });
    this.watchBatch(link);
    if ((type === "STARTED" || type === "PAUSED" || type === "RESUMED") && !task.is_done) {
      this.publish({ type: "taskUpdate", task: { ...task, latest_event_kind: type, updated_at: now } });
    }
    // which reports are acknowledged is the protocol's rule (protocol/rules.ts)
    return { ok: true, ack: ACKED_REPORT_TYPES.has(type as FromAgentType) };
  }
}
