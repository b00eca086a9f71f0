/**
 * `arkitekt-next init [dir]`: a new app in a folder. Asks a few questions (a wizard on a terminal;
 * every question also has a flag), writes an ESM package with a strict NodeNext tsconfig, an
 * `arkitekt.json`, `src/app.ts` from a template and a README, installs the dependencies, runs
 * `gen` and prints the next steps.
 *
 * Template files live in the package's `templates/init/` (`common/` for every app, plus one folder
 * per template), found relative to this module so that it works installed. `{{name}}` placeholders
 * in them are filled from the answers.
 */
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { Command, InvalidArgumentError, Option } from "commander";
import { ReportedError, UserError } from "../errors.js";
import { identifierFromName, identifierProblem, scopeProblem, splitScopes, versionProblem } from "../app-manifest.js";
import { runGen } from "./gen.js";

export const TEMPLATES = {
  simple: "a few functions of scalar values (add, greet, mean)",
  structures: "a structure type kept in a local store and a generator that reports progress",
} as const;
export type TemplateName = keyof typeof TEMPLATES;

/** The TypeScript the app depends on: the version this package is built and tested with. */
const TYPESCRIPT_SPEC = "~6.0.3";
const NODE_TYPES_SPEC = "^20.19.0";

/** Entries that do not make a folder "not empty". */
const IGNORED_ENTRIES = new Set([".git", ".DS_Store", "Thumbs.db"]);

export interface InitOptions {
  identifier?: string;
  appVersion?: string;
  description?: string;
  author?: string;
  template?: string;
  scopes?: string;
  yes?: boolean;
  package?: string;
  install?: boolean;
  force?: boolean;
  overwrite?: boolean;
}

export interface InitAnswers {
  identifier: string;
  version: string;
  description: string;
  author: string;
  template: TemplateName;
  scopes: string[];
}

export interface InitResult {
  dir: string;
  answers: InitAnswers;
  /** The `arkitekt-next` dependency spec written into package.json. */
  packageSpec: string;
  /** Files by what happened to them (paths relative to `dir`); an existing package.json is `merged` when it changed. */
  files: { written: string[]; unchanged: string[]; kept: string[]; overwritten: string[]; merged: string[] };
  /** What init merged into a package.json that was there, or undefined when it wrote a new one. */
  packageJson?: PackageMerge;
  installed: boolean;
  generated: boolean;
}

/** Where `init` reads and writes (injectable for tests of the function). */
export interface InitIo {
  out: NodeJS.WritableStream;
  /** Whether questions may be asked (stdin is a terminal). */
  interactive: boolean;
}

export async function runInit(dirArg: string | undefined, options: InitOptions, io: InitIo = defaultIo()): Promise<InitResult> {
  const dir = resolve(dirArg ?? ".");
  const force = options.force === true || options.overwrite === true;
  refuseNonEmpty(dir, force);
  const packageSpec = dependencySpec(options.package);
  const answers = await collectAnswers(dir, options, io);

  const files = renderFiles(answers, packageSpec);
  // An existing package.json (`npm init -y`: "type": "commonjs", no dependencies, no scripts) gets
  // what the app needs merged in, the user's other fields kept; it is read before anything is written.
  const packagePath = join(dir, "package.json");
  const packageJson = existsSync(packagePath)
    ? mergePackageJson(packagePath, files.get("package.json")!, { overwrite: options.overwrite === true, packageGiven: options.package !== undefined })
    : undefined;
  if (packageJson) files.delete("package.json");
  mkdirSync(dir, { recursive: true });
  const outcome = writeFiles(dir, files, options.overwrite === true);
  if (packageJson) {
    if (packageJson.content === undefined) outcome.unchanged.unshift("package.json");
    else {
      writeFileSync(packagePath, packageJson.content);
      outcome.merged.push("package.json");
    }
  }
  report(io, dir, outcome, packageJson);

  let installed = false;
  let generated = false;
  if (options.install !== false) {
    await npmInstall(dir, io);
    installed = true;
    await generate(dir);
    generated = true;
  }
  // A script of the user's kept under the same name is not ours: the steps then call the CLI directly.
  const keptScripts = new Set(packageJson?.kept.filter((k) => k.startsWith("scripts.")).map((k) => k.slice("scripts.".length).split(" ")[0]!));
  io.out.write(nextSteps(dir, answers, installed, keptScripts));
  return { dir, answers, packageSpec, files: outcome, ...(packageJson ? { packageJson } : {}), installed, generated };
}

function defaultIo(): InitIo {
  return { out: process.stdout, interactive: process.stdin.isTTY === true };
}

function refuseNonEmpty(dir: string, force: boolean): void {
  if (!existsSync(dir)) return;
  if (!statSync(dir).isDirectory()) throw new UserError(`${dir} exists and is not a directory`, "pass the path of a new or empty directory");
  const entries = readdirSync(dir).filter((name) => !IGNORED_ENTRIES.has(name));
  if (entries.length === 0 || force) return;
  const shown = entries.slice(0, 5).join(", ") + (entries.length > 5 ? `, ... (${entries.length} entries)` : "");
  throw new UserError(
    `${dir} is not empty (${shown})`,
    "init a new or empty directory, or pass --force to add the app's files next to what is there (existing files are kept, a package.json gets what the app needs merged in; --overwrite replaces those that differ)",
  );
}

// --- answers ---------------------------------------------------------------------------------

function checkFlag(flag: string, value: string, problem: (v: string) => string | undefined): string {
  const why = problem(value);
  if (why) throw new UserError(`${flag}: ${why}`, `pass a valid ${flag}`);
  return value;
}

function checkScopes(list: string): string[] {
  const scopes = splitScopes(list);
  for (const scope of scopes) checkFlag("--scopes", scope, scopeProblem);
  return scopes;
}

function checkTemplate(value: string): TemplateName {
  if (value in TEMPLATES) return value as TemplateName;
  throw new UserError(`--template: unknown template "${value}"`, `choose one of: ${Object.keys(TEMPLATES).join(", ")}`);
}

async function collectAnswers(dir: string, options: InitOptions, io: InitIo): Promise<InitAnswers> {
  // Flags first: a wrong flag fails before any question.
  const given: Partial<InitAnswers> = {};
  if (options.identifier !== undefined) given.identifier = checkFlag("--identifier", options.identifier, identifierProblem);
  if (options.appVersion !== undefined) given.version = checkFlag("--app-version", options.appVersion, versionProblem);
  if (options.description !== undefined) given.description = options.description;
  if (options.author !== undefined) given.author = options.author;
  if (options.template !== undefined) given.template = checkTemplate(options.template);
  if (options.scopes !== undefined) given.scopes = checkScopes(options.scopes);

  const defaultIdentifier = identifierFromName(basename(dir));
  const defaults: InitAnswers = {
    identifier: defaultIdentifier,
    version: "0.1.0",
    description: "",
    author: "",
    template: "simple",
    scopes: [],
  };

  if (options.yes || !io.interactive) {
    const answers = { ...defaults, ...given };
    if (given.identifier === undefined && identifierProblem(answers.identifier)) {
      throw new UserError(
        `cannot make an app identifier from the folder name "${basename(dir)}"`,
        "pass --identifier <id> (lowercase letters, digits, dots and dashes, e.g. com.example.myapp)",
      );
    }
    const missing = (Object.keys(defaults) as Array<keyof InitAnswers>).filter((k) => given[k] === undefined);
    if (!options.yes && missing.length > 0) {
      io.out.write(`stdin is not a terminal: not asking; using the defaults for ${missing.join(", ")} (pass --yes to say so, or a flag for each)\n`);
    }
    return answers;
  }
  return askAnswers(defaults, given, dir);
}

/** The wizard: asks what no flag answered. */
async function askAnswers(defaults: InitAnswers, given: Partial<InitAnswers>, dir: string): Promise<InitAnswers> {
  const prompts = await import("@clack/prompts");
  const orCancel = <T>(value: T): Exclude<T, symbol> => {
    if (prompts.isCancel(value)) {
      prompts.cancel("init cancelled; nothing was written");
      throw new ReportedError(130);
    }
    return value as Exclude<T, symbol>;
  };
  const validate = (problem: (v: string) => string | undefined) => (value: string | undefined) => problem(value ?? "");
  prompts.intro(`arkitekt-next init ${dir}`);
  const identifier =
    given.identifier ??
    orCancel(
      await prompts.text({
        message: "App identifier (lowercase letters, digits, dots, dashes)",
        placeholder: defaults.identifier,
        defaultValue: defaults.identifier,
        validate: (value) => identifierProblem(value || defaults.identifier),
      }),
    );
  const version =
    given.version ??
    orCancel(
      await prompts.text({
        message: "Version",
        placeholder: defaults.version,
        defaultValue: defaults.version,
        validate: (value) => versionProblem(value || defaults.version),
      }),
    );
  const description = given.description ?? orCancel(await prompts.text({ message: "Description", placeholder: "(none)", defaultValue: "" }));
  const author = given.author ?? orCancel(await prompts.text({ message: "Author", placeholder: "(none)", defaultValue: "" }));
  const template =
    given.template ??
    orCancel(
      await prompts.select<TemplateName>({
        message: "Template",
        initialValue: defaults.template,
        options: (Object.keys(TEMPLATES) as TemplateName[]).map((value) => ({ value, label: value, hint: TEMPLATES[value] })),
      }),
    );
  const scopes =
    given.scopes ??
    splitScopes(
      orCancel(
        await prompts.text({
          message: "Scopes (comma-separated)",
          placeholder: "(none)",
          defaultValue: "",
          validate: validate((list) => splitScopes(list).map(scopeProblem).find((p) => p !== undefined)),
        }),
      ),
    );
  prompts.outro("writing the app");
  return { identifier, version, description, author, template, scopes };
}

// --- files -----------------------------------------------------------------------------------

/** The package's `templates/init/` folder, from `src/cli/commands` or `dist/src/cli/commands`. */
export function initTemplatesDir(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  for (const up of ["../../..", "../../../.."]) {
    const candidate = resolve(here, up, "templates", "init");
    if (existsSync(join(candidate, "common"))) return candidate;
  }
  throw new Error(`templates/init not found above ${here}: the arkitekt-next package is incomplete; reinstall it`);
}

/** This package's own package.json (from src/ or dist/src/). */
function ownPackage(): { version: string; dir: string } {
  const require = createRequire(import.meta.url);
  for (const up of ["../../../package.json", "../../../../package.json"]) {
    try {
      const path = require.resolve(up);
      const pkg = require(path) as { name?: string; version: string };
      if (pkg.name === "arkitekt-next") return { version: pkg.version, dir: dirname(path) };
    } catch {
      // not at this depth
    }
  }
  throw new Error("the arkitekt-next package.json was not found: the package is incomplete; reinstall it");
}

/**
 * The `arkitekt-next` dependency of the new app: `--package` (a version spec, or a local path that
 * becomes an absolute `file:` spec), else the tarball this CLI was installed from (while the package
 * is unpublished, `npx ./arkitekt-next-x.y.z.tgz init` must not point the app at the registry), else
 * `^<this CLI's version>`.
 */
export function dependencySpec(flag: string | undefined, cwd = process.cwd()): string {
  if (flag !== undefined) {
    const path = flag.startsWith("file:") ? flag.slice("file:".length) : looksLikePath(flag) ? flag : undefined;
    if (path === undefined) return flag;
    const absolute = resolve(cwd, path);
    if (!existsSync(absolute)) {
      throw new UserError(`--package ${flag}: ${absolute} does not exist`, "pass the .tgz that `npm pack` wrote, a folder with the package, or a version such as ^0.1.0");
    }
    return `file:${absolute}`;
  }
  const own = ownPackage();
  return installedFromTarball(own.dir) ?? `^${own.version}`;
}

function looksLikePath(spec: string): boolean {
  return /\.(tgz|tar\.gz)$/.test(spec) || spec.startsWith("./") || spec.startsWith("../") || isAbsolute(spec) || spec.startsWith(`.${sep}`);
}

/** The tarball npm installed this package from (npx and `npm install x.tgz` record it in node_modules/.package-lock.json). */
export function installedFromTarball(packageDir: string): string | undefined {
  const nodeModules = dirname(packageDir);
  if (basename(nodeModules) !== "node_modules") return undefined;
  try {
    const lock = JSON.parse(readFileSync(join(nodeModules, ".package-lock.json"), "utf8")) as {
      packages?: Record<string, { resolved?: string }>;
    };
    const resolved = lock.packages?.["node_modules/arkitekt-next"]?.resolved;
    if (!resolved?.startsWith("file:") || !/\.(tgz|tar\.gz)$/.test(resolved)) return undefined;
    const tarball = resolve(dirname(nodeModules), resolved.slice("file:".length));
    return existsSync(tarball) ? `file:${tarball}` : undefined;
  } catch {
    return undefined;
  }
}

/** Every file of the new app, by path relative to its folder. */
export function renderFiles(answers: InitAnswers, packageSpec: string): Map<string, string> {
  const files = new Map<string, string>();
  const json = (value: unknown): string => `${JSON.stringify(value, null, 2)}\n`;
  files.set(
    "package.json",
    json({
      name: answers.identifier,
      version: answers.version,
      private: true,
      type: "module",
      description: answers.description,
      ...(answers.author ? { author: answers.author } : {}),
      scripts: {
        gen: "arkitekt-next gen",
        dev: "arkitekt-next run dev",
        build: "tsc -p tsconfig.json",
        start: "arkitekt-next run prod",
      },
      dependencies: { "arkitekt-next": packageSpec, typescript: TYPESCRIPT_SPEC },
      // Node's globals (console, process, Buffer) for the app's own code; tsconfig names them.
      devDependencies: { "@types/node": NODE_TYPES_SPEC },
    }),
  );
  files.set(
    "arkitekt.json",
    json({
      identifier: answers.identifier,
      version: answers.version,
      description: answers.description,
      author: answers.author,
      scopes: answers.scopes,
    }),
  );
  files.set(".gitignore", "node_modules/\ndist/\n.arkitekt/\n");
  const vars: Record<string, string> = {
    identifier: answers.identifier,
    description: answers.description || `The ${answers.identifier} app.`,
    callExample: callExample(answers),
  };
  const fill = (text: string): string => text.replace(/\{\{(\w+)\}\}/g, (whole, name: string) => vars[name] ?? whole);
  const root = initTemplatesDir();
  for (const folder of ["common", answers.template]) {
    for (const file of listFiles(join(root, folder))) files.set(file, fill(readFileSync(join(root, folder, file), "utf8")));
  }
  return files;
}

function listFiles(dir: string, prefix = ""): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .sort((a, b) => a.name.localeCompare(b.name))
    .flatMap((entry) =>
      entry.isDirectory() ? listFiles(join(dir, entry.name), `${prefix}${entry.name}/`) : [`${prefix}${entry.name}`],
    );
}

function callExample(answers: InitAnswers): string {
  return answers.template === "structures"
    ? `npx arkitekt-next call ${answers.identifier}/makeSeries count=3 step=2`
    : `npx arkitekt-next call ${answers.identifier}/add a=1 b=2`;
}

/** What `init` did to a package.json that was there (entries are ready to print). */
export interface PackageMerge {
  /** The new content, or undefined when nothing changed. */
  content: string | undefined;
  /** What was added or changed, e.g. `"type": "module" (was "commonjs"; ...)`, `scripts.gen`. */
  merged: string[];
  /** The user's values kept where the app's differ, e.g. `scripts.build ("tsc")`. */
  kept: string[];
  /** The user's values replaced (`--overwrite`), e.g. `scripts.build (was "tsc")`. */
  overwritten: string[];
}

type Json = Record<string, unknown>;

/**
 * Merges what the app needs into the package.json at `path` (`ours` is the one init would write):
 * `"type": "module"`, the dependencies arkitekt-next and typescript, the devDependency @types/node
 * (each where absent from dependencies and devDependencies), the scripts gen, dev, build and start
 * (where absent). Everything else of the user's is kept. Where the user's value differs it is
 * kept and listed, or replaced with `overwrite`; the arkitekt-next spec is replaced when `--package`
 * names one. Key order and indentation are the file's.
 */
export function mergePackageJson(path: string, ours: string, options: { overwrite: boolean; packageGiven: boolean }): PackageMerge {
  const text = readFileSync(path, "utf8");
  let theirs: Json;
  try {
    const parsed: unknown = JSON.parse(text);
    if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) throw new Error("it is not a JSON object");
    theirs = parsed as Json;
  } catch (error) {
    throw new UserError(`${path} is not valid JSON (${(error as Error).message}); nothing was written`, "fix it (or move it away and run init again for a new one)");
  }
  const app = JSON.parse(ours) as Json & { scripts: Record<string, string>; dependencies: Record<string, string>; devDependencies: Record<string, string> };
  const result = structuredClone(theirs);
  const outcome: PackageMerge = { content: undefined, merged: [], kept: [], overwritten: [] };

  if (result.type !== "module") {
    const was = result.type === undefined ? "missing" : JSON.stringify(result.type);
    result.type = "module";
    outcome.merged.push(`"type": "module" (was ${was}; your .js files are ES modules now: rename CommonJS ones to .cjs)`);
  }
  const section = (name: string): Record<string, unknown> => {
    const value = result[name];
    if (value !== null && typeof value === "object" && !Array.isArray(value)) return value as Record<string, unknown>;
    return (result[name] = {});
  };
  const depSections = ["dependencies", "devDependencies"] as const;
  const addDependency = (where: (typeof depSections)[number], name: string, spec: string, replace: boolean): void => {
    const found = depSections.find((s) => result[s] !== null && typeof result[s] === "object" && name in (result[s] as Json));
    if (found === undefined) {
      section(where)[name] = spec;
      outcome.merged.push(`${where}.${name} ${spec}`);
      return;
    }
    const current = (result[found] as Json)[name];
    if (current === spec) return;
    if (replace) {
      (result[found] as Json)[name] = spec;
      outcome.overwritten.push(`${found}.${name} ${spec} (was ${JSON.stringify(current)})`);
    } else outcome.kept.push(`${found}.${name} ${JSON.stringify(current)} (init's: ${spec})`);
  };
  addDependency("dependencies", "arkitekt-next", app.dependencies["arkitekt-next"]!, options.overwrite || options.packageGiven);
  addDependency("dependencies", "typescript", app.dependencies.typescript!, options.overwrite);
  addDependency("devDependencies", "@types/node", app.devDependencies["@types/node"]!, options.overwrite);
  for (const [name, command] of Object.entries(app.scripts)) {
    const scripts = section("scripts");
    if (!(name in scripts)) {
      scripts[name] = command;
      outcome.merged.push(`scripts.${name}`);
    } else if (scripts[name] !== command) {
      if (options.overwrite) {
        outcome.overwritten.push(`scripts.${name} "${command}" (was ${JSON.stringify(scripts[name])})`);
        scripts[name] = command;
      } else outcome.kept.push(`scripts.${name} ${JSON.stringify(scripts[name])} (init's: "${command}")`);
    }
  }
  if (outcome.merged.length > 0 || outcome.overwritten.length > 0) {
    const indent = /^[{[]\r?\n([ \t]+)/.exec(text)?.[1] ?? 2;
    outcome.content = `${JSON.stringify(result, null, indent)}\n`;
  }
  return outcome;
}

/** Writes the files; an existing file is never replaced unless `overwrite` (and then listed). */
function writeFiles(dir: string, files: Map<string, string>, overwrite: boolean): InitResult["files"] {
  const outcome: InitResult["files"] = { written: [], unchanged: [], kept: [], overwritten: [], merged: [] };
  for (const [file, content] of files) {
    const path = join(dir, file);
    if (existsSync(path)) {
      if (readFileSync(path, "utf8") === content) {
        outcome.unchanged.push(file);
        continue;
      }
      if (!overwrite) {
        outcome.kept.push(file);
        continue;
      }
      outcome.overwritten.push(file);
    } else {
      outcome.written.push(file);
    }
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, content);
  }
  return outcome;
}

function report(io: InitIo, dir: string, files: InitResult["files"], packageJson: PackageMerge | undefined): void {
  const line = (label: string, list: string[]): void => {
    if (list.length > 0) io.out.write(`${label} ${list.join(", ")}\n`);
  };
  io.out.write(`init: ${dir}\n`);
  line("  wrote", files.written);
  line("  unchanged", files.unchanged);
  line("  overwrote (--overwrite)", files.overwritten);
  if (files.kept.length > 0) {
    io.out.write(`  kept your ${files.kept.join(", ")} (they differ from the template; --overwrite replaces them)\n`);
  }
  if (packageJson) {
    line("  merged into your package.json:", packageJson.merged);
    line("  replaced in your package.json (--overwrite):", packageJson.overwritten);
    if (packageJson.kept.length > 0) {
      io.out.write(`  kept in your package.json: ${packageJson.kept.join(", ")} (they differ from init's; --overwrite replaces them)\n`);
    }
  }
}

// --- install and gen -------------------------------------------------------------------------

function npmInstall(dir: string, io: InitIo): Promise<void> {
  io.out.write("init: npm install\n");
  const windows = process.platform === "win32";
  return new Promise((resolveInstall, reject) => {
    const child = spawn(windows ? "npm.cmd" : "npm", ["install"], { cwd: dir, stdio: "inherit", shell: windows });
    const hint = `fix what npm printed above, then run \`npm install && npm run gen\` in ${dir} (or pass --no-install)`;
    child.once("error", (error: NodeJS.ErrnoException) => {
      reject(
        error.code === "ENOENT"
          ? new UserError("npm was not found on PATH, so the app's dependencies were not installed", `install Node.js with npm, then run \`npm install && npm run gen\` in ${dir}`)
          : new UserError(`npm install could not start in ${dir}: ${error.message}`, hint),
      );
    });
    child.once("exit", (code, signal) => {
      if (code === 0) resolveInstall();
      else reject(new UserError(`npm install failed in ${dir} (${signal ? `signal ${signal}` : `exit ${code}`}); the app's files are written`, hint));
    });
  });
}

/**
 * `gen` in the new app, by the arkitekt-next the app installed (its generated code must match its
 * runtime), or by this CLI when there is none.
 */
async function generate(dir: string): Promise<void> {
  const appCli = join(dir, "node_modules", "arkitekt-next", "bin", "arkitekt-next.js");
  const hint = `fix the problem above, then run \`npm run gen\` in ${dir}`;
  if (!existsSync(appCli)) {
    try {
      await runGen({ cwd: dir });
    } catch (error) {
      if (error instanceof ReportedError) throw new UserError(`gen failed in ${dir}`, hint);
      throw error;
    }
    return;
  }
  await new Promise<void>((resolveGen, reject) => {
    const child = spawn(process.execPath, [appCli, "gen"], { cwd: dir, stdio: "inherit" });
    child.once("error", (error) => reject(new UserError(`gen could not start in ${dir}: ${error.message}`, hint)));
    child.once("exit", (code) => (code === 0 ? resolveGen() : reject(new UserError(`gen failed in ${dir} (exit ${code})`, hint))));
  });
}

function nextSteps(dir: string, answers: InitAnswers, installed: boolean, keptScripts: ReadonlySet<string> = new Set()): string {
  const rel = relative(process.cwd(), dir);
  const steps: string[] = [];
  if (rel !== "") steps.push(`cd ${/\s/.test(rel) ? JSON.stringify(rel) : rel}`);
  if (!installed) steps.push(`npm install && ${keptScripts.has("gen") ? "npx arkitekt-next gen" : "npm run gen"}`);
  steps.push(`${keptScripts.has("dev") ? "npx arkitekt-next run dev" : "npm run dev           "} # serves src/app.ts; Ctrl+C stops`);
  return [
    "",
    `Ready: ${answers.identifier} (${answers.template} template). Next:`,
    ...steps.map((s) => `  ${s}`),
    "then, from a second terminal in the same folder:",
    `  ${callExample(answers)}`,
    "",
  ].join("\n");
}

// --- the command -----------------------------------------------------------------------------

function parseTemplate(value: string): TemplateName {
  if (value in TEMPLATES) return value as TemplateName;
  throw new InvalidArgumentError(`choose one of: ${Object.keys(TEMPLATES).join(", ")}`);
}

export function initCommand(): Command {
  return new Command("init")
    .description("create a new app in a folder: package.json, tsconfig.json, arkitekt.json, src/app.ts; install; gen")
    .argument("[dir]", "the app's folder (created if missing; default: the current directory)")
    .option("--identifier <id>", "the app identifier (default: the folder's name, lowercased)")
    .option("--app-version <semver>", "the app's version (default: 0.1.0)")
    .option("--description <text>", "what the app does (default: empty)")
    .option("--author <name>", "the app's author (default: empty)")
    .addOption(
      new Option("--template <name>", `the starting code: ${Object.entries(TEMPLATES).map(([k, v]) => `${k} (${v})`).join("; ")} (default: simple)`)
        .argParser(parseTemplate),
    )
    .option("--scopes <list>", "comma-separated scopes the app asks the platform for (default: none)")
    .option("-y, --yes", "ask nothing: the defaults for every question no flag answers")
    .option("--package <spec>", "the arkitekt-next dependency: a version spec, or a path to a .tgz or folder (written as an absolute file: spec); default: ^ this CLI's version, or the tarball it was installed from")
    .option("--no-install", "do not run npm install (nor gen, which needs the installed package)")
    .option("--force", "init a non-empty folder: add the missing files, keep every existing file (those that differ are listed), merge what the app needs into an existing package.json")
    .option("--overwrite", "with a non-empty folder: replace existing files that differ from the template (listed); implies --force")
    .addHelpText(
      "after",
      `
On a terminal, init asks for each value no flag gives (Enter takes the default shown). When stdin is
not a terminal (CI, a pipe) it asks nothing and takes the defaults, saying which; --yes does the
same on a terminal. The identifier's default is the folder's name, lowercased; when no identifier
can be made from it, init stops and asks for --identifier.

init refuses a folder that has files (other than .git) unless --force. It never replaces a file
silently: with --force, a file that exists and differs is kept and listed; --overwrite replaces it
(and lists it). An existing package.json (e.g. from \`npm init -y\`) is merged instead, and what
changed is listed: "type": "module", the dependencies arkitekt-next and typescript, @types/node and
the scripts gen, dev, build, start where it lacks them; the rest of it is kept, and a script or
dependency of its own that differs is kept and listed (--overwrite replaces it).

It writes package.json (ESM; scripts gen, dev, build, start), tsconfig.json (strict, NodeNext),
arkitekt.json (identifier, version, description, author, scopes), src/app.ts, .gitignore and
README.md; then runs npm install and gen in the folder, and prints the next steps.

Examples:
  $ arkitekt-next init myapp
  $ arkitekt-next init myapp --yes --template structures
  $ arkitekt-next init . --identifier com.example.myapp --scopes read,write --yes
  $ npx ./arkitekt-next-0.1.0.tgz init myapp     # while the package is unpublished
  $ arkitekt-next init myapp --yes --package ../arkitekt-next-0.1.0.tgz --no-install`,
    )
    .action(async (dir: string | undefined, opts: InitOptions) => {
      await runInit(dir, opts);
    });
}
