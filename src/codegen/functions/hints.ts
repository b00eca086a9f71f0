/**
 * Form hints of a `register()` call: each port's `widget`, `validators` and `effects` and the
 * `portGroups`, checked against the function's ports and rendered into the platform's fields by
 * src/definition/hints.ts (the one author of those sources, and their reader). Every mistake is a
 * diagnostic pointing at the exact property in the options; one run reports them all.
 */
import { ts } from "./typescript.js";
import {
  COMPARE_OPTIONS,
  renderEffect,
  renderPortGroup,
  renderValidator,
  renderWidget,
  ruleOfEffect,
  ruleOfSpec,
  unsafePattern,
  type EffectSpec,
  type PortGroupSpec,
  type ValidatorSpec,
  type WidgetSpec,
} from "../../definition/hints.js";
import type { Effect, JsonValue, Port, PortGroup, Validator } from "../../definition/model.js";
import type { RegisterOptions } from "../../definition/register-options.js";
import { fitsScalar } from "../../definition/values.js";
import type { ScanContext } from "./context.js";
import { DIAGNOSTICS, ExtractionFailed } from "./diagnostics.js";
import type { PortNode } from "./model.js";
import { orderPort } from "./ports.js";

type Path = Array<string | number>;

/** The node of a property or element at `path` inside an object literal (the deepest one found). */
function nodeAt(root: ts.Node, path: Path): ts.Node {
  let current: ts.Node = root;
  for (const step of path) {
    let expr = current;
    while (ts.isParenthesizedExpression(expr) || ts.isAsExpression(expr) || ts.isSatisfiesExpression(expr)) expr = expr.expression;
    let next: ts.Node | undefined;
    if (typeof step === "number" && ts.isArrayLiteralExpression(expr)) next = expr.elements[step];
    else if (typeof step === "string" && ts.isObjectLiteralExpression(expr)) {
      const prop = expr.properties.find(
        (p) => ts.isPropertyAssignment(p) && (ts.isIdentifier(p.name) || ts.isStringLiteral(p.name)) && p.name.text === step,
      );
      if (prop && ts.isPropertyAssignment(prop)) next = prop.initializer;
    }
    if (!next) return current;
    current = next;
  }
  return current;
}

const isObject = (v: unknown): v is Record<string, JsonValue> => v !== null && typeof v === "object" && !Array.isArray(v);
const isFiniteNumber = (v: unknown): v is number => typeof v === "number" && Number.isFinite(v);
const NUMBER_KINDS = new Set(["INT", "FLOAT"]);
const SCALAR_KINDS = new Set(["INT", "FLOAT", "STRING", "BOOL", "ENUM"]);

export interface HintSite {
  /** The function's name, for messages. */
  fn: string;
  /** The `register()` options expression (diagnostics point inside it), or the call. */
  at: ts.Node;
  args: PortNode[];
  returns: PortNode[];
}

/**
 * Reads the hints of `options` onto the ports of `site` (their `widget`, `validators`, `effects`)
 * and returns the definition's port groups. Reports every mistake, then fails the function.
 */
export function readHints(ctx: ScanContext, options: RegisterOptions, site: HintSite): PortGroup[] {
  const before = ctx.diagnostics.length;
  const args = new Map(site.args.map((n) => [n.port.key, n]));
  const returns = new Map(site.returns.map((n) => [n.port.key, n]));
  const argKeys = [...args.keys()];
  const reader = new HintReader(ctx, site, args, argKeys);

  for (const [key, spec] of Object.entries(options.ports ?? {})) {
    const node = args.get(key) ?? returns.get(key);
    if (!node) continue; // checkPortOverrides reports it
    const isReturn = !args.has(key);
    const base: Path = ["ports", key];
    const port = node.port;
    let widget: Port["widget"];
    const validators: Validator[] = [];
    const effects: Effect[] = [];
    if (spec.widget !== undefined) widget = ctx.attempt(() => reader.widget(spec.widget as unknown, port, isReturn, [...base, "widget"]));
    (spec.validators ?? []).forEach((v, i) => {
      const path = [...base, "validators", i];
      if (isReturn) return ctx.attempt(() => ctx.report(nodeAt(site.at, path), DIAGNOSTICS.hintOnReturn, { what: "a validator", port: key }));
      const rendered = ctx.attempt(() => reader.validator(v as unknown, port, path));
      if (rendered) validators.push(rendered);
    });
    (spec.effects ?? []).forEach((e, i) => {
      const path = [...base, "effects", i];
      if (isReturn) return ctx.attempt(() => ctx.report(nodeAt(site.at, path), DIAGNOSTICS.hintOnReturn, { what: "an effect", port: key }));
      const rendered = ctx.attempt(() => reader.effect(e as unknown, port, path));
      if (rendered) effects.push(rendered);
    });
    node.port = orderPort({ ...port, ...(widget ? { widget } : {}), validators, effects });
  }

  const groups: PortGroup[] = [];
  const seen = new Set<string>();
  (options.portGroups ?? []).forEach((g, i) => {
    const group = ctx.attempt(() => reader.portGroup(g as unknown, ["portGroups", i]));
    if (!group) return;
    if (seen.has(group.key)) return ctx.attempt(() => ctx.report(nodeAt(site.at, ["portGroups", i, "key"]), DIAGNOSTICS.duplicateGroup, { key: group.key }));
    seen.add(group.key);
    groups.push(group);
  });
  if (ctx.diagnostics.length > before) throw new ExtractionFailed("form hints");
  return groups;
}

class HintReader {
  constructor(
    private readonly ctx: ScanContext,
    private readonly site: HintSite,
    private readonly args: ReadonlyMap<string, PortNode>,
    private readonly argKeys: readonly string[],
  ) {}

  private at(path: Path): ts.Node {
    return nodeAt(this.site.at, path);
  }

  private shape(path: Path, what: string, expected: string): never {
    return this.ctx.report(this.at(path), DIAGNOSTICS.hintShape, { what, expected });
  }

  private onlyKeys(value: Record<string, JsonValue>, allowed: readonly string[], path: Path, what: string, expected: string): void {
    for (const key of Object.keys(value)) if (!allowed.includes(key)) this.shape([...path, key], what, expected);
  }

  private wrongKind(path: Path, what: string, port: Port, takes: string): never {
    return this.ctx.report(this.at(path), DIAGNOSTICS.hintWrongKind, { what, port: port.key, kind: port.kind, takes });
  }

  /** A value of a choice or one-of list fits the port (an ENUM port: one of its choices). */
  private fits(port: Port, value: JsonValue): boolean {
    if (port.kind === "ENUM") return (port.choices ?? []).some((c) => c.value === value);
    return fitsScalar(port.kind, value) === true;
  }

  private argPort(name: unknown, self: Port, path: Path, what: string): Port {
    if (typeof name !== "string" || name === "") return this.shape(path, what, "the name of another arg port");
    const other = this.args.get(name);
    if (!other || name === self.key) {
      return this.ctx.report(this.at(path), DIAGNOSTICS.hintMissingPort, { what, name, fn: this.site.fn, known: this.argKeys.filter((k) => k !== self.key) });
    }
    return other.port;
  }

  widget(spec: unknown, port: Port, isReturn: boolean, path: Path): Port["widget"] {
    const expected = '{ kind: "slider", min, max, step? }, { kind: "paragraph", placeholder? } or { kind: "choice", choices: [{ value, label, description? }] }';
    if (!isObject(spec)) return this.shape(path, "a widget", expected);
    const kind = spec.kind;
    if (kind !== "slider" && kind !== "paragraph" && kind !== "choice") return this.shape([...path, "kind"], "a widget", expected);
    if (isReturn && kind !== "choice") return this.ctx.report(this.at(path), DIAGNOSTICS.hintOnReturn, { what: `a ${kind} widget`, port: port.key });
    if (kind === "slider") {
      this.onlyKeys(spec, ["kind", "min", "max", "step"], path, "a slider", "{ kind: \"slider\", min: number, max: number, step?: number }");
      if (!NUMBER_KINDS.has(port.kind)) this.wrongKind(path, "a slider", port, "an INT or FLOAT port (number or Int)");
      if (!isFiniteNumber(spec.min)) this.shape([...path, "min"], "a slider's min", "a finite number");
      if (!isFiniteNumber(spec.max)) this.shape([...path, "max"], "a slider's max", "a finite number");
      if (spec.step !== undefined && !(isFiniteNumber(spec.step) && spec.step > 0)) this.shape([...path, "step"], "a slider's step", "a number above 0");
      if ((spec.min as number) > (spec.max as number)) {
        this.ctx.report(this.at(path), DIAGNOSTICS.hintMinAboveMax, { what: "a slider", min: spec.min as number, max: spec.max as number });
      }
    } else if (kind === "paragraph") {
      this.onlyKeys(spec, ["kind", "placeholder"], path, "a paragraph", '{ kind: "paragraph", placeholder?: string }');
      if (port.kind !== "STRING") this.wrongKind(path, "a paragraph", port, "a STRING port (string)");
      if (spec.placeholder !== undefined && typeof spec.placeholder !== "string") this.shape([...path, "placeholder"], "a placeholder", "a string");
    } else {
      this.onlyKeys(spec, ["kind", "choices"], path, "a choice widget", '{ kind: "choice", choices: [{ value, label, description? }] }');
      if (!SCALAR_KINDS.has(port.kind)) this.wrongKind(path, "a choice widget", port, "a port of a number, string, boolean or enum");
      const choices = spec.choices;
      if (!Array.isArray(choices) || choices.length === 0) return this.shape([...path, "choices"], "a widget's choices", "a non-empty array of { value, label, description? }");
      choices.forEach((c, i) => {
        const at: Path = [...path, "choices", i];
        if (!isObject(c) || typeof c.label !== "string" || (c.description !== undefined && typeof c.description !== "string")) {
          return this.shape(at, "a choice", "{ value, label: string, description?: string }");
        }
        this.onlyKeys(c, ["value", "label", "description"], at, "a choice", "{ value, label: string, description?: string }");
        if (c.value === undefined || c.value === null || !this.fits(port, c.value)) {
          this.ctx.report(this.at([...at, "value"]), DIAGNOSTICS.hintValue, { what: "the choice", value: JSON.stringify(c.value), port: port.key, kind: port.kind });
        }
      });
    }
    return renderWidget(spec as unknown as WidgetSpec);
  }

  validator(spec: unknown, port: Port, path: Path): Validator {
    const rules = ["min", "max", "pattern", "length", "oneOf", ...Object.keys(COMPARE_OPTIONS)];
    const expected = `an object with one of ${rules.join(", ")} (and an optional message)`;
    if (!isObject(spec)) return this.shape(path, "a validator", expected);
    const present = Object.keys(spec).filter((k) => rules.includes(k));
    if (present.length !== 1) return this.shape(path, "a validator", expected);
    const rule = present[0]!;
    const extra = rule === "pattern" ? ["flags"] : [];
    this.onlyKeys(spec, [rule, "message", ...extra], path, "a validator", expected);
    if (spec.message !== undefined && typeof spec.message !== "string") this.shape([...path, "message"], "a validator's message", "a string");
    const value = spec[rule];
    const at: Path = [...path, rule];
    switch (rule) {
      case "min":
      case "max":
        if (!NUMBER_KINDS.has(port.kind)) this.wrongKind(path, `a ${rule} validator`, port, "an INT or FLOAT port");
        if (!isFiniteNumber(value)) this.shape(at, `a ${rule} validator`, `{ ${rule}: <a finite number> }`);
        break;
      case "pattern": {
        if (port.kind !== "STRING") this.wrongKind(path, "a pattern validator", port, "a STRING port");
        if (typeof value !== "string") return this.shape(at, "a pattern", "a string (a regular expression without the slashes)");
        const flags = spec.flags ?? "";
        if (typeof flags !== "string" || !/^[imsu]*$/.test(flags)) this.shape([...path, "flags"], "a pattern's flags", 'a string of the flags "i", "m", "s", "u"');
        // The platform's UI evaluates it with JavaScript's RegExp; ours check it with RE2.
        let jsError: string | undefined;
        try {
          new RegExp(value, typeof flags === "string" ? flags : "");
        } catch (e) {
          jsError = (e as Error).message;
        }
        if (jsError !== undefined) this.ctx.report(this.at(at), DIAGNOSTICS.hintPattern, { pattern: value, error: jsError });
        else {
          const why = unsafePattern(value, typeof flags === "string" ? flags : "");
          if (why) this.ctx.report(this.at(at), DIAGNOSTICS.hintUnsafePattern, { pattern: value, why });
        }
        break;
      }
      case "length": {
        if (port.kind !== "STRING" && port.kind !== "LIST") this.wrongKind(path, "a length validator", port, "a STRING or LIST port");
        const bound = (v: unknown): boolean => v === undefined || (Number.isSafeInteger(v) && (v as number) >= 0);
        if (!isObject(value) || (value.min === undefined && value.max === undefined) || !bound(value.min) || !bound(value.max)) {
          return this.shape(at, "a length validator", "{ length: { min?: <a whole number>, max?: <a whole number> } } with at least one of them");
        }
        this.onlyKeys(value, ["min", "max"], at, "a length validator", "{ length: { min?, max? } }");
        if (value.min !== undefined && value.max !== undefined && (value.min as number) > (value.max as number)) {
          this.ctx.report(this.at(at), DIAGNOSTICS.hintMinAboveMax, { what: "a length validator", min: value.min as number, max: value.max as number });
        }
        break;
      }
      case "oneOf":
        if (!SCALAR_KINDS.has(port.kind)) this.wrongKind(path, "a oneOf validator", port, "a port of a number, string, boolean or enum");
        if (!Array.isArray(value) || value.length === 0) return this.shape(at, "a oneOf validator", "{ oneOf: [<values of the port's type>] }");
        value.forEach((v, i) => {
          if (v === null || !this.fits(port, v)) {
            this.ctx.report(this.at([...at, i]), DIAGNOSTICS.hintValue, { what: "the oneOf value", value: JSON.stringify(v), port: port.key, kind: port.kind });
          }
        });
        break;
      default: {
        if (!NUMBER_KINDS.has(port.kind)) this.wrongKind(path, `a ${rule} validator`, port, "an INT or FLOAT port");
        const other = this.argPort(value, port, at, `the ${rule} validator of port "${port.key}"`);
        if (!NUMBER_KINDS.has(other.kind)) this.wrongKind(at, `the ${rule} validator of port "${port.key}"`, other, "another INT or FLOAT arg port");
      }
    }
    const declared = spec as unknown as ValidatorSpec;
    return renderValidator(ruleOfSpec(declared), declared.message);
  }

  effect(spec: unknown, port: Port, path: Path): Effect {
    const expected = '{ hideIf: { port, equals } }, { hideIf: { port, oneOf: [...] } } or the same with showIf';
    if (!isObject(spec)) return this.shape(path, "an effect", expected);
    const keys = Object.keys(spec);
    if (keys.length !== 1 || (keys[0] !== "hideIf" && keys[0] !== "showIf")) return this.shape(path, "an effect", expected);
    const at: Path = [...path, keys[0]!];
    const condition = spec[keys[0]!];
    if (!isObject(condition)) return this.shape(at, "an effect's condition", "{ port, equals } or { port, oneOf: [...] }");
    const which = "equals" in condition ? "equals" : "oneOf" in condition ? "oneOf" : undefined;
    if (!which) return this.shape(at, "an effect's condition", "{ port, equals } or { port, oneOf: [...] }");
    this.onlyKeys(condition, ["port", which], at, "an effect's condition", "{ port, equals } or { port, oneOf: [...] }");
    const other = this.argPort(condition.port, port, [...at, "port"], `the effect of port "${port.key}"`);
    const values = which === "equals" ? [condition.equals] : condition.oneOf;
    if (!Array.isArray(values) || values.length === 0) return this.shape([...at, which], "an effect's oneOf", "a non-empty array of values");
    values.forEach((v, i) => {
      if (v !== null && (v === undefined || !this.fits(other, v))) {
        const where: Path = which === "equals" ? [...at, "equals"] : [...at, "oneOf", i];
        this.ctx.report(this.at(where), DIAGNOSTICS.hintValue, { what: "the effect's value", value: JSON.stringify(v), port: other.key, kind: other.kind });
      }
    });
    return renderEffect(ruleOfEffect(spec as unknown as EffectSpec));
  }

  portGroup(spec: unknown, path: Path): PortGroup {
    const expected = '{ key: string, title?: string, description?: string, ports: ["arg", ...] }';
    if (!isObject(spec)) return this.shape(path, "a port group", expected);
    this.onlyKeys(spec, ["key", "title", "description", "ports"], path, "a port group", expected);
    if (typeof spec.key !== "string" || spec.key === "") this.shape([...path, "key"], "a port group's key", "a non-empty string");
    for (const field of ["title", "description"] as const) {
      if (spec[field] !== undefined && typeof spec[field] !== "string") this.shape([...path, field], `a port group's ${field}`, "a string");
    }
    const ports = spec.ports;
    if (!Array.isArray(ports) || ports.length === 0) return this.shape([...path, "ports"], "a port group's ports", "a non-empty array of arg port names");
    ports.forEach((name, i) => {
      if (typeof name !== "string" || !this.args.has(name)) {
        this.ctx.report(this.at([...path, "ports", i]), DIAGNOSTICS.hintMissingPort, {
          what: `port group "${String(spec.key)}"`,
          name: String(name),
          fn: this.site.fn,
          known: this.argKeys,
        });
      }
    });
    return renderPortGroup(spec as unknown as PortGroupSpec);
  }
}
