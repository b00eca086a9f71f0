/**
 * An interim store for structures, kept in the app's `.arkitekt/structures/<name>/` folder: one
 * JSON file per object, under an id that is unique across processes and restarts.
 *
 * Why: a structure reference must mean the same thing in every process it travels to (`expand`
 * must resolve a reference from anywhere the reference goes: the agent that made it, a caller in
 * another process, a later run). An in-memory map only works while caller and agent share a
 * process. This store works for processes that share the app's folder (an agent under `run dev`
 * and a script calling it on the same machine); the platform's media store replaces it for
 * anything wider. It is deliberately small.
 *
 * Node's `fs` and `path` are loaded on first use, so importing the package stays browser-safe.
 */
import type { JsonValue } from "../../definition/model.js";
import { ArkitektError } from "../../shared/errors.js";

export interface LocalStructureStoreOptions {
  /** The store's folder name under `.arkitekt/structures/` (letters, digits, `.`, `_`, `-`). */
  name: string;
  /**
   * A file or folder inside the app, usually the structure's module (`from: import.meta`, or its
   * `import.meta.url`): the store lives in the nearest folder above it that has an `arkitekt.json`
   * or `package.json`. Default: the current working directory.
   */
  from?: string | URL | ImportMeta;
  /** The folder to keep the objects in (overrides `name`'s place and `from`). */
  dir?: string;
  /** Ids start with this. Default: `<name>-`. */
  idPrefix?: string;
}

/** `get` found no object under this id. */
export class StructureNotFoundError extends ArkitektError {
  override readonly name = "StructureNotFoundError";
  readonly code = "ARKITEKT_STRUCTURE_NOT_FOUND";
  constructor(
    readonly id: string,
    readonly dir: string,
    override readonly hint: string,
  ) {
    super(`no structure "${id}" in the local store ${dir}: ${hint}`);
  }
}

const SAFE_NAME = /^[A-Za-z0-9_][A-Za-z0-9._-]*$/;

export class LocalStructureStore<T extends JsonValue = JsonValue> {
  readonly name: string;
  readonly idPrefix: string;
  readonly #options: LocalStructureStoreOptions;
  #dir: Promise<string> | undefined;

  constructor(options: LocalStructureStoreOptions) {
    if (!SAFE_NAME.test(options.name)) {
      throw new TypeError(`LocalStructureStore name "${options.name}" must be letters, digits, ".", "_" or "-" (it names a folder)`);
    }
    const idPrefix = options.idPrefix ?? `${options.name}-`;
    if (idPrefix !== "" && !SAFE_NAME.test(idPrefix)) {
      throw new TypeError(`LocalStructureStore idPrefix "${idPrefix}" must be letters, digits, ".", "_" or "-" (it starts file names)`);
    }
    this.name = options.name;
    this.idPrefix = idPrefix;
    this.#options = options;
  }

  /** A fresh id, unique across processes and restarts (a random UUID after the prefix). */
  newId(): string {
    return `${this.idPrefix}${globalThis.crypto.randomUUID()}`;
  }

  /** Stores `value` under `id` (written to a temporary file, then renamed: readers never see half an object). */
  async put(id: string, value: T): Promise<void> {
    const { writeFile, rename, mkdir } = await import("node:fs/promises");
    const dir = await this.folder();
    const file = await this.#file(id, dir);
    await mkdir(dir, { recursive: true });
    const temporary = `${file}.${globalThis.crypto.randomUUID()}.tmp`;
    await writeFile(temporary, JSON.stringify(value));
    await rename(temporary, file);
  }

  /** The object stored under `id`; `StructureNotFoundError` when there is none. */
  async get(id: string): Promise<T> {
    const { readFile } = await import("node:fs/promises");
    const dir = await this.folder();
    const file = await this.#file(id, dir);
    let text: string;
    try {
      text = await readFile(file, "utf8");
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
      throw new StructureNotFoundError(
        id,
        dir,
        "it is written by shrink() in a process that shares this app folder; a process elsewhere needs the platform's media store",
      );
    }
    return JSON.parse(text) as T;
  }

  /** The folder the objects live in. */
  folder(): Promise<string> {
    this.#dir ??= this.#resolveFolder();
    return this.#dir;
  }

  async #file(id: string, dir: string): Promise<string> {
    if (typeof id !== "string" || !SAFE_NAME.test(id)) {
      throw new TypeError(`"${String(id)}" is not a reference of the local store "${this.name}" (letters, digits, ".", "_" or "-" only)`);
    }
    const { join } = await import("node:path");
    return join(dir, `${id}.json`);
  }

  async #resolveFolder(): Promise<string> {
    const { dirname, join, resolve } = await import("node:path");
    if (this.#options.dir !== undefined) return resolve(this.#options.dir);
    const { stat } = await import("node:fs/promises");
    const { fileURLToPath } = await import("node:url");
    const option = this.#options.from;
    const from = typeof option === "object" && !(option instanceof URL) ? (option as { url?: string }).url : option;
    let start = from === undefined ? process.cwd() : from instanceof URL || from.startsWith("file:") ? fileURLToPath(from) : resolve(from);
    const isDir = await stat(start).then((s) => s.isDirectory(), () => false);
    if (!isDir) start = dirname(start);
    for (let at = start; ; at = dirname(at)) {
      for (const marker of ["arkitekt.json", "package.json"]) {
        if (await stat(join(at, marker)).then(() => true, () => false)) return join(at, ".arkitekt", "structures", this.name);
      }
      if (dirname(at) === at) break;
    }
    return join(start, ".arkitekt", "structures", this.name);
  }
}
