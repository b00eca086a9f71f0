/**
 * What a task run tells the server. The agent adds the message `id` and the increasing `seq`
 * before sending (see agent.ts); the shapes follow spec/wire-protocol.md "Agent → server".
 */
import { writeReturns } from "../../definition/json-writer.js";
import type { Port } from "../../definition/model.js";
import type { LogLevel } from "../context.js";

export type TerminalKind = "COMPLETED" | "FAILED" | "CRITICAL" | "CANCELLED" | "INTERRUPTED";

export type ReportBody =
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

export const TERMINAL_KINDS: ReadonlySet<string> = new Set<TerminalKind>([
  "COMPLETED",
  "FAILED",
  "CRITICAL",
  "CANCELLED",
  "INTERRUPTED",
]);

export function isTerminal(report: ReportBody): boolean {
  return TERMINAL_KINDS.has(report.type);
}

/** Reports the server answers with EVENT_ACK once stored (spec/wire-protocol.md §2.6); the agent holds them until then. */
export function isAcknowledged(type: string): boolean {
  return type === "STARTED" || TERMINAL_KINDS.has(type);
}

/**
 * The frame text of a report with its message `id` and `seq`. A YIELD's `returns` is written on
 * the action's return ports, so whole-number FLOAT returns keep their `.0` (definition/json-writer.ts).
 */
export function encodeReport(body: ReportBody, id: string, seq: number, returnPorts?: readonly Port[]): string {
  if (body.type !== "YIELD") return JSON.stringify({ ...body, id, seq });
  const head = JSON.stringify({ type: body.type, task: body.task, id, seq });
  return `${head.slice(0, -1)},"returns":${writeReturns(returnPorts ?? [], body.returns)}}`;
}

/** The fields of an ASSIGN the agent uses (the rest is forwarded opaquely). */
export interface Assignment {
  task: string;
  interface: string;
  args: Record<string, unknown>;
  reference?: string | null;
  parent?: string | null;
  root?: string | null;
  action?: string | null;
  user?: string | null;
  org?: string | null;
  token?: string | null;
}
