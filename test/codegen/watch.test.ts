/** Incremental regeneration: one long-lived generator re-reads only changed files, and --watch reacts to edits. */
import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { Generator, generate, type GenerateResult } from "../../src/codegen/index.js";
import { makeProject } from "./helpers.js";

const files = {
  "src/types.ts": `export interface Settings { sigma: number }\n`,
  "src/a.ts": `import { register } from "arkitekt-next";
import type { Settings } from "./types.js";
export const blur = register(function blur(s: Settings): number { return s.sigma; });
`,
  "src/b.ts": `import { register } from "arkitekt-next";
export const add = register(function add(a: number, b: number): number { return a + b; });
`,
};

function definitions(dir: string): Array<{ interface: string; definition: { args: Array<{ key: string; kind: string; children?: Array<{ key: string }> }> } }> {
  return JSON.parse(readFileSync(join(dir, "generated/definitions.json"), "utf8"));
}

describe("incremental regeneration", () => {
  it("picks up an edited file, a file it depends on, a new file and a deleted file", async () => {
    const dir = makeProject(files);
    const generator = new Generator(dir);
    expect((await generator.run()).ok).toBe(true);
    expect(definitions(dir).map((d) => d.interface)).toEqual(["blur", "add"]);

    writeFileSync(join(dir, "src/b.ts"), files["src/b.ts"].replace("b: number", "b: string"));
    generator.update([join(dir, "src/b.ts")]);
    let result = await generator.run();
    expect(result.written.sort()).toEqual(["generated/definitions.json", "generated/registry.ts", "generated/registry/src/b.ts"]);
    expect(definitions(dir)[1]!.definition.args[1]!.kind).toBe("STRING");

    writeFileSync(join(dir, "src/types.ts"), `export interface Settings { sigma: number; passes: number }\n`);
    generator.update([join(dir, "src/types.ts")]);
    result = await generator.run();
    expect(result.written).toContain("generated/registry/src/a.ts");
    expect(definitions(dir)[0]!.definition.args[0]!.children?.map((c) => c.key)).toEqual(["sigma", "passes"]);

    writeFileSync(join(dir, "src/c.ts"), `import { register } from "arkitekt-next";\nexport const neg = register(function neg(a: number): number { return -a; });\n`);
    generator.update([join(dir, "src/c.ts")]);
    await generator.run();
    expect(definitions(dir).map((d) => d.interface)).toEqual(["blur", "add", "neg"]);

    rmSync(join(dir, "src/b.ts"));
    generator.update([join(dir, "src/b.ts")]);
    result = await generator.run();
    expect(result.removed).toEqual(["generated/registry/src/b.ts"]);
    expect(existsSync(join(dir, "generated/registry/src/b.ts"))).toBe(false);
    expect(definitions(dir).map((d) => d.interface)).toEqual(["blur", "neg"]);
  });

  it("regenerates on change in --watch mode until stopped", async () => {
    const dir = makeProject(files);
    const controller = new AbortController();
    const runs: GenerateResult[] = [];
    let edited = false;
    const done = generate({
      cwd: dir,
      watch: true,
      signal: controller.signal,
      onRun(result) {
        runs.push(result);
        if (!edited) {
          edited = true;
          setTimeout(() => writeFileSync(join(dir, "src/b.ts"), files["src/b.ts"].replace("a: number", "a: boolean")), 100);
        } else if (definitions(dir)[1]!.definition.args[0]!.kind === "BOOL") controller.abort();
      },
    });
    const last = await done;
    expect(runs.length).toBeGreaterThanOrEqual(2);
    expect(last.written).toContain("generated/registry/src/b.ts");
    expect(definitions(dir)[1]!.definition.args[0]!.kind).toBe("BOOL");
  });
});
