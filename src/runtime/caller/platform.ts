/**
 * The few platform operations the caller needs, as a small interface: the client logic
 * (client.ts) runs against it, and `graphqlPlatform` implements it with the generated functions of
 * `generated/api/rekuest.ts` over the transport.
 */
import type { TaskChangeData, TaskEventData } from "./router.js";

/** Exactly one way of naming what to run, as `AssignInput` takes it. */
export type AssignTarget =
  | { actionHash: string }
  | { action: string }
  | { implementation: string }
  | { agent: string; interface: string };

export interface AssignRequest {
  args: Record<string, unknown>;
  reference: string;
  parent: string | null;
}

export interface CallerPlatform {
  /** `assign` mutation; resolves with the created task. */
  assign(input: AssignTarget & AssignRequest): Promise<{ id: string }>;
  cancel(task: string): Promise<void>;
  interrupt(task: string): Promise<void>;
  /** Every event of a task, oldest first (catch-up after a reconnect). */
  taskEvents(task: string): Promise<TaskEventData[]>;
  /** The action id of app + key (+ version). */
  findAction(target: { app: string; key: string; version?: string }): Promise<string>;
  /**
   * The `mytasks` subscription. `onSocketOpen` is called each time its socket is (re)established,
   * so the caller can catch up on events missed while it was down.
   */
  watchMyTasks(signal: AbortSignal, onSocketOpen: () => void, onSocketClosed?: () => void): AsyncIterable<TaskChangeData>;
  /** Ends subscriptions and sockets. */
  close(): Promise<void>;
}
