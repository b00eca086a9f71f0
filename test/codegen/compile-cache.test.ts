/**
 * Issue 18 (performance), 1,000 functions cold: TypeScript's compiler and @ts-morph/common are
 * compiled with a V8 code cache kept in the temporary folder (functions/compile-cache.ts). The cache
 * is written by the first gen, used by the next, and a damaged one is ignored: the output is the
 * same every time. Runs the built CLI (the cache applies to the compiled package) with its own TMPDIR.
 */
import { spawnSync } from "node:child_process";
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterAll, expect, it } from "vitest";
import { REPO, makeProject } from "./helpers.js";

const made: string[] = [];
afterAll(() => {
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
});

it("issue 18: the compiler's code cache is written by the first gen, used by the next, and ignored when damaged, with the same output each time", () => {
  const dir = makeProject({
    "src/index.ts": `import { register, type Int } from "arkitekt-next";\nexport const add = register(function add(a: Int, b: Int = 2): Int { return (a + b) as Int; });\n`,
  });
  made.push(dir);
  const tmp = mkdtempSync(join(tmpdir(), "ark-code-cache-"));
  made.push(tmp);
  const gen = () => {
    rmSync(join(dir, "generated"), { recursive: true, force: true });
    const child = spawnSync(process.execPath, [join(REPO, "bin/arkitekt-next.js"), "gen", "--cwd", dir], { encoding: "utf8", env: { ...process.env, TMPDIR: tmp } });
    expect(child.status, child.stderr).toBe(0);
    return readFileSync(join(dir, "generated/registry/src/index.ts"), "utf8") + readFileSync(join(dir, "generated/definitions.json"), "utf8");
  };
  const cacheFiles = () => readdirSync(tmp, { recursive: true, encoding: "utf8" }).filter((name) => name.endsWith(".bin")).map((name) => join(tmp, name));

  const first = gen();
  const written = cacheFiles();
  expect(written).toHaveLength(2); // typescript.js and @ts-morph/common
  const bytes = written.map((file) => readFileSync(file));
  expect(gen()).toBe(first);
  // used, not rewritten
  expect(written.map((file) => readFileSync(file).equals(bytes[written.indexOf(file)]!))).toEqual([true, true]);

  for (const file of written) writeFileSync(file, "not V8 code");
  expect(gen()).toBe(first);
  // a rejected cache is written again
  expect(cacheFiles().map((file) => readFileSync(file, "utf8") === "not V8 code")).toEqual([false, false]);

  // a cache folder others may write is neither read nor written (the temporary folder is shared)
  chmodSync(dirname(written[0]!), 0o777);
  for (const file of written) writeFileSync(file, "planted");
  expect(gen()).toBe(first);
  expect(cacheFiles().map((file) => readFileSync(file, "utf8"))).toEqual(["planted", "planted"]);
}, 120_000);
