/**
 * The rules both ends of the agent socket follow (docs/spec/wire-protocol.md §2.6): which reports
 * the server acknowledges, which an agent holds until then, which server-to-agent messages outlive
 * their delivery, and the log levels. The server and the runtime agent read them from here only.
 */
import { LOG_LEVELS, type FromAgentType, type LogLevel, type ToAgentType } from "./messages.js";

/** The agent's reports about a task it executes. */
export type TaskReportType =
  | "STARTED"
  | "LOG"
  | "PROGRESS"
  | "YIELD"
  | "PAUSED"
  | "RESUMED"
  | "COMPLETED"
  | "FAILED"
  | "CRITICAL"
  | "CANCELLED"
  | "INTERRUPTED";

/** The reports that end a task. */
export type TerminalReportType = "COMPLETED" | "FAILED" | "CRITICAL" | "CANCELLED" | "INTERRUPTED";

/** Every agent report about a task it executes. */
export const TASK_REPORT_TYPES: ReadonlySet<FromAgentType> = new Set<TaskReportType>([
  "STARTED",
  "LOG",
  "PROGRESS",
  "YIELD",
  "COMPLETED",
  "FAILED",
  "CRITICAL",
  "CANCELLED",
  "INTERRUPTED",
  "PAUSED",
  "RESUMED",
]);

const TERMINAL: readonly TerminalReportType[] = ["COMPLETED", "FAILED", "CRITICAL", "CANCELLED", "INTERRUPTED"];

/** Reports that end their task. */
export const TERMINAL_REPORT_TYPES: ReadonlySet<string> = new Set<TerminalReportType>(TERMINAL);

/**
 * Reports the server answers with EVENT_ACK once it stored them: STARTED, the terminal reports and
 * the confirmations PAUSED and RESUMED. LOG, PROGRESS and YIELD are never acknowledged.
 */
export const ACKED_REPORT_TYPES: ReadonlySet<FromAgentType> = new Set<TaskReportType>(["STARTED", ...TERMINAL, "PAUSED", "RESUMED"]);

/**
 * Reports an agent keeps (and resends after every INIT) until the server has them for sure:
 * STARTED and the terminal reports until their EVENT_ACK, YIELD until its task's terminal report is
 * acknowledged (a stored end means the yields before it are stored). PAUSED and RESUMED are
 * acknowledged but not held: the server keeps its PAUSE/RESUME until they arrive and sends it again.
 */
export const HELD_REPORT_TYPES: ReadonlySet<string> = new Set<TaskReportType>(["STARTED", "YIELD", ...TERMINAL]);

export function isTerminalReport(type: string): type is TerminalReportType {
  return TERMINAL_REPORT_TYPES.has(type);
}

/** True when the server answers this report type with EVENT_ACK. */
export function isAcknowledgedReport(type: string): boolean {
  return ACKED_REPORT_TYPES.has(type as FromAgentType);
}

/** True when an agent holds this report type until the server acknowledged it (or its task's end). */
export function isHeldReport(type: string): type is "STARTED" | "YIELD" | TerminalReportType {
  return HELD_REPORT_TYPES.has(type);
}

/**
 * Server-to-agent messages about a task that stay in the server's outbox after they were sent,
 * until the agent answers them (a report of the task, or its end): a server or socket that dies in
 * between sends them again after the next INIT. Every other message is dropped once sent.
 */
export const KEPT_UNTIL_ANSWERED_TYPES: ReadonlySet<ToAgentType> = new Set<ToAgentType>([
  "ASSIGN",
  "CANCEL",
  "INTERRUPT",
  "PAUSE",
  "RESUME",
]);

/** True when an outbox entry of this message type survives its delivery (see KEPT_UNTIL_ANSWERED_TYPES). */
export function keptUntilAnswered(type: string): boolean {
  return KEPT_UNTIL_ANSWERED_TYPES.has(type as ToAgentType);
}

/**
 * The level of a LOG report as the server stores it: case-insensitive, `WARNING` read as `WARN`
 * (released Python agents), anything else unknown or missing is INFO.
 */
export function normalizeLogLevel(level: unknown): LogLevel {
  const text = typeof level === "string" ? level.toUpperCase() : "";
  if (text === "WARNING") return "WARN";
  return (LOG_LEVELS as readonly string[]).includes(text) ? (text as LogLevel) : "INFO";
}
