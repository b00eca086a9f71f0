/**
 * What the agent keeps until the server has it for sure (docs/spec/wire-protocol.md §2.6).
 *
 * The server acknowledges STARTED and the terminal reports (COMPLETED, FAILED, CRITICAL, CANCELLED,
 * INTERRUPTED) with EVENT_ACK once they are stored; it never acknowledges YIELD. A server killed
 * before its commit loses whatever it had not stored, so per task the agent holds (the protocol's
 * rule, protocol/rules.ts HELD_REPORT_TYPES):
 * - its STARTED, until acknowledged;
 * - its YIELDs, until the task's terminal report is acknowledged (a stored terminal report means
 *   the yields before it are stored too);
 * - its terminal report, until acknowledged.
 * After every INIT, whatever is held goes out again with its own `id` and `seq`, in `seq` order
 * (merged with the reports made while disconnected), so the server sees a task's reports in the
 * order they were made. The embedded server deduplicates YIELD by `seq` and terminal reports by
 * task, so a resend is harmless. Every held report keeps its encoded text: a resend is the same bytes.
 */
import type { TerminalKind } from "./reports.js";

export interface HeldReport {
  /** The report's message id: what EVENT_ACK.event (or PROTOCOL_ERROR.event) echoes. */
  readonly id: string;
  readonly task: string;
  readonly type: "STARTED" | "YIELD" | TerminalKind;
  readonly seq: number;
  /** The encoded frame, sent as is every time. */
  readonly text: string;
  /** The connection (agent-local counter) it was last written to; 0: not written yet. */
  sentOn: number;
}

interface TaskRecord {
  started?: HeldReport;
  yields: HeldReport[];
  terminal?: HeldReport;
}

export interface OutboxOptions {
  /** Held yields may take this many bytes (encoded text); over it, the oldest already sent are dropped. */
  maxHeldYieldBytes: number;
}

export class ReportOutbox {
  readonly #tasks = new Map<string, TaskRecord>();
  readonly #byId = new Map<string, HeldReport>();
  /** Terminal reports by id, oldest first. */
  readonly #terminals = new Map<string, HeldReport>();
  /** Held yields by id, oldest first (for the byte bound). */
  readonly #yields = new Map<string, HeldReport>();
  #yieldBytes = 0;
  #drainWaiters: Array<() => void> = [];
  readonly #options: OutboxOptions;

  constructor(options: Partial<OutboxOptions> = {}) {
    this.#options = { maxHeldYieldBytes: options.maxHeldYieldBytes ?? 64 * 1024 * 1024 };
  }

  /**
   * Holds a report until it is acknowledged (STARTED, terminal) or its task's terminal report is
   * (YIELD). Returns the yields dropped to stay within `maxHeldYieldBytes` (already sent ones only).
   */
  hold(report: HeldReport): HeldReport[] {
    const record = this.#record(report.task);
    this.#byId.set(report.id, report);
    if (report.type === "STARTED") {
      record.started = report;
      return [];
    }
    if (report.type === "YIELD") {
      record.yields.push(report);
      this.#yields.set(report.id, report);
      this.#yieldBytes += byteLength(report.text);
      return this.#bound();
    }
    if (record.terminal) this.#forget(record.terminal);
    record.terminal = report;
    this.#terminals.set(report.id, report);
    return [];
  }

  /**
   * EVENT_ACK, or PROTOCOL_ERROR naming a report: drops the report with this message id. A
   * terminal report takes its task's STARTED and yields with it. Returns the report when it was held.
   */
  release(id: string): HeldReport | undefined {
    const report = this.#byId.get(id);
    if (!report) return undefined;
    const record = this.#tasks.get(report.task);
    if (report.type === "STARTED" || report.type === "YIELD" || !record) {
      this.#forget(report);
    } else {
      this.#tasks.delete(report.task);
      if (record.started) this.#forget(record.started);
      for (const held of record.yields) this.#forget(held);
      this.#forget(report);
    }
    if (this.#terminals.size === 0) {
      const waiters = this.#drainWaiters;
      this.#drainWaiters = [];
      for (const resolve of waiters) resolve();
    }
    return report;
  }

  /** The unacknowledged terminal report of a task, if any. */
  forTask(task: string): HeldReport | undefined {
    return this.#tasks.get(task)?.terminal;
  }

  /** The unacknowledged STARTED of a task, if any. */
  startedOf(task: string): HeldReport | undefined {
    return this.#tasks.get(task)?.started;
  }

  /** The held yields of a task, oldest first. */
  yieldsOf(task: string): readonly HeldReport[] {
    return this.#tasks.get(task)?.yields ?? [];
  }

  /** Whether anything of this task is still held. */
  holds(task: string): boolean {
    return this.#tasks.has(task);
  }

  /** Every held report (STARTED, YIELD, terminal) of every task. */
  all(): HeldReport[] {
    return [...this.#byId.values()];
  }

  /** Every held terminal report, oldest first. */
  pending(): HeldReport[] {
    return [...this.#terminals.values()];
  }

  /** Unacknowledged terminal reports. */
  get size(): number {
    return this.#terminals.size;
  }

  /** Held yields (all tasks). */
  get heldYields(): number {
    return this.#yields.size;
  }

  /** Bytes of held yields (encoded text). */
  get heldYieldBytes(): number {
    return this.#yieldBytes;
  }

  /** Resolves when no terminal report is held any more. */
  drained(): Promise<void> {
    if (this.#terminals.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.#drainWaiters.push(resolve));
  }

  #record(task: string): TaskRecord {
    let record = this.#tasks.get(task);
    if (!record) {
      record = { yields: [] };
      this.#tasks.set(task, record);
    }
    return record;
  }

  /** Removes one report from the indexes (and from its task record, for STARTED and YIELD). */
  #forget(report: HeldReport): void {
    if (!this.#byId.delete(report.id)) return;
    const record = this.#tasks.get(report.task);
    if (report.type === "STARTED") {
      if (record?.started === report) delete record.started;
    } else if (report.type === "YIELD") {
      this.#yields.delete(report.id);
      this.#yieldBytes -= byteLength(report.text);
      if (record) {
        const at = record.yields.indexOf(report);
        if (at >= 0) record.yields.splice(at, 1);
      }
    } else {
      this.#terminals.delete(report.id);
      if (record?.terminal === report) delete record.terminal;
    }
    if (record && !record.started && !record.terminal && record.yields.length === 0) this.#tasks.delete(report.task);
  }

  #bound(): HeldReport[] {
    const dropped: HeldReport[] = [];
    if (this.#yieldBytes <= this.#options.maxHeldYieldBytes) return dropped;
    for (const held of this.#yields.values()) {
      if (this.#yieldBytes <= this.#options.maxHeldYieldBytes) break;
      if (held.sentOn === 0) continue;
      this.#forget(held);
      dropped.push(held);
    }
    return dropped;
  }
}

function byteLength(text: string): number {
  return Buffer.byteLength(text, "utf8");
}
