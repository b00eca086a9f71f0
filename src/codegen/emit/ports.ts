/**
 * Renderers that work from a `Port` alone (not from TypeScript types), so that they serve both the
 * registry of this app's functions and typed stubs of remote actions fetched from the platform.
 *
 * - `renderTsType(port)`: a TypeScript type for the value a caller passes or receives.
 *
 * Whether a value fits its port is not rendered into generated code: the runtime interprets the
 * ports themselves with the one value rule (definition/values.ts).
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
    case "MEMORY_STRUCTURE": // issue 16: a reference to an object its agent holds
      return "MemoryRef";
    default:
      return "unknown";
  }
}
