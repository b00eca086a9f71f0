/**
 * One assignment served by the agent, as a small state machine:
 *
 *   queued -> running -> done
 *
 * running: STARTED, validate (parseArgs) -> expand (expandArgs) -> call the user's function inside
 * `runWithContext` -> shrink each value -> YIELD ... -> COMPLETED. Args or returns that do not fit
 * their ports end as FAILED naming the port (the user's function is never called with bad args);
 * a throw from user code ends as CRITICAL. CANCEL aborts the signal and ends as CANCELLED once the
 * function returns; INTERRUPT reports INTERRUPTED at once and discards whatever comes later.
 * PAUSE/RESUME act at the function's `checkpoint()` calls. See docs/spec/definitions-and-values.md.
 */
import type { ArkitektClient } from "../caller/client.js";
import { DependencyError, dependencyClient } from "../dependencies.js";
import { runWithContext, type LogLevel, type TaskContext } from "../context.js";
import { PortValueError, type RegistryEntry } from "../registry.js";
import { taskReport, type TaskReportFields, type TaskReportType } from "../../protocol/index.js";
import type { Assignment, ReportBody, TerminalKind } from "./reports.js";
import { ArkitektError, isArkitektError } from "../../shared/errors.js";
import { agentMemory, MemoryStructureError, onAgent, type AgentMemory } from "../memory.js";

export type TaskState = "queued" | "running" | "done";

export interface TaskRunOptions {
  /** Include stacks in CRITICAL messages (dev mode). */
  dev: boolean;
  /** Sends a report (the agent adds id and seq, holds terminal ones in its outbox). */
  emit(report: ReportBody): void;
  /** The agent's platform client (`context().client`), made on first use. */
  client?: () => ArkitektClient;
}

/** Raised inside the function's `checkpoint()` and used as the abort reason. */
export class TaskAbortedError extends ArkitektError {
  override readonly name = "AbortError";
  readonly code = "ARKITEKT_TASK_ABORTED";
  constructor(
    readonly task: string,
    readonly kind: "CANCELLED" | "INTERRUPTED" | "SHUTDOWN",
  ) {
    super(`task ${task} was ${kind === "SHUTDOWN" ? "stopped because the agent shuts down" : kind.toLowerCase()}`);
  }
}

export class TaskRun {
  state: TaskState = "queued";
  /** When the ASSIGN arrived (`performance.now()`). */
  readonly createdAt = performance.now();
  /** What the user's function threw, when the task ended CRITICAL because of it. */
  thrown: unknown;
  /** The terminal kind once reported. */
  outcome: TerminalKind | undefined;
  readonly #abort = new AbortController();
  #cancelRequested = false;
  #pauseRequested = false;
  #paused = false;
  #resumeWaiter: (() => void) | undefined;
  readonly #finished: Promise<void>;
  #resolveFinished!: () => void;

  constructor(
    readonly assignment: Assignment,
    readonly entry: RegistryEntry | undefined,
    readonly options: TaskRunOptions,
  ) {
    this.#finished = new Promise((resolve) => (this.#resolveFinished = resolve));
  }

  get id(): string {
    return this.assignment.task;
  }

  /** Resolves when the task reported its terminal event (or was abandoned). */
  get finished(): Promise<void> {
    return this.#finished;
  }

  get signal(): AbortSignal {
    return this.#abort.signal;
  }

  /** Runs the task to its end; never rejects. */
  async run(): Promise<void> {
    if (this.state !== "queued") return;
    this.state = "running";
    const task = this.id;
    this.#emit("STARTED", { task });
    if (this.#cancelRequested) return this.#finish("CANCELLED", { task });

    const entry = this.entry;
    if (!entry) {
      return this.#finish("CRITICAL", {
        task,
        error: `this agent has no function for interface "${this.assignment.interface}": regenerate and restart the agent (arkitekt-next gen), or assign an implementation it serves`,
      });
    }

    // Expanding args and shrinking returns run in the task's context too: structures such as File
    // read and write through the agent's platform and report transfer progress on the task.
    const ctx = this.#context();
    let positional: unknown[];
    try {
      const parsed = entry.parseArgs(this.assignment.args ?? {});
      positional = await runWithContext(ctx, () => onAgent(this.#memory, () => entry.expandArgs(parsed)));
    } catch (error) {
      return this.#finish("FAILED", { task, error: describeValueError(error, "args") });
    }
    if (this.#isOver()) return this.#finishAfterStop();

    const generator = entry.implementation.definition.kind === "GENERATOR";
    try {
      const result = runWithContext(ctx, () => (entry.fn as (...args: unknown[]) => unknown)(...positional));
      if (generator || isIterator(result)) {
        const iterator = toAsyncIterator(result, entry.interface);
        for (;;) {
          const step = await runWithContext(ctx, () => iterator.next());
          if (this.#isOver()) {
            if (!step.done) await closeQuietly(iterator);
            return this.#finishAfterStop();
          }
          if (step.done) break;
          const shrunk = await this.#shrink(entry, step.value, ctx);
          if (shrunk === undefined) {
            await closeQuietly(iterator);
            return;
          }
          if (this.#isOver()) {
            await closeQuietly(iterator);
            return this.#finishAfterStop();
          }
          this.#emit("YIELD", { task, returns: shrunk });
          // A generator that never awaits I/O would starve the event loop (no socket writes, no
          // heartbeat answers, no CANCEL): give the loop a turn between yields.
          await new Promise<void>((resolve) => setImmediate(resolve));
        }
      } else {
        const value = await result;
        if (this.#isOver()) return this.#finishAfterStop();
        const shrunk = await this.#shrink(entry, value, ctx);
        if (shrunk === undefined) return;
        if (this.#isOver()) return this.#finishAfterStop();
        this.#emit("YIELD", { task, returns: shrunk });
      }
      if (this.#isOver()) return this.#finishAfterStop();
      return this.#finish("COMPLETED", { task });
    } catch (error) {
      if (this.#isOver()) return this.#finishAfterStop();
      this.thrown = error;
      // A dependency the platform could not serve is no bug of the function: FAILED, naming it.
      if (isArkitektError(error, DependencyError)) return this.#finish("FAILED", { task, error: `${error.message}; ${error.hint}` });
      return this.#finish("CRITICAL", { task, error: describeUserError(error, this.options.dev) });
    }
  }

  /** CANCEL: abort the signal; CANCELLED is reported when the function returns. */
  cancel(): void {
    if (this.state === "done") return;
    this.#cancelRequested = true;
    this.#abortWith("CANCELLED");
    if (this.state === "queued") this.#finish("CANCELLED", { task: this.id });
  }

  /** INTERRUPT: abort the signal and report INTERRUPTED at once; later results are discarded. */
  interrupt(): void {
    if (this.state === "done") return;
    this.#abortWith("INTERRUPTED");
    this.#finish("INTERRUPTED", { task: this.id });
  }

  /** Agent shutdown or takeover: abort without reporting (the caller learns the fate from the server). */
  abandon(): void {
    if (this.state === "done") return;
    this.#abortWith("SHUTDOWN");
    this.state = "done";
    this.#resolveFinished();
  }

  /** PAUSE: the next `checkpoint()` reports PAUSED and waits for RESUME. */
  pause(): void {
    if (this.state === "done") return;
    this.#pauseRequested = true;
  }

  /** RESUME: continue (with `step`, stop again at the following checkpoint). */
  resume(step: boolean): void {
    if (this.state === "done") return;
    this.#pauseRequested = step;
    const waiter = this.#resumeWaiter;
    if (waiter) {
      this.#resumeWaiter = undefined;
      waiter();
    } else {
      // Never reached a checkpoint while paused: confirm the resume so the server's request is answered.
      this.#emit("RESUMED", { task: this.id });
    }
  }

  /**
   * The memory of this task's agent (memory structures, runtime/memory.ts): one per agent, keyed by
   * its platform client, through which drawers are shelved. Asked only when a port needs it.
   */
  readonly #memory = (): AgentMemory => {
    const client = this.options.client;
    if (!client) {
      throw new MemoryStructureError(
        "memory structures need the agent's platform client to shelve their drawers, and this agent was started without one",
        "start the agent with connect() (or run dev)",
      );
    }
    return agentMemory(client());
  };

  #context(): TaskContext {
    const task = this.id;
    const client = this.options.client;
    return {
      taskId: task,
      parentId: this.assignment.parent ?? null,
      reference: this.assignment.reference ?? null,
      signal: this.#abort.signal,
      progress: (percent: number, message?: string) => {
        if (this.state !== "running") return;
        const progress = Math.max(0, Math.min(100, Math.round(Number.isFinite(percent) ? percent : 0)));
        this.#emit("PROGRESS", message === undefined ? { task, progress } : { task, progress, message });
      },
      log: (message: string, level: LogLevel = "INFO") => {
        if (this.state !== "running") return;
        this.#emit("LOG", { task, message: String(message), level });
      },
      checkpoint: () => this.#checkpoint(),
      get client(): ArkitektClient {
        if (!client) {
          throw new Error("context().client: this agent was started without a platform client; start it with connect() (or run dev)");
        }
        return client();
      },
      dependency: (key: string) =>
        dependencyClient(key, this.entry?.implementation.dependencies ?? [], () => {
          if (!client) throw new Error("context().dependency(): this agent was started without a platform client; start it with connect() (or run dev)");
          return client();
        }, task, { signal: this.#abort.signal, over: () => this.state === "done" }),
    };
  }

  async #checkpoint(): Promise<void> {
    this.#abort.signal.throwIfAborted();
    if (!this.#pauseRequested || this.state !== "running") return;
    this.#paused = true;
    this.#emit("PAUSED", { task: this.id });
    await new Promise<void>((resolve, reject) => {
      const onAbort = () => {
        this.#resumeWaiter = undefined;
        reject(this.#abort.signal.reason);
      };
      this.#resumeWaiter = () => {
        this.#abort.signal.removeEventListener("abort", onAbort);
        resolve();
      };
      this.#abort.signal.addEventListener("abort", onAbort, { once: true });
    });
    this.#paused = false;
    if (this.state === "running") this.#emit("RESUMED", { task: this.id });
  }

  get paused(): boolean {
    return this.#paused;
  }

  /** Shrinks one value; on failure reports FAILED and returns undefined. */
  async #shrink(entry: RegistryEntry, value: unknown, ctx: TaskContext): Promise<Record<string, unknown> | undefined> {
    // memory structures shelved for this answer; dropped again when it is not sent (review: they
    // stayed on the agent and its shelve until the process exited)
    const kept: string[] = [];
    try {
      const returns = await runWithContext(ctx, () => onAgent(this.#memory, () => entry.shrinkReturns(value), kept));
      if (this.#isOver()) this.#dropKept(kept);
      return returns;
    } catch (error) {
      this.#dropKept(kept);
      if (this.#isOver()) {
        this.#finishAfterStop();
        return undefined;
      }
      this.#finish("FAILED", { task: this.id, error: describeValueError(error, "returns") });
      return undefined;
    }
  }

  #dropKept(kept: readonly string[]): void {
    if (kept.length === 0) return;
    this.#memory()
      .drop(kept)
      .catch(() => undefined);
  }

  #isOver(): boolean {
    return this.state === "done" || this.#abort.signal.aborted;
  }

  /** The function stopped after CANCEL (report CANCELLED) or after INTERRUPT/abandon (already reported). */
  #finishAfterStop(): void {
    if (this.state === "done") return;
    this.#finish("CANCELLED", { task: this.id });
  }

  #abortWith(kind: "CANCELLED" | "INTERRUPTED" | "SHUTDOWN"): void {
    if (!this.#abort.signal.aborted) this.#abort.abort(new TaskAbortedError(this.id, kind));
  }

  #finish<T extends TerminalKind>(type: T, fields: TaskReportFields<T>): void {
    if (this.state === "done") return;
    this.state = "done";
    this.outcome = type;
    this.#emit(type, fields);
    this.#resolveFinished();
  }

  /** Reports are typed by the protocol (`taskReport`); the agent numbers and encodes them. */
  #emit<T extends TaskReportType>(type: T, fields: TaskReportFields<T>): void {
    this.options.emit(taskReport(type, fields));
  }
}

function isIterator(value: unknown): value is AsyncIterator<unknown> | Iterator<unknown> {
  return (
    typeof value === "object" &&
    value !== null &&
    typeof (value as { next?: unknown }).next === "function" &&
    (Symbol.asyncIterator in value || Symbol.iterator in value)
  );
}

function toAsyncIterator(value: unknown, iface: string): AsyncIterator<unknown> {
  if (typeof value === "object" && value !== null) {
    if (Symbol.asyncIterator in value) return (value as AsyncIterable<unknown>)[Symbol.asyncIterator]();
    if (Symbol.iterator in value && typeof (value as { next?: unknown }).next === "function") {
      const sync = value as unknown as Iterator<unknown>;
      return {
        next: async () => sync.next(),
        return: async (v?: unknown) => (sync.return ? sync.return(v) : { done: true, value: v }),
      };
    }
  }
  throw new TypeError(
    `"${iface}" is declared as a GENERATOR but returned ${value === null ? "null" : typeof value}: make it an async function* (or regenerate with arkitekt-next gen)`,
  );
}

async function closeQuietly(iterator: AsyncIterator<unknown>): Promise<void> {
  try {
    await iterator.return?.();
  } catch {
    // The generator's own cleanup failed after the task already ended; nothing to report to.
  }
}

/** FAILED message: names the port (PortValueError) or says which side could not be converted. */
export function describeValueError(error: unknown, side: "args" | "returns"): string {
  if (error instanceof PortValueError) return error.message;
  const message = error instanceof Error ? error.message : String(error);
  return side === "args" ? `args could not be expanded: ${message}` : `returns could not be shrunk: ${message}`;
}

/** CRITICAL message: the error's name and message, then the stack in dev mode or the user's throw site otherwise. */
export function describeUserError(error: unknown, dev: boolean): string {
  if (!(error instanceof Error)) return `thrown: ${safeString(error)}`;
  const head = `${error.name}: ${error.message}`;
  if (dev && error.stack) return error.stack.startsWith(head) ? error.stack : `${head}\n${error.stack}`;
  const site = firstUserFrame(error.stack);
  return site ? `${head} (at ${site})` : head;
}

function firstUserFrame(stack: string | undefined): string | undefined {
  if (!stack) return undefined;
  for (const line of stack.split("\n").slice(1)) {
    const match = /\(?((?:file:\/\/)?[^\s()]+:\d+:\d+)\)?\s*$/.exec(line.trim());
    if (!match || !match[1]) continue;
    const place = match[1];
    if (place.startsWith("node:") || place.includes("/node_modules/") || place.includes("/runtime/agent/")) continue;
    return place.replace(/^file:\/\//, "");
  }
  return undefined;
}

function safeString(value: unknown): string {
  try {
    return typeof value === "string" ? value : JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}
