/**
 * The agent: keeps one `/agi` socket to the platform, serves ASSIGNs with the registry's functions
 * and survives drops. Protocol: docs/spec/wire-protocol.md §2; task sequence and close-code handling:
 * docs/spec/definitions-and-values.md.
 *
 * Life of a connection: open -> REGISTER {token, force, session_id} -> INIT {agent, inquiries} ->
 * answer inquiries -> send the reports made while disconnected and resend the held ones (an
 * unacknowledged STARTED, yields until their task's end is acknowledged, unacknowledged terminal
 * reports; outbox.ts), merged in `seq` order -> serve. When the socket closes, the close code
 * decides: reconnect with backoff (same session id) or stop with an `AgentStoppedError`.
 */
import { randomUUID } from "node:crypto";
import WebSocket from "ws";
import {
  CloseCode,
  describeCloseCode,
  encodeHeartbeatAnswer,
  encodeLock,
  encodeRegister,
  encodeUnlock,
  isHeldReport,
  isTerminalReport,
  parseToAgent,
  taskReport,
  type TaskReportFields,
  type TaskReportType,
  type AssignMessage,
  type InitMessage,
  type ToAgentMessage,
} from "../../protocol/index.js";
import type { ArkitektClient } from "../caller/client.js";
import { existingAgentMemory } from "../memory.js";
import type { Registry } from "../registry.js";
import type { Implementation } from "../../definition/model.js";
import { backoffDelay, compileBackoff, sleep, type BackoffOptions, type CompiledBackoff } from "../../shared/backoff.js";
import { AgentStoppedError } from "./errors.js";
import { silentLogger, type Logger } from "../../shared/logger.js";
import type { TokenSource } from "../config.js";
import { ReportOutbox, type HeldReport } from "./outbox.js";
import { encodeReport, isTerminal, type ReportBody } from "./reports.js";
import { TaskRun, describeUserError } from "./task-run.js";
import { Scheduler, describeWait, type TaskLimits } from "./scheduler.js";
import { StatePublisher } from "./states.js";
import { timedOut } from "../../shared/timeout.js";

/** One session id per process: a reconnect of this process is recognised as the same session. */
export const PROCESS_SESSION_ID: string = randomUUID();

export interface AgentSocketOptions {
  /** `ws(s)://host/agi`. */
  agiUrl: string;
  /** A bearer token, or a function asked per connection (with `{rejected}` after the platform refused the last one). */
  token: TokenSource;
  registry: Registry;
  /** Default: one per process (`PROCESS_SESSION_ID`). */
  sessionId?: string;
  /** Take over from another live connection of the same agent (else 4004 stops the first connect). */
  force?: boolean;
  /** Tasks run in parallel at most; further ASSIGNs wait on the agent (reported as PROGRESS 0). Default 16. */
  concurrency?: number;
  /** Put stacks into CRITICAL messages. Default false. */
  dev?: boolean;
  logger?: Logger;
  reconnect?: ReconnectOptions;
  /** No frame from the server for this long: the socket is presumed dead and replaced. Default 45000; 0 = off. */
  idleTimeoutMs?: number;
  /** `close()` (and `drain()`) wait this long for running tasks before stopping them as CRITICAL. Default 10000. */
  closeTimeoutMs?: number;
  /** Called once per task when its terminal report is made (for a log line per task). Errors it throws are ignored. */
  onTaskEnd?: (end: TaskEnd) => void;
  /**
   * A task's yields are kept (to resend them with its terminal report) until that report is
   * acknowledged, up to this many bytes of frame text for all tasks together; beyond it the oldest
   * yields already sent are dropped, with a warning. Default 64 MiB.
   */
  maxHeldYieldBytes?: number;
  /** The platform client tasks get as `context().client` (connect() passes one made on first use). */
  client?: () => ArkitektClient;
  /**
   * States (`defineState`): a STATE_SNAPSHOT of every state after every this many STATE_PATCH
   * operations (as rekuest-next's snapshot_interval), so the platform can rebuild past values after
   * pruning old patches; 0 = snapshots only after reconnects. Default 60.
   */
  stateSnapshotEvery?: number;
}

export interface ReconnectOptions extends BackoffOptions {
  /**
   * After a drop, a 4004 (the server still believes the old socket is live) is retried for this
   * long: the server's stale window plus its heartbeat timeout. Default 35000.
   */
  staleWindowMs?: number;
}

/** One finished task, as `onTaskEnd` sees it. */
export interface TaskEnd {
  task: string;
  /** The implementation's interface; undefined for a task this agent did not run (an inquiry it could not answer). */
  interface: string | undefined;
  status: TaskReportType;
  /** From the ASSIGN's arrival to the terminal report; 0 when unknown. */
  durationMs: number;
  /** The report's error (CRITICAL: with the stack in dev mode). */
  error?: string;
  /** CRITICAL because the user's function threw: its name, message and full stack (whatever `dev` says). */
  stack?: string;
}

/** How the agent ended. */
export interface AgentStop {
  /** Undefined after a `close()`. */
  error?: AgentStoppedError;
}

interface Compiled {
  agiUrl: string;
  token: TokenSource;
  registry: Registry;
  sessionId: string;
  force: boolean;
  concurrency: number;
  dev: boolean;
  logger: Logger;
  backoff: CompiledBackoff;
  staleWindowMs: number;
  idleTimeoutMs: number;
  closeTimeoutMs: number;
  maxHeldYieldBytes: number;
  client: (() => ArkitektClient) | undefined;
  onTaskEnd: ((end: TaskEnd) => void) | undefined;
}

function compile(options: AgentSocketOptions): Compiled {
  const concurrency = options.concurrency ?? 16;
  if (!Number.isInteger(concurrency) || concurrency < 1) {
    throw new RangeError(`concurrency must be a positive integer, got ${String(options.concurrency)}`);
  }
  const maxHeldYieldBytes = options.maxHeldYieldBytes ?? 64 * 1024 * 1024;
  if (!(maxHeldYieldBytes >= 0)) {
    throw new RangeError(`maxHeldYieldBytes must be a number of bytes >= 0, got ${String(options.maxHeldYieldBytes)}`);
  }
  return {
    agiUrl: options.agiUrl,
    token: options.token,
    registry: options.registry,
    sessionId: options.sessionId ?? PROCESS_SESSION_ID,
    force: options.force ?? false,
    concurrency,
    dev: options.dev ?? false,
    logger: options.logger ?? silentLogger,
    backoff: compileBackoff(options.reconnect),
    staleWindowMs: options.reconnect?.staleWindowMs ?? 35_000,
    idleTimeoutMs: options.idleTimeoutMs ?? 45_000,
    closeTimeoutMs: options.closeTimeoutMs ?? 10_000,
    maxHeldYieldBytes,
    client: options.client,
    onTaskEnd: options.onTaskEnd,
  };
}

/** Keep this many finished task ids to recognise a re-delivered ASSIGN. */
const FINISHED_MEMORY = 10_000;
/** Reports made while disconnected are kept up to this many (oldest dropped first). */
const PENDING_LIMIT = 100_000;

type SessionEnd = { code: number; reason: string; initialized: boolean };

/** A frame waiting for (or written to) the socket; held reports carry their outbox entry. */
interface Outgoing {
  readonly text: string;
  /** A report (kept for the next connection when the socket closed), not a heartbeat answer. */
  readonly report: boolean;
  /** The report's seq (0 for a heartbeat answer). */
  readonly seq: number;
  readonly held?: HeldReport | undefined;
}

export class AgentSocket {
  readonly options: Compiled;
  /** The platform's agent id, known after the first INIT. */
  agentId: string | undefined;
  readonly outbox: ReportOutbox;
  readonly #tasks = new Map<string, TaskRun>();
  /** Which assigned tasks run now: the agent-wide and per-function limits and the locks (scheduler.ts). */
  readonly #scheduler: Scheduler<TaskRun>;
  #seq = 0;
  /** Counts INITs: which connection a held report was last written to. */
  #connection = 0;
  #pending: Outgoing[] = [];
  #ws: WebSocket | undefined;
  /** The token the last REGISTER sent, and whether the platform refused it before INIT (asked again once). */
  #sentToken: string | undefined;
  #tokenRefused = false;
  #live = false;
  #stopped = false;
  #closing = false;
  #everInitialized = false;
  #sleepAbort = new AbortController();
  readonly #firstInit: Deferred<void>;
  readonly #closed: Deferred<AgentStop>;
  #loop: Promise<void> | undefined;
  /** The registry's states (defineState): SESSION_INIT / STATE_SNAPSHOT after INIT, STATE_PATCH per change. */
  readonly #states: StatePublisher;

  constructor(options: AgentSocketOptions) {
    this.options = compile(options);
    this.outbox = new ReportOutbox({ maxHeldYieldBytes: this.options.maxHeldYieldBytes });
    this.#scheduler = new Scheduler<TaskRun>({
      concurrency: this.options.concurrency,
      start: (run) => this.#start(run),
      isWaiting: (run) => run.state === "queued",
      onLock: (key, run) => void this.#sendFrame(encodeLock({ key, task: run.id })),
      onUnlock: (key) => void this.#sendFrame(encodeUnlock({ key })),
    });
    this.#states = new StatePublisher({
      states: this.options.registry.states ?? [],
      sessionId: this.options.sessionId,
      logger: this.options.logger,
      write: (text) => this.#sendFrame(text),
      ...(options.stateSnapshotEvery !== undefined ? { snapshotEvery: options.stateSnapshotEvery } : {}),
    });
    this.#firstInit = deferred();
    this.#closed = deferred();
    this.#firstInit.promise.catch(() => undefined);
  }

  /** Connects; resolves after the first INIT, rejects with `AgentStoppedError` when the agent cannot start. */
  start(): Promise<void> {
    this.#states.start();
    if (!this.#loop) this.#loop = this.#run();
    return this.#firstInit.promise;
  }

  /** Resolves once, when the agent stopped for good. */
  get closed(): Promise<AgentStop> {
    return this.#closed.promise;
  }

  /** True while registered on an open socket. */
  get connected(): boolean {
    return this.#live;
  }

  get sessionId(): string {
    return this.options.sessionId;
  }

  /** Tasks currently running or waiting on this agent. */
  get activeTasks(): number {
    return this.#scheduler.running + this.#scheduler.waiting;
  }

  /** Finishes running and waiting tasks (up to `closeTimeoutMs`, then reports them CRITICAL), waits for acks, closes 1000. */
  async close(): Promise<void> {
    if (this.#stopped) return;
    await this.drain();
    if (this.#stopped) return;
    this.#finish({});
    this.#ws?.close(CloseCode.Normal, "agent closed");
    await this.#loop;
  }

  /**
   * Stops taking tasks (a new ASSIGN is left to the platform, which delivers it again to the next
   * connection of this agent), finishes running and waiting tasks (up to `closeTimeoutMs`, then
   * reports them CRITICAL) and waits for their reports' acknowledgements, but keeps the socket
   * open: heartbeats are answered, so the agent stays live until `close()` or until another
   * connection takes over (`run dev` hands over to the reloaded app this way).
   */
  async drain(): Promise<void> {
    if (this.#stopped) return;
    this.#closing = true;
    const log = this.options.logger;
    const active = [...this.#tasks.values()].filter((run) => run.state !== "done");
    if (active.length > 0) {
      log.info(`agent closing: waiting up to ${this.options.closeTimeoutMs} ms for ${active.length} task(s)`);
      const late = await timedOut(Promise.all(active.map((run) => run.finished)), this.options.closeTimeoutMs);
      if (late) {
        for (const run of active) {
          if (run.state === "done") continue;
          run.abandon();
          this.#report("CRITICAL", {
            task: run.id,
            error: `the agent shut down before the task finished (waited ${this.options.closeTimeoutMs} ms)`,
          });
        }
      }
    }
    if (this.#live && this.outbox.size > 0) await timedOut(this.outbox.drained(), Math.min(2_000, this.options.closeTimeoutMs));
    if (this.outbox.size > 0) {
      log.warn(`agent closing with ${this.outbox.size} unacknowledged terminal report(s); the server decides their tasks' fate`);
    }
  }

  // -------------------------------------------------------------------------------------------
  // connection loop

  async #run(): Promise<void> {
    let attempt = 0;
    let droppedAt: number | undefined;
    while (!this.#stopped) {
      const end = await this.#session();
      if (this.#stopped) break;
      if (end.initialized) {
        attempt = 0;
        droppedAt = Date.now();
      }
      const stop = this.#classify(end, droppedAt);
      if (stop) {
        this.#abandonAll();
        this.#finish({ error: stop });
        break;
      }
      const delay = backoffDelay(attempt++, this.options.backoff);
      this.options.logger.warn(
        `agent socket closed (${end.code} ${describeCloseCode(end.code)}${end.reason ? `: ${end.reason}` : ""}); reconnecting in ${delay} ms`,
      );
      await sleep(delay, this.#sleepAbort.signal);
    }
  }

  /** Decides what a close means: undefined = reconnect; an error = stop. */
  #classify(end: SessionEnd, droppedAt: number | undefined): AgentStoppedError | undefined {
    const { code, reason } = end;
    const said = `${describeCloseCode(code)}${reason ? `: ${reason}` : ""}`;
    switch (code) {
      case CloseCode.AlreadyConnected: {
        const withinStale = droppedAt !== undefined && Date.now() - droppedAt < this.options.staleWindowMs;
        if (withinStale) return undefined;
        return new AgentStoppedError(
          "ARKITEKT_AGENT_ALREADY_CONNECTED",
          `another process is connected as this agent (close 4004: ${said})`,
          "stop the other process, or pass force: true (CLI: --force) to take over its connection",
          code,
        );
      }
      case CloseCode.Replaced:
        return new AgentStoppedError(
          "ARKITEKT_AGENT_REPLACED",
          `another connection took over this agent (close 4005: ${said}); this process stops serving`,
          "only one process can serve an agent identity; use a different token (client) for a second agent",
          code,
        );
      case CloseCode.Blocked:
        return new AgentStoppedError(
          "ARKITEKT_AGENT_BLOCKED",
          `the agent is blocked on the platform (close 4003: ${said})`,
          "ask an administrator to unblock it (GraphQL unblock, or the web UI)",
          code,
        );
      case CloseCode.ProtocolError:
        // Refused before INIT with a token function: the token may have expired; once more with a new one.
        if (!end.initialized && typeof this.options.token === "function" && !this.#tokenRefused) {
          this.#tokenRefused = true;
          return undefined;
        }
        return new AgentStoppedError(
          "ARKITEKT_AGENT_REFUSED",
          `the platform refused the agent (close 3003: ${said})`,
          "check the token (is it valid, with client_app and client_release claims?) and that ensureAgent ran for it",
          code,
        );
      case CloseCode.GoingAway:
      case CloseCode.ServiceRestart:
      case CloseCode.ReaderTooSlow:
      case CloseCode.AuthTimeout:
        // the server restarts (1012; older servers said 1001), we fell behind (1013) or were slow to REGISTER (4408):
        // reconnect with backoff, the outbox and held reports carry over
        return undefined;
      case CloseCode.MessageTooBig:
      case CloseCode.NotJson:
        return new AgentStoppedError(
          "ARKITEKT_AGENT_BAD_FRAME",
          `the platform closed the socket because of a frame we sent (close ${code}: ${said})`,
          "this is a bug in arkitekt-next or a return value over the server's frame limit: please report it with the task's action",
          code,
        );
      default:
        return undefined;
    }
  }

  /** Sends REGISTER with the token (a token function is asked now; after a refusal with `{rejected}`). */
  async #register(ws: WebSocket): Promise<void> {
    const source = this.options.token;
    let token: string;
    try {
      token = typeof source === "function" ? await source(this.#tokenRefused && this.#sentToken !== undefined ? { rejected: this.#sentToken } : undefined) : source;
    } catch (error) {
      this.options.logger.warn(`could not get a token for the agent socket: ${error instanceof Error ? error.message : String(error)}`);
      ws.close(CloseCode.Normal, "no token");
      return;
    }
    this.#sentToken = token;
    if (ws.readyState === WebSocket.OPEN) ws.send(encodeRegister({ token, force: this.options.force, session_id: this.options.sessionId }));
  }

  /** One socket, from open to close. Never rejects. */
  #session(): Promise<SessionEnd> {
    return new Promise<SessionEnd>((resolve) => {
      let initialized = false;
      let idle: NodeJS.Timeout | undefined;
      const ws = new WebSocket(this.options.agiUrl, { maxPayload: 64 * 1024 * 1024 });
      this.#ws = ws;
      const touch = () => {
        if (this.options.idleTimeoutMs <= 0) return;
        if (idle) clearTimeout(idle);
        idle = setTimeout(() => {
          this.options.logger.warn(`no frame from the platform for ${this.options.idleTimeoutMs} ms; replacing the socket`);
          ws.terminate();
        }, this.options.idleTimeoutMs);
        idle.unref?.();
      };
      ws.on("open", () => {
        touch();
        void this.#register(ws);
      });
      ws.on("message", (data, isBinary) => {
        touch();
        if (isBinary) {
          this.options.logger.warn("ignored a binary frame from the platform");
          return;
        }
        const parsed = parseToAgent(data.toString());
        if (!parsed.ok) {
          this.options.logger.error(`ignored a frame from the platform that does not fit the protocol: ${parsed.error.message}`);
          return;
        }
        const message = parsed.message;
        if (message.type === "INIT") {
          initialized = true;
          this.#tokenRefused = false;
          this.#onInit(ws, message);
          return;
        }
        if (!initialized) {
          if (message.type === "PROTOCOL_ERROR") this.options.logger.error(`platform: ${message.error}`);
          return;
        }
        this.#onMessage(ws, message);
      });
      ws.on("error", (error) => {
        this.options.logger.debug(`agent socket error: ${error.message}`);
      });
      ws.on("close", (code, reasonBuffer) => {
        if (idle) clearTimeout(idle);
        if (this.#ws === ws) {
          this.#ws = undefined;
          this.#live = false;
        }
        resolve({ code, reason: reasonBuffer.toString(), initialized });
      });
    });
  }

  #onInit(ws: WebSocket, init: InitMessage): void {
    const log = this.options.logger;
    if (this.agentId !== undefined && this.agentId !== init.agent) {
      log.warn(`the platform now names this agent ${init.agent} (was ${this.agentId})`);
    }
    this.agentId = init.agent;
    this.#connection++;
    this.#live = true;
    log.info(`agent ${init.agent} registered (session ${this.options.sessionId}, ${init.inquiries.length} inquiries)`);
    this.#states.onInit();
    for (const { task } of init.inquiries) {
      const run = this.#tasks.get(task);
      if (!run) {
        this.#report("CRITICAL", {
          task,
          error: "the agent does not know this task (it restarted or lost it while it ran); the result is unknown",
        });
      } else if (run.state === "running") {
        this.#report("PROGRESS", { task, message: "still running" });
      } else if (run.state === "queued") {
        this.#report("PROGRESS", { task, progress: 0, message: "waiting on the agent" });
      }
      // done: its terminal report is in the outbox, resent below.
    }
    // Reports made while disconnected and held reports the server may have lost, in the order they were made.
    const outgoing = new Map<string, Outgoing>();
    for (const out of this.#pending) outgoing.set(out.held?.id ?? `pending-${out.seq}`, out);
    this.#pending = [];
    for (const held of this.outbox.all()) {
      if (!outgoing.has(held.id)) outgoing.set(held.id, { text: held.text, report: true, seq: held.seq, held });
    }
    for (const out of [...outgoing.values()].sort((a, b) => a.seq - b.seq)) {
      // Already written on this connection (an answer to an inquiry above).
      if (out.held && out.held.sentOn === this.#connection) continue;
      this.#write(ws, out);
    }
    // Which task holds each declared lock now, for a server that lost it or missed frames while we were away.
    for (const key of declaredLocks(this.options.registry)) {
      const task = this.#scheduler.held.get(key);
      this.#write(ws, { text: task !== undefined ? encodeLock({ key, task }) : encodeUnlock({ key }), report: false, seq: 0 });
    }
    if (!this.#everInitialized) {
      this.#everInitialized = true;
      this.#firstInit.resolve();
    }
  }

  #onMessage(ws: WebSocket, message: ToAgentMessage): void {
    const log = this.options.logger;
    switch (message.type) {
      case "HEARTBEAT":
        this.#write(ws, { text: encodeHeartbeatAnswer(), report: false, seq: 0 });
        return;
      case "ASSIGN":
        this.#onAssign(message);
        return;
      case "CANCEL": {
        const run = this.#tasks.get(message.task);
        if (!run) this.#report("CANCELLED", { task: message.task });
        else this.#stopQueuedOr(run, () => run.cancel());
        return;
      }
      case "INTERRUPT": {
        const run = this.#tasks.get(message.task);
        if (!run) this.#report("INTERRUPTED", { task: message.task });
        else this.#stopQueuedOr(run, () => run.interrupt());
        return;
      }
      case "PAUSE":
        this.#tasks.get(message.task)?.pause();
        return;
      case "RESUME":
        this.#tasks.get(message.task)?.resume(message.step);
        return;
      case "EVENT_ACK":
        this.outbox.release(message.event);
        return;
      case "PROTOCOL_ERROR": {
        if (message.event) {
          const dropped = this.outbox.release(message.event);
          log.warn(
            `platform refused report ${message.event}${message.task ? ` on task ${message.task}` : ""}: ${message.error}${dropped ? " (dropped it)" : ""}`,
          );
        } else {
          log.error(`platform protocol error: ${message.error}`);
        }
        return;
      }
      case "KICK":
        log.warn(`the platform kicked this agent${message.reason ? `: ${message.reason}` : ""}`);
        return;
      case "BOUNCE":
        log.info("the platform asked this agent to reconnect (BOUNCE)");
        ws.terminate();
        return;
      case "INIT":
        return;
      case "COLLECT":
        this.#onCollect(message.drawers);
        return;
      default:
        log.debug(`ignored ${message.type}`);
    }
  }

  /** COLLECT (memory structures, runtime/memory.ts): drop the objects of these drawers and unshelve them. */
  #onCollect(drawers: readonly string[]): void {
    const memory = existingAgentMemory(this.options.client?.());
    if (!memory) return;
    memory.drop(drawers).then(
      (dropped) => this.options.logger.debug(`COLLECT: dropped ${dropped.length} memory structure(s)`),
      (error: unknown) => this.options.logger.warn(`COLLECT: ${error instanceof Error ? error.message : String(error)}`),
    );
  }

  /** Cancels or interrupts a task; a queued one also leaves the queue, so the locks it reserved free up at once (review). */
  #stopQueuedOr(run: TaskRun, stop: () => void): void {
    const queued = run.state === "queued";
    stop();
    if (queued) this.#scheduler.release(run);
  }

  #onAssign(message: AssignMessage): void {
    const existing = this.#tasks.get(message.task);
    if (existing) {
      // The server delivers an ASSIGN again only when it stored no answer to it (a server killed
      // before its commit). The held reports of the task went out after INIT already; send what
      // this connection has not seen, and the terminal report again as the spec asks.
      const ws = this.#ws;
      if (ws && this.#live) {
        const started = this.outbox.startedOf(message.task);
        if (started && started.sentOn !== this.#connection) this.#write(ws, { text: started.text, report: true, seq: started.seq, held: started });
        this.#resendYields(ws, message.task);
        const held = this.outbox.forTask(message.task);
        if (held) this.#write(ws, { text: held.text, report: true, seq: held.seq, held });
      }
      this.options.logger.debug(`ignored a second ASSIGN for task ${message.task} (${existing.state})`);
      return;
    }
    if (this.#closing) {
      this.options.logger.debug(`agent closing: left ASSIGN ${message.task} to the platform`);
      return;
    }
    const entry = this.options.registry.entries[message.interface];
    const run = new TaskRun(message, entry, {
      dev: this.options.dev,
      emit: (report) => this.#send(report),
      ...(this.options.client ? { client: this.options.client } : {}),
    });
    this.#tasks.set(message.task, run);
    const waiting = this.#scheduler.submit(run, run.id, limitsOf(message, entry?.implementation));
    if (waiting) this.#report("PROGRESS", { task: run.id, progress: 0, message: describeWait(waiting, this.#scheduler.waiting) });
  }

  /** Called by the scheduler once the task may run (its locks taken); releases them when it ends. */
  #start(run: TaskRun): void {
    void run.run().finally(() => {
      this.#scheduler.release(run);
      this.#forgetOld();
    });
  }

  /**
   * A frame that is no report (LOCK / UNLOCK, the state frames): never held nor resent; false when not
   * registered on an open socket (after INIT the agent restates held locks and sends a state snapshot).
   */
  #sendFrame(text: string): boolean {
    const ws = this.#ws;
    if (!ws || !this.#live || ws.readyState !== WebSocket.OPEN) return false;
    this.#write(ws, { text, report: false, seq: 0 });
    return true;
  }

  #forgetOld(): void {
    if (this.#tasks.size <= FINISHED_MEMORY) return;
    for (const [id, run] of this.#tasks) {
      if (this.#tasks.size <= FINISHED_MEMORY) break;
      if (run.state === "done" && !this.outbox.holds(id)) this.#tasks.delete(id);
    }
  }

  /** Reports about a task: `#report("FAILED", { task, error })` (see `#send`). */
  #report<T extends TaskReportType>(type: T, fields: TaskReportFields<T>): void {
    this.#send(taskReport(type, fields));
  }

  /**
   * Adds id and seq and encodes the frame (YIELD returns on the action's return ports). The
   * reports the protocol says an agent holds (STARTED, YIELD, terminal) go to the outbox; a
   * terminal report goes out after its task's held yields that this connection has not seen. Sent
   * now when live, else after the next INIT.
   */
  #send(body: ReportBody): void {
    const id = randomUUID();
    const seq = ++this.#seq;
    const ports = body.type === "YIELD" ? this.#tasks.get(body.task)?.entry?.implementation.definition.returns : undefined;
    const text = encodeReport(body, id, seq, ports);
    let held: HeldReport | undefined;
    if (isHeldReport(body.type)) {
      held = { id, task: body.task, type: body.type, seq, text, sentOn: 0 };
      const dropped = this.outbox.hold(held);
      if (dropped.length > 0) {
        this.options.logger.warn(
          `dropped ${dropped.length} held yield(s) over maxHeldYieldBytes (${this.options.maxHeldYieldBytes}); a server that loses them before it stores the task's end cannot get them back`,
        );
      }
    }
    const ws = this.#ws;
    const live = ws !== undefined && this.#live;
    if (isTerminal(body)) {
      this.#taskEnded(body);
      // Held in the outbox: sent after the next INIT when not live.
      if (live) {
        this.#resendYields(ws, body.task);
        this.#write(ws, { text, report: true, seq, held });
      }
      return;
    }
    if (live) {
      this.#write(ws, { text, report: true, seq, held });
      return;
    }
    this.#enqueue({ text, report: true, seq, held });
  }

  #taskEnded(body: ReportBody): void {
    const hook = this.options.onTaskEnd;
    if (!hook) return;
    const run = this.#tasks.get(body.task);
    const error = (body as { error?: unknown }).error;
    try {
      hook({
        task: body.task,
        interface: run?.assignment.interface,
        status: body.type,
        durationMs: run ? performance.now() - run.createdAt : 0,
        ...(typeof error === "string" ? { error } : {}),
        ...(run?.thrown !== undefined ? { stack: describeUserError(run.thrown, true) } : {}),
      });
    } catch {
      // a logging hook must not break the agent
    }
  }

  /** Sends the task's held yields that were not written on the current connection, oldest first. */
  #resendYields(ws: WebSocket, task: string): void {
    for (const held of this.outbox.yieldsOf(task)) {
      if (held.sentOn !== this.#connection) this.#write(ws, { text: held.text, report: true, seq: held.seq, held });
    }
  }

  #enqueue(out: Outgoing): void {
    if (this.#pending.length >= PENDING_LIMIT) {
      this.#pending.shift();
      this.options.logger.warn(`dropped the oldest report held while disconnected (over ${PENDING_LIMIT})`);
    }
    this.#pending.push(out);
  }

  /** Writes a frame; on a socket that is no longer open, a report waits for the next INIT (terminal ones wait in the outbox). */
  #write(ws: WebSocket, out: Outgoing): void {
    if (ws.readyState !== WebSocket.OPEN) {
      if (out.report && !(out.held && isTerminalReport(out.held.type))) this.#enqueue(out);
      return;
    }
    ws.send(out.text);
    if (out.held) out.held.sentOn = this.#connection;
  }

  #abandonAll(): void {
    for (const run of this.#tasks.values()) run.abandon();
    this.#scheduler.clear();
  }

  #finish(stop: AgentStop): void {
    if (this.#stopped) return;
    this.#stopped = true;
    this.#live = false;
    this.#states.stop();
    this.#sleepAbort.abort();
    if (stop.error) {
      this.options.logger.error(`${stop.error.message} (${stop.error.hint})`);
      this.#firstInit.reject(stop.error);
    } else {
      this.#firstInit.reject(new AgentStoppedError("ARKITEKT_AGENT_CLOSED", "the agent was closed before it connected", "nothing to do"));
    }
    this.#closed.resolve(stop);
  }
}

/** Every lock the registry's functions take, sorted (what `implementAgent(locks)` declares). */
export function declaredLocks(registry: Registry): string[] {
  return [...new Set(registry.implementations.flatMap((impl) => impl.locks ?? []))].sort();
}

/** The limits of an assigned task: its function's `concurrency` and `locks` (definitions.json), and its ancestors. */
function limitsOf(message: AssignMessage, implementation: Implementation | undefined): TaskLimits {
  const locks = implementation?.locks;
  const concurrency = implementation?.params?.concurrency;
  const ancestors = [message.parent, message.root].filter((id): id is string => typeof id === "string" && id !== "");
  return {
    group: message.interface,
    ...(locks && locks.length > 0 ? { locks } : {}),
    ...(concurrency !== undefined ? { concurrency } : {}),
    ...(ancestors.length > 0 ? { ancestors } : {}),
  };
}

interface Deferred<T> {
  promise: Promise<T>;
  resolve(value: T): void;
  reject(error: unknown): void;
}

function deferred<T>(): Deferred<T> {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}
