/**
 * Golden files of the generator's output (definitions.json, registry.ts and its modules) for the
 * example app and the kitchen-sink fixture; `UPDATE_GOLDEN=1` rewrites them. Then the output is
 * compiled with tsc --strict, and a changed signature with stale generated/ must fail tsc and
 * `gen --check`.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { Generator } from "../../src/codegen/index.js";
import type { GeneratedFile } from "../../src/codegen/types.js";
import { REPO, makeProject } from "./helpers.js";
import { kitchenFiles } from "./kitchen-fixture.js";

const UPDATE = process.env.UPDATE_GOLDEN === "1";
const EXAMPLE = join(REPO, "examples/app");
const KITCHEN_GOLDEN = join(REPO, "test/fixtures/functions/kitchen");
const TSC = join(REPO, "node_modules/typescript/bin/tsc");
const CLI = join(REPO, "bin/arkitekt-next.js");

function listFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? listFiles(join(dir, e.name)) : [join(dir, e.name)],
  );
}

/** Compares produced files with the golden copies under `goldenRoot` (or rewrites them). */
function expectGolden(files: GeneratedFile[], goldenRoot: string, inputs: string[] = []): void {
  for (const file of files) {
    const target = join(goldenRoot, file.path);
    if (UPDATE) {
      mkdirSync(dirname(target), { recursive: true });
      writeFileSync(target, file.content);
    }
    expect(existsSync(target), `${target} is missing: run with UPDATE_GOLDEN=1`).toBe(true);
    expect(file.content, `${file.path} differs from its golden copy: run with UPDATE_GOLDEN=1`).toBe(readFileSync(target, "utf8"));
  }
  // Inputs kept in generated/ (the actions snapshot, fetched only with --refresh-actions) and the
  // orchestrator's manifest (its keys hash the running generator: src/ here, dist/ for the CLI) are not produced.
  const produced = new Set([...files.map((f) => f.path), ...inputs].map((path) => join(goldenRoot, path)));
  const extra = listFiles(join(goldenRoot, "generated")).filter((f) => !produced.has(f));
  expect(extra.map((f) => relative(goldenRoot, f))).toEqual([]);
}

function tsc(project: string): { status: number | null; output: string } {
  const run = spawnSync(process.execPath, [TSC, "-p", join(project, "tsconfig.json"), "--noEmit"], { encoding: "utf8" });
  return { status: run.status, output: `${run.stdout}${run.stderr}` };
}

describe("example app", () => {
  let files: GeneratedFile[];
  beforeAll(async () => {
    const produced = await new Generator(EXAMPLE).produce();
    expect(produced.diagnostics).toEqual([]);
    files = produced.files;
  });

  it("matches the committed generated/ files", () => {
    expect(files.map((f) => f.path)).toEqual([
      "generated/actions.ts",
      "generated/definitions.json",
      "generated/registry.ts",
      "generated/registry/src/filters.ts",
      "generated/registry/src/labels.ts",
      "generated/registry/src/notes.ts",
      "generated/registry/src/workflows.ts",
    ]);
    expectGolden(files, EXAMPLE, ["generated/actions.json", "generated/.arkitekt-gen.json"]);
  });

  it("writes definitions.json that the manifest schema accepts", async () => {
    const { manifestSchema } = await import("../../src/definition/model.js");
    const manifest = manifestSchema.parse(JSON.parse(files.find((f) => f.path === "generated/definitions.json")!.content));
    expect(manifest.map((i) => i.interface)).toEqual(["gradient", "threshold", "measure", "average", "tile", "clip", "label_images", "annotate", "tile_stats"]);
  });

  it("produces the same bytes twice", async () => {
    const again = await new Generator(EXAMPLE).produce();
    expect(again.files).toEqual(files);
  });

  it("compiles with tsc --strict", () => {
    const result = tsc(EXAMPLE);
    expect(result.output).toBe("");
    expect(result.status).toBe(0);
  });
});

describe("kitchen-sink fixture", () => {
  let dir: string;
  let files: GeneratedFile[];
  beforeAll(async () => {
    dir = makeProject(kitchenFiles);
    const generator = new Generator(dir);
    const result = await generator.run();
    expect(result.diagnostics).toEqual([]);
    files = result.files;
  });

  it("matches its golden files", () => {
    expectGolden(files, KITCHEN_GOLDEN);
  });

  it("compiles with tsc --strict", () => {
    const result = tsc(dir);
    expect(result.output).toBe("");
    expect(result.status).toBe(0);
  });

  it("fails tsc (naming the stale function and `arkitekt-next gen`) and gen --check when a signature changed and generated/ is stale", () => {
    const rows = join(dir, "src/rows.ts");
    writeFileSync(rows, readFileSync(rows, "utf8").replace("function num(a: number): number { return a; }", "function num(a: string): number { return a.length; }"));
    const compiled = tsc(dir);
    expect(compiled.status).not.toBe(0);
    // issue 11 ("A readable compile-time check"): the message names the function and the fix.
    expect(compiled.output).toMatch(/generated\/registry\/src\/rows\.ts\(\d+,\d+\): error TS2344: Type '"num \(src\/rows\.ts\): parameters changed since generated\/ was written — run arkitekt-next gen"' does not satisfy the constraint/);
    expect(compiled.output).not.toContain("[false, true]");
    const check = spawnSync(process.execPath, [CLI, "gen", "--check", "--cwd", dir], { encoding: "utf8" });
    expect(check.status).toBe(1);
    expect(check.stderr).toContain("generated files are stale:");
    expect(check.stderr).toContain("differs generated/registry/src/rows.ts");
    expect(check.stderr).toContain("differs generated/definitions.json");
  });
});
