/**
 * Formats generated TypeScript with prettier (fixed options, the user's prettier config is
 * ignored so that output is byte-stable everywhere). Results are cached by source text, so an
 * incremental run only formats modules whose content changed.
 */
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { availableParallelism } from "node:os";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import type { GeneratedFile } from "../types.js";
import { CLAIM_MAIN, CLAIM_NONE, PRETTIER_OPTIONS, loadFormatter } from "./format-options.js";
import { formatByPieces, pieceHash, readIndex } from "./pieces.js";

export { PRETTIER_OPTIONS };

let formatter: ReturnType<typeof loadFormatter> | undefined;
const cache = new Map<string, string>();
const CACHE_LIMIT = 5000;


export async function formatTypeScript(source: string): Promise<string> {
  const hit = cache.get(source);
  if (hit !== undefined) return hit;
  formatter ??= loadFormatter();
  const formatted = await (await formatter)(source);
  if (cache.size >= CACHE_LIMIT) cache.clear();
  cache.set(source, formatted);
  return formatted;
}

/** Replaces each placeholder by its text, indenting continuation lines to the placeholder's line. */
export function applySplices(content: string, splices: Record<string, string> | undefined): string {
  if (!splices) return content;
  let out = content;
  for (const [placeholder, text] of Object.entries(splices)) {
    const at = out.indexOf(placeholder);
    if (at < 0) throw new Error(`internal: placeholder ${placeholder} vanished while formatting`);
    const lineStart = out.lastIndexOf("\n", at) + 1;
    const indent = /^[ \t]*/.exec(out.slice(lineStart, at))![0];
    out = out.slice(0, at) + text.replace(/\n/g, `\n${indent}`) + out.slice(at + placeholder.length);
  }
  return out;
}

/** Formats the `.ts` files of a list (then applies their splices); other files pass through. */
export async function formatFiles(files: ReadonlyArray<GeneratedFile & { splices?: Record<string, string>; formatted?: string }>): Promise<GeneratedFile[]> {
  const out: GeneratedFile[] = [];
  for (const file of files) {
    // `formatted`: printed directly in prettier's layout (emit/direct.ts)
    const content = file.formatted ?? (file.path.endsWith(".ts") ? await formatTypeScript(file.content) : file.content);
    out.push({ path: file.path, content: applySplices(content, file.splices) });
  }
  return out;
}

/**
 * Prettier on worker threads, for cold runs of large projects: created before extraction starts
 * (each worker loads prettier meanwhile), fed module by module as files are extracted, so
 * formatting overlaps with reading the project. Every source is sent to a worker at once (the main
 * thread is busy extracting and could not feed them later); `drain()`, called when extraction is
 * done, lets the main thread format the sources no worker has started yet, newest first. A source
 * is claimed once, by a worker or by the main thread, through a flag in shared memory. Output is
 * the same as `formatTypeScript`.
 */
export class FormatPool {
  private readonly workers: Worker[] = [];
  private readonly jobs = new Map<number, Job>();
  private next = 0;
  private draining = false;

  /**
   * A pool, or undefined when workers are unavailable (sources run from TypeScript, one CPU, or
   * `ARKITEKT_GEN_WORKERS=0`). Default size: one worker per core but one (the main thread extracts
   * meanwhile, then formats too), at most two.
   */
  static create(size = Number(process.env.ARKITEKT_GEN_WORKERS ?? Math.min(2, availableParallelism() - 1))): FormatPool | undefined {
    const url = new URL("./format-worker.js", import.meta.url);
    if (!(size >= 1) || url.protocol !== "file:" || !existsSync(fileURLToPath(url))) return undefined;
    return new FormatPool(url, size);
  }

  private constructor(url: URL, size: number) {
    for (let i = 0; i < size; i++) {
      const worker = new Worker(url, { execArgv: [] });
      worker.unref();
      worker.on("message", (message: { id: number; result?: string; error?: string }) => {
        const job = this.jobs.get(message.id);
        if (!job) return;
        if (message.result === undefined && message.error === undefined) return; // the main thread took it
        this.jobs.delete(message.id);
        if (message.error !== undefined) job.reject(new Error(`formatting generated code failed: ${message.error}`));
        else {
          cache.set(job.source, message.result!);
          job.resolve(message.result!);
        }
      });
      worker.on("error", (error) => {
        for (const job of this.jobs.values()) job.reject(error);
        this.jobs.clear();
      });
      this.workers.push(worker);
    }
  }

  format(source: string): Promise<string> {
    const hit = cache.get(source);
    if (hit !== undefined) return Promise.resolve(hit);
    const id = this.next++;
    const claim = new Int32Array(new SharedArrayBuffer(4));
    return new Promise((resolve, reject) => {
      this.jobs.set(id, { source, claim, resolve, reject });
      this.workers[id % this.workers.length]!.postMessage({ id, source, claim });
      if (this.draining) void this.formatHere();
    });
  }

  /** From now on the main thread formats the sources no worker has started (extraction is done). */
  drain(): void {
    if (this.draining) return;
    this.draining = true;
    void this.formatHere();
  }

  private async formatHere(): Promise<void> {
    for (;;) {
      // the newest job no worker has claimed (workers take theirs oldest first)
      let job: [number, Job] | undefined;
      for (const entry of this.jobs) if (Atomics.load(entry[1].claim, 0) === CLAIM_NONE) job = entry;
      if (!job) return;
      const [id, { source, claim, resolve, reject }] = job;
      if (Atomics.compareExchange(claim, 0, CLAIM_NONE, CLAIM_MAIN) !== CLAIM_NONE) continue;
      this.jobs.delete(id);
      try {
        resolve(await formatTypeScript(source));
      } catch (error) {
        reject(error as Error);
      }
    }
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}

interface Job {
  source: string;
  claim: Int32Array;
  resolve: (text: string) => void;
  reject: (error: Error) => void;
}

let formatKeyValue: string | undefined;

/** prettier's version and our options: a piece index written under another setup is void. */
export function formatKey(): string {
  if (formatKeyValue === undefined) {
    const { version } = createRequire(import.meta.url)("prettier/package.json") as { version: string };
    formatKeyValue = `p${pieceHash(`${version}\0${JSON.stringify(PRETTIER_OPTIONS)}`).slice(0, 8)}`;
  }
  return formatKeyValue;
}

/** A large generated file as the last gen formatted it, with its piece index (manifest `pieces`). */
export interface FormattedBefore {
  content: string;
  pieces: string;
}

/**
 * Formats a large generated file, reusing what `before` says about the formatted text of its
 * unchanged top-level pieces (emit/pieces.ts): the same bytes as `formatTypeScript(source)`. Returns
 * the piece index to record for the next gen (undefined when the file could not be split: it was
 * formatted whole).
 */
export async function formatReusing(source: string, before?: FormattedBefore): Promise<{ content: string; pieces?: string; formatted: number }> {
  const key = formatKey();
  const known = before ? readIndex(before.content, before.pieces, key) : new Map<string, string>();
  const result = await formatByPieces(source, known, formatTypeScript, key).catch(() => undefined);
  if (result) return { content: result.content, pieces: result.index, formatted: result.formattedPieces };
  return { content: await formatTypeScript(source), formatted: 1 };
}
