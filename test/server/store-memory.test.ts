import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { openStore } from "../../src/server/store/open.js";
import { PAGE_CACHE_KIB } from "../../src/server/store/store.js";

describe("store memory (issue 18)", () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  it("issue 18: the store's SQLite page cache is bounded to PAGE_CACHE_KIB (SQLite's default), not better-sqlite3's 16 MB", () => {
    const dir = mkdtempSync(join(tmpdir(), "arkitekt-store-memory-"));
    dirs.push(dir);
    const store = openStore(dir, "test");
    try {
      expect(PAGE_CACHE_KIB).toBe(2_000);
      expect(store.db.pragma("cache_size", { simple: true })).toBe(-PAGE_CACHE_KIB);
    } finally {
      store.close();
    }
  });
});
