/**
 * A stable content hash of definitions: sha256 over canonical JSON (object keys sorted, no
 * whitespace, `undefined` dropped). Used to skip `implementAgent` when nothing changed.
 */
import { createHash } from "node:crypto";

/** Canonical JSON: keys sorted at every depth, no whitespace; `undefined` members are dropped. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== "object") {
    const text = JSON.stringify(value);
    if (text === undefined) throw new TypeError(`cannot encode ${typeof value} as canonical JSON`);
    return text;
  }
  if (Array.isArray(value)) {
    return `[${value.map((item) => (item === undefined ? "null" : canonicalJson(item))).join(",")}]`;
  }
  const entries = Object.keys(value)
    .sort()
    .filter((key) => (value as Record<string, unknown>)[key] !== undefined)
    .map((key) => `${JSON.stringify(key)}:${canonicalJson((value as Record<string, unknown>)[key])}`);
  return `{${entries.join(",")}}`;
}

/** Hex sha256 of the canonical JSON of `value`. */
export function hashDefinitions(value: unknown): string {
  return createHash("sha256").update(canonicalJson(value)).digest("hex");
}

/**
 * True when `JSON.stringify(value)` is already its canonical JSON: plain JSON data (no `toJSON`,
 * functions, symbols or bigints) whose objects list their keys in sorted order at every depth.
 */
function inCanonicalOrder(value: unknown): boolean {
  if (value === null) return true;
  switch (typeof value) {
    case "string":
    case "number":
    case "boolean":
      return true;
    case "object":
      break;
    default:
      return false;
  }
  if (Array.isArray(value)) {
    for (const item of value) if (item !== undefined && !inCanonicalOrder(item)) return false;
    return true;
  }
  if (typeof (value as { toJSON?: unknown }).toJSON === "function") return false;
  let previous: string | undefined;
  for (const key in value) {
    if (!Object.hasOwn(value, key)) return false;
    const member = (value as Record<string, unknown>)[key];
    if (member === undefined) continue;
    if (previous !== undefined && !(previous < key)) return false;
    if (!inCanonicalOrder(member)) return false;
    previous = key;
  }
  return true;
}

/**
 * `hashDefinitions(value)`, given `text = JSON.stringify(value)`: when that text is already the
 * canonical JSON (keys in sorted order, as clients mostly send them) it is hashed as is, without
 * building the canonical text again (issue 18: the args hash of every assign).
 */
export function hashWithText(value: unknown, text: string): string {
  return createHash("sha256").update(inCanonicalOrder(value) ? text : canonicalJson(value)).digest("hex");
}
