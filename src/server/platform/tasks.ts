/**
 * Tasks: assign (routing, liveness, args), the controls (cancel, interrupt, pause, resume), the
 * agent's reports, the terminal rules and the events mirrored to callers and published.
 */
import { randomUUID } from "node:crypto";
import { hashWithText } from "../../definition/hash.js";
import { writeReturns } from "../../definition/json-writer.js";
import type { Port } from "../../definition/model.js";
import { checkArgs, formatProblems, problemMessage } from "../../definition/values.js";
import {
  ACKED_REPORT_TYPES,
  encodeAssign,
  encodeMirror,
  formatValuePath,
  normalizeLogLevel,
  valueTooDeepAt,
  type FromAgentType,
  type TaskEventKind,
} from "../../protocol/index.js";
import type { Identity } from "../auth.js";
import { identityKey } from "../auth.js";
import { copyTask, type ActionRow, type ImplementationRow, type StoreWriteError, type TaskEventRow, type TaskRow } from "../store/store.js";
import { PlatformError, invalidArgs } from "./errors.js";
import {
  ASSIGN_FRAME_OVERHEAD,
  CONTROL_EVENT,
  MAX_AUTO_INTERRUPT_SECONDS,
  STORE_FAILED_CLOSE,
  clampProgress,
  controlFrame,
  definitionOf,
  toId,
  type AgentLink,
  type AssignInput,
  type ControlKind,
} from "./model.js";
import type { Store } from "../store/store.js";
import type { CompiledOptions } from "../options.js";
import type { Logger } from "../../shared/logger.js";
import type { Platform } from "./index.js";

export class Tasks {
  private readonly autoInterruptTimers = new Map<number, NodeJS.Timeout>();
  private readonly callerKeys = new Map<number, string>();
  /** The parsed ports of each action, by id (checked against the action's hash). */
  readonly definitionCache = new Map<number, { hash: string; args: Port[]; returns: string[]; returnPorts: Port[] }>();
  private readonly store: Store;
  private readonly options: CompiledOptions;
  private readonly log: Logger;

  constructor(private readonly p: Platform) {
    this.store = p.store;
    this.options = p.options;
    this.log = p.log;
  }

  /** Rows of a rolled-back write may come back under the same ids with other contents. */
  forgetCaches(): void {
    this.definitionCache.clear();
    this.callerKeys.clear();
  }

  close(): void {
    for (const t of this.autoInterruptTimers.values()) clearTimeout(t);
    this.autoInterruptTimers.clear();
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
      if (agent && !agent.blocked && this.p.isLive(agent, now)) return impl;
    }
    return undefined;
  }

  /** Resolves an assign target in routing order, checks liveness and args, then creates the task. */
  assign(identity: Identity, input: AssignInput): TaskRow {
    const now = Date.now();
    let impl: ImplementationRow | undefined;
    let action: ActionRow | undefined;
    const noActive = (what: string) => new PlatformError(`No active implementation found for ${what}: no live agent implements it`, "NO_ACTIVE_IMPLEMENTATION");
    if (input.dependency || input.resolution) {
      ({ impl, action } = this.p.areas.dependencies.route(identity, input, now));
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
      if (agent.blocked || !this.p.isLive(agent, now)) throw noActive(`implementation ${impl.id}: its agent ${agent.id} is not connected`);
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
      const agent = this.p.agents.agentInOrg(identity, input.agent);
      impl = this.store.implementationByInterface(agent.id, input.interface);
      if (!impl) throw new PlatformError(`Agent ${agent.id} has no implementation with interface "${input.interface}"`, "NOT_FOUND");
      action = this.store.action(impl.action_id)!;
      if (agent.blocked || !this.p.isLive(agent, now)) throw noActive(`interface "${input.interface}": agent ${agent.id} is not connected`);
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
    this.p.checkStoredInput(input.reference, "assign reference");
    // they travel in one ASSIGN frame, which must fit the frame limit (with its other fields)
    // serialised once: the frame check, the stored row and the ASSIGN frame use this text (issue 18)
    const argsText = JSON.stringify(args) ?? "";
    const frameBytes = Buffer.byteLength(argsText) + Buffer.byteLength(input.reference ?? "") + ASSIGN_FRAME_OVERHEAD;
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
    const files = this.p.media?.refusedFileArgs(identity, this.portsOf(action), args as Record<string, unknown>) ?? [];
    if (files.length > 0) throw invalidArgs(action.key, files.map((p) => `port "${p.path}": ${p.message}`).join("; "), files);

    let parent: TaskRow | undefined;
    if (input.parent) {
      parent = this.taskInOrg(identity, input.parent);
    }
    const dependencies = this.p.areas.dependencies.plan(identity, impl, input, now);
    const caller = this.store.ensureCaller(identity);
    const task = this.store.transaction(() => {
      const task = this.store.insertTask({
        org: identity.org,
        action_id: action.id,
        implementation_id: impl.id,
        agent_id: impl.agent_id,
        caller_id: caller.id,
        reference: input.reference ?? randomUUID(),
        args: argsText,
        args_hash: hashWithText(args, argsText),
        parent_id: parent ? parent.id : null,
        root_id: parent ? (parent.root_id ?? parent.id) : null,
        capture: input.capture ? 1 : 0,
        ephemeral: input.ephemeral ? 1 : 0,
        step: input.step ? 1 : 0,
        created_at: now,
      });
      this.p.areas.dependencies.recordTask(task, dependencies);
      return task;
    });
    this.log.debug(`task ${task.id} assigned to agent ${impl.agent_id} (${impl.interface})`);
    this.p.publish({ type: "taskCreate", task });
    // the row keeps the ASSIGN pending (assign_pending); a connected agent gets this frame once the task is committed
    this.p.outbox.queueAssign(impl.agent_id, task.id, this.assignFrame(task, impl, action, identity, args as Record<string, unknown>));
    this.p.outbox.flush(impl.agent_id);
    return task;
  }

  /** The ASSIGN frame of a task; `args` is the task's args when the caller has them parsed already (else read from the row). */
  assignFrame(task: TaskRow, impl: ImplementationRow, action: ActionRow, identity?: Identity, args?: Record<string, unknown>): string {
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
      args: args ?? (JSON.parse(task.args) as Record<string, unknown>),
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
        if (current && !current.is_done && !this.p.closed) {
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
    const undelivered = agentId === null || this.store.task(task.id)?.assign_pending === 1;
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
    this.p.publish({ type: "taskUpdate", task: this.store.task(task.id)! });
    this.p.outbox.flush(agentId);
  }

  /** Ends a task (terminal kind); false when it was already done. Publishes. */
  finish(task: TaskRow, kind: TaskEventKind, message: string | null, now: number): boolean {
    if (task.is_done) return false;
    const changed = this.store.setTaskDone(task.id, kind, message, now);
    if (!changed) return false;
    this.store.deleteOutboxOfTask(task.id);
    const timer = this.autoInterruptTimers.get(task.id);
    if (timer) {
      clearTimeout(timer);
      this.autoInterruptTimers.delete(task.id);
    }
    const updated = copyTask(task);
    updated.latest_event_kind = kind;
    updated.is_done = 1;
    updated.status_message = message;
    updated.updated_at = now;
    updated.finished_at = now;
    this.recordEvent(updated, kind, { message }, now);
    this.p.publish({ type: "taskUpdate", task: updated });
    return true;
  }

  /** Writes a TaskEvent, mirrors it to the caller's agent sockets and publishes it. */
  recordEvent(
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
    const links = key === undefined ? undefined : this.p.leases.linksByIdentity.get(key);
    if (links && links.size > 0) {
      // the stored returns text goes out as it is (a FLOAT's `2.0` stays `2.0`)
      const text = encodeMirror({ kind, task: String(task.id), event: String(event.id), seq: event.id, message: event.message, progress, level: event.level, returns });
      this.store.afterCommit(() => {
        for (const link of links) link.send(text);
      });
    }
    this.p.publish({ type: "taskEvent", task, event });
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
      // any report answers the task's ASSIGN
      if (task.assign_pending === 1) this.store.setAssignPending(task.id, false);
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
      const updated = copyTask(task);
      updated.latest_event_kind = type;
      updated.updated_at = now;
      this.p.publish({ type: "taskUpdate", task: updated });
    }
    // which reports are acknowledged is the protocol's rule (protocol/rules.ts)
    return { ok: true, ack: ACKED_REPORT_TYPES.has(type as FromAgentType) };
  }
}
