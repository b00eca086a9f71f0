/**
 * `generated/.arkitekt-gen.json`: per stage, the content key it last ran with, the hash of each of
 * its input files (read by `run prod`'s freshness check, freshness.ts) and the hash of each file it
 * wrote. Committed with the rest of `generated/`: `gen` and `gen --check` skip a stage whose
 * key is unchanged (after checking its files still have their hashes), and `--check` names a file
 * whose hash no longer matches (edited by hand). Written deterministically (sorted, no times).
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { z } from "zod";
import type { ProjectConfig } from "./config.js";
import type { Logger } from "../shared/logger.js";

export const MANIFEST_FILE = ".arkitekt-gen.json";

const entrySchema = z.strictObject({
  /** Null when the stage's inputs cannot be hashed (it then runs every time). */
  key: z.string().nullable(),
  counts: z.record(z.string(), z.number()).optional(),
  /**
   * The sha256 of each input file when gen ran (null: missing), so `run prod` can name the source
   * that changed since without loading the generator (freshness.ts). Absent for a volatile stage.
   */
  inputs: z.record(z.string(), z.string().nullable()).optional(),
  files: z.record(z.string(), z.string()),
});

const manifestSchema = z.strictObject({
  $comment: z.string().optional(),
  version: z.literal(1),
  stages: z.record(z.string(), entrySchema),
});

export type ManifestEntry = z.infer<typeof entrySchema>;
export type Manifest = z.infer<typeof manifestSchema>;

/** Where the manifest lives: beside the functions' output (`generated/` by default). */
export function manifestPath(config: ProjectConfig): string {
  return `${config.functions?.out ?? "generated"}/${MANIFEST_FILE}`;
}

/**
 * The manifest at `path` (relative to cwd) as text, and parsed: undefined when absent or unreadable
 * (then every stage runs).
 */
export async function readManifest(cwd: string, path: string, logger: Logger): Promise<{ text?: string; manifest?: Manifest }> {
  const text = await readFile(join(cwd, path), "utf8").catch(() => undefined);
  if (text === undefined) return {};
  try {
    return { text, manifest: manifestSchema.parse(JSON.parse(text)) };
  } catch (error) {
    logger.debug(`${path} is not a manifest this version reads (${(error as Error).message.split("\n")[0]}); every stage runs`);
    return { text };
  }
}

const COMMENT =
  "Written by `arkitekt-next gen`; do not edit. Per stage: the hash of its inputs and of the generator (unchanged: the stage is skipped), the hash of each input file (`run prod` names a source changed since) and the hash of each file it wrote (`gen --check` names a file edited by hand).";

/** The manifest's bytes: stages in run order, files sorted. */
export function renderManifest(stages: ReadonlyArray<{ name: string; entry: ManifestEntry }>): string {
  const out: Manifest = { $comment: COMMENT, version: 1, stages: {} };
  for (const { name, entry } of stages) {
    const files: Record<string, string> = {};
    for (const path of Object.keys(entry.files).sort()) files[path] = entry.files[path]!;
    const inputs: Record<string, string | null> = {};
    for (const path of Object.keys(entry.inputs ?? {}).sort()) inputs[path] = entry.inputs![path]!;
    out.stages[name] = {
      key: entry.key,
      ...(entry.counts && Object.keys(entry.counts).length > 0 ? { counts: entry.counts } : {}),
      ...(entry.inputs ? { inputs } : {}),
      files,
    };
  }
  return `${JSON.stringify(out, null, 2)}\n`;
}
