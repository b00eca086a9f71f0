/**
 * Issue 16 (agent state): `arkitekt-next gen` finds `defineState` calls (through import aliases),
 * derives each state's ports from the value's type, writes the states into generated/registry.ts
 * (and nothing else changes for an app without states), and reports a bad defineState at its
 * file:line:col.
 */
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { Generator } from "../../src/codegen/index.js";
import { FunctionsStage, type ExtractResult } from "../../src/codegen/functions/index.js";
import type { Diagnostic } from "../../src/codegen/types.js";
import { hashImplementations } from "../../src/codegen/emit/registry.js";
import { hashDefinitions } from "../../src/definition/hash.js";
import { REPO, extractProject, makeProject } from "./helpers.js";

const goodApp = {
  "src/state.ts": `import { defineState as makeState, type Int } from "arkitekt-next";
import * as ark from "arkitekt-next";

export interface Settings {
  /** How bright the lamp shines. */
  brightness: number;
  mode: "auto" | "manual";
}

/** The counter. */
export const counter = makeState("counter", { count: 0 as Int, last: null as string | null, history: [] as string[] });
export const settings = ark.defineState<Settings>("settings", { brightness: 0.5, mode: "auto" });
`,
  "src/fns.ts": `import { register, type Int } from "arkitekt-next";
import { counter } from "./state.js";
/** Count once. */
export function bump(by: Int): Int {
  counter.update((s) => ({ ...s, count: s.count + by }));
  return counter.get().count;
}
register(bump);
`,
};

function codes(diagnostics: Diagnostic[]): string[] {
  return diagnostics.map((d) => `${d.file}:${d.line}:${d.column} ${d.code}: ${d.message}`);
}

describe("issue 16: defineState in the generator", () => {
  let dir: string;
  let extracted: ExtractResult;
  beforeAll(async () => {
    dir = makeProject(goodApp, "ark-state-");
    const result = await new Generator(dir).run();
    expect(result.diagnostics).toEqual([]);
    extracted = new FunctionsStage({ cwd: dir }).extractor.extract();
  }, 90_000);

  it("issue 16: generated/registry.ts binds each state with its StateImplementationInput; definitions.json is unchanged", () => {
    const index = readFileSync(join(dir, "generated/registry.ts"), "utf8");
    expect(index).toContain('import { counter as state0 } from "../src/state.js";');
    expect(index).toContain('import { settings as state1 } from "../src/state.js";');
    const states = /states: \[([\s\S]*)\],\n\}\);/.exec(index)?.[1] ?? "";
    expect(states).toContain("state: state0");
    expect(states).toContain('interface: "counter"');
    expect(states).toContain("state: state1");
    const defs = JSON.parse(readFileSync(join(dir, "generated/definitions.json"), "utf8")) as Array<{ interface: string }>;
    expect(defs.map((d) => d.interface)).toEqual(["bump"]);
  });

  it("issue 16: the app's use of a state (get, update with an Int field) and the generated registry binding it type-check", () => {
    const run = spawnSync(process.execPath, [join(REPO, "node_modules/typescript/bin/tsc"), "-p", join(dir, "tsconfig.json"), "--noEmit"], { encoding: "utf8" });
    expect(run.stdout + run.stderr).toBe("");
    expect(run.status).toBe(0);
  }, 90_000);

  it("issue 16: the state's ports: INT, nullable STRING, LIST; an interface's fields with their JSDoc and a literal union as ENUM", () => {
    const { states } = extracted;
    expect(states.map((s) => s.name)).toEqual(["counter", "settings"]);
    expect(states[0]!.implementation).toEqual({
      interface: "counter",
      definition: {
        name: "counter",
        ports: [
          { key: "count", label: "count", kind: "INT", nullable: false },
          { key: "last", label: "last", kind: "STRING", nullable: true },
          { key: "history", label: "history", kind: "LIST", nullable: false, children: [{ key: "...", kind: "STRING", nullable: false }] },
        ],
      },
    });
    const ports = states[1]!.implementation.definition.ports;
    expect(ports[0]).toMatchObject({ key: "brightness", kind: "FLOAT", description: "How bright the lamp shines." });
    expect(ports[1]).toMatchObject({ key: "mode", kind: "ENUM", choices: [{ value: "auto" }, { value: "manual" }] });
  });

  it("issue 16: the registry's hash covers the states (connect sends implementAgent again when one changes) and is unchanged without states", () => {
    const { functions, states } = extracted;
    const impls = functions.map((f) => f.implementation);
    expect(hashImplementations(impls)).toBe(hashDefinitions(impls));
    expect(hashImplementations(impls, [])).toBe(hashDefinitions(impls));
    const withStates = hashImplementations(impls, states);
    expect(withStates).not.toBe(hashDefinitions(impls));
    expect(readFileSync(join(dir, "generated/registry.ts"), "utf8")).toContain(`hash: "${withStates}"`);
    const changed = [{ ...states[0]!, implementation: { ...states[0]!.implementation, definition: { name: "counter", ports: [] } } }, states[1]!];
    expect(hashImplementations(impls, changed)).not.toBe(withStates);
  });

  it("issue 16: a bad defineState is reported at file:line:col: a name that is no literal, a duplicate name, a value that is not an object, a field no state can carry, a state not exported", () => {
    const x = extractProject({
      "src/bad.ts": `import { defineState, register } from "arkitekt-next";
const name = "dyn";
export const a = defineState(name, { n: 1 });
export const b = defineState("dup", { n: 1 });
export const c = defineState("dup", { n: 2 });
export const d = defineState("list", [1, 2]);
export const e = defineState("dates", { at: new Date(), ok: true });
const f = defineState("hidden", { n: 1 });
export function use(): number { return f.get().n; }
register(use);
`,
    });
    expect(codes(x.diagnostics)).toEqual([
      'src/bad.ts:3:30 ARK_STATE: defineState() needs the state\'s name as a string literal, got name',
      'src/bad.ts:5:18 ARK_STATE: two states are named "dup" (the first at src/bad.ts:4:18)',
      'src/bad.ts:6:38 ARK_STATE: state "list" has the type "number[]", which is not an object of fields',
      'src/bad.ts:7:41 ARK_STATE: field "at" of state "dates" is a DATE port, which a state cannot carry yet',
      'src/bad.ts:8:11 ARK_STATE: state "hidden" is not assigned to an exported const, so generated/registry.ts cannot import it',
    ]);
    expect(x.diagnostics.every((d) => (d.hint ?? "").length > 0)).toBe(true);
  });
});
