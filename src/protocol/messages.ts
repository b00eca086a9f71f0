/**
 * Zod schemas of every agent-socket message, both directions (docs/spec/wire-protocol.md §2.3).
 *
 * - Every message has `type` and `id` (a string; when omitted it defaults to a fresh uuid).
 * - Unknown extra fields are ignored (stripped), except on REGISTER, which is strict but tolerates
 *   the legacy `mode` field released Python agents still send.
 * - All ids on the wire are strings.
 */
import { randomUUID } from "node:crypto";
import { z } from "zod";

/** Names of the messages the server sends to an agent. */
export const ToAgentType = {
  Init: "INIT",
  Assign: "ASSIGN",
  Cancel: "CANCEL",
  Interrupt: "INTERRUPT",
  Pause: "PAUSE",
  Resume: "RESUME",
  Collect: "COLLECT",
  Bounce: "BOUNCE",
  Kick: "KICK",
  Heartbeat: "HEARTBEAT",
  ProtocolError: "PROTOCOL_ERROR",
  EventAck: "EVENT_ACK",
  AssignResponse: "ASSIGN_RESPONSE",
  ControlResponse: "CONTROL_RESPONSE",
  BoundEvent: "BOUND_EVENT",
  QueuedEvent: "QUEUED_EVENT",
  StartedEvent: "STARTED_EVENT",
  ProgressEvent: "PROGRESS_EVENT",
  DelegateEvent: "DELEGATE_EVENT",
  DisconnectedEvent: "DISCONNECTED_EVENT",
  YieldEvent: "YIELD_EVENT",
  CompletedEvent: "COMPLETED_EVENT",
  LogEvent: "LOG_EVENT",
  CancellingEvent: "CANCELLING_EVENT",
  CancelledEvent: "CANCELLED_EVENT",
  InterruptingEvent: "INTERRUPTING_EVENT",
  InterruptedEvent: "INTERRUPTED_EVENT",
  PausingEvent: "PAUSING_EVENT",
  PausedEvent: "PAUSED_EVENT",
  ResumingEvent: "RESUMING_EVENT",
  ResumedEvent: "RESUMED_EVENT",
  FailedEvent: "FAILED_EVENT",
  CriticalEvent: "CRITICAL_EVENT",
} as const;
export type ToAgentType = (typeof ToAgentType)[keyof typeof ToAgentType];

/** Names of the messages an agent sends to the server. */
export const FromAgentType = {
  Register: "REGISTER",
  HeartbeatAnswer: "HEARTBEAT_ANSWER",
  Started: "STARTED",
  Log: "LOG",
  Progress: "PROGRESS",
  Yield: "YIELD",
  Completed: "COMPLETED",
  Failed: "FAILED",
  Critical: "CRITICAL",
  Cancelled: "CANCELLED",
  Interrupted: "INTERRUPTED",
  Paused: "PAUSED",
  Resumed: "RESUMED",
  AssignRequest: "ASSIGN_REQUEST",
  CancelRequest: "CANCEL_REQUEST",
  InterruptRequest: "INTERRUPT_REQUEST",
  PauseRequest: "PAUSE_REQUEST",
  ResumeRequest: "RESUME_REQUEST",
  StatePatch: "STATE_PATCH",
  StateSnapshot: "STATE_SNAPSHOT",
  SessionInit: "SESSION_INIT",
  Lock: "LOCK",
  Unlock: "UNLOCK",
} as const;
export type FromAgentType = (typeof FromAgentType)[keyof typeof FromAgentType];

/** The task event kinds a caller mirror (`*_EVENT`) can carry, as GraphQL `TaskEventKind`. */
export const TASK_EVENT_KINDS = [
  "BOUND",
  "QUEUED",
  "STARTED",
  "PROGRESS",
  "DELEGATE",
  "DISCONNECTED",
  "YIELD",
  "COMPLETED",
  "LOG",
  "CANCELLING",
  "CANCELLED",
  "INTERRUPTING",
  "INTERRUPTED",
  "PAUSING",
  "PAUSED",
  "RESUMING",
  "RESUMED",
  "FAILED",
  "CRITICAL",
] as const;
export type TaskEventKind = (typeof TASK_EVENT_KINDS)[number];

/** Terminal kinds: the task is done (`isDone = true`). */
export const TERMINAL_EVENT_KINDS: ReadonlySet<TaskEventKind> = new Set([
  "COMPLETED",
  "FAILED",
  "CRITICAL",
  "CANCELLED",
  "INTERRUPTED",
]);

export const LOG_LEVELS = ["DEBUG", "INFO", "WARN", "ERROR", "CRITICAL"] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

// ---------------------------------------------------------------------------------------------
// shared pieces

const id = z.string().default(() => randomUUID());
const taskId = z.string();
// Released Python agents (v2.1.2) send `"seq": null` on every report (pydantic model_dump_json).
const seq = z.number().int().nullable().optional();
/** A JSON object keyed by port key (`args`, `returns`). */
const portValues = z.record(z.string(), z.unknown());

function msg<T extends string, S extends z.ZodRawShape>(type: T, shape: S) {
  return z.object({ type: z.literal(type), id, ...shape });
}

// ---------------------------------------------------------------------------------------------
// server -> agent

export const initSchema = msg("INIT", {
  agent: z.string(),
  inquiries: z.array(z.object({ task: taskId })),
});
export const assignSchema = msg("ASSIGN", {
  task: taskId,
  interface: z.string(),
  args: portValues,
  user: z.string().nullable().optional(),
  org: z.string().nullable().optional(),
  action: z.string().nullable().optional(),
  implementation: z.string().nullable().optional(),
  reference: z.string().nullable().optional(),
  capture: z.boolean().nullable().optional(),
  step: z.boolean().nullable().optional(),
  resolution: z.string().nullable().optional(),
  root: z.string().nullable().optional(),
  parent: z.string().nullable().optional(),
  message: z.string().nullable().optional(),
  token: z.string().nullable().optional(),
});
export const cancelSchema = msg("CANCEL", { task: taskId });
export const interruptSchema = msg("INTERRUPT", { task: taskId });
export const pauseSchema = msg("PAUSE", { task: taskId });
export const resumeSchema = msg("RESUME", { task: taskId, step: z.boolean().default(false) });
export const collectSchema = msg("COLLECT", { drawers: z.array(z.string()) });
export const bounceSchema = msg("BOUNCE", { duration: z.number().nullable().optional() });
export const kickSchema = msg("KICK", { reason: z.string().nullable().optional() });
export const heartbeatSchema = msg("HEARTBEAT", {});
export const protocolErrorSchema = msg("PROTOCOL_ERROR", {
  error: z.string(),
  /** The id of the agent message this error is about, when there is one. */
  event: z.string().nullable().optional(),
  task: z.string().nullable().optional(),
});
export const eventAckSchema = msg("EVENT_ACK", {
  /** The acknowledged message's id. */
  event: z.string(),
  task: taskId,
  seq: z.number().int().nullable().optional(),
});
export const assignResponseSchema = msg("ASSIGN_RESPONSE", {
  request: z.string(),
  reference: z.string().nullable().optional(),
  task: z.string().nullable(),
  created: z.boolean(),
  error: z.string().nullable().optional(),
});
export const controlResponseSchema = msg("CONTROL_RESPONSE", {
  request: z.string(),
  task: z.string().nullable().optional(),
  accepted: z.boolean(),
  error: z.string().nullable().optional(),
});

/** Fields every caller mirror carries: `event` = TaskEvent id, `seq` = its integer id (increasing). */
const mirrorBase = { task: taskId, event: z.string(), seq: z.number().int() };

export const boundEventSchema = msg("BOUND_EVENT", mirrorBase);
export const queuedEventSchema = msg("QUEUED_EVENT", {
  ...mirrorBase,
  /** Why it was queued again (an idempotent task whose agent was lost); not in the released protocol. */
  message: z.string().nullable().optional(),
});
export const startedEventSchema = msg("STARTED_EVENT", mirrorBase);
export const progressEventSchema = msg("PROGRESS_EVENT", {
  ...mirrorBase,
  progress: z.number().nullable().optional(),
  message: z.string().nullable().optional(),
});
export const delegateEventSchema = msg("DELEGATE_EVENT", mirrorBase);
export const disconnectedEventSchema = msg("DISCONNECTED_EVENT", {
  ...mirrorBase,
  message: z.string().nullable().optional(),
});
export const yieldEventSchema = msg("YIELD_EVENT", { ...mirrorBase, returns: portValues.nullable().optional() });
export const completedEventSchema = msg("COMPLETED_EVENT", mirrorBase);
export const logEventSchema = msg("LOG_EVENT", {
  ...mirrorBase,
  message: z.string().nullable().optional(),
  level: z.string().nullable().optional(),
});
export const cancellingEventSchema = msg("CANCELLING_EVENT", mirrorBase);
export const cancelledEventSchema = msg("CANCELLED_EVENT", mirrorBase);
export const interruptingEventSchema = msg("INTERRUPTING_EVENT", mirrorBase);
export const interruptedEventSchema = msg("INTERRUPTED_EVENT", mirrorBase);
export const pausingEventSchema = msg("PAUSING_EVENT", mirrorBase);
export const pausedEventSchema = msg("PAUSED_EVENT", mirrorBase);
export const resumingEventSchema = msg("RESUMING_EVENT", mirrorBase);
export const resumedEventSchema = msg("RESUMED_EVENT", mirrorBase);
export const failedEventSchema = msg("FAILED_EVENT", { ...mirrorBase, error: z.string().nullable().optional() });
export const criticalEventSchema = msg("CRITICAL_EVENT", { ...mirrorBase, error: z.string().nullable().optional() });

export const toAgentSchemas = {
  INIT: initSchema,
  ASSIGN: assignSchema,
  CANCEL: cancelSchema,
  INTERRUPT: interruptSchema,
  PAUSE: pauseSchema,
  RESUME: resumeSchema,
  COLLECT: collectSchema,
  BOUNCE: bounceSchema,
  KICK: kickSchema,
  HEARTBEAT: heartbeatSchema,
  PROTOCOL_ERROR: protocolErrorSchema,
  EVENT_ACK: eventAckSchema,
  ASSIGN_RESPONSE: assignResponseSchema,
  CONTROL_RESPONSE: controlResponseSchema,
  BOUND_EVENT: boundEventSchema,
  QUEUED_EVENT: queuedEventSchema,
  STARTED_EVENT: startedEventSchema,
  PROGRESS_EVENT: progressEventSchema,
  DELEGATE_EVENT: delegateEventSchema,
  DISCONNECTED_EVENT: disconnectedEventSchema,
  YIELD_EVENT: yieldEventSchema,
  COMPLETED_EVENT: completedEventSchema,
  LOG_EVENT: logEventSchema,
  CANCELLING_EVENT: cancellingEventSchema,
  CANCELLED_EVENT: cancelledEventSchema,
  INTERRUPTING_EVENT: interruptingEventSchema,
  INTERRUPTED_EVENT: interruptedEventSchema,
  PAUSING_EVENT: pausingEventSchema,
  PAUSED_EVENT: pausedEventSchema,
  RESUMING_EVENT: resumingEventSchema,
  RESUMED_EVENT: resumedEventSchema,
  FAILED_EVENT: failedEventSchema,
  CRITICAL_EVENT: criticalEventSchema,
} as const satisfies Record<ToAgentType, z.ZodType>;

export const toAgentSchema = z.discriminatedUnion("type", Object.values(toAgentSchemas) as unknown as [
  (typeof toAgentSchemas)[ToAgentType],
  ...(typeof toAgentSchemas)[ToAgentType][],
]);

// ---------------------------------------------------------------------------------------------
// agent -> server

/**
 * The first frame. Strict: any unknown field is a protocol error, except the legacy `mode`
 * (released Python agents send `"mode": "EXECUTOR"`), which is accepted and ignored.
 */
export const registerSchema = z.strictObject({
  type: z.literal("REGISTER"),
  id,
  token: z.string(),
  force: z.boolean().default(false),
  session_id: z.string().nullable().optional(),
  mode: z.unknown().optional(),
});
export const heartbeatAnswerSchema = msg("HEARTBEAT_ANSWER", {});
export const startedSchema = msg("STARTED", { task: taskId, seq });
export const logSchema = msg("LOG", { task: taskId, seq, message: z.string(), level: z.string().default("INFO") });
export const progressSchema = msg("PROGRESS", {
  task: taskId,
  seq,
  /**
   * A percentage. Any JSON number is accepted (released agents send what user code passed); the
   * server rounds it and clamps it to 0..100 before storing, so it always fits GraphQL `Int`.
   */
  progress: z.number().nullable().optional(),
  message: z.string().nullable().optional(),
});
export const yieldSchema = msg("YIELD", { task: taskId, seq, returns: portValues.nullable().optional() });
export const completedSchema = msg("COMPLETED", { task: taskId, seq });
export const failedSchema = msg("FAILED", { task: taskId, seq, error: z.string() });
export const criticalSchema = msg("CRITICAL", { task: taskId, seq, error: z.string() });
export const cancelledSchema = msg("CANCELLED", { task: taskId, seq });
export const interruptedSchema = msg("INTERRUPTED", { task: taskId, seq });
export const pausedSchema = msg("PAUSED", { task: taskId, seq });
export const resumedSchema = msg("RESUMED", { task: taskId, seq });
export const assignRequestSchema = msg("ASSIGN_REQUEST", {
  reference: z.string(),
  args: portValues.default({}),
  action: z.string().nullable().optional(),
  action_hash: z.string().nullable().optional(),
  implementation: z.string().nullable().optional(),
  agent: z.string().nullable().optional(),
  interface: z.string().nullable().optional(),
  /** Required by the platform: root assigns over the socket are refused (ASSIGN_RESPONSE.error). */
  parent: z.string().nullable().optional(),
  dependency: z.string().nullable().optional(),
  method: z.string().nullable().optional(),
  resolution: z.string().nullable().optional(),
  hooks: z.array(z.unknown()).nullable().optional(),
  capture: z.boolean().nullable().optional(),
  ephemeral: z.boolean().nullable().optional(),
  step: z.boolean().nullable().optional(),
});
export const cancelRequestSchema = msg("CANCEL_REQUEST", {
  task: taskId,
  /**
   * Seconds; when the task is not done by then, the server interrupts it. The server refuses more
   * than 2147483 s (about 24.8 days, the longest timer it can hold) in CONTROL_RESPONSE.error.
   */
  auto_interrupt: z.number().nonnegative().nullable().optional(),
});
export const interruptRequestSchema = msg("INTERRUPT_REQUEST", { task: taskId });
export const pauseRequestSchema = msg("PAUSE_REQUEST", { task: taskId });
export const resumeRequestSchema = msg("RESUME_REQUEST", { task: taskId, step: z.boolean().default(false) });
export const statePatchSchema = msg("STATE_PATCH", {
  session_id: z.string(),
  global_rev: z.number().int(),
  state_name: z.string(),
  ts: z.number(),
  op: z.string(),
  path: z.string(),
  value: z.unknown().optional(),
  old_value: z.unknown().optional(),
  task_id: z.string().nullable().optional(),
});
export const stateSnapshotSchema = msg("STATE_SNAPSHOT", {
  session_id: z.string(),
  global_rev: z.number().int(),
  snapshots: z.record(z.string(), z.unknown()),
});
export const sessionInitSchema = msg("SESSION_INIT", {
  session_id: z.string(),
  states: z.record(z.string(), z.unknown()),
});
export const lockSchema = msg("LOCK", { key: z.string(), task: taskId });
export const unlockSchema = msg("UNLOCK", { key: z.string() });

export const fromAgentSchemas = {
  REGISTER: registerSchema,
  HEARTBEAT_ANSWER: heartbeatAnswerSchema,
  STARTED: startedSchema,
  LOG: logSchema,
  PROGRESS: progressSchema,
  YIELD: yieldSchema,
  COMPLETED: completedSchema,
  FAILED: failedSchema,
  CRITICAL: criticalSchema,
  CANCELLED: cancelledSchema,
  INTERRUPTED: interruptedSchema,
  PAUSED: pausedSchema,
  RESUMED: resumedSchema,
  ASSIGN_REQUEST: assignRequestSchema,
  CANCEL_REQUEST: cancelRequestSchema,
  INTERRUPT_REQUEST: interruptRequestSchema,
  PAUSE_REQUEST: pauseRequestSchema,
  RESUME_REQUEST: resumeRequestSchema,
  STATE_PATCH: statePatchSchema,
  STATE_SNAPSHOT: stateSnapshotSchema,
  SESSION_INIT: sessionInitSchema,
  LOCK: lockSchema,
  UNLOCK: unlockSchema,
} as const satisfies Record<FromAgentType, z.ZodType>;

export const fromAgentSchema = z.discriminatedUnion("type", Object.values(fromAgentSchemas) as unknown as [
  (typeof fromAgentSchemas)[FromAgentType],
  ...(typeof fromAgentSchemas)[FromAgentType][],
]);

// ---------------------------------------------------------------------------------------------
// types

/** A message as parsed (defaults applied: `id` is always set). */
export type ToAgentMessage = z.output<(typeof toAgentSchemas)[ToAgentType]>;
export type FromAgentMessage = z.output<(typeof fromAgentSchemas)[FromAgentType]>;
/** A message as written by a sender (`id` and defaulted fields may be omitted). */
export type ToAgentInput = z.input<(typeof toAgentSchemas)[ToAgentType]>;
export type FromAgentInput = z.input<(typeof fromAgentSchemas)[FromAgentType]>;

/** The parsed message of one type, e.g. `ToAgentOf<"ASSIGN">`. */
export type ToAgentOf<T extends ToAgentType> = z.output<(typeof toAgentSchemas)[T]>;
export type FromAgentOf<T extends FromAgentType> = z.output<(typeof fromAgentSchemas)[T]>;

export type InitMessage = ToAgentOf<"INIT">;
export type AssignMessage = ToAgentOf<"ASSIGN">;
export type EventAckMessage = ToAgentOf<"EVENT_ACK">;
export type AssignResponseMessage = ToAgentOf<"ASSIGN_RESPONSE">;
export type ControlResponseMessage = ToAgentOf<"CONTROL_RESPONSE">;
export type ProtocolErrorMessage = ToAgentOf<"PROTOCOL_ERROR">;
export type RegisterMessage = FromAgentOf<"REGISTER">;
export type AssignRequestMessage = FromAgentOf<"ASSIGN_REQUEST">;

/** The mirror type for a task event kind (`COMPLETED` -> `COMPLETED_EVENT`). */
export function mirrorTypeOf(kind: TaskEventKind): ToAgentType {
  return `${kind}_EVENT` as ToAgentType;
}
