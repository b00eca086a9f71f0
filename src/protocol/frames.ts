/**
 * Typed encoders: the only code that writes agent-socket frames, in both directions. One function
 * per frame type takes the frame's fields (typed by its schema in messages.ts) and returns the
 * frame text; every one parses back with `parseToAgent` / `parseFromAgent` to the same message
 * (test/protocol/frames.test.ts). Field order is fixed here (`type`, `id`, then the fields as the
 * spec lists them; reports put `id` and `seq` last), so a frame's bytes do not depend on the sender.
 *
 * A missing `id` is a fresh uuid. Optional fields that are `undefined` are left out; fields the
 * server always sends (ASSIGN's, KICK.reason, ...) are written as `null` when not given.
 *
 * Two fields are spliced in as raw JSON text rather than serialised: a YIELD's `returns` (the agent
 * writes it on the action's return ports, so whole-number FLOATs keep their `.0`) and a mirror's
 * `returns` (the stored text, relayed as it is). Their text must be one JSON value.
 */
import { randomUUID } from "node:crypto";
import type { z } from "zod";
import {
  mirrorTypeOf,
  type fromAgentSchemas,
  type FromAgentType,
  type LogLevel,
  type TaskEventKind,
  type toAgentSchemas,
  type ToAgentType,
} from "./messages.js";
import type { TaskReportType, TerminalReportType } from "./rules.js";

/** The fields a sender gives for one server-to-agent frame: its schema's input without `type`. */
export type ToAgentFields<T extends ToAgentType> = Omit<z.input<(typeof toAgentSchemas)[T]>, "type">;
/** The fields a sender gives for one agent-to-server frame: its schema's input without `type`. */
export type FromAgentFields<T extends FromAgentType> = Omit<z.input<(typeof fromAgentSchemas)[T]>, "type">;

const write = JSON.stringify as (frame: Record<string, unknown>) => string;
const newId = (): string => randomUUID();

/** Appends `"key":raw` to serialised object text; `raw` is JSON text written elsewhere. */
function splice(objectText: string, key: string, raw: string): string {
  return `${objectText.slice(0, -1)},${JSON.stringify(key)}:${raw}}`;
}

// ---------------------------------------------------------------------------------------------
// server -> agent

export function encodeInit(f: ToAgentFields<"INIT">): string {
  return write({ type: "INIT", id: f.id ?? newId(), agent: f.agent, inquiries: f.inquiries.map((i) => ({ task: i.task })) });
}

export function encodeAssign(f: ToAgentFields<"ASSIGN">): string {
  return write({
    type: "ASSIGN",
    id: f.id ?? newId(),
    task: f.task,
    interface: f.interface,
    args: f.args,
    user: f.user ?? null,
    org: f.org ?? null,
    action: f.action ?? null,
    implementation: f.implementation ?? null,
    reference: f.reference ?? null,
    capture: f.capture ?? null,
    step: f.step ?? null,
    resolution: f.resolution ?? null,
    root: f.root ?? null,
    parent: f.parent ?? null,
    message: f.message ?? null,
    token: f.token ?? null,
  });
}

export function encodeCancel(f: ToAgentFields<"CANCEL">): string {
  return write({ type: "CANCEL", id: f.id ?? newId(), task: f.task });
}

export function encodeInterrupt(f: ToAgentFields<"INTERRUPT">): string {
  return write({ type: "INTERRUPT", id: f.id ?? newId(), task: f.task });
}

export function encodePause(f: ToAgentFields<"PAUSE">): string {
  return write({ type: "PAUSE", id: f.id ?? newId(), task: f.task });
}

export function encodeResume(f: ToAgentFields<"RESUME">): string {
  return write({ type: "RESUME", id: f.id ?? newId(), task: f.task, step: f.step ?? false });
}

export function encodeCollect(f: ToAgentFields<"COLLECT">): string {
  return write({ type: "COLLECT", id: f.id ?? newId(), drawers: f.drawers });
}

export function encodeBounce(f: ToAgentFields<"BOUNCE">): string {
  return write({ type: "BOUNCE", id: f.id ?? newId(), duration: f.duration ?? null });
}

export function encodeKick(f: ToAgentFields<"KICK">): string {
  return write({ type: "KICK", id: f.id ?? newId(), reason: f.reason ?? null });
}

export function encodeHeartbeat(f: ToAgentFields<"HEARTBEAT"> = {}): string {
  return write({ type: "HEARTBEAT", id: f.id ?? newId() });
}

/** `event` (the offending message's id) and `task` are written only when given (null included). */
export function encodeProtocolError(f: ToAgentFields<"PROTOCOL_ERROR">): string {
  return write({ type: "PROTOCOL_ERROR", id: f.id ?? newId(), error: f.error, event: f.event, task: f.task });
}

export function encodeEventAck(f: ToAgentFields<"EVENT_ACK">): string {
  return write({ type: "EVENT_ACK", id: f.id ?? newId(), event: f.event, task: f.task, seq: f.seq ?? null });
}

export function encodeAssignResponse(f: ToAgentFields<"ASSIGN_RESPONSE">): string {
  return write({
    type: "ASSIGN_RESPONSE",
    id: f.id ?? newId(),
    request: f.request,
    reference: f.reference,
    task: f.task,
    created: f.created,
    error: f.error ?? null,
  });
}

export function encodeControlResponse(f: ToAgentFields<"CONTROL_RESPONSE">): string {
  return write({
    type: "CONTROL_RESPONSE",
    id: f.id ?? newId(),
    request: f.request,
    task: f.task,
    accepted: f.accepted,
    error: f.error ?? null,
  });
}

/** One stored TaskEvent, as a caller mirror (`*_EVENT`) carries it. */
export interface TaskEventMirror {
  kind: TaskEventKind;
  task: string;
  /** The TaskEvent id (text). */
  event: string;
  /** The TaskEvent's integer id (increasing). */
  seq: number;
  /** Default `e<event>`: the same id every time the event is mirrored. */
  id?: string;
  /** PROGRESS, LOG, DISCONNECTED, QUEUED: `message`; FAILED, CRITICAL: `error`. */
  message?: string | null;
  /** PROGRESS only. */
  progress?: number | null;
  /** LOG only. */
  level?: string | null;
  /** YIELD only: the stored returns as JSON text, spliced in as it is (so `2.0` stays `2.0`); null = none. */
  returns?: string | null;
}

/**
 * The `*_EVENT` mirror of a TaskEvent (docs/spec/wire-protocol.md "caller mirrors"): `task`, `event`, `seq`
 * and the fields of its kind. One encoder for the nineteen mirror types, which differ only in those
 * fields.
 */
export function encodeMirror(m: TaskEventMirror): string {
  const head: Record<string, unknown> = { type: mirrorTypeOf(m.kind), id: m.id ?? `e${m.event}`, task: m.task, event: m.event, seq: m.seq };
  switch (m.kind) {
    case "PROGRESS":
      head.progress = m.progress ?? null;
      head.message = m.message ?? null;
      break;
    case "YIELD":
      return splice(write(head), "returns", m.returns ?? "null");
    case "LOG":
      head.message = m.message ?? null;
      head.level = m.level ?? null;
      break;
    case "FAILED":
    case "CRITICAL":
      head.error = m.message ?? null;
      break;
    case "DISCONNECTED":
    case "QUEUED":
      head.message = m.message ?? null;
      break;
    default:
      break;
  }
  return write(head);
}

// ---------------------------------------------------------------------------------------------
// agent -> server

export function encodeRegister(f: Omit<FromAgentFields<"REGISTER">, "mode">): string {
  return write({ type: "REGISTER", id: f.id ?? newId(), token: f.token, force: f.force ?? false, session_id: f.session_id });
}

export function encodeHeartbeatAnswer(f: FromAgentFields<"HEARTBEAT_ANSWER"> = {}): string {
  return write({ type: "HEARTBEAT_ANSWER", id: f.id ?? newId() });
}

/** Report frames: `type`, `task`, the report's fields, then `id` and `seq`. */
type ReportFields<T extends TaskReportType> = FromAgentFields<T>;

export function encodeStarted(f: ReportFields<"STARTED">): string {
  return write({ type: "STARTED", task: f.task, id: f.id ?? newId(), seq: f.seq });
}

export function encodeLog(f: ReportFields<"LOG">): string {
  return write({ type: "LOG", task: f.task, message: f.message, level: f.level, id: f.id ?? newId(), seq: f.seq });
}

export function encodeProgress(f: ReportFields<"PROGRESS">): string {
  return write({ type: "PROGRESS", task: f.task, progress: f.progress, message: f.message, id: f.id ?? newId(), seq: f.seq });
}

/** `returns` is JSON text of the returns object (written on the return ports), spliced in as it is. */
export function encodeYield(f: Omit<ReportFields<"YIELD">, "returns"> & { returns: string }): string {
  return splice(write({ type: "YIELD", task: f.task, id: f.id ?? newId(), seq: f.seq }), "returns", f.returns);
}

export function encodePaused(f: ReportFields<"PAUSED">): string {
  return write({ type: "PAUSED", task: f.task, id: f.id ?? newId(), seq: f.seq });
}

export function encodeResumed(f: ReportFields<"RESUMED">): string {
  return write({ type: "RESUMED", task: f.task, id: f.id ?? newId(), seq: f.seq });
}

export function encodeCompleted(f: ReportFields<"COMPLETED">): string {
  return write({ type: "COMPLETED", task: f.task, id: f.id ?? newId(), seq: f.seq });
}

export function encodeFailed(f: ReportFields<"FAILED">): string {
  return write({ type: "FAILED", task: f.task, error: f.error, id: f.id ?? newId(), seq: f.seq });
}

export function encodeCritical(f: ReportFields<"CRITICAL">): string {
  return write({ type: "CRITICAL", task: f.task, error: f.error, id: f.id ?? newId(), seq: f.seq });
}

export function encodeCancelled(f: ReportFields<"CANCELLED">): string {
  return write({ type: "CANCELLED", task: f.task, id: f.id ?? newId(), seq: f.seq });
}

export function encodeInterrupted(f: ReportFields<"INTERRUPTED">): string {
  return write({ type: "INTERRUPTED", task: f.task, id: f.id ?? newId(), seq: f.seq });
}

export function encodeAssignRequest(f: FromAgentFields<"ASSIGN_REQUEST">): string {
  return write({
    type: "ASSIGN_REQUEST",
    id: f.id ?? newId(),
    reference: f.reference,
    args: f.args ?? {},
    action: f.action,
    action_hash: f.action_hash,
    implementation: f.implementation,
    agent: f.agent,
    interface: f.interface,
    parent: f.parent,
    dependency: f.dependency,
    method: f.method,
    resolution: f.resolution,
    hooks: f.hooks,
    capture: f.capture,
    ephemeral: f.ephemeral,
    step: f.step,
  });
}

export function encodeCancelRequest(f: FromAgentFields<"CANCEL_REQUEST">): string {
  return write({ type: "CANCEL_REQUEST", id: f.id ?? newId(), task: f.task, auto_interrupt: f.auto_interrupt });
}

export function encodeInterruptRequest(f: FromAgentFields<"INTERRUPT_REQUEST">): string {
  return write({ type: "INTERRUPT_REQUEST", id: f.id ?? newId(), task: f.task });
}

export function encodePauseRequest(f: FromAgentFields<"PAUSE_REQUEST">): string {
  return write({ type: "PAUSE_REQUEST", id: f.id ?? newId(), task: f.task });
}

export function encodeResumeRequest(f: FromAgentFields<"RESUME_REQUEST">): string {
  return write({ type: "RESUME_REQUEST", id: f.id ?? newId(), task: f.task, step: f.step ?? false });
}

export function encodeStatePatch(f: FromAgentFields<"STATE_PATCH">): string {
  return write({
    type: "STATE_PATCH",
    id: f.id ?? newId(),
    session_id: f.session_id,
    global_rev: f.global_rev,
    state_name: f.state_name,
    ts: f.ts,
    op: f.op,
    path: f.path,
    value: f.value,
    old_value: f.old_value,
    task_id: f.task_id,
  });
}

export function encodeStateSnapshot(f: FromAgentFields<"STATE_SNAPSHOT">): string {
  return write({ type: "STATE_SNAPSHOT", id: f.id ?? newId(), session_id: f.session_id, global_rev: f.global_rev, snapshots: f.snapshots });
}

export function encodeSessionInit(f: FromAgentFields<"SESSION_INIT">): string {
  return write({ type: "SESSION_INIT", id: f.id ?? newId(), session_id: f.session_id, states: f.states });
}

export function encodeLock(f: FromAgentFields<"LOCK">): string {
  return write({ type: "LOCK", id: f.id ?? newId(), key: f.key, task: f.task });
}

export function encodeUnlock(f: FromAgentFields<"UNLOCK">): string {
  return write({ type: "UNLOCK", id: f.id ?? newId(), key: f.key });
}

// ---------------------------------------------------------------------------------------------
// task reports, as the agent's task runs make them

/**
 * A report about a task before the agent numbers it (no `id`, `seq`); a YIELD carries its returns
 * as values (the agent writes them on the return ports when it encodes the frame).
 */
export type TaskReport =
  | { type: "STARTED"; task: string }
  | { type: "PROGRESS"; task: string; progress?: number; message?: string }
  | { type: "LOG"; task: string; message: string; level: LogLevel }
  | { type: "YIELD"; task: string; returns: Record<string, unknown> }
  | { type: "PAUSED"; task: string }
  | { type: "RESUMED"; task: string }
  | { type: "COMPLETED"; task: string }
  | { type: "FAILED"; task: string; error: string }
  | { type: "CRITICAL"; task: string; error: string }
  | { type: "CANCELLED"; task: string }
  | { type: "INTERRUPTED"; task: string };

/** The fields of one report type (without `type`). */
export type TaskReportFields<T extends TaskReportType> = Omit<Extract<TaskReport, { type: T }>, "type">;

/** A typed report body: `taskReport("FAILED", { task, error })`. */
export function taskReport<T extends TaskReportType>(type: T, fields: TaskReportFields<T>): Extract<TaskReport, { type: T }> {
  return { type, ...fields } as Extract<TaskReport, { type: T }>;
}

/** A terminal report body. */
export type TerminalReport = Extract<TaskReport, { type: TerminalReportType }>;

/**
 * The frame text of a report with its message `id` and `seq`. A YIELD needs `returnsText`, its
 * returns written as JSON text (the agent writes them on the action's return ports).
 */
export function encodeTaskReport(report: TaskReport, id: string, seq: number, returnsText?: string): string {
  switch (report.type) {
    case "STARTED":
      return encodeStarted({ task: report.task, id, seq });
    case "PROGRESS":
      return encodeProgress({ task: report.task, progress: report.progress, message: report.message, id, seq });
    case "LOG":
      return encodeLog({ task: report.task, message: report.message, level: report.level, id, seq });
    case "YIELD":
      return encodeYield({ task: report.task, id, seq, returns: returnsText ?? JSON.stringify(report.returns) });
    case "PAUSED":
      return encodePaused({ task: report.task, id, seq });
    case "RESUMED":
      return encodeResumed({ task: report.task, id, seq });
    case "COMPLETED":
      return encodeCompleted({ task: report.task, id, seq });
    case "FAILED":
      return encodeFailed({ task: report.task, error: report.error, id, seq });
    case "CRITICAL":
      return encodeCritical({ task: report.task, error: report.error, id, seq });
    case "CANCELLED":
      return encodeCancelled({ task: report.task, id, seq });
    case "INTERRUPTED":
      return encodeInterrupted({ task: report.task, id, seq });
  }
}
