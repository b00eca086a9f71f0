/**
 * Project configuration for `arkitekt-next gen`: an optional `arkitekt.json` at the project root.
 *
 * ```json
 * { "identifier": "com.example.app", "version": "0.1.0",
 *   "description": "What the app does", "author": "Ada", "scopes": ["read"],   // for the manifest
 *   "functions": { "tsconfig": "tsconfig.json", "out": "generated" },   // or false
 *   "graphql": "codegen.yml",                                           // or false
 *   "actions": { ... } }                                                // remote stubs, passed through
 * ```
 *
 * Defaults: functions run when `tsconfig.json` exists (and `functions` is not false); graphql runs
 * when `codegen.yml` exists (and `graphql` is not false). Options flow: file -> `ProjectConfig`
 * (filled) -> stages.
 */
import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { ArkitektError } from "../shared/errors.js";

export const CONFIG_FILE = "arkitekt.json";

/** A problem with the project configuration; shown as a user error (message + hint). */
export class ConfigError extends ArkitektError {
  override readonly name = "ConfigError";
  readonly code = "ARK_CONFIG";
  constructor(
    message: string,
    override readonly hint: string,
  ) {
    super(message);
  }
}

/** `arkitekt.json` as written (validated). */
export interface ConfigFile {
  $schema?: string;
  identifier?: string;
  version?: string;
  description?: string;
  author?: string;
  scopes?: string[];
  functions?: false | { tsconfig?: string; out?: string };
  graphql?: false | string;
  actions?: unknown;
}

/**
 * The schema of `arkitekt.json`, built on first use: zod (about 100 modules) is loaded only to word
 * the problem of a file `isPlainConfig` does not accept, so `gen` on a valid project never loads it.
 */
function configFileSchema() {
  const { z } = createRequire(import.meta.url)("zod") as typeof import("zod");
  return z.strictObject({
    $schema: z.string().optional(),
    identifier: z.string().optional(),
    version: z.string().optional(),
    description: z.string({ error: "must be a string" }).optional(),
    author: z.string({ error: "must be a string" }).optional(),
    scopes: z
      .array(z.string({ error: "each scope must be a string" }).min(1, { error: "a scope must not be empty" }), {
        error: 'must be a list of strings, e.g. ["read"]',
      })
      .optional(),
    functions: z
      .union([
        z.literal(false),
        z.strictObject({ tsconfig: z.string().optional(), out: z.string().optional() }),
      ])
      .optional(),
    graphql: z.union([z.literal(false), z.string()]).optional(),
    actions: z.unknown().optional(),
  });
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * True when `raw` is a config file the schema accepts (never true for one it refuses): the common
 * case, checked without zod. Anything else goes through the schema, which words the problem.
 */
export function isPlainConfig(raw: unknown): raw is ConfigFile {
  if (!isRecord(raw)) return false;
  for (const [key, value] of Object.entries(raw)) {
    switch (key) {
      case "$schema":
      case "identifier":
      case "version":
      case "description":
      case "author":
        if (typeof value !== "string") return false;
        break;
      case "scopes":
        if (!Array.isArray(value) || !value.every((scope) => typeof scope === "string" && scope.length > 0)) return false;
        break;
      case "functions":
        if (value !== false && !(isRecord(value) && Object.entries(value).every(([k, v]) => (k === "tsconfig" || k === "out") && typeof v === "string"))) return false;
        break;
      case "graphql":
        if (value !== false && typeof value !== "string") return false;
        break;
      case "actions":
        break;
      default:
        return false;
    }
  }
  return true;
}

export interface ProjectConfig {
  cwd: string;
  identifier?: string;
  version?: string;
  description?: string;
  author?: string;
  /** The scopes the app asks the platform for (`arkitekt-next manifest scopes`). */
  scopes?: string[];
  /** Null when the functions stage does not run. */
  functions: { tsconfig: string; out: string } | null;
  /** The codegen config path (relative to cwd), or null when the GraphQL stage does not run. */
  graphql: string | null;
  /** The `actions` section as written, for the remote-stubs stage; undefined when absent. */
  actions: unknown;
  /** Whether `arkitekt.json` exists. */
  fromFile: boolean;
}

export function loadProjectConfig(cwd: string): ProjectConfig {
  const path = join(cwd, CONFIG_FILE);
  let file: ConfigFile = {};
  const fromFile = existsSync(path);
  if (fromFile) {
    let raw: unknown;
    try {
      raw = JSON.parse(readFileSync(path, "utf8"));
    } catch (error) {
      throw new ConfigError(`${CONFIG_FILE} is not valid JSON: ${(error as Error).message}`, `fix ${path}`);
    }
    const parsed = isPlainConfig(raw) ? { success: true as const, data: raw } : configFileSchema().safeParse(raw);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      const where = issue.path.join(".") || "(root)";
      const detail = issue.code === "unrecognized_keys" ? `unknown key "${issue.keys.join('", "')}"` : issue.message;
      throw new ConfigError(
        `${CONFIG_FILE}: ${where}: ${detail}`,
        'allowed keys: identifier, version, description, author, scopes (a list of strings), functions (false or {"tsconfig", "out"}), graphql (false or a codegen config path), actions',
      );
    }
    file = parsed.data;
  }

  let functions: ProjectConfig["functions"] = null;
  if (file.functions !== false) {
    const tsconfig = file.functions?.tsconfig ?? "tsconfig.json";
    const out = (file.functions?.out ?? "generated").replace(/\\/g, "/").replace(/\/+$/, "");
    if (existsSync(join(cwd, tsconfig))) functions = { tsconfig, out };
    else if (file.functions?.tsconfig) {
      throw new ConfigError(`${CONFIG_FILE}: functions.tsconfig "${tsconfig}" does not exist`, `create it or fix the path (relative to ${cwd})`);
    }
  }

  let graphql: string | null = null;
  if (file.graphql !== false) {
    const configPath = file.graphql ?? "codegen.yml";
    if (existsSync(join(cwd, configPath))) graphql = configPath;
    else if (file.graphql) {
      throw new ConfigError(`${CONFIG_FILE}: graphql config "${configPath}" does not exist`, `create it or set "graphql": false`);
    }
  }

  const config: ProjectConfig = { cwd, functions, graphql, actions: file.actions, fromFile };
  if (file.identifier !== undefined) config.identifier = file.identifier;
  if (file.version !== undefined) config.version = file.version;
  if (file.description !== undefined) config.description = file.description;
  if (file.author !== undefined) config.author = file.author;
  if (file.scopes !== undefined) config.scopes = file.scopes;
  return config;
}
