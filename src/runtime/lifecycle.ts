/**
 * Lifecycle hooks of an agent (issue 16): code that runs around serving, declared at a module's
 * top level next to `register()` calls.
 *
 * - `onStartup(fn)`: runs before the agent registers and serves, in declaration order; a hook that
 *   throws (or runs over `startupTimeoutMs`) stops the start: `connect()` rejects with an
 *   `AgentStoppedError` (code ARKITEKT_AGENT_STARTUP) naming the hook and where it was declared.
 * - `background(fn)`: long-running work started once the agent serves, each with its own
 *   `AbortSignal`; on stop the signals are aborted and the tasks awaited (up to
 *   `backgroundStopTimeoutMs`, then abandoned with a warning). A background task that throws is
 *   logged; the agent keeps serving.
 * - `onShutdown(fn, { deadlineMs })`: runs when the agent stops (close, or stopped by the platform),
 *   after the background tasks ended and the running tasks finished; each hook gets a signal
 *   aborted at its deadline, and a hook over its deadline is reported and abandoned: it never
 *   hangs the stop.
 *
 * The calls only record the hook (in a process-wide list, shared by every copy of the package);
 * `arkitekt-next gen` finds them (src/codegen/functions/hooks.ts) and the generated registry
 * imports every file that declares one, so a hook in a file without a `register()` call runs too.
 */
import { fileURLToPath } from "node:url";
import { relative } from "node:path";
import type { Logger } from "../shared/logger.js";
import { AgentStoppedError } from "./agent/errors.js";
import { timedOut } from "../shared/timeout.js";

export type HookKind = "startup" | "background" | "shutdown";

/** What a hook receives. */
export interface LifecycleContext {
  /**
   * Startup: aborted when the start gives up (`startupTimeoutMs`). Background: aborted when the
   * agent stops. Shutdown: aborted at the hook's deadline.
   */
  readonly signal: AbortSignal;
  /** The agent's logger (`connect({ logger })`). */
  readonly logger: Logger;
}

export type LifecycleHook = (context: LifecycleContext) => unknown;

export interface ShutdownOptions {
  /** How long this hook may run before it is reported and abandoned. Default: `connect({ shutdownDeadlineMs })` (10000). */
  deadlineMs?: number;
}

/** One declared hook. */
export interface DeclaredHook {
  readonly kind: HookKind;
  readonly fn: LifecycleHook;
  /** `openCamera (src/hooks.ts:12)`: the function's name and where it was declared, for messages. */
  readonly label: string;
  readonly deadlineMs?: number;
}

const STORE_KEY = Symbol.for("arkitekt-next.lifecycle-hooks");

/** The process-wide list (one even when two copies of the package are loaded). */
function store(): DeclaredHook[] {
  const global = globalThis as unknown as Record<symbol, DeclaredHook[] | undefined>;
  return (global[STORE_KEY] ??= []);
}

/** Where the user's call was made: the first stack frame above `api` (onStartup, background or onShutdown). */
function callerPlace(api: (...args: never[]) => unknown): string | undefined {
  const holder: { stack?: string } = {};
  Error.captureStackTrace?.(holder, api);
  for (const line of holder.stack?.split("\n").slice(1) ?? []) {
    const match = /\(?((?:file:\/\/)?[^()\s]+):(\d+):(\d+)\)?\s*$/.exec(line);
    if (!match) continue;
    let file = match[1]!;
    try {
      if (file.startsWith("file://")) file = fileURLToPath(file);
      const rel = relative(process.cwd(), file);
      if (!rel.startsWith("..")) file = rel.split("\\").join("/");
    } catch {
      // keep the raw location
    }
    return `${file}:${match[2]}`;
  }
  return undefined;
}

function declare(kind: HookKind, api: (...args: never[]) => unknown, fn: LifecycleHook, deadlineMs?: number): void {
  if (typeof fn !== "function") throw new TypeError(`${hookCall(kind)} takes a function, got ${typeof fn}`);
  if (deadlineMs !== undefined && !(Number.isInteger(deadlineMs) && deadlineMs > 0)) {
    throw new RangeError(`onShutdown: deadlineMs must be a positive whole number of milliseconds, got ${String(deadlineMs)}`);
  }
  const place = callerPlace(api);
  const name = fn.name || "(anonymous)";
  store().push({ kind, fn, label: place ? `${name} (${place})` : name, ...(deadlineMs !== undefined ? { deadlineMs } : {}) });
}

function hookCall(kind: HookKind): string {
  return kind === "startup" ? "onStartup()" : kind === "background" ? "background()" : "onShutdown()";
}

/**
 * Runs `fn` before the agent serves (after the platform's address and token are known, before
 * its functions are registered). A throw stops the start: `connect()` rejects naming this hook.
 * Declare it at a module's top level (`arkitekt-next gen` checks).
 */
export function onStartup(fn: LifecycleHook): void {
  declare("startup", onStartup, fn);
}

/**
 * Runs `fn` once the agent serves, for as long as it serves: `context.signal` is aborted when the
 * agent stops, and the stop waits for `fn` to return. Declare it at a module's top level.
 */
export function background(fn: LifecycleHook): void {
  declare("background", background, fn);
}

/**
 * Runs `fn` when the agent stops, after its tasks finished. A hook still running after
 * `deadlineMs` is reported and abandoned (`context.signal` is aborted then). Declare it at a
 * module's top level.
 */
export function onShutdown(fn: LifecycleHook, options?: ShutdownOptions): void {
  declare("shutdown", onShutdown, fn, options?.deadlineMs);
}

/** The hooks declared so far (in declaration order). */
export function declaredHooks(kind?: HookKind): readonly DeclaredHook[] {
  const all = store();
  return kind ? all.filter((hook) => hook.kind === kind) : [...all];
}

/** Forgets every declared hook (tests and `run dev` reloads in one process). */
export function clearDeclaredHooks(): void {
  store().length = 0;
}

export interface LifecycleOptions {
  logger: Logger;
  /** A startup hook running longer than this stops the start. Default 120000; 0 = no limit. */
  startupTimeoutMs?: number;
  /** The deadline of a shutdown hook that names none. Default 10000. */
  shutdownDeadlineMs?: number;
  /** On stop, background tasks have this long to return after their signal is aborted. Default 5000. */
  backgroundStopTimeoutMs?: number;
}

export const LIFECYCLE_DEFAULTS = {
  startupTimeoutMs: 120_000,
  shutdownDeadlineMs: 10_000,
  backgroundStopTimeoutMs: 5_000,
} as const;

/** What one stop did, for tests and logs. */
export interface LifecycleStopReport {
  /** Shutdown hooks over their deadline (abandoned). */
  overDeadline: string[];
  /** Hooks (background or shutdown) that threw. */
  failed: string[];
  /** Background tasks that did not return within `backgroundStopTimeoutMs` after their abort. */
  abandoned: string[];
}

/** Runs the declared hooks of one agent: `startup()` before serving, `serve()` once serving, `stop()` on close. */
export class Lifecycle {
  readonly #hooks: readonly DeclaredHook[];
  readonly #logger: Logger;
  readonly #startupTimeoutMs: number;
  readonly #shutdownDeadlineMs: number;
  readonly #backgroundStopTimeoutMs: number;
  readonly #background: Array<{ hook: DeclaredHook; abort: AbortController; done: Promise<void> }> = [];
  #stopping: Promise<LifecycleStopReport> | undefined;

  constructor(options: LifecycleOptions, hooks: readonly DeclaredHook[] = declaredHooks()) {
    this.#hooks = [...hooks];
    this.#logger = options.logger;
    this.#startupTimeoutMs = checkMs("startupTimeoutMs", options.startupTimeoutMs ?? LIFECYCLE_DEFAULTS.startupTimeoutMs, true);
    this.#shutdownDeadlineMs = checkMs("shutdownDeadlineMs", options.shutdownDeadlineMs ?? LIFECYCLE_DEFAULTS.shutdownDeadlineMs, false);
    this.#backgroundStopTimeoutMs = checkMs(
      "backgroundStopTimeoutMs",
      options.backgroundStopTimeoutMs ?? LIFECYCLE_DEFAULTS.backgroundStopTimeoutMs,
      true,
    );
  }

  get empty(): boolean {
    return this.#hooks.length === 0;
  }

  /** Runs the startup hooks in order; the first that fails throws an `AgentStoppedError` naming it. */
  async startup(): Promise<void> {
    for (const hook of this.#hooks) {
      if (hook.kind !== "startup") continue;
      const abort = new AbortController();
      const run = Promise.resolve().then(() => hook.fn({ signal: abort.signal, logger: this.#logger }));
      let timer: NodeJS.Timeout | undefined;
      const limit = this.#startupTimeoutMs;
      try {
        await (limit > 0
          ? Promise.race([
              run,
              new Promise((_, reject) => {
                timer = setTimeout(() => reject(new StartupTimeout(limit)), limit);
              }),
            ])
          : run);
      } catch (error) {
        abort.abort(error);
        const overTime = error instanceof StartupTimeout;
        throw new AgentStoppedError(
          "ARKITEKT_AGENT_STARTUP",
          overTime
            ? `startup hook ${hook.label} did not finish within ${limit} ms; the agent did not start`
            : `startup hook ${hook.label} failed: ${describe(error)}; the agent did not start`,
          overTime
            ? "make the hook finish sooner, or raise connect({ startupTimeoutMs }) (0 = no limit)"
            : "fix what the hook needs (it runs before the agent registers) or catch the error inside the hook to start anyway",
          undefined,
          { cause: error },
        );
      } finally {
        clearTimeout(timer);
      }
      this.#logger.debug(`startup hook ${hook.label} done`);
    }
  }

  /** Starts the background tasks (once). */
  serve(): void {
    if (this.#background.length > 0 || this.#stopping) return;
    for (const hook of this.#hooks) {
      if (hook.kind !== "background") continue;
      const abort = new AbortController();
      const done = Promise.resolve()
        .then(() => hook.fn({ signal: abort.signal, logger: this.#logger }))
        .then(
          () => {
            if (!abort.signal.aborted) this.#logger.debug(`background task ${hook.label} returned`);
          },
          (error: unknown) => {
            if (abort.signal.aborted && isAbort(error)) return;
            this.#logger.error(`background task ${hook.label} failed: ${describe(error)}`);
            this.#failedBackground.add(hook);
          },
        );
      this.#background.push({ hook, abort, done });
    }
  }

  readonly #failedBackground = new Set<DeclaredHook>();

  /** Aborts the background tasks and waits for them (bounded). Idempotent with `stop()`. */
  async stopBackground(): Promise<string[]> {
    if (this.#backgroundStopped) return this.#backgroundStopped;
    this.#backgroundStopped = this.#stopBackground();
    return this.#backgroundStopped;
  }

  #backgroundStopped: Promise<string[]> | undefined;

  async #stopBackground(): Promise<string[]> {
    if (this.#background.length === 0) return [];
    for (const { abort } of this.#background) abort.abort(new Error("the agent stops"));
    const pending = new Set(this.#background);
    for (const entry of this.#background) void entry.done.then(() => pending.delete(entry));
    const limit = this.#backgroundStopTimeoutMs;
    await timedOut(Promise.all(this.#background.map((b) => b.done)), limit);
    const abandoned = [...pending].map((b) => b.hook.label);
    for (const label of abandoned) {
      this.#logger.warn(`background task ${label} did not return within ${limit} ms after its signal was aborted; abandoned`);
    }
    return abandoned;
  }

  /** Stops the background tasks (if not yet), then runs the shutdown hooks. Runs once; later calls get the same report. */
  stop(): Promise<LifecycleStopReport> {
    this.#stopping ??= this.#stop();
    return this.#stopping;
  }

  async #stop(): Promise<LifecycleStopReport> {
    const abandoned = await this.stopBackground();
    const report: LifecycleStopReport = { overDeadline: [], failed: [...this.#failedBackground].map((h) => h.label), abandoned };
    for (const hook of this.#hooks) {
      if (hook.kind !== "shutdown") continue;
      const deadline = hook.deadlineMs ?? this.#shutdownDeadlineMs;
      const abort = new AbortController();
      const run = Promise.resolve()
        .then(() => hook.fn({ signal: abort.signal, logger: this.#logger }))
        .then(
          () => undefined,
          (error: unknown) => {
            report.failed.push(hook.label);
            this.#logger.error(`shutdown hook ${hook.label} failed: ${describe(error)}`);
          },
        );
      const late = await timedOut(run, deadline);
      if (late) {
        abort.abort(new Error(`shutdown hook over its deadline of ${deadline} ms`));
        report.overDeadline.push(hook.label);
        this.#logger.warn(
          `shutdown hook ${hook.label} did not finish within its deadline of ${deadline} ms; abandoned (raise onShutdown(fn, { deadlineMs }) if it needs longer)`,
        );
      }
    }
    return report;
  }
}

class StartupTimeout extends Error {
  constructor(readonly ms: number) {
    super(`timed out after ${ms} ms`);
  }
}

function checkMs(name: string, value: number, zeroAllowed: boolean): number {
  if (!Number.isInteger(value) || value < 0 || (!zeroAllowed && value === 0)) {
    throw new RangeError(`${name} must be a ${zeroAllowed ? "whole number of milliseconds >= 0" : "positive whole number of milliseconds"}, got ${String(value)}`);
  }
  return value;
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function isAbort(error: unknown): boolean {
  return error instanceof Error && (error.name === "AbortError" || error.message === "the agent stops");
}
