/**
 * Push to pull: a producer pushes values (events of a socket, a subscription, a task), one reader
 * pulls them with `for await`. The one copy of this of the project: the server's hub subscriptions,
 * the GraphQL transport's subscriptions and the caller's `iterate` use it.
 *
 * How it stops:
 * - `end()`: the producer is done; the reader gets what is buffered, then done.
 * - `fail(error)`: the reader gets what is buffered, then `error` (once), then done.
 * - `close()`, the reader's `return()` or `throw()`, the `signal`, or a push beyond `maxBuffered`:
 *   at once; buffered values are dropped.
 * After any of them `push` does nothing, and `onStop` has been called (once).
 */

export interface AsyncQueueOptions {
  /**
   * Values the reader may leave unread: the push of one more closes the queue (the values are
   * dropped and the reader is done), so a reader that stopped reading cannot hold the producer's
   * memory. Default: unbounded.
   */
  maxBuffered?: number;
  /** Aborting closes the queue (buffered values are dropped). */
  signal?: AbortSignal;
  /** Called once when the queue stops taking values, however it stopped: release the producer here. */
  onStop?: () => void;
}

interface Reader<T> {
  resolve(result: IteratorResult<T>): void;
  reject(error: unknown): void;
}

const DONE: IteratorResult<never> = Object.freeze({ value: undefined, done: true as const });

export class AsyncQueue<T> implements AsyncIterableIterator<T> {
  readonly #buffer: T[] = [];
  /** Pending `next()` calls, oldest first (only while the buffer is empty). */
  readonly #readers: Reader<T>[] = [];
  readonly #maxBuffered: number;
  readonly #signal: AbortSignal | undefined;
  #onStop: (() => void) | undefined;
  #stopped = false;
  #failure: { error: unknown } | undefined;
  readonly #onAbort = (): void => this.close();

  constructor(options: AsyncQueueOptions = {}) {
    this.#maxBuffered = options.maxBuffered ?? Infinity;
    if (!(this.#maxBuffered >= 0)) throw new RangeError(`maxBuffered must be >= 0, got ${String(options.maxBuffered)}`);
    this.#onStop = options.onStop;
    this.#signal = options.signal;
    if (this.#signal?.aborted) this.close();
    else this.#signal?.addEventListener("abort", this.#onAbort, { once: true });
  }

  /** True once the queue takes no more values (it may still hold some for the reader). */
  get stopped(): boolean {
    return this.#stopped;
  }

  /** Values pushed and not read yet. */
  get buffered(): number {
    return this.#buffer.length;
  }

  /** Hands `value` to the reader; false when the queue has stopped (or this push overflowed it). */
  push(value: T): boolean {
    if (this.#stopped) return false;
    const reader = this.#readers.shift();
    if (reader) {
      reader.resolve({ value, done: false });
      return true;
    }
    this.#buffer.push(value);
    if (this.#buffer.length > this.#maxBuffered) {
      this.close();
      return false;
    }
    return true;
  }

  /** No more values: the reader gets the buffered ones, then done. */
  end(): void {
    const onStop = this.#stop();
    if (!onStop) return;
    this.#settleReaders();
    onStop();
  }

  /** The reader gets the buffered values, then `error`, then done. */
  fail(error: unknown): void {
    const onStop = this.#stop();
    if (!onStop) return;
    this.#failure = { error };
    this.#settleReaders();
    onStop();
  }

  /** Stops at once: buffered values (and a pending failure) are dropped; the reader is done. */
  close(): void {
    this.#buffer.length = 0;
    this.#failure = undefined;
    const onStop = this.#stop();
    this.#settleReaders();
    onStop?.();
  }

  next(): Promise<IteratorResult<T>> {
    if (this.#buffer.length > 0) return Promise.resolve({ value: this.#buffer.shift()!, done: false });
    if (this.#failure) {
      const { error } = this.#failure;
      this.#failure = undefined;
      return Promise.reject(error);
    }
    if (this.#stopped) return Promise.resolve(DONE);
    return new Promise((resolve, reject) => this.#readers.push({ resolve, reject }));
  }

  /** The reader is done with it (`break` in `for await`): closes the queue. */
  return(): Promise<IteratorResult<T>> {
    this.close();
    return Promise.resolve(DONE);
  }

  /** Closes the queue and rejects with `error`. */
  throw(error?: unknown): Promise<IteratorResult<T>> {
    this.close();
    return Promise.reject(error);
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<T> {
    return this;
  }

  /** Marks the queue stopped and returns what to call then; undefined when it already was stopped. */
  #stop(): (() => void) | undefined {
    if (this.#stopped) return undefined;
    this.#stopped = true;
    this.#signal?.removeEventListener("abort", this.#onAbort);
    const onStop = this.#onStop ?? (() => {});
    this.#onStop = undefined;
    return onStop;
  }

  /** Answers the waiting readers once stopped (readers only wait while the buffer is empty). */
  #settleReaders(): void {
    while (this.#readers.length > 0) {
      const reader = this.#readers.shift()!;
      if (this.#failure) {
        const { error } = this.#failure;
        this.#failure = undefined;
        reader.reject(error);
      } else reader.resolve(DONE);
    }
  }
}
