import { describe, expect, it } from "vitest";
import type { Port } from "../../../src/definition/model.js";
import { validateWireArgs } from "../../../src/definition/wire.js";

const port = (key: string, kind: Port["kind"], extra: Partial<Port> = {}): Port => ({ key, kind, nullable: false, ...extra });

function problem(ports: Port[], args: unknown): { port: string; message: string } | null {
  const r = validateWireArgs(ports, args);
  return r.ok ? null : { port: r.port, message: r.message };
}

describe("validateWireArgs", () => {
  it("accepts scalars of the right type", () => {
    const ports = [port("i", "INT"), port("f", "FLOAT"), port("b", "BOOL"), port("s", "STRING"), port("d", "DATE")];
    expect(problem(ports, { i: 3, f: 2.5, b: true, s: "x", d: "2024-05-06T07:08:09Z" })).toBeNull();
    expect(problem(ports, { i: 3, f: 2, b: false, s: "", d: "2024-05-06T07:08:09.123" })).toBeNull();
  });

  it("names the port of a scalar of the wrong type", () => {
    expect(problem([port("a", "INT")], { a: 1.5 })).toMatchObject({ port: "a" });
    expect(problem([port("a", "INT")], { a: "1" })?.message).toContain('port "a": expected an integer');
    expect(problem([port("flag", "BOOL")], { flag: 1 })).toMatchObject({ port: "flag" });
    expect(problem([port("when", "DATE")], { when: "yesterday" })).toMatchObject({ port: "when" });
  });

  it("refuses missing and null values of non-nullable ports without a default", () => {
    expect(problem([port("a", "INT")], {})?.message).toContain("missing");
    expect(problem([port("a", "INT")], { a: null })?.message).toContain("null is not allowed");
    expect(problem([port("a", "INT", { nullable: true })], {})).toBeNull();
    expect(problem([port("a", "INT", { default: 2 })], {})).toBeNull();
    expect(problem([port("a", "INT", { default: 2 })], { a: null })).toBeNull();
  });

  it("refuses unknown ports and lists the known ones", () => {
    const p = problem([port("a", "INT")], { a: 1, colour: "red" });
    expect(p?.port).toBe("colour");
    expect(p?.message).toContain("expected one of a");
    expect(problem([], { x: 1 })?.message).toContain("takes no args");
  });

  it("checks ENUM choices and choices on scalar ports", () => {
    const choices = [
      { value: "RED", label: "Red" },
      { value: "GREEN", label: "Green" },
    ];
    expect(problem([port("c", "ENUM", { choices })], { c: "RED" })).toBeNull();
    expect(problem([port("c", "ENUM", { choices })], { c: "BLUE" })).toMatchObject({ port: "c" });
    expect(problem([port("mode", "STRING", { choices })], { mode: "medium" })).toMatchObject({ port: "mode" });
  });

  it("walks LIST and DICT children and names the element", () => {
    const list = port("xs", "LIST", { children: [port("item", "INT")] });
    expect(problem([list], { xs: [1, 2, 3] })).toBeNull();
    expect(problem([list], { xs: [1, "two"] })).toMatchObject({ port: "xs[1]" });
    expect(problem([list], { xs: { a: 1 } })).toMatchObject({ port: "xs" });
    const dict = port("m", "DICT", { children: [port("value", "FLOAT")] });
    expect(problem([dict], { m: { a: 1, b: 2.5 } })).toBeNull();
    expect(problem([dict], { m: { a: "x" } })).toMatchObject({ port: "m.a" });
  });

  it("checks UNION values by __use index", () => {
    const union = port("u", "UNION", { children: [port("0", "INT"), port("1", "STRING")] });
    expect(problem([union], { u: { __use: 1, __value: "x" } })).toBeNull();
    expect(problem([union], { u: { __use: 0, __value: "x" } })).toMatchObject({ port: "u<0>" });
    expect(problem([union], { u: { __use: 5, __value: 1 } })?.message).toContain("child index");
    expect(problem([union], { u: 3 })).toMatchObject({ port: "u" });
  });

  it("checks MODEL fields, accepts __identifier and refuses unknown keys", () => {
    const model = port("p", "MODEL", { identifier: "point", children: [port("x", "FLOAT"), port("y", "FLOAT", { nullable: true })] });
    expect(problem([model], { p: { x: 1, __identifier: "point" } })).toBeNull();
    expect(problem([model], { p: { x: 1, z: 2 } })).toMatchObject({ port: "p.z" });
    expect(problem([model], { p: { y: 2 } })).toMatchObject({ port: "p.x" });
  });

  it("accepts STRUCTURE references only as {__identifier, object}", () => {
    const s = port("img", "STRUCTURE", { identifier: "@mikro/image" });
    expect(problem([s], { img: { __identifier: "@mikro/image", object: "42" } })).toBeNull();
    expect(problem([s], { img: "42" })).toMatchObject({ port: "img" });
    expect(problem([s], { img: { object: "42", extra: 1 } })).toMatchObject({ port: "img" });
    expect(problem([s], { img: 42 })).toMatchObject({ port: "img" });
  });

  it("refuses args that are not an object", () => {
    expect(validateWireArgs([], [1]).ok).toBe(false);
    expect(validateWireArgs([], null).ok).toBe(false);
    expect(validateWireArgs([], {}).ok).toBe(true);
  });
});
