/**
 * The few platform operations the caller needs, as a small interface: the client logic
 * (client.ts) runs against it, and `graphqlPlatform` implements it with the generated functions of
 * `generated/api/rekuest.ts` over the transport.
 */
import type { MediaPlatform } from "../media/platform.js";
import type { MemoryPlatform } from "../memory.js";
import type { TaskChangeData, TaskEventData } from "./router.js";

/** Exactly one way of naming what to run, as `AssignInput` takes it. */
export type AssignTarget =
  | { actionHash: string }
  | { action: string }
  | { implementation: string }
  | { agent: string; interface: string }
  /** Through a dependency of the parent task (`AssignRequest.parent` required): the platform picks the implementation. */
  | { dependency: string; method: string };

export interface AssignRequest {
  args: Record<string, unknown>;
  reference: string;
  parent: string | null;
}

/** The task `assign` created, with what the caller needs to know of its action. */
export interface AssignedTask {
  id: string;
  /** The action's kind (`FUNCTION`, `GENERATOR`) and its return port keys, when the platform said. */
  action?: { kind: string; returns: readonly string[] };
}

/** Which events of a task to read (all when absent). */
export interface TaskEventSelection {
  ids?: readonly string[];
  kinds?: readonly string[];
}

export interface CallerPlatform {
  /**
   * Resolves once the platform can be used; rejects with the reason it cannot (a lazily configured
   * platform resolves its URL and token here: `PlatformConfigError`). The client awaits it before
   * anything else on every call. Absent: always ready.
   */
  ready?(): Promise<void>;
  /** `assign` mutation; resolves with the created task. */
  /**
   * Explains an error of this platform's operations as a failure of its URL or token, naming where
   * each came from (`explainPlatformFailure`); undefined when it is about something else.
   */
  explain?(error: unknown): { message: string; hint: string } | undefined;
  assign(input: AssignTarget & AssignRequest): Promise<AssignedTask>;
  cancel(task: string): Promise<void>;
  interrupt(task: string): Promise<void>;
  /** The events of a task, oldest first (catch-up after a reconnect, stored LOG levels, a fallback read). */
  taskEvents(task: string, select?: TaskEventSelection): Promise<TaskEventData[]>;
  /** The action id of app + key (+ version). */
  findAction(target: { app: string; key: string; version?: string }): Promise<string>;
  /**
   * The `mytasks` subscription. `onSocketOpen` is called each time its socket is (re)established,
   * so the caller can catch up on events missed while it was down. A payload that cannot be read
   * (GraphQL errors beside its data, fields of the wrong type) is not yielded (or yielded without
   * the broken part) and reported to `onProblem`, naming its task when it can; the stream goes on.
   */
  watchMyTasks(
    signal: AbortSignal,
    onSocketOpen: () => void,
    onSocketClosed?: () => void,
    onProblem?: (message: string, task: string | undefined) => void,
  ): AsyncIterable<TaskChangeData>;
  /** The platform's media store (grants over GraphQL, the S3 endpoint); absent on platforms without one. */
  media?(): MediaPlatform;
  /** The platform's memory shelves (memory structures, issue 16); absent on platforms without them. */
  memory?(): MemoryPlatform;
  /** Ends subscriptions and sockets. */
  close(): Promise<void>;
}
