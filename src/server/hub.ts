/**
 * In-process publish/subscribe for GraphQL subscriptions. Each subscriber gets an async iterator
 * (src/shared/async-queue.ts) that buffers what was published until it is read; `return()` unsubscribes.
 */
import { AsyncQueue } from "../shared/async-queue.js";
import type { AreaHubEvent } from "./areas/events.js";
import type { AgentRow, TaskEventRow, TaskRow } from "./store/store.js";

export type HubEvent =
  | { type: "taskCreate"; task: TaskRow }
  | { type: "taskUpdate"; task: TaskRow }
  | { type: "taskEvent"; task: TaskRow; event: TaskEventRow }
  | { type: "agentCreate"; agent: AgentRow }
  | { type: "agentUpdate"; agent: AgentRow }
  | { type: "agentDelete"; agent: AgentRow }
  | AreaHubEvent;

type Listener = (event: HubEvent) => void;

/**
 * Events a subscriber may leave unread before its subscription is ended. A backstop only: the
 * WebSocket transports never wait for their peer (src/server/socket-guard.ts), so their subscribers
 * read every event at once and a stalled peer is closed 1013 by the byte bound on its socket; SSE,
 * where the HTTP response would make the reader wait, is not served.
 */
export const MAX_BUFFERED = 100_000;

export class Hub {
  private readonly listeners = new Set<Listener>();

  publish(event: HubEvent): void {
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch {
        // a broken subscriber must not break the publisher
      }
    }
  }

  get size(): number {
    return this.listeners.size;
  }

  /** An async iterator of `map(event)` for every published event where it is not undefined. */
  subscribe<T>(map: (event: HubEvent) => T | undefined, signal?: AbortSignal): AsyncIterableIterator<T> {
    // a subscriber that stopped reading must not hold the server's memory: past MAX_BUFFERED its
    // subscription ends; the client sees it complete and catches up through task.events after resubscribing
    const listener: Listener = (event) => {
      if (queue.stopped) return;
      const value = map(event);
      if (value !== undefined) queue.push(value);
    };
    const queue = new AsyncQueue<T>({ maxBuffered: MAX_BUFFERED, ...(signal ? { signal } : {}), onStop: () => this.listeners.delete(listener) });
    if (!queue.stopped) this.listeners.add(listener);
    return queue;
  }

  clear(): void {
    this.listeners.clear();
  }
}
