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

export const PRETTIER_OPTIONS = { parser: "babel-ts", printWidth: 100, trailingComma: "all" } as const;

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
