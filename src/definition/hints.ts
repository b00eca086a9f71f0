/**
 * Form hints: what a function's author declares in `register(fn, { ports: { x: { widget,
 * validators, effects } }, portGroups })`, in the platform's own fields (`ArgPortInput.widget`,
 * `.validators`, `.effects`, `ReturnPortInput.widget`, `DefinitionInput.portGroups`).
 *
 * Validators and effects travel as JavaScript function sources that the platform's UI evaluates:
 * `(v, d0, d1, ...) => boolean`, called with the port's value and the values of the validator's
 * `dependencies` in order (the reference client's convention: one parameter per dependency after
 * the value). A validator returns true when the value is valid; an effect returns true when it
 * applies (HIDE: the port is hidden). Ours are declared from a fixed set of forms, rendered here
 * into those sources, and read back from them by an exact grammar (`readValidator`,
 * `readEffect`): every checker (server at assign, agent, caller, browser form) recovers the
 * declarative form from the definition alone, and nothing ever evaluates a function source. A
 * source that is not one of ours is foreign: it is kept and shown, never run or checked here.
 *
 * Browser-safe: no `node:` imports, nothing of ours but the model's types.
 */
import { RE2JS } from "re2js";
import type { Choice, Effect, JsonValue, Port, PortGroup, Validator, Widget } from "./model.js";

/** A JSON scalar, as choices, one-of lists and effect conditions hold them. */
export type Scalar = string | number | boolean;

// ------------------------------------------------------------------------------------------------ declarative forms

/**
 * A widget in `register()` options: a slider for INT/FLOAT ports (`min <= max`, the value is
 * bounded by them), a paragraph (multi-line text) for STRING ports, or a choice among values with
 * labels and descriptions (the value is restricted to them). On a return port only `choice`.
 */
export type WidgetSpec =
  | { kind: "slider"; min: number; max: number; step?: number }
  | { kind: "paragraph"; placeholder?: string }
  | { kind: "choice"; choices: Array<{ value: Scalar; label: string; description?: string }> };

/**
 * A validator in `register()` options, one rule per object, with an optional `message` shown when
 * it fails:
 * - `{ min: 0 }`, `{ max: 1 }`: INT/FLOAT ports, inclusive;
 * - `{ pattern: "^[a-z]+$", flags?: "i" }`: STRING ports, `RegExp.test` (anchor it yourself);
 * - `{ length: { min?: 1, max?: 20 } }`: STRING (characters) and LIST (items) ports, inclusive;
 * - `{ oneOf: ["a", "b"] }`: scalar ports;
 * - `{ lessThan: "other" }`, `lessThanOrEqual`, `greaterThan`, `greaterThanOrEqual`: INT/FLOAT
 *   ports, against another INT/FLOAT arg port of the same function (skipped while either is null).
 */
export type ValidatorSpec = (
  | { min: number }
  | { max: number }
  | { pattern: string; flags?: string }
  | { length: { min?: number; max?: number } }
  | { oneOf: Scalar[] }
  | { lessThan: string }
  | { lessThanOrEqual: string }
  | { greaterThan: string }
  | { greaterThanOrEqual: string }
) & { message?: string };

/** When an effect applies: another arg port's value equals one value, or is one of several. */
export type EffectCondition = { port: string; equals: Scalar | null } | { port: string; oneOf: Array<Scalar | null> };

/** An effect in `register()` options: hide the port while a condition holds, or show it only then. */
export type EffectSpec = { hideIf: EffectCondition } | { showIf: EffectCondition };

/** A port group in `register()` options: arg ports shown together as a titled section. */
export interface PortGroupSpec {
  key: string;
  title?: string;
  description?: string;
  ports: string[];
}

// ------------------------------------------------------------------------------------------------ rules

export type CompareOp = "<" | "<=" | ">" | ">=";

/** A validator's declarative form, as `readValidator` recovers it from a function source. */
export type ValidatorRule =
  | { kind: "min"; value: number }
  | { kind: "max"; value: number }
  | { kind: "pattern"; source: string; flags: string }
  | { kind: "length"; min?: number; max?: number }
  | { kind: "oneOf"; values: Scalar[] }
  | { kind: "compare"; op: CompareOp; port: string };

/** An effect's declarative form: HIDE while the port `port`'s value is (or, `negate`, is not) among `values`. */
export interface EffectRule {
  kind: "hide";
  port: string;
  values: Array<Scalar | null>;
  negate: boolean;
}

export const COMPARE_OPTIONS = {
  lessThan: "<",
  lessThanOrEqual: "<=",
  greaterThan: ">",
  greaterThanOrEqual: ">=",
} as const satisfies Record<string, CompareOp>;

const COMPARE_WORDS: Record<CompareOp, string> = { "<": "less than", "<=": "at most", ">": "greater than", ">=": "at least" };

/** The rule of a validator written in `register()` options (shape already checked by the generator). */
export function ruleOfSpec(spec: ValidatorSpec): ValidatorRule {
  const s = spec as Record<string, unknown>;
  if (typeof s.min === "number") return { kind: "min", value: s.min };
  if (typeof s.max === "number") return { kind: "max", value: s.max };
  if (typeof s.pattern === "string") return { kind: "pattern", source: s.pattern, flags: typeof s.flags === "string" ? s.flags : "" };
  if (s.length !== undefined) {
    const l = s.length as { min?: number; max?: number };
    return { kind: "length", ...(l.min !== undefined ? { min: l.min } : {}), ...(l.max !== undefined ? { max: l.max } : {}) };
  }
  if (Array.isArray(s.oneOf)) return { kind: "oneOf", values: s.oneOf as Scalar[] };
  for (const [option, op] of Object.entries(COMPARE_OPTIONS)) {
    if (typeof s[option] === "string") return { kind: "compare", op, port: s[option] as string };
  }
  throw new TypeError(`not a validator: ${JSON.stringify(spec)}`);
}

/** A rule in words: what a valid value is (`at least 0`, `less than the value of "high"`). */
export function describeRule(rule: ValidatorRule): string {
  switch (rule.kind) {
    case "min":
      return `a number at least ${rule.value}`;
    case "max":
      return `a number at most ${rule.value}`;
    case "pattern":
      return `a string matching /${rule.source}/${rule.flags}`;
    case "length":
      if (rule.min !== undefined && rule.max !== undefined) return `a length between ${rule.min} and ${rule.max}`;
      return rule.min !== undefined ? `a length of at least ${rule.min}` : `a length of at most ${rule.max}`;
    case "oneOf":
      return `one of ${rule.values.map((v) => JSON.stringify(v)).join(", ")}`;
    case "compare":
      return `a number ${COMPARE_WORDS[rule.op]} the value of "${rule.port}"`;
  }
}

// ------------------------------------------------------------------------------------------------ rendering

const NULL_GUARD = "v == null || ";

/** The function source of a rule (the exact grammar `readValidator` reads back). */
function validatorSource(rule: ValidatorRule): string {
  switch (rule.kind) {
    case "min":
      return `(v) => ${NULL_GUARD}v >= ${JSON.stringify(rule.value)}`;
    case "max":
      return `(v) => ${NULL_GUARD}v <= ${JSON.stringify(rule.value)}`;
    case "pattern":
      return `(v) => ${NULL_GUARD}new RegExp(${JSON.stringify(rule.source)}, ${JSON.stringify(rule.flags)}).test(v)`;
    case "length": {
      const parts: string[] = [];
      if (rule.min !== undefined) parts.push(`v.length >= ${JSON.stringify(rule.min)}`);
      if (rule.max !== undefined) parts.push(`v.length <= ${JSON.stringify(rule.max)}`);
      return `(v) => ${NULL_GUARD}(${parts.join(" && ")})`;
    }
    case "oneOf":
      return `(v) => ${NULL_GUARD}${JSON.stringify(rule.values)}.includes(v)`;
    case "compare":
      return `(v, d0) => ${NULL_GUARD}d0 == null || v ${rule.op} d0`;
  }
}

/** A rule as the platform's `ValidatorInput`: its source, dependencies, label and message. */
export function renderValidator(rule: ValidatorRule, message?: string): Validator {
  const label = describeRule(rule);
  return {
    function: validatorSource(rule),
    ...(rule.kind === "compare" ? { dependencies: [rule.port] } : {}),
    label,
    errorMessage: message ?? `must be ${label}`,
  };
}

/** An effect written in `register()` options as its rule. */
export function ruleOfEffect(spec: EffectSpec): EffectRule {
  const show = "showIf" in spec;
  const condition = show ? (spec as { showIf: EffectCondition }).showIf : (spec as { hideIf: EffectCondition }).hideIf;
  const values = "oneOf" in condition ? condition.oneOf : [condition.equals];
  return { kind: "hide", port: condition.port, values, negate: show };
}

/** An effect rule as the platform's `EffectInput` (kind HIDE). */
export function renderEffect(rule: EffectRule): Effect {
  const test = rule.values.length === 1 ? `d0 === ${JSON.stringify(rule.values[0])}` : `${JSON.stringify(rule.values)}.includes(d0)`;
  return { kind: "HIDE", function: `(v, d0) => ${rule.negate ? `!(${test})` : test}`, dependencies: [rule.port] };
}

/** A widget written in `register()` options as the platform's widget input. */
export function renderWidget(spec: WidgetSpec): Widget {
  switch (spec.kind) {
    case "slider":
      return { kind: "SLIDER", min: spec.min, max: spec.max, ...(spec.step !== undefined ? { step: spec.step } : {}) };
    case "paragraph":
      return { kind: "STRING", asParagraph: true, ...(spec.placeholder !== undefined ? { placeholder: spec.placeholder } : {}) };
    case "choice":
      return {
        kind: "CHOICE",
        choices: spec.choices.map(
          (c): Choice => ({ value: c.value, label: c.label, ...(c.description !== undefined ? { description: c.description } : {}) }),
        ),
      };
  }
}

/** A port group written in `register()` options as the platform's `PortGroupInput`. */
export function renderPortGroup(spec: PortGroupSpec): PortGroup {
  return {
    key: spec.key,
    ...(spec.title !== undefined ? { title: spec.title } : {}),
    ...(spec.description !== undefined ? { description: spec.description } : {}),
    ports: [...spec.ports],
  };
}

// ------------------------------------------------------------------------------------------------ reading back

const NUM = String.raw`(-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)`;
const STR = String.raw`("(?:[^"\\\n]|\\.)*")`;
const ARR = String.raw`(\[.*\])`;
const OP = String.raw`(<=|>=|<|>)`;
const G = String.raw`v == null \|\| `;

const GRAMMAR: Array<{ pattern: RegExp; deps: number; read: (m: RegExpExecArray, deps: readonly string[]) => ValidatorRule | undefined }> = [
  { pattern: new RegExp(`^\\(v\\) => ${G}v >= ${NUM}$`), deps: 0, read: (m) => ({ kind: "min", value: Number(m[1]) }) },
  { pattern: new RegExp(`^\\(v\\) => ${G}v <= ${NUM}$`), deps: 0, read: (m) => ({ kind: "max", value: Number(m[1]) }) },
  {
    pattern: new RegExp(`^\\(v\\) => ${G}new RegExp\\(${STR}, ${STR}\\)\\.test\\(v\\)$`),
    deps: 0,
    read: (m) => {
      const source = parseJson(m[1]!);
      const flags = parseJson(m[2]!);
      return typeof source === "string" && typeof flags === "string" ? { kind: "pattern", source, flags } : undefined;
    },
  },
  {
    pattern: new RegExp(`^\\(v\\) => ${G}\\(v\\.length >= ${NUM} && v\\.length <= ${NUM}\\)$`),
    deps: 0,
    read: (m) => ({ kind: "length", min: Number(m[1]), max: Number(m[2]) }),
  },
  { pattern: new RegExp(`^\\(v\\) => ${G}\\(v\\.length >= ${NUM}\\)$`), deps: 0, read: (m) => ({ kind: "length", min: Number(m[1]) }) },
  { pattern: new RegExp(`^\\(v\\) => ${G}\\(v\\.length <= ${NUM}\\)$`), deps: 0, read: (m) => ({ kind: "length", max: Number(m[1]) }) },
  {
    pattern: new RegExp(`^\\(v\\) => ${G}${ARR}\\.includes\\(v\\)$`),
    deps: 0,
    read: (m) => {
      const values = parseJson(m[1]!);
      return Array.isArray(values) && values.every(isScalar) ? { kind: "oneOf", values } : undefined;
    },
  },
  {
    pattern: new RegExp(`^\\(v, d0\\) => ${G}d0 == null \\|\\| v ${OP} d0$`),
    deps: 1,
    read: (m, deps) => ({ kind: "compare", op: m[1] as CompareOp, port: deps[0]! }),
  },
];

function parseJson(text: string): JsonValue | undefined {
  try {
    return JSON.parse(text) as JsonValue;
  } catch {
    return undefined;
  }
}

function isScalar(value: unknown): value is Scalar {
  return typeof value === "string" || typeof value === "boolean" || (typeof value === "number" && Number.isFinite(value));
}

const validatorCache = new Map<string, ValidatorRule | null>();

/**
 * The declarative form of a validator rendered by `renderValidator`, or undefined for a foreign
 * one (any other source, or dependencies that do not fit): read by an exact grammar, never run.
 */
export function readValidator(validator: Validator): ValidatorRule | undefined {
  const deps = validator.dependencies ?? [];
  const key = `${deps.length}:${deps.join("\u0000")}:${validator.function}`;
  const cached = validatorCache.get(key);
  if (cached !== undefined) return cached ?? undefined;
  let rule: ValidatorRule | undefined;
  for (const entry of GRAMMAR) {
    if (entry.deps !== deps.length) continue;
    const m = entry.pattern.exec(validator.function);
    if (m) {
      rule = entry.read(m, deps);
      break;
    }
  }
  if (rule && (rule.kind === "min" || rule.kind === "max") && !Number.isFinite(rule.value)) rule = undefined;
  if (rule && rule.kind === "pattern" && (!/^[imsu]*$/.test(rule.flags) || unsafePattern(rule.source, rule.flags) !== undefined)) rule = undefined;
  if (validatorCache.size > 1000) validatorCache.clear();
  validatorCache.set(key, rule ?? null);
  return rule;
}

/** The declarative form of an effect rendered by `renderEffect`, or undefined for a foreign one. */
export function readEffect(effect: Effect): EffectRule | undefined {
  const deps = effect.dependencies ?? [];
  if (effect.kind !== "HIDE" || deps.length !== 1) return undefined;
  const m = /^\(v, d0\) => (!\()?(?:d0 === (.+?)|(\[.*\])\.includes\(d0\))(\))?$/.exec(effect.function);
  if (!m || Boolean(m[1]) !== Boolean(m[4])) return undefined;
  let values: Array<Scalar | null>;
  if (m[2] !== undefined) {
    const value = parseJson(m[2]);
    if (value === undefined || (value !== null && !isScalar(value))) return undefined;
    values = [value];
  } else {
    const list = parseJson(m[3]!);
    if (!Array.isArray(list) || !list.every((v) => v === null || isScalar(v))) return undefined;
    values = list as Array<Scalar | null>;
  }
  return { kind: "hide", port: deps[0]!, values, negate: Boolean(m[1]) };
}

/** Whether an effect rule applies (HIDE: the port is hidden) given the values of the form's ports. */
export function effectApplies(rule: EffectRule, values: Readonly<Record<string, unknown>>): boolean {
  const value = Object.prototype.hasOwnProperty.call(values, rule.port) ? values[rule.port] : undefined;
  const among = rule.values.some((v) => v === (value === undefined ? null : value));
  return rule.negate ? !among : among;
}

/** Whether a port is hidden by its effects (ours; foreign effects are ignored) given the form's values. */
export function isHidden(port: Port, values: Readonly<Record<string, unknown>>): boolean {
  for (const effect of port.effects ?? []) {
    const rule = readEffect(effect);
    if (rule && effectApplies(rule, values)) return true;
  }
  return false;
}

// ------------------------------------------------------------------------------------------------ the native check

/** Longest pattern source of ours (longer ones are foreign: shown, not checked). */
export const MAX_PATTERN_CHARS = 1000;
/** Longest string a pattern is tested against natively; a longer one breaks the validator. */
export const MAX_PATTERN_INPUT_CHARS = 100_000;

/**
 * Why a pattern cannot be ours, or undefined when it can. The server, the agent and the form test
 * patterns against callers' strings, so they match with RE2 (re2js: linear time, no catastrophic
 * backtracking whatever the pattern); a pattern is ours when it is at most `MAX_PATTERN_CHARS`
 * long and RE2 accepts it (no backreferences, no lookaround). The platform's UI evaluates the
 * same source with JavaScript's RegExp, so it must be valid there too (`gen` checks that apart).
 */
export function unsafePattern(source: string, flags = ""): string | undefined {
  if (source.length > MAX_PATTERN_CHARS) return `longer than ${MAX_PATTERN_CHARS} characters`;
  try {
    RE2JS.compile(source, re2Flags(flags));
    return undefined;
  } catch (error) {
    return `RE2, the linear-time engine that checks it, refuses it (${(error as Error).message}); backreferences and lookaround cannot be checked in linear time`;
  }
}

/** RE2 flags for a JavaScript flags string of ours (`u` is RE2's default). */
function re2Flags(flags: string): number {
  let bits = 0;
  if (flags.includes("i")) bits |= RE2JS.CASE_INSENSITIVE;
  if (flags.includes("m")) bits |= RE2JS.MULTILINE;
  if (flags.includes("s")) bits |= RE2JS.DOTALL;
  return bits;
}

/** One hint a value breaks: what a valid value is, and the author's message if one was given. */
export interface HintProblem {
  readonly expected: string;
  readonly message?: string;
}

const patterns = new Map<string, RE2JS | null>();

/** A compiled pattern (cached, RE2: linear-time matching), or null when it is not ours. */
export function compilePattern(source: string, flags: string): RE2JS | null {
  const key = `${flags}/${source}`;
  let re = patterns.get(key);
  if (re === undefined) {
    try {
      re = source.length > MAX_PATTERN_CHARS || !/^[imsu]*$/.test(flags) ? null : RE2JS.compile(source, re2Flags(flags));
    } catch {
      re = null;
    }
    if (patterns.size > 1000) patterns.clear();
    patterns.set(key, re);
  }
  return re;
}

function holds(rule: ValidatorRule, value: unknown, siblings: Readonly<Record<string, unknown>> | undefined): boolean {
  switch (rule.kind) {
    case "min":
      return typeof value !== "number" || value >= rule.value;
    case "max":
      return typeof value !== "number" || value <= rule.value;
    case "pattern": {
      if (typeof value !== "string") return true;
      if (value.length > MAX_PATTERN_INPUT_CHARS) return false;
      const re = compilePattern(rule.source, rule.flags);
      if (!re) return true;
      // RegExp.test semantics (a match anywhere; anchors are the author's), in linear time.
      return re.matcher(value).find();
    }
    case "length": {
      const length = typeof value === "string" || Array.isArray(value) ? value.length : undefined;
      if (length === undefined) return true;
      return (rule.min === undefined || length >= rule.min) && (rule.max === undefined || length <= rule.max);
    }
    case "oneOf":
      return rule.values.some((v) => v === value);
    case "compare": {
      const other = siblings && Object.prototype.hasOwnProperty.call(siblings, rule.port) ? siblings[rule.port] : undefined;
      if (typeof value !== "number" || typeof other !== "number") return true;
      switch (rule.op) {
        case "<":
          return value < other;
        case "<=":
          return value <= other;
        case ">":
          return value > other;
        case ">=":
          return value >= other;
      }
    }
  }
}

/** Whether a port carries anything `checkHints` checks. */
export function hasHints(port: Port): boolean {
  return (port.validators !== undefined && port.validators !== null && port.validators.length > 0) || (port.widget !== undefined && port.widget !== null);
}

/**
 * The hints a non-null value of the right kind breaks: a SLIDER widget's `min`/`max`, a CHOICE
 * widget's values, and every validator of ours (foreign validators are skipped). `siblings` are
 * the values of the other ports at the same level (for comparisons between ports; without them,
 * comparisons are skipped).
 */
export function checkHints(port: Port, value: unknown, siblings?: Readonly<Record<string, unknown>>): HintProblem[] {
  const problems: HintProblem[] = [];
  if (value === null || value === undefined) return problems;
  const widget = port.widget;
  if (widget) {
    if (widget.kind === "SLIDER" && typeof value === "number") {
      const min = typeof widget.min === "number" ? widget.min : undefined;
      const max = typeof widget.max === "number" ? widget.max : undefined;
      if ((min !== undefined && value < min) || (max !== undefined && value > max)) {
        const range = min !== undefined && max !== undefined ? `between ${min} and ${max}` : min !== undefined ? `at least ${min}` : `at most ${max}`;
        problems.push({ expected: `a number ${range} (the slider's range)` });
      }
    } else if (widget.kind === "CHOICE" && widget.choices && widget.choices.length > 0 && isScalar(value)) {
      if (!widget.choices.some((c) => c.value === value)) {
        problems.push({ expected: `one of the choices ${widget.choices.map((c) => JSON.stringify(c.value)).join(", ")}` });
      }
    }
  }
  for (const validator of port.validators ?? []) {
    const rule = readValidator(validator);
    if (!rule || holds(rule, value, siblings)) continue;
    const message = validator.errorMessage ?? undefined;
    problems.push(message ? { expected: describeRule(rule), message } : { expected: describeRule(rule) });
  }
  return problems;
}
