// Synthetic projects for bench/extract: n registered functions, 10 per file.
import { mkdirSync, mkdtempSync, realpathSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

export const REPO = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
export const PER_FILE = 10;

/** A project of `n` functions, 10 per file, using every common port kind. */
export function makeProject(n) {
  const dir = realpathSync(mkdtempSync(join(tmpdir(), `ark-bench-${n}-`)));
  const write = (path, content) => {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), content);
  };
  write(
    "tsconfig.json",
    JSON.stringify({
      compilerOptions: {
        target: "ES2022", lib: ["ES2023"], module: "NodeNext", moduleResolution: "NodeNext", strict: true, skipLibCheck: true, noEmit: true,
        types: ["node"], typeRoots: [join(REPO, "node_modules/@types")],
      },
      include: ["src/**/*.ts", "generated/**/*.ts"],
    }),
  );
  // Installed as a user's app has it: node_modules/arkitekt-next (the built package: dist/ typings).
  mkdirSync(join(dir, "node_modules"), { recursive: true });
  symlinkSync(REPO, join(dir, "node_modules/arkitekt-next"), "dir");
  write("package.json", JSON.stringify({ name: "bench-app", private: true, type: "module" }));
  write(
    "src/shared.ts",
    `import type { Int, Structure } from "arkitekt-next";
export class Image implements Structure<string> {
  static identifier = "@bench/image";
  constructor(readonly id: string) {}
  shrink(): string { return this.id; }
  static expand(ref: string): Image { return new Image(ref); }
}
export enum Mode { Fast = "fast", Exact = "exact" }
export interface Settings { sigma: number; passes?: Int; mode: Mode }
`,
  );
  for (let f = 0; f * PER_FILE < n; f++) {
    let src = `import { register, type Int } from "arkitekt-next";\nimport { Image, Mode, type Settings } from "../shared.js";\n\n`;
    for (let i = f * PER_FILE; i < Math.min(n, (f + 1) * PER_FILE); i++) {
      src += `/**
 * Function number ${i}.
 * @param image The input
 * @param settings How
 */
export const fn${i} = register(async function fn${i}(image: Image, settings: Settings, count: Int = 3, tags: string[] = [], mode: Mode | null = null): Promise<[Image, Record<string, number>]> {
  return [image, { count, tags: tags.length, mode: mode ? 1 : 0, sigma: settings.sigma }];
});

`;
    }
    write(`src/group${String(f).padStart(4, "0")}/index.ts`, src);
  }
  return dir;
}

