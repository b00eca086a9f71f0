/**
 * Reads a project's `codegen.yml` into a list of targets, one per output file.
 *
 * The accepted shape is the usual graphql-codegen one, minus what needs the graphql-codegen CLI:
 *
 * ```yaml
 * schema: schemas/rekuest.graphql        # top-level default: path, glob, URL, or a list of them
 * documents: graphql/rekuest/*.graphql   # top-level default
 * config: { scalars: { Micrometers: number } }
 * generates:
 *   generated/api/rekuest.ts:
 *     schema: ...                        # optional, overrides the top level
 *     documents: ...                     # optional
 *     plugins: [typescript-operations, typed-document-node, arkitekt-next]   # optional, this is the default
 *     config: { clientImport: arkitekt-next }                                # merged over the top level
 * ```
 *
 * A URL schema may be written as `{ "https://host/graphql": { headers: {...}, token: "..." } }`.
 * `${NAME}` and `${NAME:default}` in any string are replaced from the environment.
 */
import type { Diagnostic } from "../types.js";
import { ArkitektError } from "../../shared/errors.js";

/** Where one schema comes from. */
export type SchemaSource =
  | { kind: "file"; pattern: string }
  | { kind: "url"; url: string; headers: Record<string, string>; token?: string };

/** A plugin entry as written, normalised to a name and its own config. */
export interface PluginEntry {
  name: string;
  config: Record<string, unknown>;
}

/** One `generates` entry with the top-level defaults filled in. */
export interface CodegenTarget {
  /** Output path relative to the project directory (posix separators). */
  output: string;
  schema: SchemaSource[];
  /** Glob patterns; a leading `!` excludes. */
  documents: string[];
  plugins: PluginEntry[];
  config: Record<string, unknown>;
}

export interface CodegenConfig {
  targets: CodegenTarget[];
}

/**
 * Plugins this stage runs in-process. `typescript` is accepted and skipped next to
 * `typescript-operations` (see below); `typescript` + `typescript-resolvers` type a server's
 * resolvers (the embedded server's own are generated that way).
 */
export const SUPPORTED_PLUGINS = [
  "typescript",
  "typescript-operations",
  "typed-document-node",
  "typescript-resolvers",
  "arkitekt-next",
] as const;

export const DEFAULT_PLUGINS: readonly string[] = [
  "typescript-operations",
  "typed-document-node",
  "arkitekt-next",
];

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Replaces `${NAME}` / `${NAME:default}` from the environment in every string of a parsed YAML value. */
export function expandEnv(value: unknown, env: NodeJS.ProcessEnv): unknown {
  if (typeof value === "string") {
    return value.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)(?::([^}]*))?\}/g, (_m, name: string, fallback?: string) => {
      return env[name] ?? fallback ?? "";
    });
  }
  if (Array.isArray(value)) return value.map((item) => expandEnv(item, env));
  if (isRecord(value)) {
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) out[key] = expandEnv(item, env);
    return out;
  }
  return value;
}

class ConfigProblem extends ArkitektError {
  override readonly name = "ConfigProblem";
  readonly code = "ARK_CODEGEN_CONFIG";
  constructor(
    message: string,
    override readonly hint: string,
  ) {
    super(message);
  }
}

function isUrl(text: string): boolean {
  return /^https?:\/\//i.test(text);
}

function stringRecord(value: unknown, where: string): Record<string, string> {
  if (value === undefined) return {};
  if (!isRecord(value)) throw new ConfigProblem(`${where} must be a map of strings`, "write e.g. `headers: { X-Team: imaging }`");
  const out: Record<string, string> = {};
  for (const [key, item] of Object.entries(value)) out[key] = String(item);
  return out;
}

function schemaSources(value: unknown, where: string): SchemaSource[] {
  const items = Array.isArray(value) ? value : [value];
  const out: SchemaSource[] = [];
  for (const item of items) {
    if (typeof item === "string") {
      out.push(isUrl(item) ? { kind: "url", url: item, headers: {} } : { kind: "file", pattern: item });
    } else if (isRecord(item) && Object.keys(item).length === 1) {
      const [key, options] = Object.entries(item)[0] as [string, unknown];
      if (!isUrl(key)) {
        out.push({ kind: "file", pattern: key });
        continue;
      }
      const opts = isRecord(options) ? options : {};
      const source: SchemaSource = { kind: "url", url: key, headers: stringRecord(opts.headers, `${where}: headers of ${key}`) };
      if (typeof opts.token === "string" && opts.token !== "") source.token = opts.token;
      out.push(source);
    } else {
      throw new ConfigProblem(
        `${where} must be a path, a glob, a URL, or a list of them`,
        "write e.g. `schema: schemas/rekuest.graphql` or `schema: [{ \"http://127.0.0.1:8080/graphql\": { token: \"${ARKITEKT_TOKEN}\" } }]`",
      );
    }
  }
  return out;
}

function documentPatterns(value: unknown, where: string): string[] {
  const items = Array.isArray(value) ? value : [value];
  return items.map((item) => {
    if (typeof item !== "string") {
      throw new ConfigProblem(`${where} must be a glob or a list of globs`, "write e.g. `documents: graphql/rekuest/*.graphql`");
    }
    return item;
  });
}

function pluginEntries(value: unknown, where: string): PluginEntry[] {
  if (!Array.isArray(value)) {
    throw new ConfigProblem(`${where} must be a list`, `write e.g. \`plugins: [${DEFAULT_PLUGINS.join(", ")}]\``);
  }
  return value.map((item) => {
    let name: string;
    let config: Record<string, unknown> = {};
    if (typeof item === "string") name = item;
    else if (isRecord(item) && Object.keys(item).length === 1) {
      const [key, options] = Object.entries(item)[0] as [string, unknown];
      name = key;
      if (isRecord(options)) config = options;
    } else {
      throw new ConfigProblem(`${where}: a plugin must be a name or { name: config }`, "write e.g. `- typescript-operations`");
    }
    if (!(SUPPORTED_PLUGINS as readonly string[]).includes(name)) {
      throw new ConfigProblem(
        `${where}: plugin "${name}" is not run by arkitekt-next gen`,
        `use ${SUPPORTED_PLUGINS.join(", ")}; run other plugins with the graphql-codegen CLI in a separate config`,
      );
    }
    return { name, config };
  });
}

/**
 * Parses the YAML text of a codegen config. Problems come back as diagnostics on `file`
 * (line 0: the YAML parser's own positions are used for syntax errors only).
 */
export async function parseCodegenConfig(
  text: string,
  file: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<{ config?: CodegenConfig; diagnostics: Diagnostic[] }> {
  const { parseDocument } = await import("yaml");
  const doc = parseDocument(text, { prettyErrors: true });
  if (doc.errors.length > 0) {
    const diagnostics = doc.errors.map((error) => {
      const pos = error.linePos?.[0];
      return {
        file,
        line: pos?.line ?? 0,
        column: pos?.col ?? 0,
        message: `invalid YAML: ${(error.message.split("\n")[0] ?? "").replace(/ at line \d+, column \d+:?$/, "")}`,
        hint: "fix the YAML syntax of the codegen config",
        code: "ARK_CODEGEN_CONFIG",
      } satisfies Diagnostic;
    });
    return { diagnostics };
  }
  const raw = expandEnv(doc.toJS() as Json, env);
  try {
    return { config: normaliseConfig(raw), diagnostics: [] };
  } catch (error) {
    if (error instanceof ConfigProblem) {
      return { diagnostics: [{ file, line: 0, column: 0, message: error.message, hint: error.hint, code: "ARK_CODEGEN_CONFIG" }] };
    }
    throw error;
  }
}

function normaliseConfig(raw: unknown): CodegenConfig {
  if (!isRecord(raw)) {
    throw new ConfigProblem("the codegen config must be a YAML map", "start from the package's own codegen.yml");
  }
  if (!isRecord(raw.generates) || Object.keys(raw.generates).length === 0) {
    throw new ConfigProblem("`generates` is missing or empty", "add `generates: { generated/api/<service>.ts: { schema: ..., documents: ... } }`");
  }
  const topConfig = isRecord(raw.config) ? raw.config : {};
  const targets: CodegenTarget[] = [];
  for (const [output, value] of Object.entries(raw.generates)) {
    const entry = isRecord(value) ? value : {};
    const where = `generates["${output}"]`;
    const schemaValue = entry.schema ?? raw.schema;
    if (schemaValue === undefined) {
      throw new ConfigProblem(`${where} has no schema`, "set `schema:` at the top level or in the entry");
    }
    const documentsValue = entry.documents ?? raw.documents ?? [];
    // graphql-codegen allows `generates: { path: [plugins] }`
    const pluginsValue = Array.isArray(value) ? value : (entry.plugins ?? [...DEFAULT_PLUGINS]);
    targets.push({
      output: output.replace(/\\/g, "/"),
      schema: schemaSources(schemaValue, `${where}.schema`),
      documents: documentPatterns(documentsValue, `${where}.documents`),
      plugins: pluginEntries(pluginsValue, `${where}.plugins`),
      config: { ...topConfig, ...(isRecord(entry.config) ? entry.config : {}) },
    });
  }
  targets.sort((a, b) => (a.output < b.output ? -1 : a.output > b.output ? 1 : 0));
  return { targets };
}
