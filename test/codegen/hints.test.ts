/**
 * Form hints read from `register()` options by the generator (src/codegen/functions/hints.ts):
 * written to the ports' `widget`, `validators`, `effects` and the definition's `portGroups`, in
 * the platform's own field shapes. Mistakes are diagnostics (test/fixtures/functions/diagnostics.json,
 * from diagnostic-table-fixture.ts, pins them with file:line:col).
 */
import { describe, expect, it } from "vitest";
import { readEffect, readValidator } from "../../src/definition/hints.js";
import { extractProject } from "./helpers.js";

const SOURCE = `import { register, type Int } from "arkitekt-next";
export type Mode = "clip" | "rescale";
export const clip = register(
  function clip(low = 0, high = 1, mode: Mode = "clip", gamma = 1, note: string | null = null, tags: string[] = [], n: Int = 3): string {
    return "";
  },
  {
    ports: {
      low: { label: "Low", validators: [{ lessThan: "high", message: "low must be below high" }, { min: -10 }] },
      mode: { widget: { kind: "choice", choices: [{ value: "clip", label: "Clip", description: "only clip" }, { value: "rescale", label: "Rescale" }] } },
      gamma: { widget: { kind: "slider", min: 0.1, max: 5, step: 0.1 }, effects: [{ showIf: { port: "mode", equals: "rescale" } }] },
      note: { widget: { kind: "paragraph", placeholder: "a note" }, validators: [{ pattern: "^\\\\w*$", flags: "i" }, { length: { max: 80 } }] },
      tags: { validators: [{ length: { min: 1 } }] },
      n: { validators: [{ oneOf: [1, 2, 3] }], effects: [{ hideIf: { port: "tags", oneOf: [null] } }] },
      return0: { widget: { kind: "choice", choices: [{ value: "ok", label: "OK" }] } },
    },
    portGroups: [{ key: "range", title: "Range", ports: ["low", "high"] }, { key: "out", description: "Output", ports: ["mode", "gamma"] }],
  },
);
`;

describe("issue 13: form hints in register() options", () => {
  const project = extractProject({ "src/clip.ts": SOURCE });

  it("issue 13: hints become the platform's fields: widget, validators, effects, portGroups", () => {
    expect(project.diagnostics).toEqual([]);
    const def = project.byKey("clip").implementation.definition;
    const arg = (key: string) => def.args.find((p) => p.key === key)!;
    expect(def.portGroups).toEqual([
      { key: "range", title: "Range", ports: ["low", "high"] },
      { key: "out", description: "Output", ports: ["mode", "gamma"] },
    ]);
    expect(arg("low").label).toBe("Low");
    expect(arg("low").validators!.map((v) => readValidator(v))).toEqual([
      { kind: "compare", op: "<", port: "high" },
      { kind: "min", value: -10 },
    ]);
    expect(arg("low").validators![0]).toMatchObject({ dependencies: ["high"], errorMessage: "low must be below high" });
    expect(arg("mode").widget).toEqual({
      kind: "CHOICE",
      choices: [
        { value: "clip", label: "Clip", description: "only clip" },
        { value: "rescale", label: "Rescale" },
      ],
    });
    expect(arg("gamma").widget).toEqual({ kind: "SLIDER", min: 0.1, max: 5, step: 0.1 });
    expect(arg("gamma").effects!.map((e) => readEffect(e))).toEqual([{ kind: "hide", port: "mode", values: ["rescale"], negate: true }]);
    expect(arg("note").widget).toEqual({ kind: "STRING", asParagraph: true, placeholder: "a note" });
    expect(arg("note").validators!.map((v) => readValidator(v))).toEqual([
      { kind: "pattern", source: "^\\w*$", flags: "i" },
      { kind: "length", max: 80 },
    ]);
    expect(readValidator(arg("tags").validators![0]!)).toEqual({ kind: "length", min: 1 });
    expect(readValidator(arg("n").validators![0]!)).toEqual({ kind: "oneOf", values: [1, 2, 3] });
    expect(arg("high").validators).toBeUndefined();
    expect(def.returns[0]!.widget).toEqual({ kind: "CHOICE", choices: [{ value: "ok", label: "OK" }] });
  });

  it("issue 13: ports without hints keep exactly their former shape (no empty lists)", () => {
    const high = project.byKey("clip").implementation.definition.args.find((p) => p.key === "high")!;
    expect(Object.keys(high)).toEqual(["key", "label", "kind", "nullable", "default"]);
  });

  it("issue 13: every mistake in a function's hints is reported in one run, and the function is left out", () => {
    const bad = extractProject({
      "src/bad.ts": `import { register } from "arkitekt-next";
export const f = register(function f(a: string, b: number): void {}, {
  ports: {
    a: { widget: { kind: "slider", min: 0, max: 1 }, validators: [{ pattern: "(" }] },
    b: { validators: [{ greaterThan: "c" }], widget: { kind: "slider", min: 2, max: 1 } },
  },
});
`,
    });
    expect(bad.functions).toEqual([]);
    expect(bad.diagnostics.map((d) => `${d.line}:${d.column} ${d.message}`)).toEqual([
      '4:18 a slider does not fit port "a" of kind STRING',
      '4:78 pattern "(" is not a valid regular expression: Invalid regular expression: /(/: Unterminated group',
      '5:38 the greaterThan validator of port "b" names "c", which is not an arg port of "f"',
      "5:54 a slider: min 2 is greater than max 1",
    ]);
  });
});
