/**
 * `generated/.arkitekt-gen.json`: per stage, the content key it last ran with, the hash of each of
 * its input files (read by `run prod`'s freshness check, freshness.ts) and the hash of each file it
 * wrote. Committed with the rest of `generated/`: `gen` and `gen --check` skip a stage whose
 * key is unchanged (after checking its files still have their hashes), and `--check` names a file
 * whose hash no longer matches (edited by hand). Written deterministically (sorted, no times).
 */
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { join } from "node:path";
import type { ProjectConfig } from "./config.js";
import type { Logger } from "../shared/logger.js";

export const MANIFEST_FILE = ".arkitekt-gen.json";

export interface ManifestEntry {
  /** Null when the stage's inputs cannot be hashed (it then runs every time). */
  key: string | null;
  counts?: Record<string, number>;
  /**
   * The sha256 of each input file when gen ran (null: missing), so `run prod` can name the source
   * that changed since without loading the generator (freshness.ts). Absent for a volatile stage.
   */
  inputs?: Record<string, string | null>;
  files: Record<string, string>;
  /** The source key of each output that has one (GeneratedFile.sourceKey): an unchanged one is not generated again. */
  sources?: Record<string, string>;
  /**
   * The piece index of each output formatted piece by piece (GeneratedFile.pieces): per top-level
   * piece, a hash of its unformatted text and its line count, so the next gen formats only new pieces.
   */
  pieces?: Record<string, string>;
}

export interface Manifest {
  $comment?: string;
  version: 1;
  stages: Record<string, ManifestEntry>;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function recordOf(value: unknown, item: (v: unknown) => boolean): boolean {
  return isRecord(value) && Object.values(value).every(item);
}

const isString = (v: unknown): boolean => typeof v === "string";

function isEntry(value: unknown): boolean {
  if (!isRecord(value)) return false;
  for (const [key, item] of Object.entries(value)) {
    if (key === "key") {
      if (item !== null && typeof item !== "string") return false;
    } else if (key === "counts") {
      if (!recordOf(item, (v) => typeof v === "number" && Number.isFinite(v))) return false;
    } else if (key === "inputs") {
      if (!recordOf(item, (v) => v === null || typeof v === "string")) return false;
    } else if (key === "sources" || key === "pieces") {
      if (!recordOf(item, isString)) return false;
    } else if (key !== "files") return false;
  }
  return "key" in value && recordOf(value.files, isString);
}

/**
 * Whether `raw` is a manifest of this version. Checked by hand: `gen` on an unchanged project reads
 * it before anything else, and zod alone costs that path about a quarter of its time. `problem`
 * words what is wrong (zod, loaded then).
 */
export function isManifest(raw: unknown): raw is Manifest {
  if (!isRecord(raw) || raw.version !== 1 || !recordOf(raw.stages, isEntry)) return false;
  return Object.keys(raw).every((key) => key === "version" || key === "stages" || (key === "$comment" && typeof raw.$comment === "string"));
}

function manifestProblem(raw: unknown): string {
  const { z } = createRequire(import.meta.url)("zod") as typeof import("zod");
  const entrySchema = z.strictObject({
    key: z.string().nullable(),
    counts: z.record(z.string(), z.number()).optional(),
    inputs: z.record(z.string(), z.string().nullable()).optional(),
    files: z.record(z.string(), z.string()),
    sources: z.record(z.string(), z.string()).optional(),
    pieces: z.record(z.string(), z.string()).optional(),
  });
  const schema = z.strictObject({ $comment: z.string().optional(), version: z.literal(1), stages: z.record(z.string(), entrySchema) });
  const result = schema.safeParse(raw);
  return result.success ? "not a manifest" : (result.error.message.split("\n")[0] ?? "not a manifest");
}

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
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    logger.debug(`${path} is not JSON (${(error as Error).message}); every stage runs`);
    return { text };
  }
  if (isManifest(raw)) return { text, manifest: raw };
  logger.debug(`${path} is not a manifest this version reads (${manifestProblem(raw)}); every stage runs`);
  return { text };
}

const COMMENT =
  "Written by `arkitekt-next gen`; do not edit. Per stage: the hash of its inputs and of the generator (unchanged: the stage is skipped), the hash of each input file (`run prod` names a source changed since), the hash of each file it wrote (`gen --check` names a file edited by hand) and, per output that records one, a hash of that output's own inputs (unchanged: the file is kept, not generated again) and its piece index (a hash and a line count per top-level piece: an unchanged piece is not formatted again).";

/** The manifest's bytes: stages in run order, files sorted. */
export function renderManifest(stages: ReadonlyArray<{ name: string; entry: ManifestEntry }>): string {
  const out: Manifest = { $comment: COMMENT, version: 1, stages: {} };
  for (const { name, entry } of stages) {
    const files: Record<string, string> = {};
    for (const path of Object.keys(entry.files).sort()) files[path] = entry.files[path]!;
    const inputs: Record<string, string | null> = {};
    for (const path of Object.keys(entry.inputs ?? {}).sort()) inputs[path] = entry.inputs![path]!;
    const sources: Record<string, string> = {};
    for (const path of Object.keys(entry.sources ?? {}).sort()) if (entry.files[path] !== undefined) sources[path] = entry.sources![path]!;
    const pieces: Record<string, string> = {};
    for (const path of Object.keys(entry.pieces ?? {}).sort()) if (entry.files[path] !== undefined) pieces[path] = entry.pieces![path]!;
    out.stages[name] = {
      key: entry.key,
      ...(entry.counts && Object.keys(entry.counts).length > 0 ? { counts: entry.counts } : {}),
      ...(entry.inputs ? { inputs } : {}),
      files,
      ...(Object.keys(sources).length > 0 ? { sources } : {}),
      ...(Object.keys(pieces).length > 0 ? { pieces } : {}),
    };
  }
  return `${JSON.stringify(out, null, 2)}\n`;
}
