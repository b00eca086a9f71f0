/**
 * Files in `arkitekt-next call` (issue 14):
 *
 * - args: a string `@path/to/file` where the action's port is a File structure (identifier
 *   `@arkitekt/file`, also inside lists, dicts, models, unions and nullable ports) names a local
 *   file to upload; the upload's reference replaces it. Anywhere else (a STRING port, another
 *   structure) `@bob` stays the string "@bob".
 * - returns: every File reference in a yield (`{"__identifier": "@arkitekt/file", "object": id}`)
 *   is found by `filesIn`; with `--out DIR` each is written into DIR under its original file
 *   name, made safe (`safeFileName`) and never overwriting (`createUniqueFile`).
 */
import { constants } from "node:fs";
import { access, mkdir, open, stat, type FileHandle } from "node:fs/promises";
import { basename, extname, join, relative, resolve, isAbsolute } from "node:path";
import { safeFileName } from "../runtime/media/file-names.js";
import { UserError } from "./errors.js";

export { safeFileName };

/** The identifier of the built-in File structure (the runtime's `File.identifier`). */
export const FILE_IDENTIFIER = "@arkitekt/file";

/** The part of a port the walk reads (the definition model's `Port`, or a port as GraphQL serves it). */
export interface PortShape {
  key: string;
  kind: string;
  identifier?: string | null;
  nullable?: boolean;
  children?: readonly PortShape[] | null;
}

/** One `@path` at a File port. */
export interface FileArg {
  /** The port key path (`image`, `images[1]`, `settings.mask`), as the value rule writes paths. */
  port: string;
  /** The path as typed after `@`. */
  file: string;
  /** Puts the File reference in place of the `@path` string. */
  replace(value: unknown): void;
}

export function isFilePort(port: PortShape): boolean {
  return port.kind === "STRUCTURE" && port.identifier === FILE_IDENTIFIER;
}

/** Whether any string in `value` starts with `@` (then `call` reads the action's ports to tell). */
export function hasAtString(value: unknown, depth = 0): boolean {
  if (typeof value === "string") return value.startsWith("@");
  if (depth > 64 || value === null || typeof value !== "object") return false;
  return Object.values(value).some((item) => hasAtString(item, depth + 1));
}

function child(path: string, segment: string | number): string {
  return typeof segment === "number" ? `${path}[${segment}]` : `${path}.${segment}`;
}

/**
 * Every `@path` string of `args` that sits at a File port, walking each value along its port
 * (LIST items, DICT values, MODEL fields, a UNION's chosen `__value`). `replace` writes into
 * `args` itself: pass a copy when the original must stay.
 */
export function findFileArgs(ports: readonly PortShape[], args: Record<string, unknown>): FileArg[] {
  const found: FileArg[] = [];
  const walk = (port: PortShape, value: unknown, path: string, set: (value: unknown) => void, depth: number): void => {
    if (depth > 64 || value === null || value === undefined) return;
    if (isFilePort(port)) {
      if (typeof value === "string" && value.startsWith("@")) found.push({ port: path, file: value.slice(1), replace: set });
      return;
    }
    const children = port.children ?? [];
    if (typeof value !== "object") return;
    const object = value as Record<string, unknown>;
    switch (port.kind) {
      case "LIST": {
        const item = children[0];
        if (item && Array.isArray(value)) value.forEach((v, i) => walk(item, v, child(path, i), (next) => (value[i] = next), depth + 1));
        return;
      }
      case "DICT": {
        const item = children[0];
        if (item && !Array.isArray(value)) for (const key of Object.keys(object)) walk(item, object[key], child(path, key), (next) => (object[key] = next), depth + 1);
        return;
      }
      case "MODEL":
        if (!Array.isArray(value)) for (const field of children) if (Object.hasOwn(object, field.key)) walk(field, object[field.key], child(path, field.key), (next) => (object[field.key] = next), depth + 1);
        return;
      case "UNION": {
        const use = object.__use;
        const variant = typeof use === "number" ? children[use] : undefined;
        if (variant && "__value" in object) walk(variant, object.__value, child(path, "__value"), (next) => (object.__value = next), depth + 1);
        return;
      }
      default:
        return;
    }
  };
  for (const port of ports) {
    if (Object.hasOwn(args, port.key)) walk(port, args[port.key], port.key, (next) => (args[port.key] = next), 0);
  }
  return found;
}

/** A local file to upload: its absolute path and size, or a user error naming the port and the path. */
export async function readLocalFile(arg: Pick<FileArg, "port" | "file">, cwd: string): Promise<{ path: string; size: number }> {
  const hint = `@ names a file to upload, relative to the current directory (${cwd}); write ${arg.port}=@path/to/file`;
  if (arg.file === "") throw new UserError(`port "${arg.port}": "@" names no file`, hint);
  const path = resolve(cwd, arg.file);
  let info;
  try {
    info = await stat(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR") throw new UserError(`port "${arg.port}": no file at ${path} (from @${arg.file})`, hint);
    if (code === "EACCES" || code === "EPERM") throw new UserError(`port "${arg.port}": cannot read ${path} (permission denied)`, "check the file's permissions");
    throw error;
  }
  if (!info.isFile()) throw new UserError(`port "${arg.port}": ${path} (from @${arg.file}) is not a file`, "pass one file per File port; a list port takes a JSON list, e.g. images='[\"@a.png\", \"@b.png\"]'");
  return { path, size: info.size };
}

// ------------------------------------------------------------------------------------------------ returns

/** One File reference inside returned values. */
export interface ReturnedFile {
  /** The return port path (`return0`, `return0[2]`). */
  port: string;
  /** The media store id (the structure's reference). */
  id: string;
}

/** Every File reference (`{"__identifier": "@arkitekt/file", "object": "<id>"}`) in a yield's returns, in port order. */
export function filesIn(returns: Record<string, unknown>): ReturnedFile[] {
  const found: ReturnedFile[] = [];
  const walk = (value: unknown, path: string, depth: number): void => {
    if (depth > 64 || value === null || typeof value !== "object") return;
    if (Array.isArray(value)) {
      value.forEach((item, i) => walk(item, child(path, i), depth + 1));
      return;
    }
    const object = value as Record<string, unknown>;
    if (object.__identifier === FILE_IDENTIFIER && typeof object.object === "string") {
      found.push({ port: path, id: object.object });
      return;
    }
    for (const [key, item] of Object.entries(object)) if (key !== "__identifier" && key !== "__use") walk(item, child(path, key), depth + 1);
  };
  for (const [key, value] of Object.entries(returns)) walk(value, key, 0);
  return found;
}



/** How many suffixed names (`name-1.ext`, `name-2.ext` ...) are tried before giving up. */
const MAX_SUFFIX = 10_000;

/**
 * Creates a new file in `dir` named `name` (already safe), or `name-1.ext`, `name-2.ext` ... when
 * that exists: created exclusively (`wx`), so an existing file or symlink is never written
 * through. Returns the open handle and its path.
 */
export async function createUniqueFile(dir: string, name: string): Promise<{ path: string; handle: FileHandle }> {
  const folder = resolve(dir);
  const ext = extname(name);
  const stem = name.slice(0, name.length - ext.length) || name;
  for (let n = 0; n <= MAX_SUFFIX; n++) {
    const candidate = n === 0 ? name : `${stem}-${n}${ext}`;
    const path = join(folder, candidate);
    const rel = relative(folder, path);
    if (rel !== basename(path) || rel.startsWith("..") || isAbsolute(rel)) throw new Error(`internal: the file name "${candidate}" would leave ${folder}`);
    try {
      return { path, handle: await open(path, "wx") };
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== "EEXIST") throw new UserError(`cannot write ${path}: ${code ?? (error as Error).message}`, "pass an --out folder you can write to (the file stays in the platform's media store)");
    }
  }
  throw new UserError(`${folder} already holds ${name} and ${MAX_SUFFIX} numbered copies of it`, "pass another --out folder");
}

/**
 * The `--out` folder `dir` (relative to `cwd`) as an absolute path, made when missing; checked
 * writable before the call, so a task's returned files are not lost to a folder that refuses them.
 */
export async function outputFolder(dir: string, cwd: string): Promise<string> {
  const path = resolve(cwd, dir);
  const hint = "pass a folder you can write to for returned files (it is made when missing)";
  const info = await stat(path).catch(() => undefined);
  if (info && !info.isDirectory()) throw new UserError(`--out ${dir}: ${path} is not a folder`, hint);
  if (!info) {
    try {
      await mkdir(path, { recursive: true });
    } catch (error) {
      throw new UserError(`--out ${dir}: cannot make the folder ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`, hint);
    }
  }
  try {
    await access(path, constants.W_OK);
  } catch (error) {
    throw new UserError(`--out ${dir}: cannot write into ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`, hint);
  }
  return path;
}

/**
 * A hint for an assign error about a File port (`call` passes the server's message): a plain path
 * at a File port wants `@`, an `@path` at another port is not read as a file. Undefined otherwise.
 */
export function fileArgHint(message: string): string | undefined {
  const port = /port "([^"]+)"/.exec(message)?.[1];
  const given = /got the string "((?:[^"\\]|\\.)*)"/.exec(message)?.[1];
  if (port === undefined || given === undefined) return undefined;
  if (message.includes(`"${FILE_IDENTIFIER}"`)) return `a File port takes a local file as ${port}=@${given.replace(/^@/, "")} (or a store id as {"__identifier": "${FILE_IDENTIFIER}", "object": "<id>"})`;
  if (!given.startsWith("@")) return undefined;
  if (/expected a list/.test(message)) return `a list port takes a JSON list; for files: ${port}='["${given}"]'`;
  return `@path names a file to upload only at File ports; port "${port}" is not one (the value stays the string "${given}")`;
}
