/** One test per row of DESIGN.md's type-to-port table, and per registration form. */
import { beforeAll, describe, expect, it } from "vitest";
import { extractProject, type Extracted } from "./helpers.js";
import { kitchenFiles as files } from "./kitchen-fixture.js";

let x: Extracted;
beforeAll(() => {
  x = extractProject(files);
  expect(x.diagnostics).toEqual([]);
});

describe("type to port mapping", () => {
  it("maps number to FLOAT", () => {
    expect(x.arg("num")).toEqual({ key: "a", label: "a", kind: "FLOAT", nullable: false });
    expect(x.ret("num")).toEqual({ key: "return0", kind: "FLOAT", nullable: false });
  });
  it("maps Int to INT", () => {
    expect(x.arg("int").kind).toBe("INT");
    expect(x.ret("int").kind).toBe("INT");
  });
  it("recognises Int by symbol through a re-exported alias", () => {
    expect(x.arg("aliased").kind).toBe("INT");
  });
  it("maps string to STRING and boolean to BOOL", () => {
    expect(x.arg("str").kind).toBe("STRING");
    expect(x.arg("bool").kind).toBe("BOOL");
  });
  it("maps Date to DATE", () => {
    expect(x.arg("date").kind).toBe("DATE");
  });
  it("maps a string enum to ENUM whose member names travel, with JSDoc descriptions", () => {
    expect(x.arg("strEnum")).toEqual({
      key: "a",
      label: "a",
      kind: "ENUM",
      identifier: "src.shapes.channel",
      nullable: false,
      choices: [
        { label: "Red", value: "Red", description: "The red one" },
        { label: "Green", value: "Green" },
      ],
    });
  });
  it("maps a numeric enum to ENUM and its member default to the member name", () => {
    const port = x.arg("numEnum");
    expect(port.choices?.map((c) => c.value)).toEqual(["Low", "High"]);
    expect(port.default).toBe("High");
    expect(port.nullable).toBe(true);
  });
  it("maps a string-literal union to ENUM with the literals as values", () => {
    expect(x.arg("literals")).toMatchObject({
      kind: "ENUM",
      identifier: "literal.fast_slow",
      default: "slow",
      choices: [
        { label: "fast", value: "fast" },
        { label: "slow", value: "slow" },
      ],
    });
  });
  it("maps arrays, readonly arrays and Array<T>, nested, to LIST with one child", () => {
    expect(x.arg("lists", 0)).toMatchObject({ kind: "LIST", children: [{ key: "...", kind: "FLOAT" }] });
    expect(x.arg("lists", 1)).toMatchObject({ kind: "LIST", children: [{ kind: "STRING" }] });
    expect(x.arg("lists", 2)).toMatchObject({ kind: "LIST", children: [{ kind: "LIST", children: [{ kind: "INT" }] }] });
    expect(x.byKey("lists").implementation.definition.returns).toEqual([]);
  });
  it("maps Record<string, T> and string index signatures to DICT", () => {
    expect(x.arg("dict", 0)).toMatchObject({ kind: "DICT", children: [{ kind: "FLOAT" }] });
    expect(x.arg("dict", 1)).toMatchObject({ kind: "DICT", children: [{ kind: "STRUCTURE", identifier: "@mikro/image" }] });
  });
  it("makes optional, T | null and T | undefined ports nullable", () => {
    expect(x.arg("nullables", 0)).toMatchObject({ kind: "FLOAT", nullable: true });
    expect(x.arg("nullables", 0).default).toBeUndefined();
    expect(x.arg("nullables", 1)).toMatchObject({ kind: "STRING", nullable: true, default: null });
    expect(x.arg("nullables", 2)).toMatchObject({ kind: "INT", nullable: true });
  });
  it("reads literal defaults: negative numbers, strings, booleans, arrays, enum members, null", () => {
    const defaults = x.byKey("defaults").implementation.definition.args.map((a) => a.default);
    expect(defaults).toEqual([-1.5, "x", true, [1, 2], "Green", null]);
    expect(x.byKey("defaults").implementation.definition.args.every((a) => a.nullable)).toBe(true);
  });
  it("maps interfaces and type literals to MODEL with children", () => {
    expect(x.arg("model", 0)).toEqual({
      key: "a",
      label: "a",
      kind: "MODEL",
      identifier: "blur_settings",
      nullable: false,
      children: [
        { key: "sigma", label: "sigma", kind: "FLOAT", description: "Kernel width", nullable: false },
        { key: "passes", label: "passes", kind: "FLOAT", nullable: true },
      ],
    });
    expect(x.arg("model", 1)).toMatchObject({ kind: "MODEL", identifier: "model.b", children: [{ key: "w" }, { key: "h", kind: "INT", nullable: true }] });
    expect(x.arg("model", 2)).toMatchObject({ kind: "MODEL", identifier: "point" });
  });
  it("maps unions of port types to UNION with children", () => {
    expect(x.arg("union", 0)).toMatchObject({ kind: "UNION", nullable: false });
    expect(x.arg("union", 0).children?.map((c) => c.kind).sort()).toEqual(["FLOAT", "STRING"]);
    const b = x.arg("union", 1);
    expect(b).toMatchObject({ kind: "UNION", nullable: true });
    expect(b.children?.map((c) => c.kind).sort()).toEqual(["INT", "STRUCTURE"]);
  });
  it("maps structure classes to STRUCTURE, also inside lists, dicts and nullables", () => {
    const [a, b, c, d] = x.byKey("structs").implementation.definition.args;
    expect(a).toEqual({ key: "a", label: "a", kind: "STRUCTURE", identifier: "@mikro/image", nullable: false });
    expect(b?.children?.[0]).toMatchObject({ kind: "STRUCTURE", identifier: "@mikro/image" });
    expect(c?.children?.[0]).toMatchObject({ kind: "STRUCTURE" });
    expect(d).toMatchObject({ kind: "STRUCTURE", nullable: true });
  });
  it("unwraps Promise<T> returns", () => {
    expect(x.ret("promised")).toMatchObject({ kind: "STRUCTURE" });
  });
  it("maps tuple returns to return0..n", () => {
    expect(x.byKey("tuple").implementation.definition.returns.map((r) => [r.key, r.kind])).toEqual([
      ["return0", "INT"],
      ["return1", "STRING"],
    ]);
  });
  it("maps void to no returns", () => {
    expect(x.byKey("nothing").implementation.definition.returns).toEqual([]);
  });
  it("maps async function* and function* to GENERATOR whose yields are the returns", () => {
    expect(x.byKey("agen").implementation.definition.kind).toBe("GENERATOR");
    expect(x.ret("agen").kind).toBe("INT");
    expect(x.byKey("sgen").implementation.definition.kind).toBe("GENERATOR");
    expect(x.byKey("sgen").implementation.definition.returns.map((r) => r.kind)).toEqual(["STRING", "FLOAT"]);
    expect(x.byKey("num").implementation.definition.kind).toBe("FUNCTION");
  });
});

describe("registration forms and metadata", () => {
  it("finds arrow functions, any import alias, namespace imports and default exports", () => {
    expect(x.byKey("arrow").fn.name).toBe("arrow");
    expect(x.byKey("aliased").implementation.interface).toBe("aliased");
    expect(x.byKey("ns").implementation.interface).toBe("ns");
    expect(x.byKey("defaultExport").fn.name).toBe("default");
  });
  it("registers a function imported from another file by reference, importing it from its own file", () => {
    const fn = x.byKey("double");
    expect(fn.fn.file.endsWith("src/impl.ts")).toBe(true);
    expect(fn.fn.name).toBe("double");
    expect(fn.implementation.definition.description).toBe("Twice as much");
    expect(fn.implementation.definition.args[0]).toMatchObject({ label: "X", description: "the input", kind: "INT" });
  });
  it("derives interface, key and name from the function name", () => {
    const fn = x.byKey("strEnum");
    expect(fn.implementation.interface).toBe("str_enum");
    expect(fn.implementation.definition.name).toBe("Str Enum");
    expect(fn.implementation.definition.isDev).toBe(true);
    expect(fn.implementation.definition.description).toBe("No Description");
  });
  it("takes JSDoc summary, @param and @returns, and the options", () => {
    const fn = x.byKey("documented");
    expect(fn.implementation).toMatchObject({ interface: "docs", effect: "PHYSICAL", needsToken: false });
    expect(fn.implementation.definition).toMatchObject({
      name: "Documented!",
      version: "2",
      description: "Summary line.\n\nLonger body.",
      collections: ["c1"],
      stateful: true,
      idempotent: true,
      isDev: false,
    });
    expect(x.arg("documented").description).toBe("first");
    expect(x.ret("documented").description).toBe("the result");
  });
});
