/**
 * Form hints (src/definition/hints.ts): the declarative validators and effects render into the
 * JavaScript sources the platform's UI evaluates and are read back from them by an exact grammar;
 * the one value rule (values.ts) checks validators, slider ranges and choice widgets natively.
 * The rendered sources are evaluated here (and only here, in a test, on our own strings) to prove
 * that the platform's UI and our native check agree.
 */
import { describe, expect, it } from "vitest";
import {
  checkHints,
  effectApplies,
  isHidden,
  MAX_PATTERN_INPUT_CHARS,
  readEffect,
  readValidator,
  renderEffect,
  renderValidator,
  renderWidget,
  ruleOfEffect,
  ruleOfSpec,
  unsafePattern,
  type EffectSpec,
  type ValidatorSpec,
} from "../../src/definition/hints.js";
import type { Port } from "../../src/definition/model.js";
import { checkArgs, checkValue, formatProblems, problemMessage } from "../../src/definition/values.js";

const SPECS: ValidatorSpec[] = [
  { min: 0 },
  { min: -2.5 },
  { max: 1e21 },
  { max: 4096, message: "at most 4096" },
  { pattern: "^[a-z]+$" },
  { pattern: 'a"b\\d+', flags: "i" },
  { length: { min: 1, max: 20 } },
  { length: { min: 2 } },
  { length: { max: 3 } },
  { oneOf: ["a", "b"] },
  { oneOf: [1, 2.5, true] },
  { lessThan: "high" },
  { lessThanOrEqual: "high" },
  { greaterThan: "high" },
  { greaterThanOrEqual: "high" },
];

/** Evaluates a rendered source (ours, in a test) as the platform's UI does: func(v, ...deps). */
function run(source: string, value: unknown, deps: unknown[] = []): unknown {
  // eslint-disable-next-line @typescript-eslint/no-implied-eval
  const fn = new Function(`return (${source});`)() as (...args: unknown[]) => unknown;
  return fn(value, ...deps);
}

describe("issue 13: validators render into the platform's ValidatorInput and read back", () => {
  it("issue 13: every declarative form renders a source that readValidator reads back to the same rule", () => {
    for (const spec of SPECS) {
      const rule = ruleOfSpec(spec);
      const rendered = renderValidator(rule, spec.message);
      expect(readValidator(rendered), rendered.function).toEqual(rule);
      expect(rendered.errorMessage).toBe(spec.message ?? `must be ${rendered.label}`);
      expect(rendered.dependencies ?? []).toEqual(rule.kind === "compare" ? ["high"] : []);
      // The reference client's rule: one parameter for the value, one per dependency.
      const params = /^\(([^)]*)\)/.exec(rendered.function)![1]!.split(",");
      expect(params).toHaveLength(1 + (rendered.dependencies?.length ?? 0));
    }
  });

  it("issue 13: foreign validator sources are never read (nor run): other code, lookalikes with more code, wrong dependencies", () => {
    const foreign = [
      { function: "(x) => x > 3" },
      { function: "(v) => v == null || v >= 1; globalThis.x = 1" },
      { function: "(v) => v == null || v >= 1 || fetch('/x')" },
      { function: '(v) => v == null || new RegExp("a", "").test(v) && alert(1)' },
      { function: "(v, d0) => v == null || d0 == null || v < d0" }, // no dependency given
      { function: "(v) => v == null || v >= 1", dependencies: ["other"] },
      { function: '(v) => v == null || ["a", f()].includes(v)' },
    ];
    for (const v of foreign) expect(readValidator(v), v.function).toBeUndefined();
  });

  it("issue 13: the rendered sources and the native check agree on every sample", () => {
    const samples: Array<[ValidatorSpec, unknown, unknown?]> = [
      [{ min: 0 }, -1],
      [{ min: 0 }, 0],
      [{ max: 1 }, 1.5],
      [{ max: 1 }, 1],
      [{ pattern: "^[a-z]+$" }, "abc"],
      [{ pattern: "^[a-z]+$" }, "aBc"],
      [{ pattern: "^[a-z]+$", flags: "i" }, "aBc"],
      [{ length: { min: 1, max: 3 } }, ""],
      [{ length: { min: 1, max: 3 } }, "abcd"],
      [{ length: { min: 1, max: 3 } }, ["x", "y"]],
      [{ oneOf: ["a", "b"] }, "c"],
      [{ oneOf: ["a", "b"] }, "b"],
      [{ lessThan: "high" }, 3, 2],
      [{ lessThan: "high" }, 1, 2],
      [{ greaterThanOrEqual: "high" }, 2, 2],
      [{ lessThanOrEqual: "high" }, 3, null],
    ];
    for (const [spec, value, other] of samples) {
      const validator = renderValidator(ruleOfSpec(spec));
      const port: Port = { key: "p", kind: typeof value === "string" ? "STRING" : Array.isArray(value) ? "LIST" : "FLOAT", nullable: false, validators: [validator] };
      const native = checkHints(port, value, { high: other }).length === 0;
      const ui = Boolean(run(validator.function, value, validator.dependencies ? [other] : []));
      expect(native, `${validator.function} on ${JSON.stringify(value)}`).toBe(ui);
      // null passes every validator on both sides (whether null may come is the port's nullable).
      expect(run(validator.function, null, validator.dependencies ? [other] : [])).toBe(true);
    }
  });
});

describe("issue 13: patterns the server tests are safe from catastrophic backtracking", () => {
  it("issue 13: backreferences, lookaround and over-long sources are not ours (neither rendered by gen nor checked)", () => {
    for (const source of ["(a)\\1", "(?<=a)b", "a(?=b)", "a(?!b)", "a{1000,}".padEnd(1001, "a")]) {
      expect(unsafePattern(source), source).toBeDefined();
      expect(readValidator({ function: `(v) => v == null || new RegExp(${JSON.stringify(source)}, "").test(v)` }), source).toBeUndefined();
    }
    for (const source of ["^[a-z]+$", "^\\d{3}-\\d{4}$", "^(foo|bar)$", "^[a-z]+(-\\d+)?$", "^(ab)+$", "^[a-z]+(-[a-z]+)*$", "^(a+)+$"]) {
      expect(unsafePattern(source), source).toBeUndefined();
    }
  });

  it("issue 13 review: patterns that backtrack catastrophically in RegExp are checked in linear time (RE2)", () => {
    // Each of these takes seconds to minutes with RegExp.test on these inputs (polynomial or
    // exponential backtracking); a test that finishes at all shows the check does not backtrack.
    const cases: Array<[string, string, boolean]> = [
      ["^[a-z0-9]+[a-z0-9_]*$", `${"a".repeat(99_990)}!`, false],
      ["\\d*\\d*\\d*x", "1".repeat(50_000), false],
      ["^a*a*a*a*b$", "a".repeat(50_000), false],
      ["^(a+)+$", `${"a".repeat(50_000)}!`, false],
      ["^(a|ab)*c$", `${"ab".repeat(20_000)}c`, true],
    ];
    for (const [pattern, input, ok] of cases) {
      const port: Port = { key: "s", kind: "STRING", nullable: false, validators: [renderValidator(ruleOfSpec({ pattern }))] };
      expect(checkHints(port, input), pattern).toHaveLength(ok ? 0 : 1);
    }
  });

  it("issue 13: a string longer than MAX_PATTERN_INPUT_CHARS breaks a pattern validator natively", () => {
    const port: Port = { key: "s", kind: "STRING", nullable: false, validators: [renderValidator(ruleOfSpec({ pattern: "^a*$" }))] };
    expect(checkHints(port, "a".repeat(MAX_PATTERN_INPUT_CHARS))).toEqual([]);
    expect(checkHints(port, "a".repeat(MAX_PATTERN_INPUT_CHARS + 1))).toHaveLength(1);
  });
});

describe("issue 13: the one value rule checks form hints", () => {
  const ports: Port[] = [
    {
      key: "low",
      kind: "FLOAT",
      nullable: true,
      default: 0,
      validators: [renderValidator(ruleOfSpec({ lessThan: "high" }), "low must be below high")],
    },
    { key: "high", kind: "FLOAT", nullable: true, default: 1 },
    { key: "level", kind: "FLOAT", nullable: false, widget: renderWidget({ kind: "slider", min: 0, max: 1, step: 0.1 }) },
    { key: "width", kind: "INT", nullable: false, validators: [renderValidator(ruleOfSpec({ min: 1 }))] },
    { key: "name", kind: "STRING", nullable: true, validators: [renderValidator(ruleOfSpec({ pattern: "^[a-z]+$" }))] },
    {
      key: "mode",
      kind: "STRING",
      nullable: false,
      widget: renderWidget({ kind: "choice", choices: [{ value: "fast", label: "Fast" }, { value: "slow", label: "Slow", description: "careful" }] }),
    },
    { key: "tags", kind: "LIST", nullable: false, children: [{ key: "...", kind: "STRING", nullable: false }], validators: [renderValidator(ruleOfSpec({ length: { max: 2 } }))] },
  ];
  const good = { low: 0.2, high: 0.8, level: 0.5, width: 3, name: "abc", mode: "fast", tags: ["a"] };

  it("issue 13: args that keep every hint pass; nulls skip the validators", () => {
    expect(checkArgs(ports, good)).toMatchObject({ ok: true });
    expect(checkArgs(ports, { ...good, name: null, low: null })).toMatchObject({ ok: true });
  });

  it("issue 13: checkArgs refuses args that break validators, slider ranges and choice widgets, each with its port path and message", () => {
    const verdict = checkArgs(ports, { low: 0.9, high: 0.1, level: 2, width: 0, name: "ABC", mode: "medium", tags: ["a", "b", "c"] });
    expect(verdict.ok).toBe(false);
    expect(verdict.problems.map((p) => ({ path: p.path, message: problemMessage(p) }))).toEqual([
      { path: "low", message: "low must be below high, got the number 0.9" },
      { path: "level", message: "expected a number between 0 and 1 (the slider's range), got the number 2" },
      { path: "width", message: "must be a number at least 1, got the number 0" },
      { path: "name", message: "must be a string matching /^[a-z]+$/, got the string \"ABC\"" },
      { path: "mode", message: 'expected one of the choices "fast", "slow", got the string "medium"' },
      { path: "tags", message: "must be a length of at most 2, got a list of 3 items" },
    ]);
    expect(verdict.problems[0]).toEqual({ path: "low", expected: 'a number less than the value of "high"', got: "the number 0.9", message: "low must be below high" });
    expect(formatProblems(verdict)).toContain('port "low": low must be below high, got the number 0.9');
  });

  it("issue 13: a value of the wrong kind reports its kind only, not the hints", () => {
    const verdict = checkArgs(ports, { ...good, width: "3" });
    expect(verdict.problems).toEqual([{ path: "width", expected: expect.stringContaining("an integer"), got: 'the string "3"' }]);
  });

  it("issue 13: checkValue checks one field, with its siblings for comparisons", () => {
    expect(checkValue(ports[0]!, 0.9, { siblings: { high: 0.5 } }).ok).toBe(false);
    expect(checkValue(ports[0]!, 0.9).ok).toBe(true); // no siblings: comparisons are skipped
  });

  it("issue 13: hints inside a list item and a model field are checked too", () => {
    const list: Port = { key: "xs", kind: "LIST", nullable: false, children: [{ key: "...", kind: "INT", nullable: false, validators: [renderValidator(ruleOfSpec({ max: 5 }))] }] };
    expect(checkValue(list, [1, 9, 3]).problems.map((p) => p.path)).toEqual(["xs[1]"]);
  });

  it("issue 13: foreign validators are neither run nor enforced", () => {
    const port: Port = { key: "a", kind: "INT", nullable: false, validators: [{ function: "(v) => { throw new Error('ran') }" }] };
    expect(checkArgs([port], { a: 1 }).ok).toBe(true);
  });
});

describe("issue 13: effects", () => {
  it("issue 13: hideIf / showIf render as HIDE effects that readEffect reads back", () => {
    const specs: EffectSpec[] = [
      { hideIf: { port: "mode", equals: "auto" } },
      { showIf: { port: "mode", equals: "manual" } },
      { hideIf: { port: "n", oneOf: [1, 2, null] } },
      { showIf: { port: "flag", equals: true } },
    ];
    for (const spec of specs) {
      const rule = ruleOfEffect(spec);
      const effect = renderEffect(rule);
      expect(effect.kind).toBe("HIDE");
      expect(readEffect(effect)).toEqual(rule);
    }
    expect(readEffect({ kind: "HIDE", function: "(v, d0) => d0 === 1 || x()", dependencies: ["a"] })).toBeUndefined();
  });

  it("issue 13: a port is hidden while its effect applies, and the rendered source agrees", () => {
    const effect = renderEffect(ruleOfEffect({ showIf: { port: "mode", equals: "rescale" } }));
    const port: Port = { key: "gamma", kind: "FLOAT", nullable: true, effects: [effect] };
    expect(isHidden(port, { mode: "clip" })).toBe(true);
    expect(isHidden(port, { mode: "rescale" })).toBe(false);
    expect(run(effect.function, 1, ["clip"])).toBe(true);
    expect(run(effect.function, 1, ["rescale"])).toBe(false);
    expect(effectApplies(readEffect(effect)!, {})).toBe(true);
  });
});
