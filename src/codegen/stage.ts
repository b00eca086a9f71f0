/**
 * The contract between `arkitekt-next gen` and its stages. A stage turns inputs into files and
 * diagnostics; it never touches the disk (the orchestrator writes, all or nothing, or compares in
 * `--check` mode). Each stage also names its inputs cheaply (without loading its heavy modules),
 * so the orchestrator can hash them into a content key and skip the stage when nothing changed.
 *
 * Adding a stage: one file that exports a `Stage` (see functions/stage.ts for the pattern) and one
 * line in stages.ts. The orchestrator (index.ts) needs no edit.
 */
import type { ProjectConfig } from "./config.js";
import type { Logger } from "../shared/logger.js";
import type { StageResult } from "./types.js";
import { ArkitektError } from "../shared/errors.js";

/** What a stage knows about the project it runs in. */
export interface StageContext {
  /** The project directory (absolute). */
  cwd: string;
  config: ProjectConfig;
  logger: Logger;
  /** `gen --refresh-actions`. */
  refreshActions: boolean;
  /**
   * The file at `path` as the last gen wrote it, when it still has the hash the manifest records,
   * with its recorded source key and piece index (GeneratedFile.sourceKey, .pieces); else
   * undefined. A stage generates only the outputs whose source key changed, and formats only their
   * changed pieces (prettier is most of a GraphQL run).
   */
  previous?(path: string): Promise<PreviousOutput | undefined>;
}

/** An output as the last gen wrote it (StageContext.previous). */
export interface PreviousOutput {
  content: string;
  sourceKey?: string;
  pieces?: string;
}

/** What a stage's output depends on, beyond the generator's own code (hashed by the orchestrator). */
export interface StageInputs {
  /** Files the output depends on, relative to cwd with posix separators; a missing file counts as missing. */
  files: string[];
  /** Other values the output depends on (config sections, expanded settings), as JSON. */
  settings?: unknown;
  /**
   * Set when the output depends on something no hash here can cover (a schema fetched from a URL,
   * `--refresh-actions`): the stage then runs every time. The text says why (shown with --verbose).
   */
  volatile?: string;
}

/** A stage's result: files and diagnostics, plus counts for the summary line (e.g. `{ functions: 7 }`). */
export interface StageOutput extends StageResult {
  counts?: Record<string, number>;
}

/** One stage bound to one project; kept alive between `--watch` rounds. */
export interface StageRunner {
  /** The stage's inputs; must be cheap (no ts-morph, no graphql-codegen). */
  inputs(): Promise<StageInputs>;
  /** Produces the files. `check`: `gen --check` is running (a stage may be stricter then). */
  run(options: { check: boolean }): Promise<StageOutput>;
  /** Files changed on disk (absolute paths), for stages that keep state between runs. */
  update?(paths: readonly string[]): void;
}

/** A folder a stage owns entirely: files there (with this extension) that it no longer produces are removed. */
export interface OwnedFolder {
  folder: string;
  extension: string;
}

export interface Stage {
  /** The stage's name in reports and in the manifest (`generated/.arkitekt-gen.json`). */
  readonly name: string;
  /** Whether this project runs the stage (from arkitekt.json and the files present). */
  enabled(config: ProjectConfig): boolean;
  /** Folders the stage owns entirely (see OwnedFolder). */
  owns?(config: ProjectConfig): OwnedFolder[];
  /** Binds the stage to a project. Must not load heavy modules: do that in `run`. */
  open(context: StageContext): StageRunner;
}

/** A stage module the project needs is not part of this build. */
export class MissingStageError extends ArkitektError {
  override readonly name = "MissingStageError";
  readonly code = "ARK_MISSING_STAGE";
  constructor(
    stage: string,
    override readonly hint: string,
  ) {
    super(`this project needs the ${stage} stage, which this build of arkitekt-next does not include`);
  }
}

/**
 * Loads a stage's module lazily (`load` is `() => import("./index.js")` written in the stage's own
 * folder, so the specifier resolves there). A missing module becomes a MissingStageError.
 */
export async function loadStageModule<T>(stage: string, specifier: string, load: () => Promise<unknown>, exportName: string): Promise<T> {
  let mod: Record<string, unknown>;
  try {
    mod = (await load()) as Record<string, unknown>;
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === "ERR_MODULE_NOT_FOUND" && String((error as Error).message).includes(specifier.replace(/^\.\//, ""))) {
      throw new MissingStageError(stage, `turn the stage off in arkitekt.json, or update arkitekt-next (${specifier} is missing)`);
    }
    throw error;
  }
  if (typeof mod[exportName] !== "function") {
    throw new MissingStageError(stage, `${specifier} does not export ${exportName}(); update arkitekt-next`);
  }
  return mod as T;
}
