/**
 * The media cache behind `File.path()`: downloaded files under `.arkitekt/cache/media/` of the
 * app (or `cacheDir`), one file per store id, bounded by `cacheMaxBytes` with the least recently
 * used files evicted first (a hit touches the file's mtime; processes sharing the folder share
 * the cache). Files are written to a temporary `*.part` name and renamed, so no reader sees half
 * a file. A path handed out stays valid until the cache needs its room for newer files.
 */
import { createHash, randomUUID } from "node:crypto";
import { mkdir, readdir, rename, rm, stat, utimes } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { MediaError } from "./errors.js";

/** `*.part` files older than this are left-overs of a crashed download and removed on eviction. */
const STALE_PART_MS = 60 * 60 * 1000;

/** A file name for a store id: the id itself when it is plain, else its sha256. */
export function cacheName(id: string): string {
  return /^[A-Za-z0-9_-]{1,128}$/.test(id) ? id : `h-${createHash("sha256").update(id).digest("hex")}`;
}

/** The app folder above `from` (nearest `arkitekt.json` or `package.json`), else `from`. */
export async function appFolder(from: string = process.cwd()): Promise<string> {
  const start = resolve(from);
  for (let at = start; ; at = dirname(at)) {
    for (const marker of ["arkitekt.json", "package.json"]) {
      if (await stat(join(at, marker)).then(() => true, () => false)) return at;
    }
    if (dirname(at) === at) return start;
  }
}

/** The default cache folder: `<app>/.arkitekt/cache/media`. */
export async function defaultCacheDir(): Promise<string> {
  return join(await appFolder(), ".arkitekt", "cache", "media");
}

export class MediaCache {
  readonly #filling = new Map<string, Promise<string>>();

  constructor(
    readonly dir: string,
    readonly maxBytes: number,
  ) {}

  /**
   * The cached file of `id`, filled by `fill(tempPath)` when absent. `size`, when known, is checked
   * against the cache's bound first.
   */
  async path(id: string, size: number | undefined, fill: (tempPath: string) => Promise<void>): Promise<string> {
    const file = join(this.dir, cacheName(id));
    const now = new Date();
    if (await utimes(file, now, now).then(() => true, () => false)) return file;
    const pending = this.#filling.get(file);
    if (pending) return pending;
    if (size !== undefined && size > this.maxBytes) {
      throw new MediaError(
        "CACHE",
        `the file ${id} (${size} bytes) is larger than the media cache (${this.maxBytes} bytes, ${this.dir})`,
        "read it with stream() or download(file, dest) instead, or raise ARKITEKT_CACHE_MAX_BYTES (configureMedia({ cacheMaxBytes }))",
      );
    }
    const filling = this.#fill(file, fill).finally(() => this.#filling.delete(file));
    this.#filling.set(file, filling);
    return filling;
  }

  async #fill(file: string, fill: (tempPath: string) => Promise<void>): Promise<string> {
    await mkdir(this.dir, { recursive: true });
    const temp = `${file}.${randomUUID()}.part`;
    try {
      await fill(temp);
      const size = (await stat(temp)).size;
      if (size > this.maxBytes) {
        throw new MediaError(
          "CACHE",
          `the file ${file} (${size} bytes) is larger than the media cache (${this.maxBytes} bytes, ${this.dir})`,
          "read it with stream() or download(file, dest) instead, or raise ARKITEKT_CACHE_MAX_BYTES (configureMedia({ cacheMaxBytes }))",
        );
      }
      await rename(temp, file);
    } catch (error) {
      await rm(temp, { force: true });
      throw error;
    }
    await this.evict(file);
    return file;
  }

  /** Removes the least recently used files until the cache holds at most `maxBytes` (never `keep`). */
  async evict(keep?: string): Promise<string[]> {
    const names = await readdir(this.dir).catch(() => [] as string[]);
    const now = Date.now();
    const entries: Array<{ file: string; size: number; used: number }> = [];
    const removed: string[] = [];
    for (const name of names) {
      const file = join(this.dir, name);
      const info = await stat(file).catch(() => undefined);
      if (!info?.isFile()) continue;
      if (name.endsWith(".part")) {
        if (now - info.mtimeMs > STALE_PART_MS) await rm(file, { force: true });
        continue;
      }
      entries.push({ file, size: info.size, used: info.mtimeMs });
    }
    let total = entries.reduce((sum, e) => sum + e.size, 0);
    entries.sort((a, b) => a.used - b.used || (a.file < b.file ? -1 : 1));
    for (const entry of entries) {
      if (total <= this.maxBytes) break;
      if (entry.file === keep) continue;
      await rm(entry.file, { force: true });
      removed.push(entry.file);
      total -= entry.size;
    }
    return removed;
  }
}

let shared: { key: string; cache: MediaCache } | undefined;

/** The cache for these options (one per folder and bound). */
export async function mediaCache(options: { cacheDir: string | undefined; cacheMaxBytes: number }): Promise<MediaCache> {
  const dir = resolve(options.cacheDir ?? (await defaultCacheDir()));
  const key = `${dir}\n${options.cacheMaxBytes}`;
  if (shared?.key !== key) shared = { key, cache: new MediaCache(dir, options.cacheMaxBytes) };
  return shared.cache;
}
