/**
 * Loading an app's registry module, shared by `run prod` (compiled JavaScript) and available to
 * `run dev` (TypeScript through tsx): the error messages name the file and the first frame inside
 * the app, and say what to do. Also the CLI's "library logs go to debug" logger wrapper.
 */
import { readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { pathToFileURL } from "node:url";
import { UserError } from "./errors.js";
import type { Logger } from "../shared/logger.js";
import type { Registry } from "../index.js";

export interface LoadRegistryHints {
  /** What to do when loading throws (the app's code failed). */
  onError: string;
  /** What to do when the module has no `registry` export. */
  onNoRegistry: string;
}

/** Imports `file` and returns its `registry` export; user errors name the file (or the app's frame) and the fix. */
export async function importRegistry(file: string, appDir: string, hints: LoadRegistryHints): Promise<Registry> {
  let mod: { registry?: Registry };
  try {
    mod = (await import(pathToFileURL(file).href)) as { registry?: Registry };
  } catch (error) {
    throw new UserError(`loading the app failed${userFrame(error, appDir)}: ${describeError(error)}`, loadErrorHint(error, appDir, hints.onError));
  }
  if (!mod.registry || typeof mod.registry !== "object" || !("entries" in mod.registry)) {
    throw new UserError(`${relative(appDir, file) || file} does not export a registry`, hints.onNoRegistry);
  }
  return mod.registry;
}

/**
 * Node's errors of an app whose files are CommonJS where ES modules are needed: `"type": "commonjs"`
 * (what `npm init -y` writes) makes Node require() the app's ES modules ("Cannot require() ES Module
 * ... in a cycle", ERR_REQUIRE_ESM), and CommonJS output loaded as an ES module has no `require`.
 */
const MODULE_FORMAT_CODES = new Set(["ERR_REQUIRE_ESM", "ERR_REQUIRE_CYCLE_MODULE", "ERR_REQUIRE_ASYNC_MODULE"]);
const MODULE_FORMAT_MESSAGE = /Cannot require\(\) ES Module|require\(\) of ES Module|\b(?:require|exports|module|__dirname|__filename) is not defined in ES module scope/;

export function isModuleFormatError(error: unknown): boolean {
  for (let e: unknown = error, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    const code = (e as NodeJS.ErrnoException).code;
    if ((code !== undefined && MODULE_FORMAT_CODES.has(code)) || MODULE_FORMAT_MESSAGE.test(e.message)) return true;
  }
  return false;
}

/**
 * The hint for an app that failed to load: for a module-format error, that the app's package.json
 * needs `"type": "module"` (saying what it has) and how to add it; otherwise `fallback`.
 */
export function loadErrorHint(error: unknown, appDir: string, fallback: string): string {
  if (!isModuleFormatError(error)) return fallback;
  const type = packageType(appDir);
  const add = `run \`arkitekt-next init --force\` in ${appDir} to add it (it keeps your files and merges what the app needs into package.json)`;
  if (type === null) return `the app needs a package.json with "type": "module" in ${appDir}: ${add}`;
  if (type !== "module") {
    const has = type === undefined ? "has no \"type\" (so CommonJS)" : `has "type": ${JSON.stringify(type)}`;
    return `the app's package.json ${has}; it needs "type": "module" (the app and arkitekt-next are ES modules): ${add}`;
  }
  // Already "module": CommonJS files remain, e.g. a dist/ compiled before the type changed, or require() in the app's code.
  return `a CommonJS file was loaded although the app's package.json has "type": "module": rebuild (\`npm run build\`) so the compiled files are ES modules, and use import, not require(), in the app's code`;
}

/** The `type` field of `appDir/package.json`: undefined when absent, null when there is no readable package.json. */
function packageType(appDir: string): string | undefined | null {
  try {
    const pkg = JSON.parse(readFileSync(join(appDir, "package.json"), "utf8")) as { type?: unknown };
    return typeof pkg.type === "string" ? pkg.type : undefined;
  } catch {
    return null;
  }
}

/** " at src/x.ts:3:7" for the first stack frame inside the app (not node_modules), or "". */
export function userFrame(error: unknown, appDir: string): string {
  const stack = error instanceof Error ? (error.stack ?? "") : "";
  for (const match of stack.matchAll(/\(?((?:file:\/\/)?\/[^():\s]+):(\d+):(\d+)\)?/g)) {
    const path = match[1]!.replace(/^file:\/\//, "");
    if (path.startsWith(appDir) && !path.includes("/node_modules/")) return ` at ${relative(appDir, path)}:${match[2]}:${match[3]}`;
  }
  return "";
}

/** "TypeError: x is not a function" (plain `Error`s without the name). */
export function describeError(error: unknown): string {
  return error instanceof Error ? `${error.name === "Error" ? "" : `${error.name}: `}${error.message}` : String(error);
}

/** Library logs go to debug, except warnings and errors. */
export function quietLogger(logger: Logger): Logger {
  return { ...logger, info: logger.debug };
}
