import { describe, expect, it } from "vitest";
import { AsyncQueue } from "../../src/shared/async-queue.js";

const done = { value: undefined, done: true };
const value = <T>(v: T) => ({ value: v, done: false });

/** A queue and how many times its onStop ran. */
function counted<T>(options: ConstructorParameters<typeof AsyncQueue<T>>[0] = {}) {
  const stops = { count: 0 };
  const queue = new AsyncQueue<T>({ ...options, onStop: () => stops.count++ });
  return { queue, stops };
}

describe("the push-to-pull queue (src/shared/async-queue.ts)", () => {
  it("hands values over in order, whether the reader waits already or reads later", async () => {
    const { queue } = counted<number>();
    const early = [queue.next(), queue.next()];
    expect(queue.push(1)).toBe(true);
    expect(queue.push(2)).toBe(true);
    queue.push(3);
    queue.push(4);
    expect(queue.buffered).toBe(2);
    expect(await Promise.all([...early, queue.next(), queue.next()])).toEqual([value(1), value(2), value(3), value(4)]);
  });

  it("end(): the reader gets what is buffered, then done; pushes after it are refused", async () => {
    const { queue, stops } = counted<number>();
    queue.push(1);
    queue.end();
    expect(queue.stopped).toBe(true);
    expect(queue.push(2)).toBe(false);
    expect(stops.count).toBe(1);
    const read: number[] = [];
    for await (const v of queue) read.push(v);
    expect(read).toEqual([1]);
    expect(await queue.next()).toEqual(done);
  });

  it("end() answers a waiting reader with done", async () => {
    const { queue } = counted<number>();
    const pending = queue.next();
    queue.end();
    expect(await pending).toEqual(done);
  });

  it("fail(): the reader gets what is buffered, then the error once, then done", async () => {
    const { queue, stops } = counted<number>();
    queue.push(1);
    queue.fail(new Error("socket closed"));
    queue.fail(new Error("a second failure is ignored"));
    expect(await queue.next()).toEqual(value(1));
    await expect(queue.next()).rejects.toThrow("socket closed");
    expect(await queue.next()).toEqual(done);
    expect(stops.count).toBe(1);
  });

  it("fail() rejects a waiting reader, and only the first one", async () => {
    const { queue } = counted<number>();
    const first = queue.next();
    const second = queue.next();
    queue.fail(new Error("boom"));
    await expect(first).rejects.toThrow("boom");
    expect(await second).toEqual(done);
  });

  it("return() (a `break` in for await) drops what is buffered, stops the producer once and is done", async () => {
    const { queue, stops } = counted<number>();
    for (let i = 0; i < 5; i++) queue.push(i);
    for await (const v of queue) {
      expect(v).toBe(0);
      break;
    }
    expect(stops.count).toBe(1);
    expect(queue.buffered).toBe(0);
    expect(await queue.next()).toEqual(done);
    expect(await queue.return()).toEqual(done);
    expect(stops.count).toBe(1);
  });

  it("return() answers a waiting reader with done and drops a pending failure", async () => {
    const { queue } = counted<number>();
    const pending = queue.next();
    await queue.return();
    expect(await pending).toEqual(done);
    const failed = new AsyncQueue<number>();
    failed.fail(new Error("not seen"));
    await failed.return();
    expect(await failed.next()).toEqual(done);
  });

  it("throw() closes the queue and rejects with the given error", async () => {
    const { queue, stops } = counted<number>();
    queue.push(1);
    const error = new Error("the reader gave up");
    await expect(queue.throw(error)).rejects.toBe(error);
    expect(stops.count).toBe(1);
    expect(queue.push(2)).toBe(false);
    expect(await queue.next()).toEqual(done);
  });

  it("an aborted signal closes it: buffered values are dropped, a waiting reader is done", async () => {
    const abort = new AbortController();
    const { queue, stops } = counted<number>({ signal: abort.signal });
    queue.push(1);
    const buffered = new AsyncQueue<number>({ signal: abort.signal });
    buffered.push(1);
    const waiting = counted<number>({ signal: abort.signal });
    const pending = waiting.queue.next();
    abort.abort();
    expect(await pending).toEqual(done);
    expect(await queue.next()).toEqual(done);
    expect(await buffered.next()).toEqual(done);
    expect([stops.count, waiting.stops.count]).toEqual([1, 1]);
  });

  it("a signal aborted before it starts stops it at once", async () => {
    const { queue, stops } = counted<number>({ signal: AbortSignal.abort() });
    expect(queue.stopped).toBe(true);
    expect(stops.count).toBe(1);
    expect(queue.push(1)).toBe(false);
    expect(await queue.next()).toEqual(done);
  });

  it("maxBuffered: one unread value past the bound closes it (the reader stopped reading) and frees the buffer", async () => {
    const { queue, stops } = counted<number>({ maxBuffered: 3 });
    for (let i = 0; i < 3; i++) expect(queue.push(i)).toBe(true);
    expect(stops.count).toBe(0);
    expect(queue.push(3)).toBe(false);
    expect(stops.count).toBe(1);
    expect(queue.buffered).toBe(0);
    expect(await queue.next()).toEqual(done);
  });

  it("maxBuffered counts only unread values: a reader that keeps up is never cut off", async () => {
    const queue = new AsyncQueue<number>({ maxBuffered: 1 });
    const read: number[] = [];
    for (let i = 0; i < 100; i++) {
      const next = queue.next();
      queue.push(i);
      read.push((await next).value as number);
    }
    expect(read).toHaveLength(100);
    expect(queue.stopped).toBe(false);
    expect(() => new AsyncQueue({ maxBuffered: -1 })).toThrow("maxBuffered must be >= 0, got -1");
  });

  it("removes its abort listener when it stops", () => {
    const abort = new AbortController();
    let listeners = 0;
    const signal = abort.signal;
    const add = signal.addEventListener.bind(signal);
    const remove = signal.removeEventListener.bind(signal);
    signal.addEventListener = ((...args: Parameters<typeof add>) => (listeners++, add(...args))) as typeof add;
    signal.removeEventListener = ((...args: Parameters<typeof remove>) => (listeners--, remove(...args))) as typeof remove;
    for (let i = 0; i < 20; i++) new AsyncQueue<number>({ signal }).end();
    expect(listeners).toBe(0);
  });
});
