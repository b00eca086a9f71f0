/** The durable per-agent outbox: entries are sent once committed, in order, paced by the socket. */
import { keptUntilAnswered } from "../../protocol/index.js";
import type { Store } from "../store/store.js";
import type { Platform } from "./index.js";

export class Outbox {
  private readonly store: Store;

  constructor(private readonly p: Platform) {
    this.store = p.store;
  }

  private readonly flushQueued = new Set<number>();

  /** Delivers the agent's new outbox entries once what was written so far is committed. */
  flush(agentId: number): void {
    if (this.flushQueued.has(agentId)) return;
    this.flushQueued.add(agentId);
    this.store.afterCommit(
      () => {
        this.flushQueued.delete(agentId);
        this.flushNow(agentId);
      },
      // the entries of a failed commit are gone; the flag must not outlive it, or the agent never hears again
      () => this.flushQueued.delete(agentId),
    );
  }

  /** Sends every outbox entry the agent's current link has not seen yet, in order. */
  private flushNow(agentId: number): void {
    const link = this.p.leases.links.get(agentId);
    if (!link) return;
    for (const entry of this.store.outboxOfAfter(agentId, link.lastOutboxId)) {
      if (link.backlogged?.()) {
        // a large outbox goes out as the reader takes it, not in one burst the slow-reader bound would punish
        link.whenDrained?.(() => this.flush(agentId));
        return;
      }
      link.lastOutboxId = entry.id;
      link.send(entry.payload);
      if (entry.task_id === null || !keptUntilAnswered(entry.kind)) {
        this.store.deleteOutbox(entry);
      }
    }
    // the agent starts on its tasks while the rest of the commit's work (responses, events) runs
    link.flushWrites?.();
  }
}
