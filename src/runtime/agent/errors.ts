import { ArkitektError } from "../../shared/errors.js";

/** Why an agent stopped for good (it does not reconnect after these). */
export type AgentStopCode =
  /** `close()` was called. */
  | "ARKITEKT_AGENT_CLOSED"
  /** 4004 on the first connect: another live connection holds the agent (pass `force: true` to take over). */
  | "ARKITEKT_AGENT_ALREADY_CONNECTED"
  /** 4005: another connection replaced this one; an agent never fights back. */
  | "ARKITEKT_AGENT_REPLACED"
  /** 4003: an administrator blocked the agent. */
  | "ARKITEKT_AGENT_BLOCKED"
  /** 3003: bad token, unknown agent, or a frame the server refused. */
  | "ARKITEKT_AGENT_REFUSED"
  /** 1009 or 3002: we sent a frame the server cannot take (a bug of ours: please report it). */
  | "ARKITEKT_AGENT_BAD_FRAME"
  /** Registering the agent over GraphQL failed. */
  | "ARKITEKT_AGENT_REGISTRATION"
  /** An `onStartup` hook threw or ran over `startupTimeoutMs`: the agent did not start (issue 16). */
  | "ARKITEKT_AGENT_STARTUP";

/** Thrown by `connect()` when the agent cannot start, and carried by `AgentHandle.closed` when it stops. */
export class AgentStoppedError extends ArkitektError {
  override readonly name = "AgentStoppedError";
  constructor(
    readonly code: AgentStopCode,
    message: string,
    /** What to do about it. */
    override readonly hint: string,
    /** The WebSocket close code that ended it, when one did. */
    readonly closeCode?: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
