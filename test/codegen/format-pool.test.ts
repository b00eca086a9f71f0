/**
 * A cold run of a large project formats on worker threads (built package) the registry modules the
 * direct printer does not cover: the bytes must not change.
 */
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { expect, it } from "vitest";
import { Generator } from "../../src/codegen/index.js";
import { REPO, makeProject } from "./helpers.js";

it("formats on worker threads with the same output as on the main thread", async () => {
  const files: Record<string, string> = {
    "src/shared.ts": `export enum Mode { A = "a", B = "b" }\nexport interface Box { w: number; h?: number }\n`,
  };
  for (let f = 0; f < 20; f++) {
    // Every other module has a string with a `"` (prettier switches its quotes), which the direct
    // printer (emit/direct.ts) leaves to prettier: those are formatted on the worker.
    const quoted = f % 2 === 0 ? `, quoted: "a" | 'say "hi"' = "a"` : "";
    files[`src/part${f}.ts`] = `import { register, type Int } from "arkitekt-next";
import { Mode, type Box } from "./shared.js";
export const one${f} = register(function one${f}(a: Int, mode: Mode = Mode.B, boxes: Box[] = []${quoted}): [number, Mode] { return [a + boxes.length, mode]; });
export const two${f} = register(async function* two${f}(box: Box | null): AsyncGenerator<string> { yield String(box?.w); });
`;
  }
  const dir = makeProject(files);
  const inProcess = await new Generator(dir).produce();
  expect(inProcess.diagnostics).toEqual([]);
  const script = `
    const { Generator } = await import(${JSON.stringify(pathToFileURL(join(REPO, "dist/src/codegen/index.js")).href)});
    const { files } = await new Generator(${JSON.stringify(dir)}).produce();
    process.stdout.write(JSON.stringify(files));
  `;
  // One worker (the default on two cores: the main thread formats what it has not started once
  // extraction is done) and two workers.
  for (const workers of ["1", "2"]) {
    const child = spawnSync(process.execPath, ["--input-type=module", "-e", script], {
      encoding: "utf8",
      env: { ...process.env, ARKITEKT_GEN_WORKERS: workers },
      maxBuffer: 64 * 1024 * 1024,
    });
    expect(child.stderr).toBe("");
    const viaWorkers = JSON.parse(child.stdout) as typeof inProcess.files;
    expect(viaWorkers.map((f) => f.path)).toEqual(inProcess.files.map((f) => f.path));
    expect(viaWorkers).toEqual(inProcess.files);
  }
});
