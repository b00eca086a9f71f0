// Issue 14: File.path()'s media cache in `.arkitekt/cache/media/`: bounded by size, least recently used first.
import { mkdtempSync, readdirSync, writeFileSync, utimesSync, existsSync, mkdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { MediaCache, appFolder, cacheName, mediaCache } from "../../src/runtime/media/cache.js";
import { configureMedia, mediaOptions, resetMediaOptions, MEDIA_DEFAULTS } from "../../src/runtime/media/options.js";
import { MediaError } from "../../src/runtime/media/errors.js";

const made: string[] = [];
const fresh = () => {
  const dir = mkdtempSync(join(tmpdir(), "arkitekt-media-cache-"));
  made.push(dir);
  return dir;
};
afterAll(() => made.forEach((dir) => rmSync(dir, { recursive: true, force: true })));
const filler = (bytes: number) => async (temp: string) => writeFileSync(temp, Buffer.alloc(bytes, 1));
/** Sets a cached file's last use `secondsAgo` in the past. */
const usedAgo = (file: string, secondsAgo: number) => {
  const when = new Date(Date.now() - secondsAgo * 1000);
  utimesSync(file, when, when);
};

afterEach(() => resetMediaOptions());

describe("issue 14: the media cache", () => {
  it("issue 14: the cache evicts the least recently used files when over its size bound (a hit counts as a use)", async () => {
    const dir = join(fresh(), "media");
    const cache = new MediaCache(dir, 3000);
    const a = await cache.path("ms_a", 1000, filler(1000));
    const b = await cache.path("ms_b", 1000, filler(1000));
    const c = await cache.path("ms_c", 1000, filler(1000));
    usedAgo(a, 30);
    usedAgo(b, 20);
    usedAgo(c, 10);
    // a hit on a: it becomes the most recently used, so b is now the oldest
    let fills = 0;
    expect(
      await cache.path("ms_a", 1000, async (t) => {
        fills++;
        await filler(1000)(t);
      }),
    ).toBe(a);
    expect(fills).toBe(0);
    await cache.path("ms_d", 1000, filler(1000));
    expect(readdirSync(dir).sort()).toEqual(["ms_a", "ms_c", "ms_d"]);
    // a file that needs all the room evicts every other one, never itself
    await cache.path("ms_e", 3000, filler(3000));
    expect(readdirSync(dir)).toEqual(["ms_e"]);
  });

  it("issue 14: a file larger than the cache is refused with a hint to stream it instead, and leaves nothing behind", async () => {
    const dir = join(fresh(), "media");
    const cache = new MediaCache(dir, 100);
    const known = await cache.path("ms_big", 101, filler(101)).catch((e: unknown) => e);
    expect(known).toBeInstanceOf(MediaError);
    expect((known as MediaError).message).toContain("larger than the media cache (100 bytes");
    expect((known as MediaError).hint).toContain("stream()");
    // size unknown beforehand: checked after the download, the partial file removed
    const unknown = await cache.path("ms_big2", undefined, filler(150)).catch((e: unknown) => e);
    expect((unknown as MediaError).kind).toBe("CACHE");
    expect(readdirSync(dir)).toEqual([]);
  });

  it("issue 14: a failed download leaves no cached file and no partial file", async () => {
    const dir = join(fresh(), "media");
    const cache = new MediaCache(dir, 1000);
    const failed = await cache
      .path("ms_x", 10, async (temp) => {
        writeFileSync(temp, "half");
        throw new Error("connection reset");
      })
      .catch((e: unknown) => e);
    expect((failed as Error).message).toBe("connection reset");
    expect(readdirSync(dir)).toEqual([]);
    // the next try fills it
    expect(existsSync(await cache.path("ms_x", 10, filler(10)))).toBe(true);
  });

  it("issue 14: concurrent reads of one file in a process download it once", async () => {
    const cache = new MediaCache(join(fresh(), "media"), 1000);
    let fills = 0;
    const fill = async (temp: string) => {
      fills++;
      await new Promise((r) => setTimeout(r, 20));
      writeFileSync(temp, "x");
    };
    const [p1, p2] = await Promise.all([cache.path("ms_same", 1, fill), cache.path("ms_same", 1, fill)]);
    expect(p1).toBe(p2);
    expect(fills).toBe(1);
  });

  it("issue 14: ids that are not plain names cannot name a file outside the cache", () => {
    expect(cacheName("ms_AbC-1_2")).toBe("ms_AbC-1_2");
    expect(cacheName("../../etc/passwd")).toMatch(/^h-[0-9a-f]{64}$/);
    expect(cacheName("a/b")).toMatch(/^h-/);
  });

  it("issue 14: the cache lives in .arkitekt/cache/media of the app folder; ARKITEKT_CACHE_MAX_BYTES and configureMedia bound it (default 1 GiB)", async () => {
    const app = fresh();
    writeFileSync(join(app, "package.json"), "{}");
    mkdirSync(join(app, "src", "deep"), { recursive: true });
    expect(await appFolder(join(app, "src", "deep"))).toBe(app);
    expect(mediaOptions({}).cacheMaxBytes).toBe(MEDIA_DEFAULTS.cacheMaxBytes);
    expect(MEDIA_DEFAULTS.cacheMaxBytes).toBe(1024 ** 3);
    expect(mediaOptions({ ARKITEKT_CACHE_MAX_BYTES: "5000" }).cacheMaxBytes).toBe(5000);
    expect(() => mediaOptions({ ARKITEKT_CACHE_MAX_BYTES: "1GB" })).toThrow(/ARKITEKT_CACHE_MAX_BYTES="1GB" is not a number of bytes/);
    configureMedia({ cacheMaxBytes: 7000, cacheDir: join(app, "cache") });
    expect(mediaOptions({ ARKITEKT_CACHE_MAX_BYTES: "5000" }).cacheMaxBytes).toBe(7000);
    const cache = await mediaCache(mediaOptions({}));
    expect(cache.dir).toBe(join(app, "cache"));
    expect(() => configureMedia({ partSize: 1024 })).toThrow(/partSize must be a whole number of at least 5242880/);
  });
});
