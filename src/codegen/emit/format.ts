/**
 * Formats generated TypeScript with prettier (fixed options, the user's prettier config is
 * ignored so that output is byte-stable everywhere). Results are cached by source text, so an
 * incremental run only formats modules whose content changed.
 */
import type { GeneratedFile } from "../types.js";

type Prettier = typeof import("prettier");
let prettier: Promise<Prettier> | undefined;
const cache = new Map<string, string>();
const CACHE_LIMIT = 5000;

export const PRETTIER_OPTIONS = { parser: "typescript", printWidth: 100, trailingComma: "all" } as const;

export async function formatTypeScript(source: string): Promise<string> {
  const hit = cache.get(source);
  if (hit !== undefined) return hit;
  prettier ??= import("prettier");
  const formatted = await (await prettier).format(source, PRETTIER_OPTIONS);
  if (cache.size >= CACHE_LIMIT) cache.clear();
  cache.set(source, formatted);
  return formatted;
}

/** Formats the `.ts` files of a list; other files pass through. */
export async function formatFiles(files: readonly GeneratedFile[]): Promise<GeneratedFile[]> {
  return Promise.all(
    files.map(async (file) => (file.path.endsWith(".ts") ? { path: file.path, content: await formatTypeScript(file.content) } : file)),
  );
}
