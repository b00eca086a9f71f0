/**
 * What a task run tells the server. The agent adds the message `id` and the increasing `seq`
 * before sending (see agent.ts); the shapes follow spec/wire-protocol.md "Agent → server".
 */
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
