/**
 * `arkitekt-next manifest`: the app's manifest. `manifest` (or `manifest show`) prints and
 * validates `arkitekt.json` and `generated/definitions.json`; `manifest version` bumps or sets the
 * version; `manifest scopes` lists, adds and removes scopes. Edits rewrite only the keys they change
 * in `arkitekt.json` (the rest of the file stays as written).
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { Command } from "commander";
import { UserError, ReportedError } from "../errors.js";
import {
  bumpVersion,
  identifierProblem,
  scopeProblem,
  setTopLevelKeys,
  versionProblem,
  type VersionBump,
} from "../app-manifest.js";
import type { ProjectConfig } from "../../codegen/config.js";
import type { Manifest } from "../../definition/model.js";

/** The project configuration file (codegen/config.ts's CONFIG_FILE, without loading zod for `--help`). */
const CONFIG_FILE = "arkitekt.json";

export interface ManifestCommandOptions {
  cwd?: string;
  json?: boolean;
}

/** One thing wrong with the manifest: the file, the field (a path into it) and what is wrong. */
export interface ManifestProblem {
  file: string;
  field: string;
  message: string;
}

export interface ManifestReport {
  ok: boolean;
  /** `arkitekt.json` as parsed (null when missing or not JSON). */
  app: Record<string, unknown> | null;
  /** The definitions file, relative to the project (null for a project without functions). */
  definitionsFile: string | null;
  /** Its content when it parsed (null when missing or not JSON). */
  definitions: unknown[] | null;
  problems: ManifestProblem[];
}

const GEN_HINT = "run `arkitekt-next gen`";

/** Reads and validates both manifest files; never throws for what is wrong with them. */
export async function readManifest(cwd: string): Promise<ManifestReport> {
  // Loaded here, not at the top: `arkitekt-next --help` must not pay for zod.
  const [{ ConfigError, loadProjectConfig }, { manifestSchema }] = await Promise.all([import("../../codegen/config.js"), import("../../definition/model.js")]);
  const problems: ManifestProblem[] = [];
  const appPath = join(cwd, CONFIG_FILE);
  let app: Record<string, unknown> | null = null;
  let config: ProjectConfig | undefined;
  if (!existsSync(appPath)) {
    problems.push({ file: CONFIG_FILE, field: "(file)", message: `missing in ${cwd}; create it with \`arkitekt-next init\`` });
  } else {
    try {
      const parsed = JSON.parse(readFileSync(appPath, "utf8")) as unknown;
      app = parsed !== null && typeof parsed === "object" && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : null;
    } catch {
      // loadProjectConfig reports it
    }
    try {
      config = loadProjectConfig(cwd);
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      const [, field, message] = /^arkitekt\.json: ([^:]+): (.*)$/s.exec(error.message) ?? [];
      problems.push({ file: CONFIG_FILE, field: field ?? "(file)", message: `${message ?? error.message} (${error.hint})` });
    }
    if (config) {
      if (config.identifier === undefined) problems.push({ file: CONFIG_FILE, field: "identifier", message: "missing: the platform knows the app by it" });
      else {
        const why = identifierProblem(config.identifier);
        if (why) problems.push({ file: CONFIG_FILE, field: "identifier", message: why });
      }
      if (config.version === undefined) problems.push({ file: CONFIG_FILE, field: "version", message: "missing: set it with `arkitekt-next manifest version set 0.1.0`" });
      else {
        const why = versionProblem(config.version);
        if (why) problems.push({ file: CONFIG_FILE, field: "version", message: why });
      }
      (config.scopes ?? []).forEach((scope, i) => {
        const why = scopeProblem(scope);
        if (why) problems.push({ file: CONFIG_FILE, field: `scopes[${i}]`, message: why });
      });
    }
  }

  // Without a readable config, look where gen writes by default.
  const functions = config ? config.functions : { out: "generated" };
  const definitionsFile = functions ? `${functions.out}/definitions.json` : null;
  let definitions: unknown[] | null = null;
  if (definitionsFile) {
    const path = join(cwd, definitionsFile);
    if (!existsSync(path)) {
      problems.push({ file: definitionsFile, field: "(file)", message: `missing: ${GEN_HINT} to write it` });
    } else {
      let parsed: unknown;
      try {
        parsed = JSON.parse(readFileSync(path, "utf8"));
      } catch (error) {
        problems.push({ file: definitionsFile, field: "(file)", message: `not valid JSON (${(error as Error).message}); ${GEN_HINT} to rewrite it` });
      }
      if (parsed !== undefined) {
        if (Array.isArray(parsed)) definitions = parsed;
        const result = manifestSchema.safeParse(parsed);
        if (!result.success) {
          for (const issue of result.error.issues.slice(0, 20)) {
            problems.push({ file: definitionsFile, field: fieldPath(issue.path, parsed), message: `${issueMessage(issue)}; ${GEN_HINT} to rewrite it` });
          }
        }
      }
    }
  }
  return { ok: problems.length === 0, app, definitionsFile, definitions, problems };
}

/** `[0].definition.args[1].kind (gradient)`: the path, and which action it is in. */
function fieldPath(path: PropertyKey[], root: unknown): string {
  if (path.length === 0) return "(root)";
  const text = path.map((p, i) => (typeof p === "number" ? `[${p}]` : `${i === 0 ? "" : "."}${String(p)}`)).join("");
  const first = path[0];
  const entry = typeof first === "number" && Array.isArray(root) ? (root[first] as { interface?: unknown } | undefined) : undefined;
  return typeof entry?.interface === "string" ? `${text} (${entry.interface})` : text;
}

function issueMessage(issue: { code: string; message: string; keys?: string[] }): string {
  return issue.code === "unrecognized_keys" && issue.keys ? `unknown key "${issue.keys.join('", "')}"` : issue.message;
}

function formatReport(report: ManifestReport): string {
  const lines: string[] = [];
  const app = report.app ?? {};
  const show = (value: unknown): string => (value === undefined ? "(not set)" : typeof value === "string" ? value || '""' : JSON.stringify(value));
  lines.push(CONFIG_FILE);
  for (const key of ["identifier", "version", "description", "author"]) lines.push(`  ${key.padEnd(12)} ${show(app[key])}`);
  const scopes = app.scopes;
  lines.push(`  ${"scopes".padEnd(12)} ${Array.isArray(scopes) ? (scopes.length === 0 ? "(none)" : scopes.join(", ")) : show(scopes)}`);
  if (report.definitionsFile) {
    const list = (report.definitions ?? []) as Array<Partial<Manifest[number]>>;
    lines.push(`${report.definitionsFile}: ${list.length} action${list.length === 1 ? "" : "s"}`);
    const width = Math.max(0, ...list.map((entry) => String(entry.definition?.key ?? entry.interface ?? "?").length));
    for (const entry of list) {
      const d = entry.definition;
      const ports = (p: unknown): string => (Array.isArray(p) ? p.map((x: { key?: unknown }) => String(x?.key)).join(", ") : "?");
      lines.push(`  ${String(d?.key ?? entry.interface ?? "?").padEnd(width)}  ${String(d?.kind ?? "?").padEnd(9)} (${ports(d?.args)}) -> ${ports(d?.returns) || "nothing"}`);
    }
  }
  if (report.ok) lines.push("valid");
  else {
    lines.push(`${report.problems.length} problem${report.problems.length === 1 ? "" : "s"}:`);
    for (const p of report.problems) lines.push(`  ${p.file}: ${p.field}: ${p.message}`);
  }
  return `${lines.join("\n")}\n`;
}

/** `manifest show`: prints the report; exit 1 when anything is wrong. */
export async function showManifest(options: ManifestCommandOptions): Promise<ManifestReport> {
  const report = await readManifest(resolve(options.cwd ?? process.cwd()));
  process.stdout.write(options.json ? `${JSON.stringify(report, null, 2)}\n` : formatReport(report));
  if (!report.ok) throw new ReportedError(1);
  return report;
}

// --- edits -----------------------------------------------------------------------------------

/** `arkitekt.json` of the project, parsed; a user error when missing or not an object. */
function readAppFile(cwd: string): { path: string; text: string; data: Record<string, unknown> } {
  const path = join(cwd, CONFIG_FILE);
  if (!existsSync(path)) throw new UserError(`no ${CONFIG_FILE} in ${cwd}`, "run it in your app's folder (or pass --cwd), or create the app with `arkitekt-next init`");
  const text = readFileSync(path, "utf8");
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new UserError(`${path} is not valid JSON: ${(error as Error).message}`, `fix ${path}, then run the command again`);
  }
  if (data === null || typeof data !== "object" || Array.isArray(data)) {
    throw new UserError(`${path} is not a JSON object`, 'write it as { "identifier": "...", "version": "0.1.0", ... }');
  }
  return { path, text, data: data as Record<string, unknown> };
}

/** `manifest version patch|minor|major|set X`: writes the new version and returns it. */
export function setManifestVersion(cwd: string, action: string, value?: string): { from: string | undefined; to: string } {
  const { path, text, data } = readAppFile(cwd);
  const current = typeof data.version === "string" ? data.version : undefined;
  let next: string;
  if (action === "set") {
    if (value === undefined) throw new UserError("manifest version set needs the version", "e.g. arkitekt-next manifest version set 1.0.0");
    const why = versionProblem(value);
    if (why) throw new UserError(why, "write the version as MAJOR.MINOR.PATCH, e.g. 1.0.0");
    next = value;
  } else if (action === "patch" || action === "minor" || action === "major") {
    if (value !== undefined) throw new UserError(`manifest version ${action} takes no value (got "${value}")`, `to choose the version, use: arkitekt-next manifest version set ${value}`);
    if (current === undefined) throw new UserError(`${path} has no version to bump`, "set one first: arkitekt-next manifest version set 0.1.0");
    const why = versionProblem(current);
    if (why) throw new UserError(`${path}: version: ${why}`, "set a valid one: arkitekt-next manifest version set 0.1.0");
    next = bumpVersion(current, action as VersionBump);
  } else {
    throw new UserError(`unknown version action "${action}"`, "use patch, minor, major, or set <version>");
  }
  writeFileSync(path, setTopLevelKeys(text, { version: next }));
  return { from: current, to: next };
}

/** `manifest scopes add|remove|list`: returns the scopes after the change. */
export function changeManifestScopes(cwd: string, action: string, scopes: string[]): { scopes: string[]; unchanged: string[] } {
  const { path, text, data } = readAppFile(cwd);
  const raw = data.scopes;
  if (raw !== undefined && !(Array.isArray(raw) && raw.every((s) => typeof s === "string"))) {
    throw new UserError(`${path}: scopes: must be a list of strings`, 'fix it, e.g. "scopes": ["read"]');
  }
  const current = (raw ?? []) as string[];
  if (action === "list") {
    if (scopes.length > 0) throw new UserError("manifest scopes list takes no scopes", "to add them: arkitekt-next manifest scopes add <scope...>");
    return { scopes: current, unchanged: [] };
  }
  if (action !== "add" && action !== "remove") throw new UserError(`unknown scopes action "${action}"`, "use add, remove or list");
  if (scopes.length === 0) throw new UserError(`manifest scopes ${action} needs at least one scope`, `e.g. arkitekt-next manifest scopes ${action} read`);
  for (const scope of scopes) {
    const why = scopeProblem(scope);
    if (why) throw new UserError(why, "pass each scope as its own argument: manifest scopes add read write");
  }
  const unchanged: string[] = [];
  let next: string[];
  if (action === "add") {
    next = [...current];
    for (const scope of scopes) {
      if (next.includes(scope)) unchanged.push(scope);
      else next.push(scope);
    }
  } else {
    for (const scope of scopes) if (!current.includes(scope)) unchanged.push(scope);
    next = current.filter((s) => !scopes.includes(s));
  }
  if (next.length !== current.length || raw === undefined) writeFileSync(path, setTopLevelKeys(text, { scopes: next }));
  return { scopes: next, unchanged };
}

/** `manifest --cwd x show` and `manifest show --cwd x` alike: commander gives a flag to the command that declares it first. */
function withParent(opts: ManifestCommandOptions, command: Command): ManifestCommandOptions {
  return { ...(command.parent?.opts() as ManifestCommandOptions | undefined), ...opts };
}

export function manifestCommand(): Command {
  const cwdOption = ["--cwd <dir>", "the project directory (default: the current directory)"] as const;
  const show = new Command("show")
    .description("print and validate arkitekt.json and generated/definitions.json (exit 1 when invalid)")
    .option(...cwdOption)
    .option("--json", "print the report as JSON ({ ok, app, definitionsFile, definitions, problems })")
    .addHelpText("after", "\nExamples:\n  $ arkitekt-next manifest show\n  $ arkitekt-next manifest show --json --cwd ../myapp")
    .action(async (opts: ManifestCommandOptions, command: Command) => {
      await showManifest(withParent(opts, command));
    });

  const version = new Command("version")
    .description("bump the app's version (patch, minor, major) or set it (set X); semver")
    .argument("<action>", "patch | minor | major | set")
    .argument("[version]", "the version, for set")
    .option(...cwdOption)
    .addHelpText(
      "after",
      `
A bump releases a prerelease that it reaches, as npm version does (1.2.0-rc.1: minor -> 1.2.0).
Only the "version" value of arkitekt.json is rewritten; the rest of the file stays as written.

Examples:
  $ arkitekt-next manifest version patch        # 0.1.0 -> 0.1.1
  $ arkitekt-next manifest version set 1.0.0-beta.1`,
    )
    .action((action: string, value: string | undefined, own: ManifestCommandOptions, command: Command) => {
      const opts = withParent(own, command);
      const { from, to } = setManifestVersion(resolve(opts.cwd ?? process.cwd()), action, value);
      process.stdout.write(`version ${from ?? "(none)"} -> ${to}\n`);
    });

  const scopes = new Command("scopes")
    .description("list, add or remove the scopes the app asks the platform for")
    .argument("<action>", "list | add | remove")
    .argument("[scopes...]", "the scopes, for add and remove")
    .option(...cwdOption)
    .option("--json", "list: print the scopes as a JSON array")
    .addHelpText(
      "after",
      `
Examples:
  $ arkitekt-next manifest scopes list
  $ arkitekt-next manifest scopes add read write
  $ arkitekt-next manifest scopes remove write`,
    )
    .action((action: string, list: string[], own: ManifestCommandOptions, command: Command) => {
      const opts = withParent(own, command);
      const result = changeManifestScopes(resolve(opts.cwd ?? process.cwd()), action, list);
      if (action === "list") {
        process.stdout.write(opts.json ? `${JSON.stringify(result.scopes)}\n` : result.scopes.map((s) => `${s}\n`).join(""));
        return;
      }
      if (result.unchanged.length > 0) {
        process.stderr.write(`${action === "add" ? "already there" : "not there"}: ${result.unchanged.join(", ")}\n`);
      }
      process.stdout.write(`scopes: ${result.scopes.length === 0 ? "(none)" : result.scopes.join(", ")}\n`);
    });

  return new Command("manifest")
    .description("show and validate the app's manifest (arkitekt.json, generated/definitions.json); edit its version and scopes")
    .option(...cwdOption)
    .option("--json", "print the report as JSON")
    .addCommand(show, { isDefault: true })
    .addCommand(version)
    .addCommand(scopes)
    .addHelpText(
      "after",
      `
\`manifest\` alone is \`manifest show\`: it prints the identifier, version, description, author and
scopes of arkitekt.json and the actions of generated/definitions.json, and checks both (the
identifier, a semver version, the shape of every definition). Each problem names the file and the
field; the exit code is 1 when there is any.

Examples:
  $ arkitekt-next manifest
  $ arkitekt-next manifest show --json
  $ arkitekt-next manifest version minor
  $ arkitekt-next manifest scopes add read
  $ arkitekt-next manifest --cwd examples/app`,
    );
}
