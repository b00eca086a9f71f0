/**
 * Loading an app's registry module, shared by `run prod` (compiled JavaScript) and available to
 * `run dev` (TypeScript through tsx): the error messages name the file and the first frame inside
 * the app, and say what to do. Also the CLI's "library logs go to debug" logger wrapper.
 */
import { relative } from "node:path";
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
    throw new UserError(`loading the app failed${userFrame(error, appDir)}: ${describeError(error)}`, hints.onError);
  }
  if (!mod.registry || typeof mod.registry !== "object" || !("entries" in mod.registry)) {
    throw new UserError(`${relative(appDir, file) || file} does not export a registry`, hints.onNoRegistry);
  }
  return mod.registry;
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
