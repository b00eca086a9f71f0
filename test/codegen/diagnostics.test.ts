/** One test per diagnostic: exact place, message and hint; all reported at once; nothing written. */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { generate } from "../../src/codegen/index.js";
import { formatDiagnostic, type Diagnostic } from "../../src/codegen/types.js";
import { badFiles } from "./diagnostics-fixture.js";
import { extractProject, makeProject, type Extracted } from "./helpers.js";

let x: Extracted;
beforeAll(() => {
  x = extractProject(badFiles);
});

function at(place: string): Diagnostic[] {
  return x.diagnostics.filter((d) => `${d.file}:${d.line}:${d.column}` === place);
}

function expectOne(place: string, code: string, message: string, hint: RegExp): void {
  const found = at(place);
  expect(found.map((d) => `${d.code}: ${d.message}`)).toEqual([`${code}: ${message}`]);
  expect(found[0]!.hint).toMatch(hint);
}

describe("diagnostics", () => {
  it("reports any", () =>
    expectOne("src/bad.ts:4:47", "ARK_ANY", 'parameter "x" of "anyArg" has type "any": any cannot become a port', /use number, Int, string/));
  it("reports unknown", () =>
    expectOne("src/bad.ts:5:51", "ARK_UNKNOWN", 'parameter "x" of "unknownArg" has type "unknown": unknown cannot become a port', /interface/));
  it("reports function types", () =>
    expectOne("src/bad.ts:6:47", "ARK_FUNCTION_TYPE", 'parameter "cb" of "fnArg" has the function type "(n: number) => void": functions cannot travel', /pass data/));
  it("reports unconstrained generics", () =>
    expectOne("src/bad.ts:7:51", "ARK_GENERIC", 'parameter "x" of "generic" has the generic type "T": the generator needs a concrete type', /cannot be generic/));
  it("reports Map", () =>
    expectOne("src/bad.ts:8:47", "ARK_MAP", 'parameter "m" of "mapArg" has type "Map<string, number>": a Map has no JSON form', /Record<string, T>/));
  it("reports Set", () =>
    expectOne("src/bad.ts:9:47", "ARK_SET", 'parameter "s" of "setArg" has type "Set<string>": a Set has no JSON form', /T\[\]/));
  it("reports bigint", () =>
    expectOne("src/bad.ts:10:47", "ARK_BIGINT", 'parameter "b" of "bigArg" has type "bigint": bigint has no JSON form', /number/));
  it("reports symbol", () =>
    expectOne("src/bad.ts:11:47", "ARK_SYMBOL", 'parameter "s" of "symArg" has type "symbol": symbols cannot travel', /string or an enum/));
  it("reports classes that are not structures, saying what is missing", () =>
    expectOne("src/bad.ts:12:49", "ARK_CLASS_NOT_STRUCTURE", 'parameter "p" of "classArg" has the class type "Plain", which is not a structure', /static identifier.*shrink\(\).*static expand/));
  it("reports a default that is not a literal", () =>
    expectOne("src/bad.ts:13:60", "ARK_DEFAULT_NOT_LITERAL", 'the default "seven" is not a literal', /number, string, boolean, null/));
  it("reports two functions with the same interface, naming the first", () =>
    expectOne("src/bad.ts:15:19", "ARK_DUPLICATE_INTERFACE", 'interface "dup" is already registered at src/bad.ts:14:19', /unique per app/));
  it("points at the nested type as written", () =>
    expectOne("src/bad.ts:16:54", "ARK_MAP", 'parameter "xs" of "nested" has type "Map<string, number>": a Map has no JSON form', /DICT/));
  it("reports a Promise parameter", () =>
    expectOne("src/bad.ts:17:51", "ARK_NESTED_PROMISE", 'parameter "p" of "promiseArg" has type "Promise<number>": a Promise cannot be a port', /awaited value/));
  it("reports every bad parameter of one function", () => {
    expect(at("src/bad.ts:18:47").map((d) => d.code)).toEqual(["ARK_ANY"]);
    expect(at("src/bad.ts:18:55").map((d) => d.code)).toEqual(["ARK_UNKNOWN"]);
  });
  it("reports a type that generated code cannot import, in the file that declares the parameter", () =>
    expectOne("src/helpers.ts:4:27", "ARK_NOT_EXPORTED", "interface Hidden (src/helpers.ts:3:1) is not exported, so generated/registry.ts cannot name it", /add `export`/));
  it("reports unknown options", () =>
    expectOne("src/bad.ts:20:71", "ARK_OPTIONS", 'unknown register() option "colour"', /known options: interface, key/));
  it("reports a registered function that is not exported", () =>
    expectOne("src/bad.ts:21:12", "ARK_NOT_EXPORTED", "the registered function is not exported, so generated/registry.ts cannot import it", /export const name/));
  it("reports recursive types where the cycle closes", () =>
    expectOne("src/bad.ts:22:50", "ARK_RECURSIVE_TYPE", 'parameter "tree.children" of "recursive" has the recursive type "Tree"', /break the cycle/));
  it("reports tuple parameters", () =>
    expectOne("src/bad.ts:23:52", "ARK_TUPLE", 'parameter "pair" of "tupleArg" has the tuple type "[number, string]"', /separate parameters/));
  it("reports a Promise of a Promise as return type", () =>
    expectOne("src/bad.ts:25:68", "ARK_NESTED_PROMISE", 'the return type "Promise<Promise<number>>" of "nestedPromise" is a Promise of a Promise', /Promise<T>/));
  it("reports port overrides for ports that do not exist", () =>
    expectOne("src/bad.ts:26:67", "ARK_OPTIONS", 'option "ports" names "b", which is not a port of "labelled"', /return0/));
  it("reports register() of something that is not a function", () =>
    expectOne("src/bad.ts:27:28", "ARK_NOT_A_FUNCTION", 'register() needs a function declaration, function expression or arrow function; got "42" of type "42"', /pass the function itself/));
  it("reports them all at once, in file order, and keeps the good functions out of the way", () => {
    expect(x.diagnostics).toHaveLength(23);
    const places = x.diagnostics.map((d) => [d.file, d.line, d.column] as const);
    const sorted = [...places].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] - b[1] || a[2] - b[2]));
    expect(places).toEqual(sorted);
  });
  it("formats a diagnostic with the place, the source line, a caret and the hint", () => {
    const text = formatDiagnostic(at("src/bad.ts:4:47")[0]!);
    expect(text).toBe(
      [
        'src/bad.ts:4:47 - error ARK_ANY: parameter "x" of "anyArg" has type "any": any cannot become a port',
        "",
        "  4 | export const a1 = register(function anyArg(x: any): void {});",
        `  ${" ".repeat(4 + 46)}^`,
        "  hint: use number, Int, string, boolean, Date, an enum, a string-literal union, an array, Record<string, T>, an interface, or a structure class",
      ].join("\n"),
    );
  });
  it("makes gen write nothing and fail when there are diagnostics", async () => {
    const dir = makeProject({
      ...badFiles,
      "src/good.ts": `import { register } from "arkitekt-next";\nexport const ok = register(function ok(a: number): number { return a; });\n`,
    });
    const errors: string[] = [];
    const result = await generate({ cwd: dir, logger: { debug() {}, info() {}, warn() {}, error: (m) => errors.push(m) } });
    expect(result.ok).toBe(false);
    expect(result.written).toEqual([]);
    expect(existsSync(join(dir, "generated"))).toBe(false);
    expect(errors.join("\n")).toContain("src/bad.ts:4:47 - error ARK_ANY");
    expect(errors.join("\n")).toContain("23 problems found; nothing was written.");
  });
});
