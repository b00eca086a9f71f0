/**
 * The task context: what a registered function can do while it runs (report progress, log, notice
 * cancellation, pause at checkpoints, know its task). The agent runs each call inside
 * `runWithContext`, so `context()` finds it without threading a parameter through user code.
 */
import { AsyncLocalStorage } from "node:async_hooks";

import type { LogLevel } from "../protocol/index.js";
import type { ArkitektClient } from "./caller/client.js";

/** The level of a task's log line; the protocol owns the list (protocol/messages.ts LOG_LEVELS). */
export type { LogLevel };

export interface TaskContext {
  /** The task id this call serves. */
  readonly taskId: string;
  /** The parent task id when this task was assigned from inside another task. */
  readonly parentId: string | null;
  /** The platform reference of the assignment. */
  readonly reference: string | null;
  /** Aborted when the caller cancels (CANCEL) or interrupts (INTERRUPT) the task. */
  readonly signal: AbortSignal;
  /** Reports progress in percent (0..100) with an optional message. */
  progress(percent: number, message?: string): void;
  /** Sends a log line to the caller. */
  log(message: string, level?: LogLevel): void;
  /** Resolves at once unless the task was paused; then waits for RESUME. Throws if aborted. */
  checkpoint(): Promise<void>;
  /**
   * A client for the platform this agent serves, with the agent's token: calls made through it
   * (e.g. `createActions(context().client)`) from inside the task carry this task as `parent`
   * (and its root as `root`). One per agent, made on first use and closed with the agent; throws
   * when the agent was started without one (an `AgentSocket` used directly).
   */
  readonly client: ArkitektClient;
  /**
   * A client for one dependency of this function (`register(fn, { dependencies: { key: ... } })`):
   * its calls go, with this task as parent, to the implementation the platform resolved for the
   * task (`assign` with `dependency` + `method`). Typed: `createActions(context().dependency("segment"))`.
   * Throws `DependencyError` for a key the function does not declare; a call the platform cannot
   * route rejects with `DependencyError` naming the dependency (thrown on, it ends the task FAILED).
   */
  dependency(key: string): ArkitektClient;
}

const storage = new AsyncLocalStorage<TaskContext>();

/** Runs `fn` with `ctx` as the current task context. Used by the agent. */
export function runWithContext<T>(ctx: TaskContext, fn: () => T): T {
  return storage.run(ctx, fn);
}

/** The context of the task being served; throws outside a task. */
export function context(): TaskContext {
  const ctx = storage.getStore();
  if (!ctx) {
    throw new Error(
      "context() was called outside a running task: call it from inside a registered function while an agent serves it",
    );
  }
  return ctx;
}

/** The context of the task being served, or undefined outside a task. */
export function currentContext(): TaskContext | undefined {
  return storage.getStore();
}
