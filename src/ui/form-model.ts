/**
 * The form's state and its translation to wire values (docs/spec/definitions-and-values.md):
 * a `Draft` per port holds what the user typed (numbers as text, so "1." can be typed), and
 * `toWire` turns it into the value `assign` sends; `fromWire` fills a form from a value (a port's
 * default, or a past task's args for a re-run). Checking is the one value rule's (`checkArgs`).
 */
import { checkArgs, formatProblem, readDate } from "../definition/values.js";
import type { Choice, JsonValue, Port, Widget } from "../definition/model.js";

/** A choice and a widget as the platform serves them: the definition model's own shapes. */
export type FormChoice = Choice;
export type FormWidget = Widget;

export interface FormValidator {
  function: string;
  dependencies?: string[] | null;
  label?: string | null;
  errorMessage?: string | null;
}

export interface FormEffect {
  kind: string;
  function: string;
  dependencies?: string[] | null;
}

/** A port as the form reads it (the `UiArgPort` fragment, any depth). */
export interface FormPort {
  key: string;
  kind: string;
  label?: string | null;
  description?: string | null;
  identifier?: string | null;
  nullable: boolean;
  default?: unknown;
  choices?: FormChoice[] | null;
  children?: FormPort[] | null;
  widget?: FormWidget | null;
  validators?: FormValidator[] | null;
  effects?: FormEffect[] | null;
}

export type Draft =
  | { t: "null"; was: Draft | null }
  /** `keepEmpty`: an empty string that came from a wire value (a default, a past task's args), sent as `""`. */
  | { t: "text"; text: string; keepEmpty?: boolean }
  | { t: "bool"; value: boolean }
  | { t: "list"; items: Draft[] }
  | { t: "dict"; rows: Array<{ key: string; value: Draft }> }
  | { t: "model"; fields: Record<string, Draft> }
  | { t: "union"; use: number; value: Draft }
  /**
   * A File port (STRUCTURE `@arkitekt/file`): `id` is the media store id ("" before a file is
   * picked); `name` and `size` of the picked file; `uploading` while its bytes travel; `error`
   * when the upload failed.
   */
  | { t: "file"; id: string; name?: string; size?: number; uploading?: boolean; error?: string };

/** The identifier of the built-in File structure (the runtime's `File.identifier`). */
export const FILE_IDENTIFIER = "@arkitekt/file";

/** Whether a port takes a File: the form draws a file picker for it. */
export function isFilePort(port: Pick<FormPort, "kind" | "identifier">): boolean {
  return port.kind === "STRUCTURE" && port.identifier === FILE_IDENTIFIER;
}

const TEXT_KINDS = new Set(["INT", "FLOAT", "QUANTITY", "STRING", "DATE", "ENUM", "STRUCTURE", "MEMORY_STRUCTURE"]);

/** An empty draft of a port (no default applied). */
export function emptyDraft(port: FormPort): Draft {
  if (isFilePort(port)) return { t: "file", id: "" };
  switch (port.kind) {
    case "BOOL":
      return { t: "bool", value: false };
    case "LIST":
      return { t: "list", items: [] };
    case "DICT":
      return { t: "dict", rows: [] };
    case "MODEL":
      return { t: "model", fields: Object.fromEntries((port.children ?? []).map((c) => [c.key, initialDraft(c)])) };
    case "UNION": {
      const first = port.children?.[0];
      return { t: "union", use: 0, value: first ? initialDraft(first) : { t: "text", text: "" } };
    }
    case "INT":
    case "FLOAT":
    case "QUANTITY":
      // a slider always shows a value, so that value is the one sent: it starts at its min
      if (port.widget?.kind === "SLIDER") return { t: "text", text: String(port.widget.min ?? 0) };
      return { t: "text", text: "" };
    default:
      return { t: "text", text: "" };
  }
}

/** A port's first draft: its default when it has one, else empty. */
export function initialDraft(port: FormPort): Draft {
  if (port.default !== undefined && port.default !== null) return fromWire(port, port.default);
  return emptyDraft(port);
}

const pad = (n: number, width = 2): string => String(n).padStart(width, "0");

/** A wire DATE as the value of a `datetime-local` input, in the browser's time zone. */
export function dateToLocalInput(wire: string): string {
  const date = readDate(wire);
  if (!date) return wire;
  const ms = date.getMilliseconds();
  const seconds = date.getSeconds() !== 0 || ms !== 0 ? `:${pad(date.getSeconds())}${ms !== 0 ? `.${pad(ms, 3)}` : ""}` : "";
  return `${pad(date.getFullYear(), 4)}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(date.getHours())}:${pad(date.getMinutes())}${seconds}`;
}

/** A `datetime-local` value (local time) as a wire DATE in UTC (`...Z`); unparsable text stays as typed. */
export function localInputToDate(text: string): string {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?$/.exec(text);
  if (!m) return text;
  const date = new Date(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6] ?? 0), Number((m[7] ?? "0").slice(0, 3).padEnd(3, "0")));
  return Number.isNaN(date.getTime()) ? text : date.toISOString();
}

/** Fills a draft from a wire value (a default, or a past task's args). */
export function fromWire(port: FormPort, value: unknown): Draft {
  if (value === null || value === undefined) return port.nullable ? { t: "null", was: emptyDraft(port) } : emptyDraft(port);
  switch (port.kind) {
    case "BOOL":
      return { t: "bool", value: value === true };
    case "DATE":
      return { t: "text", text: typeof value === "string" ? dateToLocalInput(value) : String(value) };
    case "STRUCTURE":
      if (isFilePort(port)) return { t: "file", id: value && typeof value === "object" && "object" in value ? String((value as { object: unknown }).object) : String(value) };
      return { t: "text", text: value && typeof value === "object" && "object" in value ? String((value as { object: unknown }).object) : String(value) };
    case "ENUM":
      return { t: "text", text: typeof value === "string" ? value : JSON.stringify(value) };
    case "LIST": {
      const child = port.children?.[0];
      return { t: "list", items: Array.isArray(value) && child ? value.map((v) => fromWire(child, v)) : [] };
    }
    case "DICT": {
      const child = port.children?.[0];
      const entries = value && typeof value === "object" && !Array.isArray(value) ? Object.entries(value) : [];
      return { t: "dict", rows: child ? entries.map(([key, v]) => ({ key, value: fromWire(child, v) })) : [] };
    }
    case "MODEL": {
      const object = value && typeof value === "object" && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
      return { t: "model", fields: Object.fromEntries((port.children ?? []).map((c) => [c.key, c.key in object ? fromWire(c, object[c.key]) : initialDraft(c)])) };
    }
    case "UNION": {
      const wrapped = value as { __use?: unknown; __value?: unknown };
      const use = typeof wrapped?.__use === "number" ? wrapped.__use : 0;
      const child = port.children?.[use];
      return { t: "union", use, value: child ? fromWire(child, wrapped.__value) : { t: "text", text: "" } };
    }
    default:
      if (value === "") return { t: "text", text: "", keepEmpty: true };
      return { t: "text", text: typeof value === "string" ? value : JSON.stringify(value) };
  }
}

function numberFrom(text: string): JsonValue {
  const trimmed = text.trim();
  const n = Number(trimmed);
  // what cannot be read as a number stays text, so the value rule names the field and what came
  return trimmed !== "" && Number.isFinite(n) ? n : trimmed;
}

/**
 * The wire value of a draft; `undefined` leaves the key out (an empty field: the port's default,
 * if any, applies on the agent, and the value rule refuses a required one). An empty text field
 * is empty for every kind, STRING too: `""` is sent only when it came from a wire value
 * (`keepEmpty`: a default of `""`, or a past task's `""` filled in again).
 */
export function toWire(port: FormPort, draft: Draft): JsonValue | undefined {
  if (draft.t === "null") return null;
  switch (port.kind) {
    case "BOOL":
      return draft.t === "bool" ? draft.value : undefined;
    case "INT":
    case "FLOAT":
    case "QUANTITY":
      if (draft.t !== "text" || draft.text.trim() === "") return undefined;
      return numberFrom(draft.text);
    case "DATE":
      if (draft.t !== "text" || draft.text.trim() === "") return undefined;
      return localInputToDate(draft.text.trim());
    case "STRUCTURE":
      if (draft.t === "file") return draft.id === "" ? undefined : { __identifier: port.identifier ?? "", object: draft.id };
      if (draft.t !== "text" || draft.text.trim() === "") return undefined;
      return { __identifier: port.identifier ?? "", object: draft.text.trim() };
    case "ENUM":
      if (draft.t !== "text" || draft.text === "") return undefined;
      return (port.choices ?? []).find((c) => String(c.value) === draft.text)?.value as JsonValue ?? draft.text;
    case "LIST": {
      const child = port.children?.[0];
      if (draft.t !== "list" || !child) return undefined;
      return draft.items.map((item) => toWire(child, item) ?? null);
    }
    case "DICT": {
      const child = port.children?.[0];
      if (draft.t !== "dict" || !child) return undefined;
      // no prototype and defined, not assigned: a key "__proto__" stays a key (duplicate keys are
      // refused at their row by formProblems before anything is sent; the last one would win)
      const out = Object.create(null) as Record<string, JsonValue>;
      for (const row of draft.rows) Object.defineProperty(out, row.key, { value: toWire(child, row.value) ?? null, enumerable: true, writable: true, configurable: true });
      return out;
    }
    case "MODEL": {
      if (draft.t !== "model") return undefined;
      const out: Record<string, JsonValue> = {};
      for (const child of port.children ?? []) {
        const value = toWire(child, draft.fields[child.key] ?? initialDraft(child));
        if (value !== undefined) out[child.key] = value;
      }
      return out;
    }
    case "UNION": {
      if (draft.t !== "union") return undefined;
      const child = port.children?.[draft.use];
      if (!child) return undefined;
      const value = toWire(child, draft.value);
      return value === undefined ? undefined : { __use: draft.use, __value: value };
    }
    default:
      if (draft.t !== "text") return undefined;
      if (draft.text === "" && !draft.keepEmpty) return undefined;
      if (!TEXT_KINDS.has(port.kind)) {
        try {
          return JSON.parse(draft.text) as JsonValue;
        } catch {
          return draft.text;
        }
      }
      return draft.text;
  }
}

/** The args object of a form: one key per port that has a value. */
export function argsOf(ports: readonly FormPort[], drafts: Readonly<Record<string, Draft>>): Record<string, JsonValue> {
  const args: Record<string, JsonValue> = {};
  for (const port of ports) {
    const value = toWire(port, drafts[port.key] ?? initialDraft(port));
    if (value !== undefined) args[port.key] = value;
  }
  return args;
}

/** A path segment appended as the value rule writes paths: `a`, `a[2]`, `a.b`. */
export function childPath(path: string, segment: string | number): string {
  if (typeof segment === "number") return `${path}[${segment}]`;
  return path ? `${path}.${segment}` : segment;
}

/** Problems of the widget's bounds (a slider's min and max), which the form checks itself. */
export function widgetProblem(port: FormPort, value: unknown): string | null {
  const w = port.widget;
  if (!w || w.kind !== "SLIDER" || typeof value !== "number") return null;
  if (typeof w.min === "number" && value < w.min) return `at least ${w.min}`;
  if (typeof w.max === "number" && value > w.max) return `at most ${w.max}`;
  return null;
}

/** Where a dict row's key problems are shown: a path the value rule never writes (`scores[key 2]`). */
export function dictKeyPath(path: string, row: number): string {
  return `${path}[key ${row + 1}]`;
}

/** The path of a dict row's value field: its key, or `#<row>` while the key is empty. */
export function dictValuePath(path: string, key: string, row: number): string {
  return childPath(path, key || `#${row}`);
}

/**
 * Every problem of a form, by path: the value rule's (`checkArgs`), the widget's bounds (a slider's
 * min and max), and a dict's keys (empty, or used by two rows: shown at the row's key).
 */
export function formProblems(ports: readonly FormPort[], drafts: Readonly<Record<string, Draft>>): Map<string, string[]> {
  const args = argsOf(ports, drafts);
  const problems = new Map<string, string[]>();
  const add = (path: string, message: string) => problems.set(path, [...(problems.get(path) ?? []), message]);
  const check = checkArgs(ports as unknown as Port[], args);
  for (const p of check.problems) add(p.path, formatProblem(p).replace(/^[^:]*:\s*/, ""));
  const walk = (port: FormPort, draft: Draft | undefined, path: string): void => {
    if (!draft) return;
    if (draft.t === "file" && (draft.uploading || draft.error)) {
      // said instead of "missing": the value comes when the upload ends
      problems.set(path, [draft.uploading ? "the file is still uploading: wait for it to finish" : `the upload failed: ${draft.error}; pick the file again`]);
      return;
    }
    const bound = widgetProblem(port, toWire(port, draft));
    // the value rule checks widget bounds itself where it knows form hints: say it once
    if (bound && !problems.has(path)) add(path, `expected a number ${bound}`);
    const child = port.children?.[0];
    if (draft.t === "model") for (const c of port.children ?? []) walk(c, draft.fields[c.key], childPath(path, c.key));
    if (draft.t === "list" && child) draft.items.forEach((d, i) => walk(child, d, childPath(path, i)));
    if (draft.t === "union" && port.children?.[draft.use]) walk(port.children[draft.use]!, draft.value, childPath(path, "__value"));
    if (draft.t === "dict" && child) {
      draft.rows.forEach((row, i) => {
        if (row.key === "") add(dictKeyPath(path, i), "a key is needed: type one, or remove this entry");
        else {
          const first = draft.rows.findIndex((r) => r.key === row.key);
          if (first !== i) add(dictKeyPath(path, i), `the key "${row.key}" is already used by entry ${first + 1}: keys must differ`);
        }
        walk(child, row.value, dictValuePath(path, row.key, i));
      });
    }
  };
  for (const port of ports) walk(port, drafts[port.key], port.key);
  return problems;
}

/** The port a path starts in, and the ports along it (models, lists, unions; a dict's value); null when no port matches. */
function portsAlong(ports: readonly FormPort[], path: string): FormPort[] | null {
  const top = ports.find((p) => path === p.key || path.startsWith(`${p.key}.`) || path.startsWith(`${p.key}[`));
  if (!top) return null;
  const trail = [top];
  let port = top;
  let rest = path.slice(top.key.length);
  while (rest) {
    const index = /^\[(\d+)\]/.exec(rest);
    if (index && port.kind === "LIST" && port.children?.[0]) {
      port = port.children[0];
      rest = rest.slice(index[0].length);
    } else if (rest.startsWith(".") && port.kind === "MODEL") {
      const name = /^\.([^.[]+)/.exec(rest)?.[1] ?? "";
      const next = port.children?.find((c) => c.key === name);
      if (!next) break;
      port = next;
      rest = rest.slice(name.length + 1);
    } else if (rest.startsWith(".__value") && port.kind === "UNION") {
      break; // the variant is the draft's, not the path's: the union's own effects are what count
    } else if (port.kind === "DICT" && port.children?.[0] && rest.startsWith(".")) {
      port = port.children[0];
      trail.push(port);
      break; // a key may hold dots: stop at the value port
    } else break;
    trail.push(port);
  }
  return trail;
}

/**
 * Problems the form cannot show at a field, as lines for under the form: a path that matches no
 * port (e.g. an unknown key), and a port hidden by an effect (its field is not drawn), named by
 * its label so the user can act (`Gamma (hidden by another field): ...`).
 */
export function problemsOutsideFields(ports: readonly FormPort[], problems: ReadonlyMap<string, readonly string[]>, args: Readonly<Record<string, unknown>>): Array<{ path: string; text: string }> {
  const out: Array<{ path: string; text: string }> = [];
  for (const [path, list] of problems) {
    if (list.length === 0) continue;
    const trail = portsAlong(ports, path);
    if (!trail) {
      out.push({ path, text: `${path}: ${list.join("; ")}` });
      continue;
    }
    const hidden = trail.find((p) => hiddenBy(p, args));
    if (hidden) {
      const name = hidden.label || hidden.key;
      const where = path !== hidden.key ? ` at ${path}` : "";
      out.push({ path, text: `${name} (hidden by another field${where}): ${list.join("; ")}` });
    }
  }
  return out;
}

// ------------------------------------------------------------------------------------------------ effects

/**
 * An effect's condition, read without running it: only declarative shapes are understood, and
 * anything else is shown, never evaluated (the page's Content-Security-Policy forbids eval anyway).
 * The shapes: the ones `register()`'s form hints render (`(v, d0) => d0 === <JSON>`,
 * `(v, d0) => [<JSON>, ...].includes(d0)`, either wrapped in `!( )`), and simple comparisons of
 * a dependency by position (`v[0]`, `d0`) or a port by key (`values.flag`) with `===`, `!==`, `<`,
 * `<=`, `>`, `>=`, or its truthiness (`v[0]`, `!v[0]`).
 */
export interface EffectCondition {
  /** The dependency it reads: by position in `dependencies` (`v[0]`, `d0`), or by port key (`values.flag`). */
  index: number | string;
  op: "===" | "!==" | "<" | "<=" | ">" | ">=" | "truthy" | "falsy" | "in" | "not in";
  literal?: unknown;
}

// `v[0]`, `d0`, `values.flag`, `values["flag"]`: a dependency by index, or a port by key
const OPERAND = String.raw`(?:d(\d+)|[A-Za-z_$][\w$]*\[(\d+)\]|[A-Za-z_$][\w$]*\.([A-Za-z_$][\w$]*)|[A-Za-z_$][\w$]*\[["']([^"']+)["']\])`;
const OPERAND_GROUPS = 4;

function operandOf(match: ArrayLike<string | undefined>, at: number): number | string {
  if (match[at] !== undefined) return Number(match[at]);
  if (match[at + 1] !== undefined) return Number(match[at + 1]);
  return match[at + 2] ?? match[at + 3] ?? "";
}

function parseLiteral(text: string): { value: unknown } | null {
  try {
    return { value: JSON.parse(text.trim().replace(/^'(.*)'$/, '"$1"')) as unknown };
  } catch {
    return null;
  }
}

const NEGATED: Record<string, EffectCondition["op"]> = { "===": "!==", "!==": "===", truthy: "falsy", falsy: "truthy", in: "not in", "not in": "in" };

export function readEffectCondition(source: string): EffectCondition | null {
  let body = source.trim().replace(/^\(?\s*[A-Za-z_$][\w$]*\s*(?:,\s*[A-Za-z_$][\w$]*\s*)*\)?\s*=>\s*/, "").replace(/;$/, "").trim();
  let negate = false;
  const wrapped = /^!\((.*)\)$/.exec(body);
  if (wrapped) {
    negate = true;
    body = wrapped[1]!.trim();
  }
  if (body.startsWith("(") && body.endsWith(")")) body = body.slice(1, -1).trim();
  const read = ((): EffectCondition | null => {
    const includes = new RegExp(`^(\\[.*\\])\\.includes\\(${OPERAND}\\)$`).exec(body);
    if (includes) {
      const list = parseLiteral(includes[1]!);
      return list && Array.isArray(list.value) ? { index: operandOf(includes, 2), op: "in", literal: list.value } : null;
    }
    const compare = new RegExp(`^${OPERAND}\\s*(===|!==|==|!=|<=|>=|<|>)\\s*(.+)$`).exec(body);
    if (compare) {
      const literal = parseLiteral(compare[OPERAND_GROUPS + 2]!);
      if (!literal) return null;
      const raw = compare[OPERAND_GROUPS + 1]!;
      const op = raw === "==" ? "===" : raw === "!=" ? "!==" : (raw as EffectCondition["op"]);
      return { index: operandOf(compare, 1), op, literal: literal.value };
    }
    const truthy = new RegExp(`^(!?)\\s*(?:Boolean\\()?${OPERAND}\\)?$`).exec(body);
    if (truthy) return { index: operandOf(truthy, 2), op: truthy[1] ? "falsy" : "truthy" };
    return null;
  })();
  if (!read || !negate) return read;
  const flipped = NEGATED[read.op];
  return flipped ? { ...read, op: flipped } : null;
}

export function conditionHolds(condition: EffectCondition, values: readonly unknown[], byKey: Readonly<Record<string, unknown>> = {}): boolean {
  const v = typeof condition.index === "number" ? values[condition.index] : byKey[condition.index];
  const same = (a: unknown, b: unknown) => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);
  switch (condition.op) {
    case "truthy":
      return Boolean(v);
    case "falsy":
      return !v;
    case "===":
      return same(v, condition.literal);
    case "!==":
      return !same(v, condition.literal);
    case "in":
      return Array.isArray(condition.literal) && condition.literal.some((x) => same(v, x));
    case "not in":
      return !(Array.isArray(condition.literal) && condition.literal.some((x) => same(v, x)));
    default: {
      if (typeof v !== "number" || typeof condition.literal !== "number") return false;
      const l = condition.literal;
      return condition.op === "<" ? v < l : condition.op === "<=" ? v <= l : condition.op === ">" ? v > l : v >= l;
    }
  }
}

/**
 * Whether a port is hidden by its HIDE effects, given the form's args (dependencies name ports by
 * key; `a..b` walks into a model). An effect the form cannot read never hides.
 */
export function hiddenBy(port: FormPort, args: Readonly<Record<string, unknown>>): boolean {
  for (const effect of port.effects ?? []) {
    if (effect.kind !== "HIDE") continue;
    const condition = readEffectCondition(effect.function);
    if (!condition) continue;
    const values = (effect.dependencies ?? []).map((dep) =>
      dep.split("..").reduce<unknown>((value, key) => (value && typeof value === "object" ? (value as Record<string, unknown>)[key] : undefined), args),
    );
    if (conditionHolds(condition, values, args)) return true;
  }
  return false;
}
