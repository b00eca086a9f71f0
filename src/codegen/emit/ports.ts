/**
 * Renderers that work from a `Port` alone (not from TypeScript types), so that they serve both the
 * registry of this app's functions and typed stubs of remote actions fetched from the platform.
 *
 * - `renderZod(port)`: zod source validating the port's WIRE value (definitions-and-values.md);
 *   expects `z` in scope.
 * - `renderTsType(port)`: a TypeScript type for the value a caller passes or receives.
 */
import type { JsonValue, Port } from "../../definition/model.js";

/** Escapes a value for TS source (JSON is valid TS for literals). */
export function literal(value: JsonValue | undefined): string {
  return JSON.stringify(value ?? null);
}

/** A property name, quoted when it is not an identifier. */
export function propertyName(key: string): string {
  return /^[A-Za-z_$][\w$]*$/.test(key) ? key : JSON.stringify(key);
}

export interface ZodOptions {
  /** A variable holding this port's base schema (without nullability), to reference instead of inlining. */
  named?: (port: Port) => string | undefined;
}

/** The zod schema source of a port's wire value, nullability and default included. */
export function renderZod(port: Port, options: ZodOptions = {}): string {
  const base = options.named?.(port) ?? renderZodBase(port, options);
  if (!port.nullable) return base;
  const fallback = port.default === undefined ? "null" : literal(port.default);
  return `${base}.nullish().transform((v) => v ?? ${fallback})`;
}

/** The schema of a port's value without its nullability. */
export function renderZodBase(port: Port, options: ZodOptions = {}): string {
  const children = port.children ?? [];
  switch (port.kind) {
    case "INT":
      return "z.int()";
    case "FLOAT":
      return "z.number()";
    case "STRING":
      return "z.string()";
    case "BOOL":
      return "z.boolean()";
    case "DATE":
      return "z.iso.datetime({ offset: true, local: true })";
    case "ENUM": {
      const values = (port.choices ?? []).map((c) => c.value);
      if (values.length > 0 && values.every((v) => typeof v === "string")) return `z.enum(${literal(values)})`;
      return `z.union([${values.map((v) => `z.literal(${literal(v)})`).join(", ")}])`;
    }
    case "LIST":
      return `z.array(${renderZod(children[0]!, options)})`;
    case "DICT":
      return `z.record(z.string(), ${renderZod(children[0]!, options)})`;
    case "MODEL":
      return `z.strictObject({ ${children
        .map((c) => `${propertyName(c.key)}: ${renderZod(c, options)}`)
        .concat("__identifier: z.string().optional()")
        .join(", ")} })`;
    case "STRUCTURE":
      return `z.strictObject({ __identifier: z.literal(${literal(port.identifier ?? "")}), object: z.union([z.string(), z.number()]) })`;
    case "UNION":
      return `z.discriminatedUnion("__use", [${children
        .map((c, i) => `z.strictObject({ __use: z.literal(${i}), __value: ${renderZod(c, options)} })`)
        .join(", ")}])`;
    default:
      // MEMORY_STRUCTURE, INTERFACE, QUANTITY: not produced by the generator; accept JSON.
      return "z.json()";
  }
}

/** The zod source of an action's whole args object (unknown keys refused). */
export function renderArgsZod(args: readonly Port[], options: ZodOptions = {}): string {
  return `z.strictObject({ ${args.map((p) => `${propertyName(p.key)}: ${renderZod(p, options)}`).join(", ")} })`;
}

export interface TsTypeOptions {
  /**
   * Names a port's type instead of the structural rendering (e.g. a structure class or an
   * imported interface); `path` is the port path from the top (`["images", "..."]`).
   */
  resolve?: (port: Port, path: readonly string[]) => string | undefined;
  /** How a STRUCTURE is typed when `resolve` does not name it. Default: `string` (the reference). */
  structure?: (port: Port) => string;
}

/** A TypeScript type for a port's value as a caller sees it (null for nullable ports). */
export function renderTsType(port: Port, options: TsTypeOptions = {}, path: readonly string[] = [port.key]): string {
  const resolved = options.resolve?.(port, path);
  const base = resolved ?? renderTsBase(port, options, path);
  return port.nullable ? `${base} | null` : base;
}

function parenthesize(type: string): string {
  return /[|&]/.test(type) && !/^[{[]/.test(type) ? `(${type})` : type;
}

function renderTsBase(port: Port, options: TsTypeOptions, path: readonly string[]): string {
  const children = port.children ?? [];
  switch (port.kind) {
    case "INT":
    case "FLOAT":
      return "number";
    case "STRING":
      return "string";
    case "BOOL":
      return "boolean";
    case "DATE":
      return "Date";
    case "ENUM":
      return (port.choices ?? []).map((c) => literal(c.value)).join(" | ") || "never";
    case "LIST":
      return `${parenthesize(renderTsType(children[0]!, options, [...path, children[0]!.key]))}[]`;
    case "DICT":
      return `Record<string, ${renderTsType(children[0]!, options, [...path, children[0]!.key])}>`;
    case "MODEL":
      return `{ ${children
        .map((c) => `${propertyName(c.key)}${c.nullable ? "?" : ""}: ${renderTsType(c, options, [...path, c.key])}`)
        .join("; ")} }`;
    case "STRUCTURE":
      return options.structure?.(port) ?? "string";
    case "UNION":
      return children.map((c, i) => parenthesize(renderTsType(c, options, [...path, String(i)]))).join(" | ");
    default:
      return "unknown";
  }
}
