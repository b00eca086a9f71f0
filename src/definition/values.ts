/**
 * Whether a value fits its port: the one interpreter of the rule of
 * docs/spec/definitions-and-values.md, "Values on the wire". It reads WIRE values (what travels
 * in `ASSIGN.args` and `YIELD.returns`) against `Port`s, so it serves every side alike: the
 * embedded server refuses bad `assign` args with it before a task exists, the agent's generated
 * registry checks ASSIGN args and its own returns with it, the caller checks the args it sends
 * and the returns it receives, and a browser form can check its input with nothing but the
 * definition.
 *
 * It never stops at the first problem: a check reports every port that does not fit (up to
 * `maxProblems`), each as a port key path (`images[2]`, `settings.threshold`,
 * `label.__value`), what the port expected and what came. It never rewrites values;
 * `withDefaults` applies the ports' defaults as a separate step.
 *
 * The decisions it encodes:
 * - INT is a JSON number that is a safe integer (|n| <= 2^53 - 1); larger numbers cannot travel
 *   through JSON exactly, so they are refused rather than silently rounded.
 * - FLOAT is a finite number (`1e300` fits; `1e400` parses to Infinity and is refused).
 * - DATE is an ISO-8601 string: `YYYY-MM-DD`, optionally followed by `T` or a space and
 *   `hh:mm[:ss[.fraction]]`, optionally followed by `Z` or an offset `±hh[:mm]` / `±hhmm`. No offset
 *   means UTC (as naive Python datetimes send), a date alone is UTC midnight, and a date that does
 *   not exist (`2024-02-30`, `25:00`) is refused. `readDate` is the one reader.
 * - UNION is `{"__use": <JSON integer index of the child>, "__value": <that child's value>}`;
 *   `__use` as a string is refused.
 * - STRUCTURE is `{"__identifier": <the port's identifier>, "object": "<reference string>"}`;
 *   a missing or different `__identifier` is refused.
 * - MODEL is an object of its children's values; an incoming `__identifier` key is accepted.
 * - ENUM is one of the choices' values; a scalar port with choices is restricted to them too.
 * - `null` (or a missing key) fits a nullable port, or a port with a default.
 *
 * Browser-safe: no `node:` imports, nothing of ours but the model's types.
 */
import { checkHints, hasHints } from "./hints.js";
import type { JsonValue, Port, PortKind } from "./model.js";

/**
 * One port whose value does not fit: where, what the port expected, and what came. A value that
 * has the right kind but breaks a form hint (a validator, a slider's range, a choice widget; see
 * hints.ts) is a problem too, with the validator's `message` when it has one.
 */
export interface ValueProblem {
  /** The port key path from the top: `a`, `images[2]`, `settings.threshold`, `label.__value`. */
  readonly path: string;
  /** What the port takes, in words (`a finite number`, `one of "Red", "Green"`, `a number at least 0`). */
  readonly expected: string;
  /** What came, in words (`the string "x"`, `null`, `nothing (the key is missing)`). */
  readonly got: string;
  /** A broken validator's error message (its `errorMessage`), when it has one. */
  readonly message?: string;
}

/** The outcome of a check. `problems` holds at most `maxProblems` entries; `omitted` counts the rest. */
export interface ValueCheck {
  readonly ok: boolean;
  readonly problems: readonly ValueProblem[];
  readonly omitted: number;
}

export interface CheckOptions {
  /**
   * How many problems a check reports before it only counts them (a list of 10,000 bad floats
   * should not make a 10,000-line error). Default `DEFAULT_MAX_PROBLEMS` (20).
   */
  readonly maxProblems?: number;
  /**
   * Whether a port's key may be absent from the object (`checkPorts` only). `"refuse"` (the
   * default) refuses a missing non-nullable port without a default; `"allow"` checks only the
   * keys that are present (a caller that leaves the defaults to the agent).
   */
  readonly missing?: "refuse" | "allow";
  /**
   * Keys that are no port (`checkPorts` only): `"refuse"` (the default) or `"ignore"`.
   */
  readonly unknownKeys?: "refuse" | "ignore";
  /** What the object's ports are called in the unknown-key message. Default `"a port of this action"`. */
  readonly subject?: string;
}

/** How many problems a check reports by default before it only counts them. */
export const DEFAULT_MAX_PROBLEMS = 20;

const OK: ValueCheck = Object.freeze({ ok: true, problems: Object.freeze([]) as readonly ValueProblem[], omitted: 0 });

// ------------------------------------------------------------------------------------------------ scalars

/** INT: a JSON number that is a safe integer. */
export function isWireInt(value: unknown): value is number {
  return Number.isSafeInteger(value);
}

/** FLOAT: a finite JSON number. */
export function isWireFloat(value: unknown): value is number {
  return typeof value === "number" && Number.isFinite(value);
}

// The DATE grammar: date, optional time (T or space), optional offset.
const DATE_PATTERN = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?(Z|[+-]\d{2}(?::?\d{2})?)?)?$/;

function daysIn(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

/**
 * Reads a DATE wire value (see the rule above); `undefined` for any string that is not one, or
 * names a date or time that does not exist. The one reader of dates: the agent's adapters and
 * the caller's turn wire dates into `Date`s with it.
 */
export function readDate(text: string): Date | undefined {
  const m = DATE_PATTERN.exec(text);
  if (!m) return undefined;
  const year = Number(m[1]);
  const month = Number(m[2]);
  const day = Number(m[3]);
  const hour = m[4] === undefined ? 0 : Number(m[4]);
  const minute = m[5] === undefined ? 0 : Number(m[5]);
  const second = m[6] === undefined ? 0 : Number(m[6]);
  const ms = m[7] === undefined ? 0 : Number(m[7].slice(0, 3).padEnd(3, "0"));
  if (year < 1 || month < 1 || month > 12 || day < 1 || day > daysIn(year, month)) return undefined;
  if (hour > 23 || minute > 59 || second > 59) return undefined;
  let offsetMinutes = 0;
  const zone = m[8];
  if (zone !== undefined && zone !== "Z") {
    const digits = zone.slice(1).replace(":", "");
    const hours = Number(digits.slice(0, 2));
    const minutes = digits.length > 2 ? Number(digits.slice(2, 4)) : 0;
    if (hours > 23 || minutes > 59) return undefined;
    offsetMinutes = (zone[0] === "-" ? -1 : 1) * (hours * 60 + minutes);
  }
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  date.setUTCHours(hour, minute - offsetMinutes, second, ms);
  return date;
}

/** DATE: a string `readDate` reads. */
export function isWireDate(value: unknown): value is string {
  return typeof value === "string" && readDate(value) !== undefined;
}

/**
 * Whether a value fits a scalar kind (INT, FLOAT, QUANTITY, BOOL, STRING, DATE), choices aside;
 * `undefined` for the other kinds. The caller's and the agent's adapters pick a UNION member
 * of a function value with it.
 */
export function fitsScalar(kind: PortKind, value: unknown): boolean | undefined {
  switch (kind) {
    case "INT":
      return isWireInt(value);
    case "FLOAT":
    case "QUANTITY":
      return isWireFloat(value);
    case "BOOL":
      return typeof value === "boolean";
    case "STRING":
      return typeof value === "string";
    case "DATE":
      return isWireDate(value);
    default:
      return undefined;
  }
}

// ------------------------------------------------------------------------------------------------ words

const MAX_SAFE = "2^53 - 1";

/** A value in words, as problems say what came. */
export function describeValue(value: unknown): string {
  if (value === undefined) return "nothing";
  if (value === null) return "null";
  if (Array.isArray(value)) return `a list of ${value.length} item${value.length === 1 ? "" : "s"}`;
  switch (typeof value) {
    case "string": {
      const shown = value.length > 40 ? `${value.slice(0, 40)}…` : value;
      return `the string ${JSON.stringify(shown)}`;
    }
    case "number":
      return Number.isFinite(value) ? `the number ${String(value)}` : String(value);
    case "boolean":
      return String(value);
    case "object":
      return value instanceof Date ? "a Date object" : "an object";
    default:
      return `a ${typeof value}`;
  }
}

function quoteAll(values: readonly unknown[]): string {
  const shown = values.slice(0, 10).map((v) => JSON.stringify(v) ?? String(v));
  return values.length > 10 ? `${shown.join(", ")}, … (${values.length} in all)` : shown.join(", ");
}

function expectedOf(port: Port): string {
  switch (port.kind) {
    case "INT":
      return `an integer between -(${MAX_SAFE}) and ${MAX_SAFE}`;
    case "FLOAT":
    case "QUANTITY":
      return "a finite number";
    case "BOOL":
      return "true or false";
    case "STRING":
      return "a string";
    case "DATE":
      return 'an ISO-8601 date or date-time ("2024-05-01", "2024-05-01T10:00:00Z"; no offset means UTC)';
    case "ENUM":
      return port.choices && port.choices.length > 0 ? `one of ${quoteAll(port.choices.map((c) => c.value))}` : "a choice's value (a string)";
    case "LIST":
      return "a list";
    case "DICT":
      return "an object (a dict with string keys)";
    case "MODEL":
      return `an object (the model ${JSON.stringify(port.identifier ?? port.key)})`;
    case "UNION":
      return `{"__use": <integer 0..${Math.max(0, (port.children?.length ?? 0) - 1)}>, "__value": <the value>}`;
    case "STRUCTURE":
      return `a structure reference {"__identifier": ${JSON.stringify(port.identifier ?? "<identifier>")}, "object": "<reference>"}`;
    case "MEMORY_STRUCTURE":
      return 'a memory structure reference (a string, or {"object": "<reference>"})';
    default:
      return "a JSON value";
  }
}

// ------------------------------------------------------------------------------------------------ the walker

/** The state of one check: the path as a stack (joined only when a problem is reported). */
class Walk {
  problems: ValueProblem[] | undefined;
  omitted = 0;
  readonly path: Array<string | number> = [];

  constructor(readonly max: number) {}

  pathText(extra?: string | number): string {
    let out = "";
    const segments = extra === undefined ? this.path : [...this.path, extra];
    for (const segment of segments) {
      if (typeof segment === "number") out += `[${segment}]`;
      else out += out ? `.${segment}` : segment;
    }
    return out;
  }

  report(expected: string, got: string, extra?: string | number, message?: string): void {
    this.problems ??= [];
    if (this.problems.length >= this.max) this.omitted++;
    else this.problems.push(message === undefined ? { path: this.pathText(extra), expected, got } : { path: this.pathText(extra), expected, got, message });
  }

  result(): ValueCheck {
    if (!this.problems) return OK;
    return { ok: false, problems: this.problems, omitted: this.omitted };
  }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== "object" || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

const hasOwn = (object: object, key: string): boolean => Object.prototype.hasOwnProperty.call(object, key);

function hasDefault(port: Port): boolean {
  return port.default !== undefined && port.default !== null;
}

/**
 * Checks a value at the walk's current path against `port`, then its form hints (`siblings`: the
 * values beside it, for validators that compare ports).
 */
function walk(port: Port, value: unknown, w: Walk, siblings?: Readonly<Record<string, unknown>>): void {
  if (hasHints(port) && value !== null && value !== undefined) {
    const before = w.problems?.length ?? 0;
    const omitted = w.omitted;
    walkKind(port, value, w);
    if ((w.problems?.length ?? 0) !== before || w.omitted !== omitted) return; // wrong kind: the hints say nothing more
    for (const problem of checkHints(port, value, siblings)) w.report(problem.expected, describeValue(value), undefined, problem.message);
    return;
  }
  walkKind(port, value, w);
}

function walkKind(port: Port, value: unknown, w: Walk): void {
  if (value === null || value === undefined) {
    if (!port.nullable && !hasDefault(port)) {
      w.report(`${expectedOf(port)} (the port is not nullable and has no default)`, value === undefined ? "nothing" : "null");
    }
    return;
  }
  switch (port.kind) {
    case "INT":
      if (!isWireInt(value)) w.report(expectedOf(port), describeValue(value));
      else if (port.choices && port.choices.length > 0) checkChoice(port, value, w);
      return;
    case "FLOAT":
    case "QUANTITY":
      if (!isWireFloat(value)) w.report(expectedOf(port), describeValue(value));
      else if (port.choices && port.choices.length > 0) checkChoice(port, value, w);
      return;
    case "BOOL":
      if (typeof value !== "boolean") w.report(expectedOf(port), describeValue(value));
      else if (port.choices && port.choices.length > 0) checkChoice(port, value, w);
      return;
    case "STRING":
      if (typeof value !== "string") w.report(expectedOf(port), describeValue(value));
      else if (port.choices && port.choices.length > 0) checkChoice(port, value, w);
      return;
    case "DATE":
      if (typeof value !== "string" || !DATE_PATTERN.test(value)) w.report(expectedOf(port), describeValue(value));
      else if (readDate(value) === undefined) {
        w.report("a date and time that exist (month 1-12, a day of that month, hours 0-23, minutes and seconds 0-59)", describeValue(value));
      } else if (port.choices && port.choices.length > 0) checkChoice(port, value, w);
      return;
    case "ENUM":
      if (port.choices && port.choices.length > 0) checkChoice(port, value, w);
      else if (typeof value !== "string") w.report(expectedOf(port), describeValue(value));
      return;
    case "LIST": {
      if (!Array.isArray(value)) {
        w.report(expectedOf(port), describeValue(value));
        return;
      }
      const child = port.children?.[0];
      if (!child) return;
      const n = value.length;
      const path = w.path;
      path.push(0);
      const top = path.length - 1;
      // The common case, a list of plain numbers, is judged without a call per item.
      const plain = (!child.choices || child.choices.length === 0) && !hasHints(child);
      const floats = plain && child.kind === "FLOAT";
      const ints = plain && child.kind === "INT";
      for (let i = 0; i < n; i++) {
        const item: unknown = value[i];
        if (floats ? typeof item === "number" && item - item === 0 : ints && Number.isSafeInteger(item)) continue;
        path[top] = i;
        walk(child, item, w);
      }
      path.pop();
      return;
    }
    case "DICT": {
      if (!isPlainObject(value)) {
        w.report(expectedOf(port), describeValue(value));
        return;
      }
      const child = port.children?.[0];
      if (!child) return;
      for (const key of Object.keys(value)) {
        w.path.push(key);
        walk(child, value[key], w);
        w.path.pop();
      }
      return;
    }
    case "MODEL":
      if (!isPlainObject(value)) {
        w.report(expectedOf(port), describeValue(value));
        return;
      }
      if (value.__identifier !== undefined && typeof value.__identifier !== "string") {
        w.report("the model's identifier (a string), or no such key", describeValue(value.__identifier), "__identifier");
      }
      walkFields(port.children ?? [], value, w, `a field of the model ${JSON.stringify(port.identifier ?? port.key)}`, true, true, true);
      return;
    case "UNION": {
      if (!isPlainObject(value)) {
        w.report(expectedOf(port), describeValue(value));
        return;
      }
      const children = port.children ?? [];
      for (const key of Object.keys(value)) {
        if (key !== "__use" && key !== "__value") w.report('only the keys "__use" and "__value"', `the key ${JSON.stringify(key)}`, key);
      }
      const use = value.__use;
      if (!Number.isSafeInteger(use) || (use as number) < 0 || (use as number) >= children.length) {
        const range = children.length > 0 ? `0..${children.length - 1}` : "(the union has no members)";
        w.report(`a JSON integer ${range}, the index of the union's member`, describeValue(use), "__use");
        return;
      }
      w.path.push("__value");
      walk(children[use as number]!, value.__value, w);
      w.path.pop();
      return;
    }
    case "STRUCTURE": {
      if (!isPlainObject(value)) {
        w.report(expectedOf(port), describeValue(value));
        return;
      }
      for (const key of Object.keys(value)) {
        if (key !== "__identifier" && key !== "object") w.report('only the keys "__identifier" and "object"', `the key ${JSON.stringify(key)}`, key);
      }
      const identifier = value.__identifier;
      if (port.identifier ? identifier !== port.identifier : typeof identifier !== "string") {
        w.report(port.identifier ? JSON.stringify(port.identifier) : "the structure's identifier (a string)", describeValue(identifier), "__identifier");
      }
      if (typeof value.object !== "string") w.report("a reference (a string)", describeValue(value.object), "object");
      return;
    }
    case "MEMORY_STRUCTURE":
      if (typeof value !== "string" && !(isPlainObject(value) && typeof value.object === "string")) w.report(expectedOf(port), describeValue(value));
      return;
    default:
      // INTERFACE and kinds this version does not know: any JSON value.
      return;
  }
}

function checkChoice(port: Port, value: unknown, w: Walk): void {
  const choices = port.choices!;
  for (let i = 0; i < choices.length; i++) if (choices[i]!.value === value) return;
  w.report(`one of ${quoteAll(choices.map((c) => c.value))}`, describeValue(value));
}

/** Checks an object keyed by port key (args, returns, a model's fields). */
function walkFields(
  ports: readonly Port[],
  object: Record<string, unknown>,
  w: Walk,
  subject: string,
  refuseUnknown: boolean,
  refuseMissing: boolean,
  isModel = false,
): void {
  if (refuseUnknown) {
    for (const key in object) {
      if (!hasOwn(object, key) || (isModel && key === "__identifier")) continue;
      let known = false;
      for (let i = 0; i < ports.length; i++) {
        if (ports[i]!.key === key) {
          known = true;
          break;
        }
      }
      if (!known) {
        const list = ports.length > 0 ? `${subject} (${ports.map((p) => p.key).join(", ")})` : `no key (there are no ports)`;
        w.report(list, `the unknown key ${JSON.stringify(key)}`, key);
      }
    }
  }
  for (let i = 0; i < ports.length; i++) {
    const port = ports[i]!;
    // Own keys only: a port named "constructor" must not read Object.prototype's.
    const value = hasOwn(object, port.key) ? object[port.key] : undefined;
    if (value === undefined) {
      if (!refuseMissing) continue;
      if (!port.nullable && !hasDefault(port)) {
        w.report(`${expectedOf(port)} (the port is not nullable and has no default)`, "nothing (the key is missing)", port.key);
      }
      continue;
    }
    if (quickFits(port, value)) continue;
    w.path.push(port.key);
    walk(port, value, w, object);
    w.path.pop();
  }
}

/** True when a value certainly fits a scalar port without choices (the common case, judged without the walk). */
function quickFits(port: Port, value: unknown): boolean {
  if ((port.choices && port.choices.length > 0) || hasHints(port)) return false;
  switch (port.kind) {
    case "INT":
      return Number.isSafeInteger(value);
    case "FLOAT":
      return typeof value === "number" && value - value === 0;
    case "STRING":
      return typeof value === "string";
    case "BOOL":
      return typeof value === "boolean";
    default:
      return false;
  }
}

// ------------------------------------------------------------------------------------------------ entry points

/**
 * Checks one wire value against one port; the problems' paths start at `path` (default: the port's
 * key). `siblings` (the other ports' values) let validators that compare ports run.
 */
export function checkValue(
  port: Port,
  value: unknown,
  options: CheckOptions & { path?: string; siblings?: Readonly<Record<string, unknown>> } = {},
): ValueCheck {
  const w = new Walk(options.maxProblems ?? DEFAULT_MAX_PROBLEMS);
  const path = options.path ?? port.key;
  if (path) w.path.push(path);
  walk(port, value, w, options.siblings);
  return w.result();
}

/**
 * Checks an object keyed by port key (`ASSIGN.args`, `YIELD.returns`) against its ports: every
 * port's value, missing non-nullable ports, and keys that are no port. Something that is not an
 * object is one problem at the path `(args)`.
 */
export function checkPorts(ports: readonly Port[], object: unknown, options: CheckOptions = {}): ValueCheck {
  const w = new Walk(options.maxProblems ?? DEFAULT_MAX_PROBLEMS);
  if (!isPlainObject(object)) {
    w.report("an object keyed by port key", describeValue(object), "(args)");
    return w.result();
  }
  walkFields(
    ports,
    object,
    w,
    options.subject ?? "a port of this action",
    options.unknownKeys !== "ignore",
    options.missing !== "allow",
  );
  return w.result();
}

/** `checkPorts` for an action's args: what the server checks at assign and the agent at ASSIGN. */
export function checkArgs(ports: readonly Port[], args: unknown, options: CheckOptions = {}): ValueCheck {
  return checkPorts(ports, args, options);
}

/**
 * A problem without its path, as a form shows it at the field: the validator's message (`must be
 * a number at least 0, got the number -1`), else `expected …, got …`.
 */
export function problemMessage(problem: ValueProblem): string {
  return problem.message !== undefined ? `${problem.message}, got ${problem.got}` : `expected ${problem.expected}, got ${problem.got}`;
}

/** One problem in words: `port "a.b": expected …, got …`. */
export function formatProblem(problem: ValueProblem): string {
  return `port "${problem.path}": ${problemMessage(problem)}`;
}

/** Every problem of a check in words, `; `-separated, with the count of those left out. */
export function formatProblems(check: ValueCheck): string {
  const text = check.problems.map(formatProblem).join("; ");
  return check.omitted > 0 ? `${text}; and ${check.omitted} more` : text;
}

// ------------------------------------------------------------------------------------------------ defaults

const defaultsBelow = new WeakMap<Port, boolean>();

/** Whether a port's children (at any depth) have defaults: only then does `withDefaults` walk into it. */
function hasDefaultsBelow(port: Port): boolean {
  let known = defaultsBelow.get(port);
  if (known === undefined) {
    known = false;
    for (const child of port.children ?? []) {
      if (hasDefault(child) || hasDefaultsBelow(child)) {
        known = true;
        break;
      }
    }
    defaultsBelow.set(port, known);
  }
  return known;
}

function defaulted(port: Port, value: unknown): unknown {
  if (value === null || value === undefined) return hasDefault(port) ? port.default : null;
  if (!hasDefaultsBelow(port)) return value;
  const children = port.children ?? [];
  switch (port.kind) {
    case "LIST":
      return (value as unknown[]).map((item) => defaulted(children[0]!, item));
    case "DICT":
      return Object.fromEntries(Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, defaulted(children[0]!, v)]));
    case "MODEL": {
      const out: Record<string, unknown> = { ...(value as Record<string, unknown>) };
      for (const child of children) out[child.key] = defaulted(child, hasOwn(out, child.key) ? out[child.key] : undefined);
      return out;
    }
    case "UNION": {
      const { __use, __value } = value as { __use: number; __value: unknown };
      return { __use, __value: defaulted(children[__use]!, __value) };
    }
    default:
      return value;
  }
}

/**
 * A checked object keyed by port key with every port present: a missing or `null` value takes
 * the port's default, else `null`; defaults of nested ports (model fields, list items ...) apply
 * too. The input is not modified (it is returned as it is when there is nothing to fill).
 */
export function withDefaults(ports: readonly Port[], object: Record<string, unknown>): Record<string, JsonValue> {
  if (ports.every((port) => hasOwn(object, port.key) && object[port.key] !== null && object[port.key] !== undefined && !hasDefaultsBelow(port))) {
    return object as Record<string, JsonValue>; // nothing to fill: the checked object as it is
  }
  const out: Record<string, unknown> = {};
  for (const port of ports) out[port.key] = defaulted(port, hasOwn(object, port.key) ? object[port.key] : undefined);
  return out as Record<string, JsonValue>;
}
