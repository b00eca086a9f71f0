/**
 * Issue 16 (generator side): lifecycle hooks are found like register() (any import alias), checked
 * with diagnostics at file:line:col, and the generated registry imports every file that declares
 * one; `register(fn, { locks, concurrency })` is read into definitions.json (ImplementationInput
 * `locks`, `params.concurrency`) and checked.
 */
import { describe, expect, it } from "vitest";
import { FunctionsStage } from "../../src/codegen/functions/index.js";
import { extractProject, makeProject } from "./helpers.js";

async function generate(files: Record<string, string>) {
  const dir = makeProject(files);
  const result = await new FunctionsStage({ cwd: dir }).run();
  const file = (path: string) => result.files.find((f) => f.path === path)?.content;
  return { ...result, file };
}

const place = (d: { file: string; line: number; column: number }) => `${d.file}:${d.line}:${d.column}`;

describe("issue 16: lifecycle hooks in the generator", () => {
  it("issue 16: a hook in a file without register() is imported by the generated registry (found through an import alias)", async () => {
    const out = await generate({
      "src/hooks.ts": `import { onStartup as atStart, background, onShutdown } from "arkitekt-next";
atStart(async () => {});
background(async ({ signal }) => { await new Promise((r) => signal.addEventListener("abort", r)); });
onShutdown(() => {}, { deadlineMs: 2000 });
`,
      "src/ns.ts": `import * as ark from "arkitekt-next";
ark.onShutdown(function closeAll() {});
`,
      "src/fns.ts": `import { register } from "arkitekt-next";
export const add = register(function add(a: number, b: number): number { return a + b; });
`,
      "src/plain.ts": `export function onStartup(fn: () => void): void { fn(); }
onStartup(() => {});
`,
    });
    expect(out.diagnostics).toEqual([]);
    const index = out.file("generated/registry.ts")!;
    expect(index).toContain('import "../src/hooks.js";');
    expect(index).toContain('import "../src/ns.js";');
    // a function of the same name that is not the package's is no hook
    expect(index).not.toContain("plain.js");
    expect(index).not.toContain('import "../src/fns.js"');
  });

  it("issue 16: an app without hooks generates the registry it generated before (no hook import, no comment)", async () => {
    const out = await generate({
      "src/fns.ts": `import { register } from "arkitekt-next";
export const add = register(function add(a: number, b: number): number { return a + b; });
`,
    });
    const index = out.file("generated/registry.ts")!;
    expect(index).not.toMatch(/lifecycle hooks/);
    expect(index.split("\n").filter((l) => l.startsWith("import"))).toEqual([
      'import { generatedSupport as support, type Registry } from "arkitekt-next";',
      'import definitions from "./definitions.json" with { type: "json" };',
      'import { entries as entries0 } from "./registry/src/fns.js";',
    ]);
    expect(out.file("generated/definitions.json")).not.toMatch(/"locks"|"params"/);
  });

  it("issue 16: misused hooks are reported at file:line:col (not top level, not a function, bad options)", () => {
    const x = extractProject({
      "src/bad-hooks.ts": `import { onStartup, background, onShutdown } from "arkitekt-next";
export function setup(): void {
  onStartup(() => {});
}
background(42 as unknown as number);
onShutdown(() => {}, { deadlineMs: -5 });
onStartup(() => {}, { deadlineMs: 5 } as never);
export const x = onShutdown(() => {});
`,
    });
    const byPlace = Object.fromEntries(x.diagnostics.map((d) => [place(d), `${d.code}: ${d.message}`]));
    expect(byPlace).toEqual({
      "src/bad-hooks.ts:3:3": `ARK_HOOK: onStartup() must be called at a module's top level, not inside function "setup"`,
      "src/bad-hooks.ts:5:12": "ARK_HOOK: background() takes a function, got 42 as unknown as number (number)",
      "src/bad-hooks.ts:6:36": "ARK_HOOK: onShutdown() options must be { deadlineMs: <a whole number of milliseconds >= 1> }",
      "src/bad-hooks.ts:7:21": "ARK_HOOK: onStartup() options must be no options",
      "src/bad-hooks.ts:8:18": "ARK_HOOK: onShutdown() must be called at a module's top level, not inside an expression (its value is used)",
    });
    expect(x.diagnostics.every((d) => (d.hint ?? "").length > 0)).toBe(true);
  });
});

describe("issue 16: locks and per-function concurrency in the generator", () => {
  it("issue 16: locks and concurrency are read into definitions.json (ImplementationInput.locks, params.concurrency); bad ones are reported at the value", () => {
    const x = extractProject({
      "src/cam.ts": `import { register } from "arkitekt-next";
export const snap = register(function snap(): string { return "x"; }, { locks: ["camera", "stage"], concurrency: 1 });
export const other = register(function other(): string { return "y"; }, { locks: ["camera"] });
export const free = register(function free(): string { return "z"; });
`,
      "src/bad.ts": `import { register } from "arkitekt-next";
export const a = register(function a(): void {}, { locks: "camera" as never });
export const b = register(function b(): void {}, { locks: ["camera", "camera"] });
export const c = register(function c(): void {}, { concurrency: 0 });
export const d = register(function d(): void {}, { concurrency: 1.5 });
`,
    });
    expect(x.byKey("snap").implementation.locks).toEqual(["camera", "stage"]);
    expect(x.byKey("snap").implementation.params).toEqual({ concurrency: 1 });
    expect(x.byKey("other").implementation.locks).toEqual(["camera"]);
    expect("params" in x.byKey("other").implementation).toBe(false);
    expect("locks" in x.byKey("free").implementation).toBe(false);
    const byPlace = Object.fromEntries(x.diagnostics.map((d) => [place(d), `${d.code}: ${d.message}`]));
    expect(Object.keys(byPlace).sort()).toEqual(["src/bad.ts:2:59", "src/bad.ts:3:59", "src/bad.ts:4:65", "src/bad.ts:5:65"]);
    expect(byPlace["src/bad.ts:3:59"]).toMatch(/^ARK_OPTIONS: .*locks.*named twice/);
    expect(byPlace["src/bad.ts:4:65"]).toMatch(/^ARK_OPTIONS: .*concurrency.*whole number >= 1/);
  });
});
