/**
 * A port-aware JSON writer: the JSON text of a wire value, where a FLOAT port's whole number keeps
 * its float form (`2.0`, not `2`), also inside LIST, DICT, MODEL and UNION ports. The released
 * Python client refuses an integer where its port says float, and `JSON.stringify` cannot tell
 * `2.0` from `2` (Node 20 has no `JSON.rawJSON`). Everything else is written as `JSON.stringify`
 * would write it, in the same key order.
 *
 * The writer is not a validator: a value that does not have its port's shape (validation happens
 * elsewhere) is written as plain JSON. It recurses only as deep as the port tree; values below the
 * port tree are handed to `JSON.stringify`.
 *
 * Browser-safe and self-contained (definition/ imports nothing else of ours): the agent writes
 * YIELD returns with it, and the server can relay or write returns with the same rule.
 */
import type { Port } from "./model.js";

/** The JSON text of `value` on `port`: FLOAT numbers that are whole keep a `.0`. */
export function writeValue(port: Port, value: unknown): string {
  if (!hasFloat(port)) return plain(value);
  return write(port, value);
}

/**
 * The JSON text of a `returns` (or `args`) object keyed by port key: each value is written on its
 * port; keys without a port are written as plain JSON; `undefined` values are left out, as
 * `JSON.stringify` does.
 */
export function writeReturns(ports: readonly Port[], values: Readonly<Record<string, unknown>>): string {
  let byKey = portsByKey.get(ports);
  if (byKey === undefined) {
    byKey = ports.some(hasFloat) ? new Map(ports.map((port) => [port.key, port])) : null;
    portsByKey.set(ports, byKey);
  }
  if (byKey === null) return plain(values);
  const map = byKey;
  return writeObject(values, (key) => map.get(key));
}

/** The float text of a number: `2` -> `2.0`, `-0` -> `-0.0`; `2.5`, `1e+21` unchanged; non-finite -> `null` (as JSON.stringify). */
export function writeFloat(value: number): string {
  if (!Number.isInteger(value)) return Number.isFinite(value) ? String(value) : "null";
  if (value === 0) return Object.is(value, -0) ? "-0.0" : "0.0";
  // Whole numbers below 1e21 print without an exponent; from 1e21 on, String() writes `1e+21`, already a float text.
  return value < 1e21 && value > -1e21 ? `${value}.0` : String(value);
}

// ---------------------------------------------------------------------------------------------

/** Return ports by key, or null when no FLOAT is among them (cached per ports array). */
const portsByKey = new WeakMap<readonly Port[], Map<string, Port> | null>();

/** Whether a FLOAT is anywhere in the port's tree (cached per port object). */
const floatInside = new WeakMap<Port, boolean>();

function hasFloat(port: Port): boolean {
  let known = floatInside.get(port);
  if (known === undefined) {
    known = port.kind === "FLOAT" || (port.children ?? []).some(hasFloat);
    floatInside.set(port, known);
  }
  return known;
}

const childrenByKey = new WeakMap<Port, Map<string, Port>>();

function modelChild(port: Port, key: string): Port | undefined {
  let map = childrenByKey.get(port);
  if (!map) {
    map = new Map((port.children ?? []).map((child) => [child.key, child]));
    childrenByKey.set(port, map);
  }
  return map.get(key);
}

function plain(value: unknown): string {
  return JSON.stringify(value) ?? "null";
}

function write(port: Port | undefined, value: unknown): string {
  if (port === undefined || !hasFloat(port)) return plain(value);
  if (value === null || value === undefined) return "null";
  if (typeof value === "object" && typeof (value as { toJSON?: unknown }).toJSON === "function") {
    value = (value as { toJSON(): unknown }).toJSON();
  }
  switch (port.kind) {
    case "FLOAT":
      return typeof value === "number" ? writeFloat(value) : plain(value);
    case "LIST": {
      if (!Array.isArray(value)) return plain(value);
      const child = port.children?.[0];
      if (child?.kind === "FLOAT") return writeFloatList(value);
      return `[${value.map((item: unknown) => write(child, item ?? null)).join(",")}]`;
    }
    case "DICT": {
      if (!isPlainObject(value)) return plain(value);
      const child = port.children?.[0];
      return writeObject(value, () => child);
    }
    case "MODEL":
      return isPlainObject(value) ? writeObject(value, (key) => modelChild(port, key)) : plain(value);
    case "UNION": {
      if (!isPlainObject(value)) return plain(value);
      const use = value.__use;
      const chosen = typeof use === "number" && Number.isInteger(use) ? port.children?.[use] : undefined;
      return writeObject(value, (key) => (key === "__value" ? chosen : undefined));
    }
    default:
      return plain(value);
  }
}

/**
 * The common heavy case, a long list of floats: written by JSON.stringify (native, fast) when no
 * element is a whole number, else element by element.
 */
function writeFloatList(value: readonly unknown[]): string {
  let whole = false;
  for (const item of value) {
    if (typeof item === "number") {
      if (Number.isInteger(item)) whole = true;
    } else if (item !== null && item !== undefined) {
      whole = true; // not a plain list of numbers: the element-wise path handles anything
      break;
    }
  }
  if (!whole) return JSON.stringify(value);
  const parts = new Array<string>(value.length);
  for (let i = 0; i < value.length; i++) {
    const item: unknown = value[i];
    parts[i] = typeof item === "number" ? writeFloat(item) : plain(item ?? null);
  }
  return `[${parts.join(",")}]`;
}

function writeObject(value: Readonly<Record<string, unknown>>, portOf: (key: string) => Port | undefined): string {
  let out = "{";
  let first = true;
  for (const key of Object.keys(value)) {
    const item = value[key];
    if (item === undefined || typeof item === "function" || typeof item === "symbol") continue;
    out += `${first ? "" : ","}${JSON.stringify(key)}:${write(portOf(key), item)}`;
    first = false;
  }
  return `${out}}`;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
