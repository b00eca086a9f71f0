/**
 * Issue 10 #2: the interim structure store in the app's `.arkitekt/` folder. Ids are unique across
 * processes and restarts; a reference written by one store object (process) is read by another;
 * references from the wire cannot name a file outside the store.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { LocalStructureStore, StructureNotFoundError } from "../../src/index.js";

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});
function app(): string {
  const dir = mkdtempSync(join(tmpdir(), "arkitekt-local-store-"));
  dirs.push(dir);
  writeFileSync(join(dir, "package.json"), "{}");
  mkdirSync(join(dir, "src", "deep"), { recursive: true });
  return dir;
}

describe("issue 10 #2: LocalStructureStore", () => {
  it("keeps objects in <app>/.arkitekt/structures/<name>/, found from a module inside the app", async () => {
    const root = app();
    const module = pathToFileURL(join(root, "src", "deep", "image.ts")).href;
    const writer = new LocalStructureStore<{ pixels: number[] }>({ name: "images", idPrefix: "img-", from: { url: module } as ImportMeta });
    const reader = new LocalStructureStore<{ pixels: number[] }>({ name: "images", from: join(root, "src") });
    expect(await writer.folder()).toBe(join(root, ".arkitekt", "structures", "images"));
    const id = writer.newId();
    expect(id).toMatch(/^img-[0-9a-f-]{36}$/);
    await writer.put(id, { pixels: [1, 2.5] });
    expect(await reader.get(id)).toEqual({ pixels: [1, 2.5] });
    expect(JSON.parse(readFileSync(join(root, ".arkitekt", "structures", "images", `${id}.json`), "utf8"))).toEqual({ pixels: [1, 2.5] });
  });

  it("gives ids that do not repeat (random, so unique across processes and restarts)", () => {
    const store = new LocalStructureStore({ name: "things" });
    const ids = new Set(Array.from({ length: 1000 }, () => store.newId()));
    expect(ids.size).toBe(1000);
    expect([...ids][0]).toMatch(/^things-/);
  });

  it("says where it looked and what to do when a reference is unknown", async () => {
    const root = app();
    const store = new LocalStructureStore({ name: "images", dir: join(root, "store") });
    const error = await store.get("img-unknown").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StructureNotFoundError);
    expect((error as StructureNotFoundError).message).toContain(`no structure "img-unknown" in the local store ${join(root, "store")}`);
    expect((error as StructureNotFoundError).message).toContain("media store");
  });

  it("refuses references that would name a file outside the store, and bad names", async () => {
    const store = new LocalStructureStore({ name: "images", dir: app() });
    for (const ref of ["../package", "a/b", ".hidden", "", "x\\y"]) {
      await expect(store.get(ref)).rejects.toThrow(/is not a reference of the local store "images"/);
    }
    expect(() => new LocalStructureStore({ name: "../up" })).toThrow(/name "..\/up"/);
  });

  it("loads node:fs and node:path lazily (importing the package stays browser-safe)", () => {
    const source = readFileSync(join(import.meta.dirname, "../../src/runtime/structures/local-store.ts"), "utf8");
    expect(source).not.toMatch(/^import [^;]* from "node:/m);
  });
});
