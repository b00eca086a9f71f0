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
