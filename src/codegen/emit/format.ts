/**
 * Formats generated TypeScript with prettier (fixed options, the user's prettier config is
 * ignored so that output is byte-stable everywhere). Results are cached by source text, so an
 * incremental run only formats modules whose content changed.
 */
import { existsSync } from "node:fs";
import { availableParallelism } from "node:os";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import type { GeneratedFile } from "../types.js";
import { PRETTIER_OPTIONS } from "./format-options.js";

export { PRETTIER_OPTIONS };

type Prettier = typeof import("prettier");
let prettier: Promise<Prettier> | undefined;
const cache = new Map<string, string>();
const CACHE_LIMIT = 5000;


export async function formatTypeScript(source: string): Promise<string> {
  const hit = cache.get(source);
  if (hit !== undefined) return hit;
  prettier ??= import("prettier");
  const formatted = await (await prettier).format(source, PRETTIER_OPTIONS);
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
export async function formatFiles(files: ReadonlyArray<GeneratedFile & { splices?: Record<string, string> }>): Promise<GeneratedFile[]> {
  const out: GeneratedFile[] = [];
  for (const file of files) {
    const content = file.path.endsWith(".ts") ? await formatTypeScript(file.content) : file.content;
    out.push({ path: file.path, content: applySplices(content, file.splices) });
  }
  return out;
}

/** Below this many uncached sources, formatting stays on the main thread (a worker costs a prettier load). */
const PARALLEL_THRESHOLD = 16;

/**
 * Formats many sources: cached ones from the cache, the rest split over worker threads when there
 * are enough of them (each worker loads prettier once), else on this thread. Same output either way.
 */
export async function formatMany(sources: readonly string[]): Promise<string[]> {
  const results: Array<string | undefined> = sources.map((s) => cache.get(s));
  const todo = sources.map((s, i) => ({ s, i })).filter(({ i }) => results[i] === undefined);
  const workerUrl = new URL("./format-worker.js", import.meta.url);
  const workers = Math.min(2, Math.max(1, availableParallelism()));
  if (todo.length >= PARALLEL_THRESHOLD && workers > 1 && existsSync(fileURLToPath(workerUrl))) {
    const chunks = Array.from({ length: workers }, (_, w) => todo.filter((_, k) => k % workers === w));
    const formatted = await Promise.all(chunks.map((chunk) => formatInWorker(workerUrl, chunk.map((c) => c.s))));
    chunks.forEach((chunk, w) =>
      chunk.forEach(({ s, i }, k) => {
        const out = formatted[w]![k]!;
        cache.set(s, out);
        results[i] = out;
      }),
    );
  } else {
    for (const { s, i } of todo) results[i] = await formatTypeScript(s);
  }
  return results as string[];
}

function formatInWorker(url: URL, sources: string[]): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(url, { execArgv: [] });
    worker.once("message", (message: { results?: string[]; error?: string }) => {
      void worker.terminate();
      if (message.error !== undefined) reject(new Error(`formatting generated code failed: ${message.error}`));
      else resolve(message.results!);
    });
    worker.once("error", (error) => {
      void worker.terminate();
      reject(error);
    });
    worker.postMessage({ id: 0, sources });
  });
}
