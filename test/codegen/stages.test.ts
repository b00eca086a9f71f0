/**
 * The orchestrator over Stage objects (issue 11 #1): content keys in generated/.arkitekt-gen.json
 * skip unchanged stages, a changed input reruns its stage, a hand edit of a generated file fails
 * `gen --check` naming the file, and a new stage needs no change to the orchestrator.
 */
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";
import { readFile } from "node:fs/promises";
import { Generator, MANIFEST_FILE, STAGES, generate, type Logger, type Stage } from "../../src/codegen/index.js";
import { contentKey } from "../../src/codegen/key.js";
import { REPO, makeProject } from "./helpers.js";
import { bannerRuns, bannerStage } from "./stages/banner-stage.js";

function recordingLogger(): Logger & { lines: string[] } {
  const lines: string[] = [];
  return { lines, debug: (m) => lines.push(m), info: (m) => lines.push(m), warn: (m) => lines.push(m), error: (m) => lines.push(m) };
}

const functionsProject = {
  "src/a.ts": `import { register } from "arkitekt-next";
export const add = register(function add(a: number, b: number): number { return a + b; });
`,
};

describe("content keys (generated/.arkitekt-gen.json)", () => {
  it("issue 11 #1: a second gen on an unchanged project skips the stage, a changed input reruns it", async () => {
    const dir = makeProject(functionsProject);
    const first = await generate({ cwd: dir });
    expect(first.ok).toBe(true);
    expect(first.skipped).toEqual([]);
    const manifest = JSON.parse(readFileSync(join(dir, "generated", MANIFEST_FILE), "utf8"));
    expect(Object.keys(manifest.stages)).toEqual(["functions"]);
    expect(Object.keys(manifest.stages.functions.files)).toEqual(["generated/definitions.json", "generated/registry.ts", "generated/registry/src/a.ts"]);
    expect(manifest.stages.functions.counts).toEqual({ functions: 1 });

    // A fresh generator (a new `gen` process): the stage does not run.
    const logger = recordingLogger();
    const second = await generate({ cwd: dir, logger });
    expect(second.skipped).toEqual(["functions"]);
    expect(second.written).toEqual([]);
    expect(second.files.map((f) => f.path)).toEqual(["generated/definitions.json", "generated/registry.ts", "generated/registry/src/a.ts"]);
    expect(second.functionCount).toBe(1);
    expect(logger.lines.some((l) => l.startsWith("functions: unchanged, skipped"))).toBe(true);
    expect(logger.lines.at(-1)).toContain("unchanged, skipped: functions");
    expect((await generate({ cwd: dir, check: true })).skipped).toEqual(["functions"]);

    // A changed input: the key differs, the stage runs and writes.
    writeFileSync(join(dir, "src/a.ts"), functionsProject["src/a.ts"].replace("b: number", "b: string"));
    const stale = await generate({ cwd: dir, check: true });
    expect(stale.skipped).toEqual([]);
    expect(stale.stale.map((s) => s.reason)).toEqual(["differs", "differs", "differs"]);
    const third = await generate({ cwd: dir });
    expect(third.skipped).toEqual([]);
    expect(third.written).toContain("generated/registry/src/a.ts");
    expect(readFileSync(join(dir, "generated/definitions.json"), "utf8")).toContain('"kind": "STRING"');
    // --force runs it although nothing changed
    expect((await generate({ cwd: dir, force: true })).skipped).toEqual([]);
  });

  it("issue 11 #1: a hand-edited generated file fails gen --check naming the file and saying to run gen", async () => {
    const dir = makeProject(functionsProject);
    expect((await generate({ cwd: dir })).ok).toBe(true);
    const registry = join(dir, "generated/registry/src/a.ts");
    const original = readFileSync(registry, "utf8");
    writeFileSync(registry, `${original}// tweaked by hand\n`);
    const logger = recordingLogger();
    const check = await generate({ cwd: dir, check: true, logger });
    expect(check.ok).toBe(false);
    expect(check.stale).toEqual([{ path: "generated/registry/src/a.ts", reason: "edited" }]);
    const message = logger.lines.at(-1)!;
    expect(message).toContain("edited  generated/registry/src/a.ts");
    expect(message).toContain("run `arkitekt-next gen`");
    // gen puts the file back (the stage runs again: its inputs are unchanged but an output is not)
    const fixed = await generate({ cwd: dir });
    expect(fixed.written).toEqual(["generated/registry/src/a.ts"]);
    expect(readFileSync(registry, "utf8")).toBe(original);
    expect((await generate({ cwd: dir, check: true })).ok).toBe(true);
  });

  it("a deleted generated file is missing for gen --check, and gen writes it again", async () => {
    const dir = makeProject({ "banner.txt": "hello\n" });
    const stages = [bannerStage];
    expect((await new Generator(dir, { stages }).run()).written).toEqual(["generated/banner.ts"]);
    writeFileSync(join(dir, "generated/banner.ts"), "");
    expect((await new Generator(dir, { stages }).run(true)).stale).toEqual([{ path: "generated/banner.ts", reason: "edited" }]);
    const { rmSync } = await import("node:fs");
    rmSync(join(dir, "generated/banner.ts"));
    expect((await new Generator(dir, { stages }).run(true)).stale).toEqual([{ path: "generated/banner.ts", reason: "missing" }]);
    expect((await new Generator(dir, { stages }).run()).written).toEqual(["generated/banner.ts"]);
  });

  it("hashes the generator into every key", async () => {
    const dir = makeProject({ "banner.txt": "hello\n" });
    const inputs = { files: ["banner.txt"] };
    expect(await contentKey(dir, "banner", inputs, "generator-a")).toBe(await contentKey(dir, "banner", inputs, "generator-a"));
    expect(await contentKey(dir, "banner", inputs, "generator-a")).not.toBe(await contentKey(dir, "banner", inputs, "generator-b"));
    expect(await contentKey(dir, "banner", inputs, "generator-a")).not.toBe(await contentKey(dir, "banner", { ...inputs, settings: { x: 1 } }, "generator-a"));
  });
});

describe("a stage the orchestrator has never seen", () => {
  it("issue 11 #1: a fixture stage is written, skipped, rerun, checked and reported with no change to the orchestrator", async () => {
    const dir = makeProject({ "banner.txt": "hello\n", "arkitekt.json": JSON.stringify({ functions: false }) });
    const stages = [...STAGES, bannerStage];
    const runs = bannerRuns.count;
    const logger = recordingLogger();
    const first = await generate({ cwd: dir, stages, logger });
    expect(first.stages).toEqual(["banner"]);
    expect(first.written).toEqual(["generated/banner.ts"]);
    expect(readFileSync(join(dir, "generated/banner.ts"), "utf8")).toBe('export const banner = "hello";\n');
    expect(logger.lines).toContain("wrote generated/banner.ts");
    expect(bannerRuns.count).toBe(runs + 1);
    const manifest = JSON.parse(readFileSync(join(dir, "generated", MANIFEST_FILE), "utf8"));
    expect(manifest.stages.banner).toMatchObject({ counts: { banners: 1 }, files: { "generated/banner.ts": expect.stringMatching(/^[0-9a-f]{64}$/) } });

    expect((await generate({ cwd: dir, stages })).skipped).toEqual(["banner"]);
    expect((await generate({ cwd: dir, stages, check: true })).ok).toBe(true);
    expect(bannerRuns.count).toBe(runs + 1);

    writeFileSync(join(dir, "banner.txt"), "bonjour\n");
    expect((await generate({ cwd: dir, stages, check: true })).stale).toEqual([{ path: "generated/banner.ts", reason: "differs" }]);
    expect((await generate({ cwd: dir, stages })).written).toEqual(["generated/banner.ts"]);
    expect(bannerRuns.count).toBe(runs + 3);

    // Diagnostics of the new stage: reported all at once, nothing written, the manifest untouched.
    const before = readFileSync(join(dir, "generated", MANIFEST_FILE), "utf8");
    writeFileSync(join(dir, "banner.txt"), "\n");
    const failing = recordingLogger();
    const failed = await generate({ cwd: dir, stages, logger: failing });
    expect(failed.ok).toBe(false);
    expect(failing.lines.join("\n")).toContain("banner.txt:1:1 - error TEST_EMPTY_BANNER: the banner is empty");
    expect(readFileSync(join(dir, "generated/banner.ts"), "utf8")).toBe('export const banner = "bonjour";\n');
    expect(readFileSync(join(dir, "generated", MANIFEST_FILE), "utf8")).toBe(before);
  });

  it("reaches the fixed point in one gen when a stage reads another stage's output", async () => {
    const dir = makeProject({ "banner.txt": "hello\n", "arkitekt.json": JSON.stringify({ functions: false }) });
    // Runs before the banner stage and reads what it writes (as the functions stage reads generated/actions.ts).
    const shoutStage: Stage = {
      name: "shout",
      enabled: () => true,
      open: (context) => ({
        inputs: async () => ({ files: ["generated/banner.ts"] }),
        run: async () => {
          const banner = await readFile(join(context.cwd, "generated/banner.ts"), "utf8").catch(() => "");
          return { files: [{ path: "generated/shout.ts", content: banner.toUpperCase() }], diagnostics: [] };
        },
      }),
    };
    const stages = [shoutStage, bannerStage];
    const first = await new Generator(dir, { stages }).run();
    expect(first.written).toEqual(["generated/banner.ts", "generated/shout.ts"]);
    expect(readFileSync(join(dir, "generated/shout.ts"), "utf8")).toBe('EXPORT CONST BANNER = "HELLO";\n');
    const manifest = readFileSync(join(dir, "generated", MANIFEST_FILE), "utf8");
    const second = await new Generator(dir, { stages }).run();
    expect(second.skipped).toEqual(["shout", "banner"]);
    expect(readFileSync(join(dir, "generated", MANIFEST_FILE), "utf8")).toBe(manifest);
  });

  it("gen --watch runs every stage first (warm for the first edit), then skips unchanged ones", async () => {
    const dir = makeProject({ "banner.txt": "hello\n", "arkitekt.json": JSON.stringify({ functions: false }) });
    const stages = [bannerStage];
    await generate({ cwd: dir, stages });
    const controller = new AbortController();
    const runs: string[][] = [];
    await generate({
      cwd: dir,
      stages,
      watch: true,
      signal: controller.signal,
      onRun(result) {
        runs.push(result.skipped);
        controller.abort();
      },
    });
    expect(runs).toEqual([[]]);
    expect((await generate({ cwd: dir, stages })).skipped).toEqual(["banner"]);
  });

  it("writes the manifest with the same bytes on every run", async () => {
    const dir = makeProject({ "banner.txt": "hello\n", "arkitekt.json": JSON.stringify({ functions: false }) });
    const stages = [bannerStage];
    await new Generator(dir, { stages }).run();
    const first = readFileSync(join(dir, "generated", MANIFEST_FILE), "utf8");
    await new Generator(dir, { stages, force: true }).run();
    expect(readFileSync(join(dir, "generated", MANIFEST_FILE), "utf8")).toBe(first);
  });
});

describe("the built CLI", () => {
  it("issue 11 #1: gen --check on an unchanged project loads neither ts-morph nor graphql-codegen", () => {
    const dir = makeProject({ ...functionsProject, "arkitekt.json": JSON.stringify({ functions: {} }) });
    const script = (check: boolean) => `
      import { createRequire } from "node:module";
      const { generate } = await import(${JSON.stringify(pathToFileURL(join(REPO, "dist/src/codegen/index.js")).href)});
      const result = await generate({ cwd: ${JSON.stringify(dir)}, check: ${check} });
      const loaded = Object.keys(createRequire(import.meta.url).cache);
      console.log(JSON.stringify({ ok: result.ok, skipped: result.skipped, tsMorph: loaded.some((k) => k.includes("ts-morph")), codegen: loaded.some((k) => k.includes("@graphql-codegen")) }));
    `;
    const run = (check: boolean) => {
      const child = spawnSync(process.execPath, ["--input-type=module", "-e", script(check)], { encoding: "utf8" });
      expect(child.stderr).toBe("");
      return JSON.parse(child.stdout) as { ok: boolean; skipped: string[]; tsMorph: boolean; codegen: boolean };
    };
    expect(run(false)).toEqual({ ok: true, skipped: [], tsMorph: true, codegen: false });
    expect(existsSync(join(dir, "generated", MANIFEST_FILE))).toBe(true);
    expect(run(true)).toEqual({ ok: true, skipped: ["functions"], tsMorph: false, codegen: false });
  });
});
