/** Stores on temporary folders for unit tests of the store: each test's stores are closed and their folders removed after it. */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach } from "vitest";
import { Store } from "../../../src/server/store/store.js";

/** Registers the cleanup; the returned function opens a store in a new temporary folder (or in `dir`, e.g. to open one again). */
export function useTemporaryStores(prefix: string): (dir?: string) => Store {
  const dirs: string[] = [];
  const stores: Store[] = [];
  afterEach(() => {
    for (const store of stores.splice(0)) store.close();
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });
  return (dir = mkdtempSync(join(tmpdir(), prefix))) => {
    if (!dirs.includes(dir)) dirs.push(dir);
    const store = new Store(dir);
    stores.push(store);
    return store;
  };
}
