/**
 * Issue 13: the form's values (src/ui/form-model.ts) without a browser: drafts to wire values for
 * every kind, defaults and past args back into drafts, and effect conditions read, never run.
 */
import { describe, expect, it } from "vitest";
import { argsOf, fromWire, hiddenBy, initialDraft, readEffectCondition, toWire, widgetProblem, type FormPort } from "../../src/ui/form-model.js";
import { everythingPorts } from "../fixtures/ui/registry.js";

const ports = everythingPorts as unknown as FormPort[];
const port = (key: string) => ports.find((p) => p.key === key)!;

describe("issue 13: form values", () => {
  it("issue 13: a wire value of every kind survives fromWire then toWire", () => {
    const args = {
      count: 7,
      ratio: 0.25,
      title: "",
      notes: "a\nb",
      flag: true,
      color: "GREEN",
      when: "2024-05-06T07:08:09.000Z",
      tags: ["x", "y"],
      scores: { a: 5 },
      point: { x: 1.5, y: -2 },
      either: { __use: 1, __value: "seven" },
      image: { __identifier: "@ui/image", object: "img-1" },
      secret: null,
      size: "L",
    };
    const drafts = Object.fromEntries(ports.map((p) => [p.key, fromWire(p, (args as Record<string, unknown>)[p.key])]));
    expect(argsOf(ports, drafts)).toEqual(args);
  });

  it("issue 13: defaults fill the first draft; empty fields are left out so the value rule names them", () => {
    const drafts = Object.fromEntries(ports.map((p) => [p.key, initialDraft(p)]));
    const args = argsOf(ports, drafts);
    expect(args.count).toBe(3);
    expect(args.size).toBe("M");
    expect(args.flag).toBe(false);
    expect("ratio" in args).toBe(false);
    expect("image" in args).toBe(false);
  });

  it("issue 13: numbers that are not numbers stay text, so the value rule refuses them at the field", () => {
    expect(toWire(port("ratio"), { t: "text", text: "1e3" })).toBe(1000);
    expect(toWire(port("ratio"), { t: "text", text: "abc" })).toBe("abc");
    expect(toWire(port("count"), { t: "text", text: "1.5" })).toBe(1.5);
  });

  it("issue 13: a slider's bounds are checked by the form", () => {
    expect(widgetProblem(port("count"), 11)).toBe("at most 10");
    expect(widgetProblem(port("count"), -1)).toBe("at least 0");
    expect(widgetProblem(port("count"), 5)).toBeNull();
  });

  it("issue 13: effect conditions are read from their declarative shapes and never evaluated", () => {
    expect(readEffectCondition("(v) => v[0] === false")).toEqual({ index: 0, op: "===", literal: false });
    expect(readEffectCondition('(values) => values.mode !== "fast"')).toEqual({ index: "mode", op: "!==", literal: "fast" });
    expect(readEffectCondition("(v) => v[1] > 3")).toEqual({ index: 1, op: ">", literal: 3 });
    expect(readEffectCondition("(v) => !v[0]")).toEqual({ index: 0, op: "falsy" });
    expect(readEffectCondition("(v) => fetch('http://evil')")).toBeNull();
    // the shapes register()'s form hints render (definition/hints.ts renderEffect)
    expect(readEffectCondition('(v, d0) => d0 === "fast"')).toEqual({ index: 0, op: "===", literal: "fast" });
    expect(readEffectCondition('(v, d0) => !(d0 === "fast")')).toEqual({ index: 0, op: "!==", literal: "fast" });
    expect(readEffectCondition('(v, d0) => ["a",null].includes(d0)')).toEqual({ index: 0, op: "in", literal: ["a", null] });
    expect(readEffectCondition('(v, d0) => !(["a","b"].includes(d0))')).toEqual({ index: 0, op: "not in", literal: ["a", "b"] });
    const showIf = { ...port("secret"), effects: [{ kind: "HIDE", function: "(v, d0) => !(d0 === true)", dependencies: ["flag"] }] };
    expect(hiddenBy(showIf, { flag: false })).toBe(true);
    expect(hiddenBy(showIf, {})).toBe(true);
    expect(hiddenBy(showIf, { flag: true })).toBe(false);
    const hideIfOneOf = { ...port("secret"), effects: [{ kind: "HIDE", function: '(v, d0) => ["S",null].includes(d0)', dependencies: ["size"] }] };
    expect(hiddenBy(hideIfOneOf, { size: "S" })).toBe(true);
    expect(hiddenBy(hideIfOneOf, {})).toBe(true);
    expect(hiddenBy(hideIfOneOf, { size: "L" })).toBe(false);
    expect(hiddenBy(port("secret"), { flag: false })).toBe(true);
    expect(hiddenBy(port("secret"), { flag: true })).toBe(false);
    // an effect the form cannot read never hides
    expect(hiddenBy({ ...port("secret"), effects: [{ kind: "HIDE", function: "(v) => alert(1)", dependencies: ["flag"] }] }, { flag: false })).toBe(false);
  });
});
