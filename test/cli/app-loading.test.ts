// Loading an app that is CommonJS where ES modules are needed (`npm init -y` writes "type": "commonjs"):
// the hint says the app's package.json needs "type": "module" and how to add it, not "fix the error in
// your code". The hint function with Node's real errors, then `run dev` (both modes) as a child process.
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { bin, root } from "./run-dev.js";
import { isModuleFormatError, loadErrorHint } from "../../src/cli/app-loading.js";

const base = mkdtempSync(join(tmpdir(), "arkitekt-app-loading-"));
afterAll(() => rmSync(base, { recursive: true, force: true }));
let count = 0;
const FALLBACK = "fix the error in your code";

/** A folder with a package.json of these fields (none when `pkg` is undefined). */
function appDir(pkg: Record<string, unknown> | undefined): string {
  const dir = join(base, `${++count}`);
  mkdirSync(dir, { recursive: true });
  if (pkg) writeFileSync(join(dir, "package.json"), JSON.stringify(pkg));
  return dir;
}

describe("the load-error hint", () => {
  it('issue 12 review: Node\'s module-format errors get the hint that package.json needs "type": "module"', () => {
    const dir = appDir({ name: "x", version: "1.0.0", type: "commonjs" });
    // Node's errors, as it words them (the e2e test below gets the real one through run dev).
    const requireEsm = Object.assign(new Error(`require() of ES Module ${dir}/node_modules/arkitekt-next/dist/src/index.js from ${dir}/dist/app.js not supported.`), {
      code: "ERR_REQUIRE_ESM",
    });
    const requireInEsm = new ReferenceError("require is not defined in ES module scope, you can use import instead");
    // What tsx gives on Node 20 for an app of "type": "commonjs" (the review's report).
    const cycle = Object.assign(new Error(`Cannot require() ES Module ${dir}/generated/registry.ts in a cycle. A cycle involving require(esm) is not allowed`), {
      code: "ERR_REQUIRE_CYCLE_MODULE",
    });
    const wrapped = new Error("loading failed", { cause: cycle });
    for (const error of [requireEsm, requireInEsm, cycle, wrapped]) expect(isModuleFormatError(error)).toBe(true);

    const hint = loadErrorHint(cycle, dir, FALLBACK);
    expect(hint).toBe(
      `the app's package.json has "type": "commonjs"; it needs "type": "module" (the app and arkitekt-next are ES modules): run \`arkitekt-next init --force\` in ${dir} to add it (it keeps your files and merges what the app needs into package.json)`,
    );
    expect(loadErrorHint(requireEsm, dir, FALLBACK)).toBe(hint);
    expect(loadErrorHint(cycle, appDir({ name: "x" }), FALLBACK)).toContain('the app\'s package.json has no "type" (so CommonJS); it needs "type": "module"');
    const none = appDir(undefined);
    expect(loadErrorHint(cycle, none, FALLBACK)).toBe(
      `the app needs a package.json with "type": "module" in ${none}: run \`arkitekt-next init --force\` in ${none} to add it (it keeps your files and merges what the app needs into package.json)`,
    );
    // Already "module": CommonJS files are left over (an old dist/) or the code uses require().
    expect(loadErrorHint(requireInEsm, appDir({ type: "module" }), FALLBACK)).toMatch(/^a CommonJS file was loaded although the app's package.json has "type": "module": rebuild/);
  });

  it("issue 12 review: other load errors keep the fallback hint", () => {
    const dir = appDir({ type: "commonjs" });
    expect(isModuleFormatError(new TypeError("x is not a function"))).toBe(false);
    expect(loadErrorHint(new TypeError("x is not a function"), dir, FALLBACK)).toBe(FALLBACK);
    expect(loadErrorHint("a string", dir, FALLBACK)).toBe(FALLBACK);
    expect(loadErrorHint(Object.assign(new Error("Cannot find module 'nope'"), { code: "ERR_MODULE_NOT_FOUND" }), dir, FALLBACK)).toBe(FALLBACK);
  });
});

describe("run dev of an app with \"type\": \"commonjs\"", () => {
  /** An app as `init` writes it, then turned CommonJS as `npm init -y` would have it; its dependencies linked. */
  function commonjsApp(): string {
    const dir = join(base, `${++count}`, "cjs-app");
    const init = spawnSync(process.execPath, [bin, "init", dir, "--yes", "--no-install", "--package", `file:${root}`], { encoding: "utf8", input: "" });
    expect(init.status).toBe(0);
    const pkg = JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as Record<string, unknown>;
    writeFileSync(join(dir, "package.json"), JSON.stringify({ ...pkg, type: "commonjs" }, null, 2));
    mkdirSync(join(dir, "node_modules", "@types"), { recursive: true });
    symlinkSync(root, join(dir, "node_modules", "arkitekt-next"), "dir");
    symlinkSync(join(root, "node_modules", "typescript"), join(dir, "node_modules", "typescript"), "dir");
    symlinkSync(join(root, "node_modules", "@types", "node"), join(dir, "node_modules", "@types", "node"), "dir");
    return dir;
  }

  it('issue 12 review: run dev (with reload, and --no-reload) says the app\'s package.json needs "type": "module"', () => {
    const dir = commonjsApp();
    for (const extra of [[], ["--no-reload"]]) {
      const result = spawnSync(process.execPath, [bin, "run", "dev", "--cwd", dir, "--data", join(dir, ".arkitekt", "dev"), ...extra], {
        encoding: "utf8",
        env: { ...process.env, ARKITEKT_URL: "", ARKITEKT_TOKEN: "", NO_COLOR: "1" },
        input: "",
        timeout: 60_000,
      });
      const output = result.stdout + result.stderr;
      expect(result.status, output).toBe(1);
      expect(output).toContain("error: loading the app failed");
      expect(output).toContain(`hint: the app's package.json has "type": "commonjs"; it needs "type": "module"`);
      expect(output).toContain(`run \`arkitekt-next init --force\` in ${dir} to add it`);
      expect(output).not.toContain("fix the error in your code");
    }
  }, 120_000);
});
