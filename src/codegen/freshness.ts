/**
 * Is `generated/` still what `gen` would write for the sources on disk? Answered cheaply for
 * `run prod`, without loading ts-morph, graphql-codegen or the generator's fingerprint: the manifest
 * (`generated/.arkitekt-gen.json`) records the sha256 of every input file of every stage, and this
 * module lists each stage's inputs again (the stage descriptors' `inputs()`, which are cheap by
 * contract) and compares hashes.
 *
 * Stale: an input whose bytes changed, an input that is gone, a new input that is not a `.json`
 * file (an app may write data files into its folder at run time; a new source file counts), a
 * stage the manifest does not know, and a generated file edited by hand or missing. Not covered:
 * a change of the generator itself (another arkitekt-next version) or of a stage's settings; `gen
 * --check` in CI covers those.
 */
import { verifyOutputs } from "./check.js";
import type { ProjectConfig } from "./config.js";
import { hashInputs } from "./key.js";
import { manifestPath, readManifest } from "./manifest.js";
import type { Stage } from "./stage.js";
import { STAGES } from "./stages.js";
import { silentLogger } from "../shared/logger.js";

/** One reason `generated/` is stale. */
export interface StaleInput {
  stage: string;
  /** Relative to the project directory (posix). */
  path: string;
  /**
   * `changed` / `deleted` / `new`: an input of the stage since the last gen; `edited` / `missing`:
   * a file gen wrote; `not-generated`: the manifest has no entry for this stage.
   */
  reason: "changed" | "deleted" | "new" | "edited" | "missing" | "not-generated";
}

export type FreshnessResult =
  | { ok: true; manifest: string }
  /** No manifest, or one this version cannot read (written by another version, or without input hashes). */
  | { ok: false; manifest: string; problem: "NO_MANIFEST" | "UNREADABLE_MANIFEST"; detail: string }
  | { ok: false; manifest: string; problem: "STALE"; stale: StaleInput[] };

/** Checks every enabled stage of the project at `config.cwd` against the manifest. */
export interface FreshnessOptions {
  /** Inputs to leave out (e.g. the app's compiled output when its outDir is not `dist`). */
  ignore?: (path: string) => boolean;
  stages?: readonly Stage[];
}

export async function checkFreshness(config: ProjectConfig, options: FreshnessOptions = {}): Promise<FreshnessResult> {
  const stages = options.stages ?? STAGES;
  const ignore = options.ignore ?? (() => false);
  const cwd = config.cwd;
  const manifest = manifestPath(config);
  const read = await readManifest(cwd, manifest, silentLogger);
  if (read.text === undefined) return { ok: false, manifest, problem: "NO_MANIFEST", detail: `${manifest} does not exist` };
  if (!read.manifest) {
    return { ok: false, manifest, problem: "UNREADABLE_MANIFEST", detail: `${manifest} was written by another version of arkitekt-next` };
  }
  const stale: StaleInput[] = [];
  const context = { cwd, config, logger: silentLogger, refreshActions: false };
  for (const stage of stages.filter((s) => s.enabled(config))) {
    const recorded = read.manifest.stages[stage.name];
    if (!recorded) {
      stale.push({ stage: stage.name, path: manifest, reason: "not-generated" });
      continue;
    }
    const { problems } = await verifyOutputs(cwd, recorded);
    for (const problem of problems) stale.push({ stage: stage.name, path: problem.path, reason: problem.reason === "missing" ? "missing" : "edited" });
    const inputs = await stage.open(context).inputs();
    // A volatile stage (a schema from a URL) has nothing to compare: gen runs it every time.
    if (recorded.key === null || inputs.volatile !== undefined) continue;
    if (!recorded.inputs) {
      return {
        ok: false,
        manifest,
        problem: "UNREADABLE_MANIFEST",
        detail: `${manifest} has no input hashes for the ${stage.name} stage (written by an older arkitekt-next)`,
      };
    }
    const current = await hashInputs(cwd, inputs.files);
    for (const [path, hash] of Object.entries(current)) {
      if (ignore(path)) continue;
      if (!(path in recorded.inputs)) {
        if (hash !== null && !path.endsWith(".json")) stale.push({ stage: stage.name, path, reason: "new" });
      } else if (recorded.inputs[path] !== hash) stale.push({ stage: stage.name, path, reason: hash === null ? "deleted" : "changed" });
    }
    for (const path of Object.keys(recorded.inputs)) {
      if (!(path in current) && recorded.inputs[path] !== null && !ignore(path)) stale.push({ stage: stage.name, path, reason: "deleted" });
    }
  }
  stale.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return stale.length === 0 ? { ok: true, manifest } : { ok: false, manifest, problem: "STALE", stale };
}

/** "src/filters.ts (changed since the last gen)". */
export function describeStale(item: StaleInput): string {
  const why: Record<StaleInput["reason"], string> = {
    changed: "changed since the last gen",
    deleted: "deleted since the last gen",
    new: "new since the last gen",
    edited: "edited by hand since gen wrote it",
    missing: "missing: gen wrote it",
    "not-generated": `has no entry for the ${item.stage} stage`,
  };
  return `${item.path} (${why[item.reason]})`;
}
