import { ArkitektError } from "../../shared/errors.js";

/** How a remote task ended when it did not complete. */
export type TaskFailureKind =
  /** Args or returns did not fit their ports (the agent's FAILED). */
  | "FAILED"
  /** The remote function threw, or the agent lost the task (the agent's or the platform's CRITICAL). */
  | "CRITICAL"
  /** The task was cancelled (by this caller's signal or by someone else). */
  | "CANCELLED"
  /** The task was interrupted. */
  | "INTERRUPTED"
  /** The agent disconnected and the platform cannot tell the task's fate. */
  | "DISCONNECTED"
  /** The caller's `timeout` passed; the task was cancelled. */
  | "TIMEOUT"
  /**
   * The task of a function with returns COMPLETED without a YIELD, and its stored events hold none
   * either: the result was lost between the agent and the platform (issue 9 #5). Never turned into `{}`.
   */
  | "RESULT_LOST";

/** Thrown by `call` and `iterate` when the remote task ends without completing. */
export class TaskFailedError extends ArkitektError {
  override readonly name = "TaskFailedError";
  readonly code = "ARKITEKT_TASK_FAILED";
  constructor(
    /** The platform's task id. */
    readonly taskId: string,
    readonly kind: TaskFailureKind,
    /** The remote message (the agent's error text), when there is one. */
    readonly remoteMessage: string,
    /** What was called (hash, app/key, implementation), for the message. */
    readonly target: string,
  ) {
    super(`task ${taskId} (${target}) ended ${kind}${remoteMessage ? `: ${remoteMessage}` : ""}`);
  }
}

/** One port the platform refused at assign (its INVALID_ARGS error's `extensions.ports`). */
export interface RefusedPort {
  /** The port key path from the top of the args: `a`, `images[2]`, `settings.threshold`, `label.__value`. */
  readonly path: string;
  /** What is wrong there: `expected a finite number, got the string "x"`. */
  readonly message: string;
}

/** Thrown when a call cannot be made at all (no such action, no live agent, args refused by the platform). */
export class AssignError extends ArkitektError {
  override readonly name = "AssignError";
  readonly code = "ARKITEKT_ASSIGN_FAILED";
  /** What to do about it, when the failure is the URL or token (see runtime/config.ts's explainPlatformFailure). */
  declare readonly hint?: string;
  /**
   * When the platform refused the args (INVALID_ARGS): each refused port with its path and what is
   * wrong there. Empty when the args were refused as a whole (too large), absent for other failures.
   */
  declare readonly ports?: readonly RefusedPort[];
  constructor(
    readonly target: string,
    message: string,
    options?: { cause?: unknown; hint?: string; ports?: readonly RefusedPort[] },
  ) {
    super(`could not assign ${target}: ${message}`, options?.cause === undefined ? undefined : { cause: options.cause });
    if (options?.hint !== undefined) this.hint = options.hint;
    if (options?.ports !== undefined) this.ports = options.ports;
  }
}

/**
 * The refused ports of a platform's INVALID_ARGS error extensions (`{ code, ports: [{ path, message }] }`),
 * or `undefined` for other errors. Entries that are not `{ path: string, message: string }` are skipped.
 */
export function refusedPortsOf(extensions: Readonly<Record<string, unknown>> | undefined): RefusedPort[] | undefined {
  if (extensions?.code !== "INVALID_ARGS" || !Array.isArray(extensions.ports)) return undefined;
  const ports: RefusedPort[] = [];
  for (const entry of extensions.ports as unknown[]) {
    if (entry === null || typeof entry !== "object") continue;
    const { path, message } = entry as Record<string, unknown>;
    if (typeof path === "string" && typeof message === "string") ports.push({ path, message });
  }
  return ports;
}

/** Thrown by waiting calls when the platform stayed unreachable for `platformLostMs`: the task may still run there. */
export class PlatformLostError extends ArkitektError {
  override readonly name = "PlatformLostError";
  readonly code = "ARKITEKT_PLATFORM_LOST";
  override readonly hint = "check that the platform is running; the task may still complete there (look it up by its task id)";
  constructor(
    readonly target: string,
    readonly taskId: string | undefined,
    readonly downForMs: number,
  ) {
    super(
      `lost the platform while waiting for ${taskId ? `task ${taskId} (${target})` : target}: no connection for ${Math.round(downForMs / 1000)} s`,
    );
  }
}
