/**
 * Progress of a transfer on the running task: a pass-through stream that counts bytes and, once
 * the transfer is larger than `progressAboveBytes` (default 4 MiB), reports through
 * `context().progress`: whole percents when the size is known (at most one report per percent),
 * else one report per MiB whose message counts the bytes.
 */
import { Transform } from "node:stream";
import { currentContext, type TaskContext } from "../context.js";

/** The last percent a transfer of known size reported per task. */
const lastPercent = new WeakMap<TaskContext, number>();

function mib(bytes: number): string {
  return `${(bytes / (1024 * 1024)).toFixed(1)} MiB`;
}

/** Counts the bytes that pass and reports them on `ctx` (no task: counts only). */
export class ProgressCounter extends Transform {
  bytes = 0;
  #last = -1;
  /** The byte count of the last report (unknown size). */
  #reported = -1;
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
      // Unknown size: one report per whole MiB, keeping the task's last percent (no jump back to 0).
      const step = Math.floor(this.bytes / (1024 * 1024));
      if ((step === this.#last && !end) || this.bytes === this.#reported) return;
      this.#last = step;
      this.#reported = this.bytes;
      ctx.progress(lastPercent.get(ctx) ?? 0, `${this.name}: ${mib(this.bytes)} ${this.verb}`);
      return;
    }
    if (percent === this.#last) return;
    this.#last = percent;
    lastPercent.set(ctx, percent);
    ctx.progress(percent, `${this.name}: ${mib(this.bytes)} of ${mib(this.total!)} ${this.verb}`);
  }
}
