/**
 * What a task run tells the server. The agent adds the message `id` and the increasing `seq`
 * before sending (see agent.ts); the shapes and their encoders live in the protocol (protocol/frames.ts),
 * which also says which reports are acknowledged and held (protocol/rules.ts).
 */
import { writeReturns } from "../../definition/json-writer.js";
import type { Port } from "../../definition/model.js";
import { encodeTaskReport, isTerminalReport, type TaskReport, type TerminalReportType } from "../../protocol/index.js";

export type TerminalKind = TerminalReportType;

/** A report before the agent numbers it; the protocol owns its shape (protocol/frames.ts). */
export type ReportBody = TaskReport;

export function isTerminal(report: ReportBody): boolean {
  return isTerminalReport(report.type);
}

/**
 * The frame text of a report with its message `id` and `seq`. A YIELD's `returns` is written on
 * the action's return ports, so whole-number FLOAT returns keep their `.0` (definition/json-writer.ts);
 * the protocol's encoder splices that text in as it is.
 */
export function encodeReport(body: ReportBody, id: string, seq: number, returnPorts?: readonly Port[]): string {
  return encodeTaskReport(body, id, seq, body.type === "YIELD" ? writeReturns(returnPorts ?? [], body.returns) : undefined);
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
