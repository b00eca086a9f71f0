/**
 * What `arkitekt-next call` prints while a task runs, in one of two forms:
 *
 * - for people (`humanCallOutput`): every yield as one compact JSON line on stdout as it arrives;
 *   progress on stderr, as a redrawn bar when stderr is a terminal, else as plain lines
 *   (`call progress 40% message`); logs and the final outcome on stderr.
 * - for programs (`jsonCallOutput`, `--json`): one JSON object per line on stdout, each with a
 *   `type` (`upload`, `assigned`, `yield`, `file`, `transfer`, `progress`, `log`, `event`, `done`,
 *   `error`); `done` and `error` carry the exit code the command ends with.
 *
 * Files (issue 14): each `@path` arg uploaded (`upload`), each returned file written into `--out`
 * (`file`), or without `--out` a hint naming the flag; transfers larger than
 * `TRANSFER_PROGRESS_BYTES` report their progress (on stderr for people, `transfer` lines for programs).
 */
import { formatBytes } from "../shared/format-bytes.js";
import type { Logger } from "../shared/logger.js";

/** What happened to the task, in the order it happened; `done`/`error` come last. */
export interface CallOutput {
  assigned(task: string): void;
  yielded(returns: Record<string, unknown>): void;
  progress(progress: number | undefined, message: string | undefined): void;
  log(level: string, message: string): void;
  /** Any task event (only with --verbose). */
  event(kind: string, message: string | undefined): void;
  /** A warning of the command itself (e.g. "cancelling"), always on stderr. */
  warn(message: string): void;
  /** The task completed; `yields` were printed. */
  done(yields: number): void;
  /** The command fails with `exitCode`; `kind` says how (a task failure kind, or USER_ERROR ...). */
  error(failure: CallFailure): void;
  /** An `@path` arg was uploaded: its port, the local file, the store id and its size. */
  uploaded(port: string, path: string, id: string, bytes: number): void;
  /** A returned file was written into --out. */
  savedFile(port: string, id: string, path: string, bytes: number): void;
  /** A returned file without --out (its reference is in the yield). */
  returnedFile(port: string, id: string): void;
  /** Bytes of a transfer so far; called often: outputs report only large ones, in steps. */
  transfer(direction: "upload" | "download", port: string, name: string, loaded: number, total: number | undefined): void;
}

/** Transfers larger than this report their progress (like the runtime's progress on a task). */
export const TRANSFER_PROGRESS_BYTES = 4 * 1024 * 1024;


/**
 * Turns a transfer's byte counts into reports worth printing: only for transfers over
 * `TRANSFER_PROGRESS_BYTES` (or of unknown size past it), at most one per `stepPercent`.
 */
export function transferSteps(stepPercent: number): (key: string, loaded: number, total: number | undefined) => number | undefined {
  const last = new Map<string, number>();
  return (key, loaded, total) => {
    if ((total ?? loaded) <= TRANSFER_PROGRESS_BYTES) return undefined;
    const percent = total ? Math.min(100, Math.floor((loaded / total) * 100)) : -1;
    const step = total ? Math.floor(percent / stepPercent) : Math.floor(loaded / TRANSFER_PROGRESS_BYTES);
    if (step === 0 || last.get(key) === step) return undefined;
    last.set(key, step);
    // whole steps: 10%, 20% ... 100%
    return total ? step * stepPercent : -1;
  };
}

export interface CallFailure {
  kind: string;
  message: string;
  hint?: string | undefined;
  task?: string | undefined;
  exitCode: number;
}

/** One JSON object per line on `out`. */
export function jsonCallOutput(out: NodeJS.WritableStream = process.stdout, options: { verbose?: boolean; logger?: Logger } = {}): CallOutput {
  let task: string | undefined;
  let yields = 0;
  const steps = transferSteps(10);
  const line = (value: Record<string, unknown>): void => {
    out.write(`${JSON.stringify(value)}\n`);
  };
  return {
    assigned(id) {
      task = id;
      line({ type: "assigned", task });
    },
    yielded(returns) {
      line({ type: "yield", task: task ?? null, index: yields++, returns });
    },
    progress(progress, message) {
      line({ type: "progress", task: task ?? null, progress: progress ?? null, message: message ?? null });
    },
    log(level, message) {
      line({ type: "log", task: task ?? null, level, message });
    },
    event(kind, message) {
      if (options.verbose) line({ type: "event", task: task ?? null, kind, message: message ?? null });
    },
    warn(message) {
      options.logger?.warn(message);
    },
    done(count) {
      line({ type: "done", task: task ?? null, yields: count, exitCode: 0 });
    },
    error(failure) {
      line({ type: "error", task: failure.task ?? task ?? null, kind: failure.kind, message: failure.message, hint: failure.hint ?? null, exitCode: failure.exitCode });
    },
    uploaded(port, path, id, bytes) {
      line({ type: "upload", port, path, file: id, bytes });
    },
    savedFile(port, id, path, bytes) {
      line({ type: "file", task: task ?? null, index: yields - 1, port, file: id, path, bytes });
    },
    returnedFile() {
      // the reference is in the yield line; --json readers know the flag
    },
    transfer(direction, port, name, loaded, total) {
      const percent = steps(`${direction} ${port}`, loaded, total);
      if (percent !== undefined) line({ type: "transfer", direction, port, name, loaded, total: total ?? null, percent: percent < 0 ? null : percent });
    },
  };
}

export interface HumanOutputOptions {
  logger: Logger;
  /** Task events are printed (as debug lines) only with --verbose. */
  verbose?: boolean;
  stdout?: NodeJS.WriteStream;
  /** Where the progress bar is drawn; a bar only when it is a terminal. */
  stderr?: NodeJS.WriteStream;
}

/** Yields on stdout, progress (a bar on a terminal, else lines), logs and the outcome on stderr. */
export function humanCallOutput(options: HumanOutputOptions): CallOutput {
  const stdout = options.stdout ?? process.stdout;
  const stderr = options.stderr ?? process.stderr;
  const { logger } = options;
  const bar = stderr.isTTY ? new ProgressLine(stderr) : undefined;
  // uploads happen before the task, downloads between its yields: a bar of their own
  const transferBar = stderr.isTTY ? new ProgressLine(stderr) : undefined;
  const steps = transferSteps(10);
  let hinted = false;
  /** Writes around the bar: it is cleared first and drawn again after. */
  const around = (write: () => void): void => {
    bar?.clear();
    write();
    bar?.redraw();
  };
  return {
    assigned(task) {
      logger.debug(`task ${task} assigned`);
    },
    yielded(returns) {
      around(() => stdout.write(`${JSON.stringify(returns)}\n`));
    },
    progress(progress, message) {
      if (bar) bar.update(progress, message);
      else logger.info(`progress ${progress ?? "?"}%${message ? ` ${message}` : ""}`);
    },
    log(level, message) {
      around(() => logger.info(`log ${level} ${message}`));
    },
    event(kind, message) {
      if (options.verbose) around(() => logger.debug(`event ${kind}${message ? ` ${message}` : ""}`));
    },
    warn(message) {
      around(() => logger.warn(message));
    },
    done(yields) {
      bar?.finish();
      if (yields === 0) logger.info("the task completed with no returns");
    },
    error() {
      // The CLI prints the error itself (message and hint on stderr); the bar keeps its last state.
      bar?.finish();
    },
    uploaded(port, path, id, bytes) {
      transferBar?.clear();
      around(() => logger.info(`uploaded ${path} (${formatBytes(bytes)}) for ${port} as ${id}`));
    },
    savedFile(port, _id, path, bytes) {
      transferBar?.clear();
      around(() => logger.info(`${port}: wrote ${path} (${formatBytes(bytes)})`));
    },
    returnedFile(port, id) {
      if (hinted) return;
      hinted = true;
      around(() => logger.info(`${port} is a file (${id}): pass --out DIR to write returned files into DIR`));
    },
    transfer(direction, port, name, loaded, total) {
      const verb = direction === "upload" ? "uploading" : "downloading";
      const what = `${verb} ${name} (${port}) ${formatBytes(loaded)}${total ? ` of ${formatBytes(total)}` : ""}`;
      if (transferBar) {
        if ((total ?? loaded) <= TRANSFER_PROGRESS_BYTES) return;
        bar?.clear();
        transferBar.update(total ? (loaded / total) * 100 : undefined, what);
        return;
      }
      const percent = steps(`${direction} ${port}`, loaded, total);
      if (percent !== undefined) logger.info(percent < 0 ? what : `${verb} ${name} (${port}) ${percent}%`);
    },
  };
}

/** Width of the bar itself, in cells. */
const BAR_CELLS = 24;

/** One progress line, `[██████░░░░░░]  40% message`, cut to `columns`. */
export function renderProgressBar(progress: number | undefined, message: string | undefined, columns: number): string {
  const percent = progress === undefined ? undefined : Math.max(0, Math.min(100, Math.round(progress)));
  const filled = percent === undefined ? 0 : Math.round((percent / 100) * BAR_CELLS);
  const text = `[${"█".repeat(filled)}${"░".repeat(BAR_CELLS - filled)}] ${percent === undefined ? "  ?" : String(percent).padStart(3)}%${message ? ` ${message}` : ""}`;
  // Leave the last column free: writing into it wraps on some terminals.
  const room = Math.max(BAR_CELLS + 7, columns - 1);
  return text.length > room ? `${text.slice(0, room - 1)}…` : text;
}

/** A progress bar redrawn in place on a terminal (carriage return and erase-line). */
export class ProgressLine {
  #progress: number | undefined;
  #message: string | undefined;
  #drawn = false;
  #shown = false;

  constructor(private readonly out: NodeJS.WriteStream) {}

  update(progress: number | undefined, message: string | undefined): void {
    this.#progress = progress ?? this.#progress;
    this.#message = message ?? this.#message;
    this.#shown = true;
    this.redraw();
  }

  /** Erases the bar (before other output on the same terminal). */
  clear(): void {
    if (this.#drawn) this.out.write("\r\u001b[2K");
    this.#drawn = false;
  }

  redraw(): void {
    if (!this.#shown) return;
    this.out.write(`\r\u001b[2K${renderProgressBar(this.#progress, this.#message, this.out.columns || 80)}`);
    this.#drawn = true;
  }

  /** Leaves the bar's last state on its own line. */
  finish(): void {
    if (this.#drawn) this.out.write("\n");
    this.#drawn = false;
    this.#shown = false;
  }
}
