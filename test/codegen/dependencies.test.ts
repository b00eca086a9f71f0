/**
 * Issue 16, the generator's side of dependencies and the rest of DefinitionInput: the options
 * `dependencies`, `isTestFor` and `isDev` of `register()` become `ImplementationInput.dependencies`
 * (`AgentDependencyInput`s), `DefinitionInput.isTestFor` (`TestTargetInput`s) and `isDev` in
 * definitions.json; a mistake inside them is reported at its exact place; fields a current server
 * rejects (`logo`, `interfaces`) are never written. One project holds every case (one extraction).
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { Generator } from "../../src/codegen/index.js";
import { definitionSchema, manifestSchema } from "../../src/definition/model.js";
import { extractProject, makeProject, type Extracted } from "./helpers.js";

/** One registered function per case: `name` with `options` (and JSDoc unless `doc` is false). */
const CASES: Record<string, { options: string; doc?: boolean }> = {
  deps: {
    options: `{ dependencies: { segment: { app: "com.example.seg", key: "segment_cells" }, imaging: { app: "com.example.imaging", version: "1.0.0", actions: ["add", { key: "threshold", version: "2", optional: true }], autoResolvable: false, optional: true, description: "for thresholds", maxViableInstances: 2 }, anyAgent: { app: "com.example.any" } } }`,
  },
  tests: { options: `{ isTestFor: [{ app: "com.example.seg", key: "segment_cells" }, { hash: "abc" }], isDev: true }` },
  notDev: { options: `{ isDev: false }`, doc: false },
  derivedDev: { options: `{}`, doc: false },
  unknownKey: { options: `{ dependencies: { segment: { app: "x", kee: "y" } } }` },
  unknownActionKey: { options: `{ dependencies: { s: { actions: [{ key: "a", colour: "red" }] } } }` },
  unknownTargetKey: { options: `{ isTestFor: [{ key: "a", ap: "b" }] }` },
  notLiteral: { options: `{ dependencies: { segment: { app: APP, key: "y" } } }` },
  wrongFlag: { options: `{ dependencies: { s: { app: "x", optional: "yes" } } }` },
  negative: { options: `{ dependencies: { s: { app: "x", minViableInstances: -1 } } }` },
  twice: { options: `{ dependencies: { s: { actions: ["a", "a"] } } }` },
  minAboveMax: { options: `{ dependencies: { s: { minViableInstances: 3, maxViableInstances: 1 } } }` },
  slotWithoutKey: { options: `{ dependencies: { s: { actions: [{ app: "x" }] } } }` },
  targetWithoutKey: { options: `{ isTestFor: [{ app: "x" }] }` },
  devNotFlag: { options: `{ isDev: "yes" }` },
  logo: { options: `{ logo: "x.png" }` },
  interfaces: { options: `{ interfaces: ["a"] }` },
};

const lines: string[] = ['import { register, type Int } from "arkitekt-next";', "const APP = \"x\";"];
/** Where each case's options start: its line and the column of the `{`. */
const placeOfCase: Record<string, { line: number; column: number }> = {};
for (const [name, c] of Object.entries(CASES)) {
  if (c.doc !== false) lines.push(`/** Case ${name}. */`);
  lines.push(`export const ${name} = register(function ${name}(a: Int): Int {`, "  return a;");
  const prefix = "}, ";
  placeOfCase[name] = { line: lines.length + 1, column: prefix.length + 1 };
  lines.push(`${prefix}${c.options});`);
}
const SOURCE = { "src/cases.ts": lines.join("\n") + "\n" };

/** `line:col` of `needle` (its n-th occurrence) inside the options of case `name`. */
function at(name: string, needle: string, nth = 1): string {
  const { line, column } = placeOfCase[name]!;
  let index = -1;
  for (let i = 0; i < nth; i++) index = CASES[name]!.options.indexOf(needle, index + 1);
  if (index < 0) throw new Error(`${needle} not in case ${name}`);
  return `${line}:${column + index}`;
}

let extracted: Extracted;
/** The diagnostics of case `name` as "line:col message". */
const problems = (name: string) =>
  extracted.diagnostics.filter((d) => d.line === placeOfCase[name]!.line).map((d) => `${d.line}:${d.column} ${d.code} ${d.message}`);

beforeAll(() => {
  extracted = extractProject(SOURCE);
}, 60_000);

describe("issue 16: dependencies, isTestFor, isDev in register()", () => {
  it("issue 16: the dependencies option becomes ImplementationInput.dependencies (slots keyed by action key, autoResolvable by default)", () => {
    expect(problems("deps")).toEqual([]);
    expect(extracted.byKey("deps").implementation.dependencies).toEqual([
      {
        key: "segment",
        app: "com.example.seg",
        optional: false,
        actionDependencies: [{ key: "segment_cells", demand: { key: "segment_cells", app: "com.example.seg" }, optional: false }],
        autoResolvable: true,
      },
      {
        key: "imaging",
        app: "com.example.imaging",
        version: "1.0.0",
        description: "for thresholds",
        optional: true,
        actionDependencies: [
          { key: "add", demand: { key: "add", app: "com.example.imaging" }, optional: false },
          { key: "threshold", demand: { key: "threshold", app: "com.example.imaging", version: "2" }, optional: true },
        ],
        autoResolvable: false,
        maxViableInstances: 2,
      },
      { key: "anyAgent", app: "com.example.any", optional: false, actionDependencies: [], autoResolvable: true },
    ]);
    // a function without the option: no dependencies, no test targets (as before)
    expect(extracted.byKey("derivedDev").implementation.dependencies).toEqual([]);
    expect(extracted.byKey("derivedDev").implementation.definition.isTestFor).toEqual([]);
  });

  it("issue 16: isTestFor becomes TestTargetInputs and isDev overrides the derived flag", () => {
    const def = extracted.byKey("tests").implementation.definition;
    expect(def.isTestFor).toEqual([{ app: "com.example.seg", key: "segment_cells" }, { hash: "abc" }]);
    expect(def.isDev).toBe(true);
    expect(extracted.byKey("notDev").implementation.definition.isDev).toBe(false);
    expect(extracted.byKey("derivedDev").implementation.definition.isDev).toBe(true);
  });

  it("issue 16: an unknown key inside a dependency or a test target is reported at its place, naming the path and the known keys", () => {
    expect(problems("unknownKey")).toEqual([`${at("unknownKey", "kee")} ARK_OPTIONS option "dependencies.segment" has no key "kee"`]);
    expect(extracted.diagnostics.find((d) => d.message.includes('"kee"'))!.hint).toContain("known keys: app, version, key, actions");
    expect(problems("unknownActionKey")).toEqual([`${at("unknownActionKey", "colour")} ARK_OPTIONS option "dependencies.s.actions[0]" has no key "colour"`]);
    expect(problems("unknownTargetKey")).toEqual([`${at("unknownTargetKey", "ap:")} ARK_OPTIONS option "isTestFor[0]" has no key "ap"`]);
  });

  it("issue 16: a value inside dependencies that is not a literal is reported at that value", () => {
    expect(problems("notLiteral")).toEqual([`${at("notLiteral", "APP")} ARK_OPTIONS option "dependencies.segment.app" must be a literal`]);
  });

  it("issue 16: values of the wrong type, duplicate slots and min above max are refused at their place", () => {
    expect(problems("wrongFlag")).toEqual([`${at("wrongFlag", '"yes"')} ARK_OPTIONS option "dependencies.s.optional" must be true or false`]);
    expect(problems("negative")).toEqual([`${at("negative", "-1")} ARK_OPTIONS option "dependencies.s.minViableInstances" must be a whole number >= 0`]);
    expect(problems("twice")).toEqual([
      `${at("twice", '"a"', 2)} ARK_OPTIONS option "dependencies.s.actions[1]" must be a key not named before in "dependencies.s.actions" ("a" is)`,
    ]);
    expect(problems("minAboveMax")).toEqual([
      `${at("minAboveMax", "{ minViable")} ARK_OPTIONS option "dependencies.s" must be a minViableInstances (3) no more than maxViableInstances (1)`,
    ]);
    expect(problems("slotWithoutKey")[0]).toMatch(/option "dependencies.s.actions\[0\]" must be an object with a "key"/);
    expect(problems("targetWithoutKey")[0]).toMatch(/option "isTestFor\[0\]" must be a target naming the tested action by "key"/);
    expect(problems("devNotFlag")).toEqual([`${at("devNotFlag", '"yes"')} ARK_OPTIONS option "isDev" must be true or false`]);
  });

  it("issue 16: logo and interfaces are no register() options, and definitions.json never holds them", async () => {
    expect(problems("logo")[0]).toMatch(/unknown register\(\) option "logo"/);
    expect(problems("interfaces")[0]).toMatch(/unknown register\(\) option "interfaces"/);
    const dir = makeProject({
      "src/seg.ts": `import { register, type Int } from "arkitekt-next";
/** Segment. */
export const run = register(function run(a: Int): Int {
  return a;
}, { dependencies: { segment: { app: "com.example.seg", key: "segment_cells" } }, isTestFor: [{ key: "other" }], isDev: true });
`,
    });
    const result = await new Generator(dir).run();
    expect(result.diagnostics).toEqual([]);
    const text = readFileSync(join(dir, "generated/definitions.json"), "utf8");
    const manifest = manifestSchema.parse(JSON.parse(text));
    expect(manifest[0]!.dependencies[0]!.key).toBe("segment");
    expect(manifest[0]!.definition.isTestFor).toEqual([{ key: "other" }]);
    expect(text).not.toMatch(/"logo"|"interfaces"/);
    // the manifest schema itself refuses them
    expect(definitionSchema.safeParse({ ...manifest[0]!.definition, logo: "x.png" }).success).toBe(false);
    expect(definitionSchema.safeParse({ ...manifest[0]!.definition, interfaces: [] }).success).toBe(false);
  }, 60_000);
});
