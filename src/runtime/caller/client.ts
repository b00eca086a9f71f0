/**
 * The caller: assign a task on the platform and follow it to its end through one shared
 * `mytasks` subscription (no polling). `call` resolves with the last yield, `iterate` streams
 * every yield; both reject with `TaskFailedError` when the task does not complete. A call made
 * inside a running task carries that task as `parent`. Protocol: docs/spec/definitions-and-values.md
 * "The caller (reference)".
 */
import { randomUUID } from "node:crypto";
import { AsyncQueue } from "../../shared/async-queue.js";
import { backoffDelay, compileBackoff, sleep } from "../../shared/backoff.js";
import { currentContext, type LogLevel } from "../context.js";
import { GraphQLRequestError } from "../transport/errors.js";
import { silentLogger, type Logger } from "../../shared/logger.js";
import { AssignError, PlatformLostError, TaskFailedError, refusedPortsOf, type TaskFailureKind } from "./errors.js";
import { LogLevelLoader, toLogLevel } from "./log-levels.js";
import type { AssignedTask, AssignTarget, CallerPlatform } from "./platform.js";
import { TaskEventRouter, type TaskEventData, type TaskWatch } from "./router.js";
import { MediaError } from "../media/errors.js";
import { withMediaClient } from "../media/ambient.js";
import type { MediaPlatform } from "../media/platform.js";
import { MemoryStructureError, type MemoryPlatform } from "../memory.js";

/** What to call: an action hash, or an object naming it. */
export type CallTarget =
  | string
  | { actionHash: string }
  | { action: string }
  | { app: string; key: string; version?: string }
  | { implementation: string }
  | { agent: string; interface: string }
  /**
   * A slot (`method`) of a dependency of the task this call is made from (its parent): the
   * platform routes it to the implementation it resolved for that task (issue 16).
   */
  | { dependency: string; method: string };

/** Converts between the caller's values and the wire (typed stubs supply these). */
export interface CallAdapter<A, R> {
  /** The caller's args -> wire args keyed by port (structures shrunk, dates to ISO ...). */
  encodeArgs(args: A): Promise<Record<string, unknown>> | Record<string, unknown>;
  /** One wire `returns` object -> the caller's value (structures expanded ...). */
  decodeReturns(returns: Record<string, unknown>): Promise<R> | R;
}

export interface CallOptions<A = Record<string, unknown>, R = Record<string, unknown>> {
  /** Progress reports of the remote function (percent 0..100, optional message). */
  onProgress?(progress: number | undefined, message: string | undefined): void;
  /** Log lines of the remote function. */
  onLog?(message: string, level: LogLevel): void;
  /** Every task event as it arrives (QUEUED, DISCONNECTED, PAUSED ...). */
  onEvent?(event: TaskEventData): void;
  /** The task id, as soon as the platform assigned it. */
  onAssigned?(taskId: string): void;
  /**
   * Aborting cancels the remote task; the call rejects with kind CANCELLED once the task confirms,
   * or after `cancelWaitMs`. It is not interrupted unless `interruptAfterMs` is set.
   */
  signal?: AbortSignal;
  /** Milliseconds until the call rejects with kind TIMEOUT (at once; the task is cancelled, and interrupted only with `interruptAfterMs`). */
  timeout?: number;
  /**
   * After cancelling (through `signal` or `timeout`), send `interrupt` when the task has not ended
   * within this many milliseconds. Off by default: an agent without an INTERRUPT handler (the
   * released Python agent, rekuest-next 2.1.2) exits on one. Opt in for agents that handle it (ours do).
   */
  interruptAfterMs?: number;
  /**
   * @deprecated Use `interruptAfterMs`. Setting it opts in to the interrupt escalation with this delay,
   * as it did before escalation became opt-in; `interruptAfterMs` wins when both are set.
   */
  cancelGraceMs?: number;
  /**
   * After an abort, how long the call waits for the task to confirm (CANCELLED, or any end) before it
   * rejects with kind CANCELLED anyway (the task may still run). Counted from the interrupt when
   * `interruptAfterMs` escalates. Default 5000.
   */
  cancelWaitMs?: number;
  /** The assignment's reference (default a uuid). */
  reference?: string;
  /** Parent task id; default the task this code runs in (if any). `null` forces a root task. */
  parent?: string | null;
  /** Typed conversion of args and returns; without it args go as given and returns come as wire objects. */
  adapter?: CallAdapter<A, R>;
  /** Reject with kind DISCONNECTED when the platform reports the agent lost (the task may still be re-run). Default true. */
  failOnDisconnect?: boolean;
}

export interface ArkitektClientOptions {
  logger?: Logger;
  /**
   * When the subscription socket stays down this long while calls wait, they reject with
   * `PlatformLostError` instead of waiting for ever (the transport keeps reconnecting). Default 30000.
   */
  platformLostMs?: number;
}

/** Resubscribing after the task subscription failed: 100 ms doubling to 5 s, half of it jittered. */
const SUBSCRIBE_BACKOFF = compileBackoff({ initialDelayMs: 100, maxDelayMs: 5_000 });

/** How long the first call waits for the subscription socket before assigning anyway. */
const SUBSCRIBE_WAIT_MS = 3_000;

/** How many task ids named by bad payloads are remembered until their call binds. */
const MAX_SUSPECT_TASKS = 1_000;

/** Default of `CallOptions.cancelWaitMs`. */
const CANCEL_WAIT_MS = 5_000;

/** Events that decide a call's outcome: what a fallback read fetches when a task's full event list cannot be read. */
const DECISIVE_KINDS = ["YIELD", "COMPLETED", "FAILED", "CRITICAL", "CANCELLED", "INTERRUPTED", "DISCONNECTED"] as const;

/** A task being followed; `done` settles when it ends (already observed: await it to see a failure). */
interface Followed {
  taskId: string | undefined;
  done: Promise<void>;
}

export class ArkitektClient {
  readonly #platform: CallerPlatform;
  readonly #router = new TaskEventRouter();
  readonly #logger: Logger;
  readonly #actionIds = new Map<string, Promise<string>>();
  readonly #logLevels: LogLevelLoader;
  /** Tasks a bad payload named before their call bound them: caught up on binding. */
  readonly #suspect = new Set<string>();
  #catchUpAllQueued = false;
  #subscription: Promise<void> | undefined;
  #subscriptionAbort = new AbortController();
  /** True once the current subscription delivered a payload: it is surely registered on the server. */
  #confirmed = false;
  #closed = false;
  /** Fails every call still waiting (used by `close()` and when the platform is lost). */
  readonly #waiting = new Map<(error: unknown) => void, () => PlatformLostError>();
  readonly #platformLostMs: number;
  /** Armed while the subscription socket is down. */
  #lostTimer: NodeJS.Timeout | undefined;

  constructor(platform: CallerPlatform, options: ArkitektClientOptions = {}) {
    this.#platform = platform;
    this.#logger = options.logger ?? silentLogger;
    this.#platformLostMs = options.platformLostMs ?? 30_000;
    this.#logLevels = new LogLevelLoader(
      (task, ids) => this.#platform.taskEvents(task, { ids }),
      (task, error) => this.#logger.debug(`could not read the LOG levels of task ${task} (shown as INFO): ${describeError(error)}`),
    );
  }

  /** The subscription socket closed: unless it comes back in time, waiting calls are failed. */
  #socketDown(): void {
    if (this.#lostTimer || this.#closed) return;
    this.#lostTimer = setTimeout(() => {
      this.#lostTimer = undefined;
      this.#logger.warn(`the platform was unreachable for ${this.#platformLostMs} ms; failing ${this.#waiting.size} waiting call(s)`);
      for (const [fail, error] of [...this.#waiting]) fail(error());
    }, this.#platformLostMs);
    this.#lostTimer.unref?.();
  }

  #socketUp(): void {
    clearTimeout(this.#lostTimer);
    this.#lostTimer = undefined;
  }

  /** Calls a remote action and resolves with its (last) returns. */
  async call<A = Record<string, unknown>, R = Record<string, unknown>>(
    target: CallTarget,
    args: A,
    options: CallOptions<A, R> = {},
  ): Promise<R> {
    let last: { value: R } | undefined;
    const followed = await this.#follow(target, args, options, async (value) => {
      last = { value };
    });
    await followed.done;
    if (!last) {
      // A function without returns (its agent may not YIELD `{}`), or a generator that yielded
      // nothing; a function with returns that did not YIELD was refused as RESULT_LOST.
      const adapter = options.adapter;
      return (adapter ? await withMediaClient(this, () => adapter.decodeReturns({})) : {}) as R;
    }
    return last.value;
  }

  /** Calls a remote generator and streams its yields in order; breaking out cancels the task. */
  iterate<A = Record<string, unknown>, R = Record<string, unknown>>(
    target: CallTarget,
    args: A,
    options: CallOptions<A, R> = {},
  ): AsyncIterable<R> {
    const client = this;
    return {
      [Symbol.asyncIterator](): AsyncIterator<R> {
        const queue = new AsyncQueue<R>();
        const stop = new AbortController();
        const signal = options.signal ? AbortSignal.any([options.signal, stop.signal]) : stop.signal;
        const started = client
          .#follow(target, args, { ...options, signal }, async (value) => {
            queue.push(value);
          })
          .then((followed) => followed.done)
          .then(
            () => queue.end(),
            (error: unknown) => queue.fail(error),
          );
        return {
          next: () => queue.next(),
          async return(): Promise<IteratorResult<R>> {
            const running = !queue.stopped;
            queue.close();
            if (running) {
              stop.abort(new Error("the caller stopped iterating"));
              await started.catch(() => undefined);
            }
            return { done: true, value: undefined };
          },
        };
      },
    };
  }

  /**
   * The platform's media store, with this client's URL and token: what `File`, `upload()` and
   * `download()` use (inside a task, the agent's client). Throws when the platform has none.
   */
  media(): MediaPlatform {
    const media = this.#platform.media?.();
    if (!media) {
      throw new MediaError("USAGE", "this client's platform has no media store", "use a client made by createClient() (or connect()), which talks to the platform over GraphQL");
    }
    return media;
  }

  /**
   * The platform's memory shelves, with this client's URL and token: what an agent shelves its
   * memory structures through (inside a task, the agent's client) and `releaseMemory` collects with.
   */
  memory(): MemoryPlatform {
    const memory = this.#platform.memory?.();
    if (!memory) {
      throw new MemoryStructureError("this client's platform has no memory shelves", "use a client made by createClient() (or connect()), which talks to the platform over GraphQL");
    }
    return memory;
  }

  /** Stops the shared subscription and closes the platform's sockets. */
  async close(): Promise<void> {
    this.#closed = true;
    this.#subscriptionAbort.abort();
    this.#socketUp();
    for (const fail of [...this.#waiting.keys()]) fail(new AssignError("(pending call)", "the client was closed while the call was waiting for its task"));
    await this.#platform.close().catch((error: unknown) => {
      this.#logger.debug(`closing the platform connection: ${describeError(error)}`);
    });
  }

  // -------------------------------------------------------------------------------------------

  async #follow<A, R>(
    target: CallTarget,
    args: A,
    options: CallOptions<A, R>,
    onValue: (value: R) => Promise<void>,
  ): Promise<Followed> {
    if (this.#closed) throw new AssignError(describeTarget(target), "the client is closed");
    options.signal?.throwIfAborted();
    // A lazily configured platform resolves its URL and token first: its PlatformConfigError as is.
    await this.#platform.ready?.();
    await this.#ensureSubscription();
    const label = describeTarget(target);
    const adapter = options.adapter;
    const wireArgs = adapter ? await withMediaClient(this, () => adapter.encodeArgs(args)) : (args as Record<string, unknown>);
    const reference = options.reference ?? randomUUID();
    const parent = options.parent !== undefined ? options.parent : (currentContext()?.taskId ?? null);
    const failOnDisconnect = options.failOnDisconnect ?? true;
    const interruptAfterMs = options.interruptAfterMs ?? options.cancelGraceMs;
    const cancelWaitMs = options.cancelWaitMs ?? CANCEL_WAIT_MS;

    let settle!: { resolve: () => void; reject: (error: unknown) => void };
    const done = new Promise<void>((resolve, reject) => (settle = { resolve, reject }));
    // `done` can settle before anyone awaits it: the task's events may arrive through `mytasks`
    // before the assign answers (issue 10 #1). The caller awaits it right after `#follow` returns
    // and still sees the rejection; this only keeps it from counting as unhandled meanwhile.
    done.catch(() => undefined);
    const followed: Followed = { taskId: undefined, done };
    let answerAssigned!: (task: AssignedTask | undefined) => void;
    const assigned = new Promise<AssignedTask | undefined>((resolve) => (answerAssigned = resolve));
    let finished = false;
    let yields = 0;
    let chain: Promise<void> = Promise.resolve();
    let stopping: TaskFailureKind | undefined;
    let timer: NodeJS.Timeout | undefined;
    let escalation: NodeJS.Timeout | undefined;

    const finish = (error?: unknown) => {
      if (finished) return;
      finished = true;
      this.#waiting.delete(finish);
      this.#router.unwatch(watch);
      if (timer) clearTimeout(timer);
      if (escalation) clearTimeout(escalation);
      options.signal?.removeEventListener("abort", onAbort);
      if (error === undefined) settle.resolve();
      else settle.reject(error);
    };
    // The router binds the task id from the subscription's `create` before the assign answers.
    const taskIdOf = () => followed.taskId ?? watch.taskId ?? "?";
    const failWith = (kind: TaskFailureKind, message: string) => finish(new TaskFailedError(taskIdOf(), kind, message, label));

    const deliver = async (returns: Record<string, unknown>) => {
      yields++;
      const value = adapter ? await withMediaClient(this, () => adapter.decodeReturns(returns)) : (returns as R);
      await onValue(value);
    };
    const completed = async () => {
      const task = await assigned;
      if (finished) return;
      const returns = task?.action?.kind === "FUNCTION" ? task.action.returns : [];
      if (yields === 0 && returns.length > 0) {
        // A function with returns must YIELD before COMPLETED (issue 9 #5). The live stream may have
        // missed it: read the stored YIELD before calling the result lost.
        const id = taskIdOf();
        const stored = await this.#platform.taskEvents(id, { kinds: ["YIELD"] }).catch((error: unknown) => {
          this.#logger.warn(`task ${id} completed without a YIELD and its stored events could not be read: ${describeError(error)}`);
          return [];
        });
        if (finished) return;
        const last = stored.filter((event) => event.kind === "YIELD").at(-1);
        if (!last) {
          return failWith(
            "RESULT_LOST",
            `it completed without returning its ${returns.join(", ")}: the result was lost between the agent and the platform; call it again`,
          );
        }
        await deliver(last.returns ?? {});
      }
      finish();
    };

    const handle = async (event: TaskEventData, level: Promise<LogLevel> | undefined) => {
      if (finished) return;
      if (event.kind === "LOG") {
        const stored = event.level ?? (level ? await level : undefined);
        if (finished) return;
        if (stored) event = { ...event, level: toLogLevel(stored) };
      }
      options.onEvent?.(event);
      switch (event.kind) {
        case "YIELD":
          return deliver(event.returns ?? {});
        case "PROGRESS":
          options.onProgress?.(event.progress ?? undefined, event.message ?? undefined);
          return;
        case "LOG":
          options.onLog?.(event.message ?? "", toLogLevel(event.level));
          return;
        case "COMPLETED":
          return completed();
        case "FAILED":
        case "CRITICAL":
          return failWith(event.kind, event.message ?? "");
        case "CANCELLED":
          return failWith(stopping === "TIMEOUT" ? "TIMEOUT" : "CANCELLED", event.message ?? "");
        case "INTERRUPTED":
          return failWith(stopping === "TIMEOUT" ? "TIMEOUT" : stopping === "CANCELLED" ? "CANCELLED" : "INTERRUPTED", event.message ?? "");
        case "DISCONNECTED":
          if (failOnDisconnect) return failWith("DISCONNECTED", event.message ?? "the agent disconnected; the task's fate is unknown");
          return;
        default:
          return;
      }
    };
    this.#waiting.set(finish, () => new PlatformLostError(label, followed.taskId ?? watch.taskId, this.#platformLostMs));
    const watch: TaskWatch = this.#router.watch(reference, (event) => {
      // Ask for the stored level now, so the LOG events of one turn share one query (issue 10 #7).
      const level = event.kind === "LOG" && !event.level && options.onLog ? this.#logLevels.load(event.task, event.id) : undefined;
      chain = chain.then(() => handle(event, level)).catch((error: unknown) => finish(error));
    });

    const interrupt = (taskId: string) => {
      void this.#platform.interrupt(taskId).catch((error: unknown) => {
        this.#logger.debug(`interrupt of task ${taskId} failed: ${describeError(error)}`);
      });
    };
    const stop = (kind: TaskFailureKind) => {
      if (finished || stopping) return;
      stopping = kind;
      const taskId = followed.taskId;
      if (taskId === undefined) return; // cancelled once the assign answers
      void this.#platform.cancel(taskId).catch((error: unknown) => {
        this.#logger.debug(`cancel of task ${taskId} failed: ${describeError(error)}`);
      });
      if (kind === "TIMEOUT") {
        // A timeout bounds the caller's wait: reject now. Escalate to interrupt in the background
        // only when asked to (a finished task just refuses the interrupt).
        if (interruptAfterMs !== undefined) setTimeout(() => interrupt(taskId), interruptAfterMs).unref?.();
        failWith("TIMEOUT", `no result within ${options.timeout} ms: the task was cancelled`);
        return;
      }
      const giveUp = () => {
        escalation = setTimeout(
          () => failWith(kind, `the task did not confirm the cancel within ${cancelWaitMs} ms; it may still be running`),
          cancelWaitMs,
        );
      };
      if (interruptAfterMs === undefined) return giveUp();
      escalation = setTimeout(() => {
        if (finished) return;
        interrupt(taskId);
        giveUp();
      }, interruptAfterMs);
    };
    const onAbort = () => stop("CANCELLED");
    options.signal?.addEventListener("abort", onAbort, { once: true });
    if (options.timeout !== undefined) timer = setTimeout(() => stop("TIMEOUT"), options.timeout);

    try {
      const assignTarget = await this.#resolve(target);
      const task = await this.#platform.assign({ ...assignTarget, args: wireArgs, reference, parent });
      followed.taskId = task.id;
      answerAssigned(task);
    } catch (error) {
      answerAssigned(undefined);
      finish(error);
      if (error instanceof AssignError) throw error;
      // A wrong URL or token: say which, and where it came from (issue 10 #6, for library callers).
      const explained = this.#platform.explain?.(error);
      if (explained) throw new AssignError(label, explained.message, { cause: error, hint: explained.hint });
      const ports = error instanceof GraphQLRequestError ? refusedPortsOf(error.extensions) : undefined;
      throw new AssignError(label, describeError(error), { cause: error, ...(ports ? { ports } : {}) });
    }
    try {
      options.onAssigned?.(followed.taskId);
    } catch (error) {
      finish(error);
    }
    if (finished) return followed; // ended before the assign answered (its events came through `mytasks`)
    this.#router.bind(watch, followed.taskId);
    if (stopping) {
      const kind = stopping;
      stopping = undefined;
      stop(kind);
    }
    if (!this.#confirmed || this.#suspect.delete(followed.taskId)) void this.#catchUp(watch);
    return followed;
  }

  async #resolve(target: CallTarget): Promise<AssignTarget> {
    if (typeof target === "string") return { actionHash: target };
    if ("actionHash" in target) return { actionHash: target.actionHash };
    if ("action" in target) return { action: target.action };
    if ("implementation" in target) return { implementation: target.implementation };
    if ("agent" in target) return { agent: target.agent, interface: target.interface };
    if ("dependency" in target) return { dependency: target.dependency, method: target.method };
    const cacheKey = `${target.app}\u0000${target.key}\u0000${target.version ?? ""}`;
    let id = this.#actionIds.get(cacheKey);
    if (!id) {
      id = this.#platform.findAction(target);
      this.#actionIds.set(cacheKey, id);
      id.catch(() => this.#actionIds.delete(cacheKey));
    }
    return { action: await id };
  }

  #ensureSubscription(): Promise<void> {
    if (!this.#subscription) {
      let ready!: () => void;
      const opened = new Promise<void>((resolve) => (ready = resolve));
      // Do not wait for ever on a platform whose socket does not come up: the catch-up query after
      // the assign finds what the subscription missed.
      const fallback = setTimeout(ready, SUBSCRIBE_WAIT_MS);
      fallback.unref?.();
      this.#subscription = opened.finally(() => clearTimeout(fallback));
      void this.#subscribeLoop(ready);
    }
    return this.#subscription;
  }

  async #subscribeLoop(ready: () => void): Promise<void> {
    const signal = this.#subscriptionAbort.signal;
    let attempt = 0;
    let first = true;
    while (!signal.aborted) {
      this.#confirmed = false;
      try {
        const stream = this.#platform.watchMyTasks(
          signal,
          () => {
            this.#socketUp();
            if (first) {
              first = false;
              ready();
            } else {
              // Reconnected: fetch what happened while the stream was down, and again once the
              // resubscribed stream delivers (events between now and its registration).
              this.#confirmed = false;
              void this.#catchUpAll();
            }
          },
          () => {
            this.#socketDown();
            if (first) {
              // The first connection failed: do not hold the first call for the socket; its assign
              // fails at once when the platform is unreachable, and a catch-up covers the rest.
              first = false;
              ready();
            }
          },
          (message, task) => this.#onBadPayload(message, task),
        );
        // Resubscribed after a failure on a live socket: nothing else tells us what was missed.
        if (attempt > 0) void this.#catchUpAll();
        for await (const change of stream) {
          attempt = 0;
          if (!this.#confirmed) {
            this.#confirmed = true;
            void this.#catchUpAll();
          }
          try {
            this.#router.dispatch(change);
          } catch (error) {
            this.#logger.warn(`a mytasks payload could not be routed (${describeError(error)}); skipped it`);
          }
        }
      } catch (error) {
        if (signal.aborted) break;
        this.#logger.warn(`task subscription failed (${describeError(error)}); resubscribing`);
      }
      if (first) {
        first = false;
        ready();
      }
      if (signal.aborted) break;
      await sleep(backoffDelay(attempt++, SUBSCRIBE_BACKOFF), signal);
    }
  }

  /** One payload of the live stream could not be read (issue 9 #7): skip it, and read the affected tasks' stored events instead. */
  #onBadPayload(message: string, task: string | undefined): void {
    this.#logger.warn(`${message}; reading ${task ? `task ${task}'s` : "the followed tasks'"} events instead`);
    if (task === undefined) {
      // Which task it was is unknown: read every followed task, once for all bad payloads of this turn.
      if (this.#catchUpAllQueued) return;
      this.#catchUpAllQueued = true;
      setTimeout(() => {
        this.#catchUpAllQueued = false;
        void this.#catchUpAll();
      }, 0);
      return;
    }
    const watch = this.#router.boundWatches().find((w) => w.taskId === task);
    if (watch) return void this.#catchUp(watch);
    // Not bound yet (the assign has not answered): catch up when it binds.
    this.#suspect.add(task);
    if (this.#suspect.size > MAX_SUSPECT_TASKS) this.#suspect.delete(this.#suspect.values().next().value!);
  }

  async #catchUpAll(): Promise<void> {
    await Promise.all(this.#router.boundWatches().map((watch) => this.#catchUp(watch)));
  }

  /**
   * Fetches a task's events and delivers those not seen yet (after a reconnect, before the stream is
   * confirmed, or after a bad payload). When the full list cannot be read (one stored event the
   * platform cannot serialise), it reads the events that decide the call's outcome instead.
   */
  async #catchUp(watch: TaskWatch): Promise<void> {
    const taskId = watch.taskId;
    if (taskId === undefined) return;
    // Live events wait until the fetched ones are delivered: a later YIELD or COMPLETED must not overtake the missed ones.
    this.#router.hold(watch);
    let events: TaskEventData[] = [];
    try {
      events = await this.#platform.taskEvents(taskId);
    } catch (error) {
      if (!(error instanceof GraphQLRequestError)) {
        this.#logger.debug(`catch-up of task ${taskId} failed: ${describeError(error)}`);
      } else {
        // The platform answered, but could not give the whole list.
        this.#logger.warn(`could not read all events of task ${taskId} (${describeError(error)}); reading its ${DECISIVE_KINDS.join(", ")} events only`);
        try {
          events = await this.#platform.taskEvents(taskId, { kinds: DECISIVE_KINDS });
        } catch (again) {
          this.#logger.warn(`could not read the events of task ${taskId}: ${describeError(again)}`);
        }
      }
    } finally {
      // Deliver everything: the router skips events it already delivered.
      this.#router.release(watch, events);
    }
  }
}

/** Gives an error of ours the hint that says what to do (the error keeps its class and code). */
function describeTarget(target: CallTarget): string {
  if (typeof target === "string") return `action ${target.slice(0, 12)}`;
  if ("actionHash" in target) return `action ${target.actionHash.slice(0, 12)}`;
  if ("action" in target) return `action id ${target.action}`;
  if ("implementation" in target) return `implementation ${target.implementation}`;
  if ("agent" in target) return `${target.interface} on agent ${target.agent}`;
  if ("dependency" in target) return `dependency "${target.dependency}" method "${target.method}"`;
  return `${target.app}/${target.key}${target.version ? `@${target.version}` : ""}`;
}

/** The platform's own words for a GraphQL error (no operation prefix); otherwise the message. */
function describeError(error: unknown): string {
  if (error instanceof GraphQLRequestError) return error.remoteMessage;
  return error instanceof Error ? error.message : String(error);
}
