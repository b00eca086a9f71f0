/** Throw-away projects for generator tests, built inline from file maps. */
import { mkdtempSync, mkdirSync, realpathSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { FunctionsStage } from "../../src/codegen/functions/index.js";
import type { ExtractedFunction } from "../../src/codegen/functions/model.js";
import type { Diagnostic } from "../../src/codegen/types.js";
import type { Port } from "../../src/definition/model.js";

export const REPO = resolve(dirname(fileURLToPath(import.meta.url)), "../..");

/** A tsconfig that resolves `arkitekt-next` to this repo's sources (no build, no install needed). */
export function fixtureTsconfig(extra: Record<string, unknown> = {}): string {
  return JSON.stringify(
    {
      compilerOptions: {
        target: "ES2022",
        lib: ["ES2023"],
        module: "NodeNext",
        moduleResolution: "NodeNext",
        strict: true,
        noUncheckedIndexedAccess: true,
        skipLibCheck: true,
        noEmit: true,
        types: ["node"],
        typeRoots: [join(REPO, "node_modules/@types")],
        paths: { "arkitekt-next": [join(REPO, "src/index.ts")] },
        ...extra,
      },
      include: ["src/**/*.ts", "generated/**/*.ts"],
    },
    null,
    2,
  );
}

/** Writes `files` (plus a tsconfig unless given) into a new temporary directory. */
export function makeProject(files: Record<string, string>, name = "ark-gen-"): string {
  const dir = realpathSync(mkdtempSync(join(tmpdir(), name)));
  // An ESM package, as README requires (generated registry.ts imports definitions.json with a JSON import attribute).
  const all = { "package.json": JSON.stringify({ type: "module", private: true }), "tsconfig.json": fixtureTsconfig(), ...files };
  for (const [path, content] of Object.entries(all)) {
    const target = join(dir, path);
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, content);
  }
  return dir;
}

export interface Extracted {
  dir: string;
  functions: ExtractedFunction[];
  diagnostics: Diagnostic[];
  byKey(key: string): ExtractedFunction;
  arg(fnKey: string, index?: number): Port;
  ret(fnKey: string, index?: number): Port;
}

export function extractProject(files: Record<string, string>): Extracted {
  const dir = makeProject(files);
  const stage = new FunctionsStage({ cwd: dir });
  const { functions, diagnostics } = stage.extractor.extract();
  const byKey = (key: string): ExtractedFunction => {
    const fn = functions.find((f) => f.implementation.definition.key === key);
    if (!fn) throw new Error(`no function ${key}; diagnostics: ${diagnostics.map((d) => d.message).join("; ")}`);
    return fn;
  };
  return {
    dir,
    functions,
    diagnostics,
    byKey,
    arg: (key, index = 0) => byKey(key).implementation.definition.args[index]!,
    ret: (key, index = 0) => byKey(key).implementation.definition.returns[index]!,
  };
}
