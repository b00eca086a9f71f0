/**
 * Terminal reports (COMPLETED, FAILED, CRITICAL, CANCELLED, INTERRUPTED) stay here until the server
 * answers them with EVENT_ACK (matched by the report's message id), and are sent again after every
 * reconnect. The server deduplicates terminal reports by task, so a resend is harmless.
 */

export interface HeldReport {
  /** The report's message id: what EVENT_ACK.event echoes. */
  readonly id: string;
  readonly task: string;
  readonly frame: Readonly<Record<string, unknown>>;
}

export class ReportOutbox {
  readonly #held = new Map<string, HeldReport>();
  readonly #byTask = new Map<string, string>();
  #drainWaiters: Array<() => void> = [];

  /** Holds a terminal report until it is acknowledged. */
  hold(report: HeldReport): void {
    this.#held.set(report.id, report);
    this.#byTask.set(report.task, report.id);
  }

  /** Drops the report with this message id (EVENT_ACK, or PROTOCOL_ERROR naming it). Returns it when it was held. */
  release(id: string): HeldReport | undefined {
    const report = this.#held.get(id);
    if (!report) return undefined;
    this.#held.delete(id);
    if (this.#byTask.get(report.task) === id) this.#byTask.delete(report.task);
    if (this.#held.size === 0) {
      const waiters = this.#drainWaiters;
      this.#drainWaiters = [];
      for (const resolve of waiters) resolve();
    }
    return report;
  }

  /** The unacknowledged terminal report of a task, if any. */
  forTask(task: string): HeldReport | undefined {
    const id = this.#byTask.get(task);
    return id === undefined ? undefined : this.#held.get(id);
  }

  /** Every held report, oldest first (the order to resend in). */
  pending(): HeldReport[] {
    return [...this.#held.values()];
  }

  get size(): number {
    return this.#held.size;
  }

  /** Resolves when nothing is held any more. */
  drained(): Promise<void> {
    if (this.#held.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.#drainWaiters.push(resolve));
  }
}
