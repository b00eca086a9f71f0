/**
 * Progress of a transfer on the running task: a pass-through stream that counts bytes and, once
 * the transfer is larger than `progressAboveBytes` (default 4 MiB), reports whole percents
 * through `context().progress` (at most one report per percent).
 */
import { Transform } from "node:stream";
import { currentContext, type TaskContext } from "../context.js";

function mib(bytes: number): string {
  return `${(bytes / (1024 * 1024)).toFixed(1)} MiB`;
}

/** Counts the bytes that pass and reports them on `ctx` (no task: counts only). */
export class ProgressCounter extends Transform {
  bytes = 0;
  #last = -1;
  readonly #ctx: TaskContext | undefined;

  constructor(
    readonly verb: "uploaded" | "downloaded",
    readonly name: string,
    readonly total: number | undefined,
    readonly threshold: number,
    ctx: TaskContext | undefined = currentContext(),
  ) {
    super();
    this.#ctx = ctx;
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null, data?: unknown) => void): void {
    this.bytes += chunk.length;
    this.#report(false);
    callback(null, chunk);
  }

  override _flush(callback: (error?: Error | null) => void): void {
    this.#report(true);
    callback();
  }

  #report(end: boolean): void {
    const ctx = this.#ctx;
    if (!ctx) return;
    const big = (this.total ?? this.bytes) > this.threshold;
    if (!big) return;
    const percent = this.total && this.total > 0 ? Math.min(100, Math.floor((this.bytes / this.total) * 100)) : undefined;
    if (percent === undefined) {
      // Unknown size: one report per part-sized step of 1 MiB… keep it to whole MiB.
      const step = Math.floor(this.bytes / (1024 * 1024));
      if (step === this.#last && !end) return;
      this.#last = step;
      ctx.progress(0, `${this.name}: ${mib(this.bytes)} ${this.verb}`);
      return;
    }
    if (percent === this.#last) return;
    this.#last = percent;
    ctx.progress(percent, `${this.name}: ${mib(this.bytes)} of ${mib(this.total!)} ${this.verb}`);
  }
}
