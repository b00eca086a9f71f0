/**
 * Issue 13: the form's values (src/ui/form-model.ts) without a browser: drafts to wire values for
 * every kind, defaults and past args back into drafts, and effect conditions read, never run.
 */
import { describe, expect, it } from "vitest";
import {
  argsOf,
  dateToLocalInput,
  dictKeyPath,
  formProblems,
  fromWire,
  hiddenBy,
  initialDraft,
  localInputToDate,
  problemsOutsideFields,
  readEffectCondition,
  toWire,
  widgetProblem,
  type Draft,
  type FormPort,
} from "../../src/ui/form-model.js";
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

describe("issue 13 review: form values", () => {
  const drafts = (over: Record<string, Draft> = {}) => ({ ...Object.fromEntries(ports.map((p) => [p.key, initialDraft(p)])), ...over });

  it("issue 13 review: a slider on a required port without a default starts at its min, and sends it", () => {
    const slider: FormPort = { key: "level", kind: "INT", nullable: false, widget: { kind: "SLIDER", min: 2, max: 9 } as FormPort["widget"] };
    expect(initialDraft(slider)).toEqual({ t: "text", text: "2" });
    expect(argsOf([slider], { level: initialDraft(slider) })).toEqual({ level: 2 });
    expect(formProblems([slider], { level: initialDraft(slider) }).size).toBe(0);
    // with a default, the default
    expect(argsOf([{ ...slider, default: 5 }], { level: initialDraft({ ...slider, default: 5 }) })).toEqual({ level: 5 });
  });

  it("issue 13 review: a problem on a port hidden by an effect is listed under the form, naming the port", () => {
    // secret is hidden while flag is false; the server refuses it anyway
    const refused = new Map([["secret", ["not allowed"]], ["nope", ["unknown port"]], ["ratio", ["shown at its field"]]]);
    expect(problemsOutsideFields(ports, refused, { flag: false })).toEqual([
      { path: "secret", text: "Secret (hidden by another field): not allowed" },
      { path: "nope", text: "nope: unknown port" },
    ]);
    // shown once the field is drawn
    expect(problemsOutsideFields(ports, refused, { flag: true })).toEqual([{ path: "nope", text: "nope: unknown port" }]);
    // at any depth: a model's field hidden by an effect
    const nested: FormPort[] = [{ key: "p", kind: "MODEL", nullable: false, children: [{ key: "g", kind: "INT", label: "Gamma", nullable: false, effects: [{ kind: "HIDE", function: "(v) => v[0] === true", dependencies: ["on"] }] }] }];
    expect(problemsOutsideFields(nested, new Map([["p.g", ["expected an integer"]]]), { on: true })).toEqual([{ path: "p.g", text: "Gamma (hidden by another field at p.g): expected an integer" }]);
  });

  it("issue 13 review: an untouched empty STRING field is missing, so the value rule refuses a required one at the field", () => {
    const all = drafts();
    expect("title" in argsOf(ports, all)).toBe(false);
    expect(formProblems(ports, all).get("title")?.join()).toMatch(/not nullable/);
    // an empty string from a wire value (a default, a past task's args) is kept
    expect(toWire(port("title"), fromWire(port("title"), ""))).toBe("");
    expect(argsOf([{ ...port("title"), default: "" }], { title: initialDraft({ ...port("title"), default: "" }) })).toEqual({ title: "" });
  });

  it("issue 13 review: a dict keeps a key __proto__, and refuses empty and duplicate keys at their row", () => {
    const scores = port("scores");
    const row = (key: string, text: string) => ({ key, value: { t: "text", text } as Draft });
    const wire = toWire(scores, { t: "dict", rows: [row("__proto__", "1"), row("b", "2")] });
    expect(JSON.stringify(wire)).toBe('{"__proto__":1,"b":2}');
    expect(Object.keys(wire as object)).toEqual(["__proto__", "b"]);
    expect(formProblems(ports, drafts({ scores: { t: "dict", rows: [row("__proto__", "1")] } })).has("scores")).toBe(false);
    // and back: a past task's {"__proto__": 1} fills one row
    expect(fromWire(scores, JSON.parse('{"__proto__":1}'))).toEqual({ t: "dict", rows: [row("__proto__", "1")] });
    const found = formProblems(ports, drafts({ scores: { t: "dict", rows: [row("a", "1"), row("", "2"), row("a", "3")] } }));
    expect(found.get(dictKeyPath("scores", 0))).toBeUndefined();
    expect(found.get(dictKeyPath("scores", 1))?.join()).toMatch(/a key is needed/);
    expect(found.get(dictKeyPath("scores", 2))?.join()).toMatch(/"a" is already used by entry 1/);
    // the rows' problems are at fields, not under the form
    expect(problemsOutsideFields(ports, found, {}).filter((p) => p.path.startsWith("scores"))).toEqual([]);
  });

  it("issue 13 review: a re-run keeps the milliseconds of a date", () => {
    const wire = "2024-05-06T07:08:09.123Z";
    const local = dateToLocalInput(wire);
    expect(local).toMatch(/:09\.123$/);
    expect(localInputToDate(local)).toBe(wire);
    expect(toWire(port("when"), fromWire(port("when"), wire))).toBe(wire);
    expect(dateToLocalInput("2024-05-06T07:08:09.000Z")).toMatch(/T\d\d:08:09$/);
  });
});
