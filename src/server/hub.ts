/**
 * In-process publish/subscribe for GraphQL subscriptions. Each subscriber gets an async iterator
 * that buffers what was published until it is read; `return()` unsubscribes.
 */
import type { AgentRow, TaskEventRow, TaskRow } from "./store/store.js";

export type HubEvent =
  | { type: "taskCreate"; task: TaskRow }
  | { type: "taskUpdate"; task: TaskRow }
  | { type: "taskEvent"; task: TaskRow; event: TaskEventRow }
  | { type: "agentCreate"; agent: AgentRow }
  | { type: "agentUpdate"; agent: AgentRow }
  | { type: "agentDelete"; agent: AgentRow };

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
    const buffer: T[] = [];
    let wake: ((result: IteratorResult<T>) => void) | null = null;
    let done = false;
    const listener: Listener = (event) => {
      if (done) return;
      const value = map(event);
      if (value === undefined) return;
      if (wake) {
        const w = wake;
        wake = null;
        w({ value, done: false });
      } else {
        buffer.push(value);
        // a subscriber that stopped reading must not hold the server's memory: end it; the client
        // sees the subscription complete and catches up through task.events after resubscribing
        if (buffer.length > MAX_BUFFERED) finish();
      }
    };
    this.listeners.add(listener);
    const finish = (): IteratorResult<T> => {
      done = true;
      this.listeners.delete(listener);
      buffer.length = 0;
      if (wake) {
        const w = wake;
        wake = null;
        w({ value: undefined, done: true });
      }
      return { value: undefined, done: true };
    };
    signal?.addEventListener("abort", () => finish(), { once: true });
    const iterator: AsyncIterableIterator<T> = {
      next() {
        if (buffer.length > 0) return Promise.resolve({ value: buffer.shift()!, done: false });
        if (done) return Promise.resolve({ value: undefined, done: true });
        return new Promise((resolve) => {
          wake = resolve;
        });
      },
      return() {
        return Promise.resolve(finish());
      },
      throw(error?: unknown) {
        finish();
        return Promise.reject(error);
      },
      [Symbol.asyncIterator]() {
        return iterator;
      },
    };
    return iterator;
  }

  clear(): void {
    this.listeners.clear();
  }
}
