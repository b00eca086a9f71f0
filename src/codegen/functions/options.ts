/**
 * Reading `register(fn, options)` options statically (without running the user's code) into the
 * shared `RegisterOptions` type. There is one reader per option, and the compiler checks the
 * readers against `RegisterOptions`: an option added to the type without a reader here (or a
 * reader for an option the type lacks) fails `tsc`. The readers' order is the order the
 * "known options" hint lists them in.
 */
import { ts } from "./typescript.js";
import type { EffectClass, JsonValue, TestTarget } from "../../definition/model.js";
import type { DependencyOptions, PortGroupSpec, PortOptions, RegisterOptions } from "../../definition/register-options.js";
import type { ScanContext } from "./context.js";
import { DIAGNOSTICS } from "./diagnostics.js";
import { NOT_LITERAL, isEnumMember, readLiteral, type EnumMemberValue } from "./literals.js";

/**
 * Turns an option's literal value into its `RegisterOptions` value, or calls `invalid` with what
 * the value must be ("true or false", ...).
 */
export type OptionReader<K extends keyof RegisterOptions> = (
  value: JsonValue | EnumMemberValue,
  invalid: (expected: string) => never,
) => NonNullable<RegisterOptions[K]>;

/** One reader per option of `T`, no more, no less. */
export type OptionReaders<T = RegisterOptions> = { [K in keyof T]-?: K extends keyof RegisterOptions ? OptionReader<K> : never };

const nonEmptyString = (value: JsonValue | EnumMemberValue, invalid: (expected: string) => never): string =>
  typeof value === "string" && value !== "" ? value : invalid("a non-empty string");

const flag = (value: JsonValue | EnumMemberValue, invalid: (expected: string) => never): boolean =>
  typeof value === "boolean" ? value : invalid("true or false");

export const OPTION_READERS = {
  interface: nonEmptyString,
  key: nonEmptyString,
  name: nonEmptyString,
  description: nonEmptyString,
  version: nonEmptyString,
  collections: (value, invalid) =>
    Array.isArray(value) && value.every((v) => typeof v === "string") ? (value as string[]) : invalid("an array of strings"),
  stateful: flag,
  pure: flag,
  idempotent: flag,
  effect: (value, invalid): EffectClass => (value === "NONE" || value === "PHYSICAL" ? value : invalid('"NONE" or "PHYSICAL"')),
  needsToken: flag,
  // The shape of each port's options; widgets, validators and effects are read in hints.ts, which
  // knows the ports and points at the exact place of a mistake.
  ports: (value, invalid) => {
    if (value === null || typeof value !== "object" || Array.isArray(value)) return invalid("an object keyed by port key");
    const ports: Record<string, PortOptions> = {};
    const shape = "{ label?: string, description?: string, widget?, validators?: [...], effects?: [...] }";
    for (const [portKey, spec] of Object.entries(value as Record<string, JsonValue>)) {
      if (spec === null || typeof spec !== "object" || Array.isArray(spec)) invalid(`${shape} for port "${portKey}"`);
      const s = spec as Record<string, JsonValue>;
      for (const [k, v] of Object.entries(s)) {
        const ok =
          ((k === "label" || k === "description") && typeof v === "string") ||
          (k === "widget" && v !== null && typeof v === "object" && !Array.isArray(v)) ||
          ((k === "validators" || k === "effects") && Array.isArray(v));
        if (!ok) invalid(`${shape} for port "${portKey}" (check "${k}")`);
      }
      ports[portKey] = s as PortOptions;
    }
    return ports;
  },
  portGroups: (value, invalid) =>
    Array.isArray(value) ? (value as unknown as PortGroupSpec[]) : invalid('an array of { key, title?, description?, ports: ["arg", ...] }'),
  // --- issue 16: locks and per-function concurrency (H2) ---
  locks: (value, invalid) => {
    const expected = 'an array of distinct lock names (non-empty strings, e.g. ["camera"])';
    if (!Array.isArray(value) || !value.every((v) => typeof v === "string" && v.trim() !== "")) return invalid(expected);
    const locks = value as string[];
    return new Set(locks).size === locks.length ? locks : invalid(`${expected}; one is named twice`);
  },
  concurrency: (value, invalid) =>
    typeof value === "number" && Number.isInteger(value) && value >= 1 ? value : invalid("a whole number >= 1 (tasks of this function running at once)"),
  // issue 16 (H3): checked in detail, at their exact place, by checkNestedOptions (dependencies.ts)
  dependencies: (value, invalid) =>
    value !== null && typeof value === "object" && !Array.isArray(value) && !isEnumMember(value)
      ? (value as unknown as Record<string, DependencyOptions>)
      : invalid("an object keyed by dependency key"),
  isTestFor: (value, invalid) => (Array.isArray(value) ? (value as unknown as TestTarget[]) : invalid("an array of { app?, key?, version?, hash? }")),
  isDev: flag,
} satisfies OptionReaders;

const KNOWN_OPTIONS = Object.keys(OPTION_READERS) as Array<keyof RegisterOptions>;

function isOption(key: string): key is keyof RegisterOptions {
  return Object.prototype.hasOwnProperty.call(OPTION_READERS, key);
}

/** The options of a `register()` call (its second argument), read statically. */
export function readOptions(ctx: ScanContext, arg: ts.Expression | undefined): RegisterOptions {
  if (!arg) return {};
  if (!ts.isObjectLiteralExpression(arg)) return ctx.report(arg, DIAGNOSTICS.optionsNotObject);
  const out: RegisterOptions = {};
  for (const prop of arg.properties) {
    if (!ts.isPropertyAssignment(prop) || !(ts.isIdentifier(prop.name) || ts.isStringLiteral(prop.name))) {
      return ctx.report(prop, DIAGNOSTICS.optionNotPlain);
    }
    const key = prop.name.text;
    if (!isOption(key)) return ctx.report(prop.name, DIAGNOSTICS.unknownOption, { key, known: KNOWN_OPTIONS });
    const value = readLiteral(ctx, prop.initializer);
    if (value === NOT_LITERAL) return ctx.report(prop.initializer, DIAGNOSTICS.optionNotLiteral, { key });
    const invalid = (expected: string): never => ctx.report(prop.initializer, DIAGNOSTICS.optionValue, { key, expected });
    setOption(out, key, value, invalid);
  }
  return out;
}

function setOption<K extends keyof RegisterOptions>(
  out: RegisterOptions,
  key: K,
  value: JsonValue | EnumMemberValue,
  invalid: (expected: string) => never,
): void {
  const read = (OPTION_READERS as OptionReaders)[key] as OptionReader<K>;
  out[key] = read(value, invalid);
}

/** Port overrides must name ports of the function `fn`: its parameter names and return keys (`known`). */
export function checkPortOverrides(
  ctx: ScanContext,
  at: ts.Node,
  ports: { overrides: Record<string, PortOptions>; known: ReadonlySet<string>; fn: string },
): void {
  const names = Object.keys(ports.overrides).filter((key) => !ports.known.has(key));
  if (names.length > 0) ctx.report(at, DIAGNOSTICS.unknownPorts, { names, fn: ports.fn, known: [...ports.known] });
}

/** Flags that contradict each other. */
export function checkFlags(ctx: ScanContext, at: ts.Node, flags: { pure: boolean; stateful: boolean; effect: EffectClass }): void {
  if (flags.pure && flags.stateful) ctx.report(at, DIAGNOSTICS.pureAndStateful);
  if (flags.pure && flags.effect === "PHYSICAL") ctx.report(at, DIAGNOSTICS.purePhysical);
}
