/**
 * Issue 18: registry modules and registry.ts are printed directly in prettier's layout
 * (src/codegen/emit/direct.ts) instead of formatting the templates' text with prettier. The bytes
 * must be prettier's: for every module of the example app, the kitchen-sink fixture, the shape of
 * bench/extract's project and generated edge cases (long names, long type arguments, many ports,
 * unicode, quotes in strings, parenthesized types, hooks), the direct text equals prettier's output on the template's
 * text, and prettier leaves the direct text unchanged. What the direct path does not cover falls
 * back to prettier (`formatted` undefined).
 */
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { FunctionsStage } from "../../src/codegen/functions/index.js";
import { registryModulePath, renderRegistryIndex, renderRegistryModule } from "../../src/codegen/emit/registry.js";
import { formatTypeScript } from "../../src/codegen/emit/format.js";
import { REPO, makeProject } from "./helpers.js";
import { kitchenFiles } from "./kitchen-fixture.js";

interface Compared {
  direct: number;
  fallback: number;
}

/** Extracts a project and compares each registry module (and registry.ts) both ways. */
async function compareProject(dir: string): Promise<Compared> {
  const stage = new FunctionsStage({ cwd: dir });
  const { byFile, diagnostics, hookFiles, states } = stage.extractor.extract();
  expect(diagnostics).toEqual([]);
  const options = { cwd: stage.extractor.projectDir, out: "generated" };
  const counts: Compared = { direct: 0, fallback: 0 };
  const paths: string[] = [];
  for (const { file, functions } of byFile) {
    const path = registryModulePath(file, options);
    paths.push(path);
    const pending = renderRegistryModule(functions, `${options.cwd}/${path}`, options);
    await expectPrettierBytes(pending.content, pending.formatted, path, counts);
  }
  const index = renderRegistryIndex(paths, "0".repeat(64), options, hookFiles, states);
  await expectPrettierBytes(index.content, index.formatted, "registry.ts", counts);
  return counts;
}

async function expectPrettierBytes(source: string, direct: string | undefined, path: string, counts: Compared): Promise<void> {
  if (direct === undefined) {
    counts.fallback++;
    return;
  }
  counts.direct++;
  expect(direct, `${path}: direct print differs from prettier`).toBe(await formatTypeScript(source));
  expect(await formatTypeScript(direct), `${path}: prettier changes the direct print`).toBe(direct);
}

/** bench/extract's function shape (10 per file), resolving arkitekt-next to the sources. */
function benchShapeFiles(files: number): Record<string, string> {
  const out: Record<string, string> = {
    "src/shared.ts": `import type { Int, Structure } from "arkitekt-next";
export class Image implements Structure<string> {
  static identifier = "@bench/image";
  constructor(readonly id: string) {}
  shrink(): string { return this.id; }
  static expand(ref: string): Image { return new Image(ref); }
}
export enum Mode { Fast = "fast", Exact = "exact" }
export interface Settings { sigma: number; passes?: Int; mode: Mode }
`,
  };
  for (let f = 0; f < files; f++) {
    let src = `import { register, type Int } from "arkitekt-next";\nimport { Image, Mode, type Settings } from "../shared.js";\n\n`;
    for (let i = f * 10; i < (f + 1) * 10; i++) {
      src += `/** Function number ${i}. */
export const fn${i} = register(async function fn${i}(image: Image, settings: Settings, count: Int = 3, tags: string[] = [], mode: Mode | null = null): Promise<[Image, Record<string, number>]> {
  return [image, { count, tags: tags.length, mode: mode ? 1 : 0, sigma: settings.sigma }];
});
`;
    }
    out[`src/group${String(f).padStart(4, "0")}/index.ts`] = src;
  }
  return out;
}

const long = "averyveryverylongfunctionnamethatgoesonandonforeverandeverandthensome";

/** Edge cases: long names and types, many ports, unicode, quotes, hooks, generators, fallbacks. */
const edgeFiles: Record<string, string> = {
  "src/types.ts": `import type { Structure } from "arkitekt-next";
export class VeryLongStructureClassNameForTestingTheLayoutOfTypeArguments implements Structure<string> {
  static identifier = "@edge/a-very-long-structure-identifier-that-does-not-fit-on-one-line-with-its-key";
  constructor(readonly id: string) {}
  shrink(): string { return this.id; }
  static expand(ref: string): VeryLongStructureClassNameForTestingTheLayoutOfTypeArguments { return new VeryLongStructureClassNameForTestingTheLayoutOfTypeArguments(ref); }
}
export class Quoted implements Structure<string> {
  static identifier = "@edge/it's";
  constructor(readonly id: string) {}
  shrink(): string { return this.id; }
  static expand(ref: string): Quoted { return new Quoted(ref); }
}
export enum Colour { Red = "red", Green = "green", Blue = "blue", Cyan = "cyan", Magenta = "magenta", Yellow = "yellow", Black = "black" }
export enum Level { Low, High = 10 }
export interface AnInterfaceWithAVeryLongNameThatMakesLinesLong { alpha: number; beta?: string; gamma: Colour | null; delta: Record<string, number[]> }
export interface Nested { inner: { a: number; b: string[] }; list: Array<{ x: number; y: number }> }
`,
  "src/long.ts": `import { register, type Int } from "arkitekt-next";
import { VeryLongStructureClassNameForTestingTheLayoutOfTypeArguments as V, Colour, type AnInterfaceWithAVeryLongNameThatMakesLinesLong as L, type Nested } from "./types.js";
export const ${long} = register(function ${long}(a: V, b: L): V { return a; });
export const many = register(function many(p1: number, p2: string, p3: boolean, p4: Int, p5: number[], p6: string[], p7: Colour, p8: Colour | null, p9: Record<string, V>, p10: L, p11: Nested, p12?: number, p13: string | undefined = undefined, p14: V[] = [], p15: Date | null = null): [V, L, Nested, Record<string, V[]>, Colour, number, string, boolean] { throw new Error(); });
export const unions = register(function unions(a: number | string, b: V | Int, c: "one" | "two" | "three" | "four" | "five" | "six" | "seven" | "eight" | "nine" | "ten"): "x" | "y" { return "x"; });
export const nothing = register(async function nothing(): Promise<void> {});
export const gen = register(async function* gen(n: Int): AsyncGenerator<[V, Colour]> { yield [null as never, Colour.Red]; });
`,
  "src/arrays.ts": `import { register } from "arkitekt-next";
import { VeryLongStructureClassNameForTestingTheLayoutOfTypeArguments as V } from "./types.js";
export const arrays = register(function arrays(a: (number | string)[], b: Array<V | null>, c?: number[] | null, d: Record<string, number | string> | null = null, e: readonly (number | string)[] = [], f: Record<string, (number | null)[]> | undefined = undefined): void {});
`,
  "src/unicode.ts": `import { register } from "arkitekt-next";
/** Grüße an die Welt: 世界 🌍 */
export const greet = register(function greet(name: string): string { return name; }, { name: "Grüße 世界" });
export const größe = register(function größe(wert: number): number { return wert; });
`,
  "src/quotes.ts": `import { register } from "arkitekt-next";
import { Quoted } from "./types.js";
export const quoted = register(function quoted(a: Quoted, b: "it's" | 'say "hi"'): string { return ""; }, { name: 'Say "hi"', interface: "it's-quoted" });
export const single = register(function single(a: "it's"): string { return ""; }, { name: "it's" });
`,
  "src/numeric.ts": `import { register } from "arkitekt-next";
import { Level } from "./types.js";
export const level = register(function level(a: Level): Level { return a; });
`,
  "src/deep/a/very/deep/folder/structure/that/makes/the/path/of/this/module/very/long/indeed.ts": `import { register } from "arkitekt-next";
export const deep = register(function deep(a: number): number { return a; });
`,
  "src/hooks.ts": `import { onStartup } from "arkitekt-next";
onStartup(async () => {});
`,
};

describe("issue 18: registry modules printed directly in prettier's layout", () => {
  it("issue 18: the example app's registry modules and registry.ts are printed directly, byte-identical to prettier", async () => {
    const counts = await compareProject(join(REPO, "examples/app"));
    expect(counts).toEqual({ direct: 5, fallback: 0 });
  }, 60_000);

  it("issue 18: the kitchen-sink fixture prints byte-identical to prettier (or falls back)", async () => {
    const counts = await compareProject(makeProject(kitchenFiles));
    expect(counts.direct).toBeGreaterThan(0);
  }, 60_000);

  it("issue 18: bench/extract's function shape prints directly, byte-identical to prettier", async () => {
    const counts = await compareProject(makeProject(benchShapeFiles(2)));
    expect(counts).toEqual({ direct: 3, fallback: 0 });
  }, 60_000);

  it("issue 18: long names, long type arguments, many ports, unicode and quotes print byte-identical to prettier or fall back", async () => {
    const counts = await compareProject(makeProject(edgeFiles));
    // unicode (non-ASCII) and quotes (a `"` in a string) fall back; long.ts, the parenthesized
    // types, the numeric enum, the deep module and registry.ts (with a hooks import) print directly
    expect(counts).toEqual({ direct: 5, fallback: 2 });
  }, 60_000);
});
