/**
 * RFC 6902 JSON Patch (one operation at a time) over RFC 6901 pointers, as the agents send them
 * (rekuest-next applies the same operation to its own copy with `jsonpatch`). Pure: the input is
 * never changed; the answer is the new document or the reason the operation does not apply.
 */
import { isDeepStrictEqual } from "node:util";

export type JsonPatchOp = "add" | "remove" | "replace" | "move" | "copy" | "test";
export const JSON_PATCH_OPS: readonly JsonPatchOp[] = ["add", "remove", "replace", "move", "copy", "test"];

export interface JsonPatchOperation {
  op: string;
  path: string;
  value?: unknown;
  /** `move` and `copy`: the pointer to take the value from. */
  from?: string;
}

export type PatchResult = { ok: true; value: unknown } | { ok: false; error: string };

/** The reference tokens of a pointer ("" is the whole document), or null when it is no pointer. */
export function parsePointer(pointer: string): string[] | null {
  if (pointer === "") return [];
  if (!pointer.startsWith("/")) return null;
  return pointer
    .slice(1)
    .split("/")
    .map((token) => token.replace(/~1/g, "/").replace(/~0/g, "~"));
}

const clone = (value: unknown): unknown => (value === undefined ? undefined : structuredClone(value));
const isContainer = (value: unknown): value is Record<string, unknown> | unknown[] => typeof value === "object" && value !== null;
const isRecord = (value: unknown): value is Record<string, unknown> => isContainer(value) && !Array.isArray(value);

function arrayIndex(token: string, length: number, allowEnd: boolean): number | null {
  if (allowEnd && token === "-") return length;
  if (!/^(0|[1-9]\d*)$/.test(token)) return null;
  const index = Number(token);
  return index <= (allowEnd ? length : length - 1) ? index : null;
}

function get(doc: unknown, tokens: readonly string[]): { found: true; value: unknown } | { found: false } {
  let at = doc;
  for (const token of tokens) {
    if (Array.isArray(at)) {
      const index = arrayIndex(token, at.length, false);
      if (index === null) return { found: false };
      at = at[index];
    } else if (isRecord(at) && Object.prototype.hasOwnProperty.call(at, token)) {
      at = at[token];
    } else return { found: false };
  }
  return { found: true, value: at };
}

/** Applies `mutate` to the parent of `tokens` in a copy of `doc`. */
function atParent(doc: unknown, tokens: readonly string[], path: string, mutate: (parent: Record<string, unknown> | unknown[], last: string) => string | null): PatchResult {
  const copy = clone(doc);
  const parent = get(copy, tokens.slice(0, -1));
  if (!parent.found || !isContainer(parent.value)) return { ok: false, error: `${path}: the parent of this location does not exist` };
  const error = mutate(parent.value, tokens[tokens.length - 1]!);
  return error === null ? { ok: true, value: copy } : { ok: false, error: `${path}: ${error}` };
}

function add(doc: unknown, tokens: readonly string[], path: string, value: unknown): PatchResult {
  if (tokens.length === 0) return { ok: true, value: clone(value) };
  return atParent(doc, tokens, path, (parent, last) => {
    if (Array.isArray(parent)) {
      const index = arrayIndex(last, parent.length, true);
      if (index === null) return `"${last}" is not an index of the array (0..${parent.length} or "-")`;
      parent.splice(index, 0, clone(value));
    } else parent[last] = clone(value);
    return null;
  });
}

function remove(doc: unknown, tokens: readonly string[], path: string): PatchResult {
  if (tokens.length === 0) return { ok: false, error: `${path || '""'}: the whole document cannot be removed` };
  return atParent(doc, tokens, path, (parent, last) => {
    if (Array.isArray(parent)) {
      const index = arrayIndex(last, parent.length, false);
      if (index === null) return `"${last}" is not an index of the array (0..${parent.length - 1})`;
      parent.splice(index, 1);
    } else {
      if (!Object.prototype.hasOwnProperty.call(parent, last)) return "nothing to remove here";
      delete parent[last];
    }
    return null;
  });
}

/** Applies one operation to `doc` (not changed); `path`/`from` must be JSON pointers ("/a/0"). */
export function applyPatch(doc: unknown, operation: JsonPatchOperation): PatchResult {
  const tokens = parsePointer(operation.path);
  if (tokens === null) return { ok: false, error: `path "${operation.path}" is not a JSON pointer (it must be "" or start with "/")` };
  const path = operation.path;
  switch (operation.op) {
    case "add":
      return add(doc, tokens, path, operation.value ?? null);
    case "remove":
      return remove(doc, tokens, path);
    case "replace": {
      if (!get(doc, tokens).found) return { ok: false, error: `${path}: nothing to replace here` };
      if (tokens.length === 0) return { ok: true, value: clone(operation.value ?? null) };
      const removed = remove(doc, tokens, path);
      return removed.ok ? add(removed.value, tokens, path, operation.value ?? null) : removed;
    }
    case "move":
    case "copy": {
      const from = operation.from === undefined ? null : parsePointer(operation.from);
      if (from === null) return { ok: false, error: `from "${String(operation.from)}" is not a JSON pointer` };
      const source = get(doc, from);
      if (!source.found) return { ok: false, error: `from ${operation.from}: nothing to ${operation.op} here` };
      if (operation.op === "copy") return add(doc, tokens, path, source.value);
      const removed = remove(doc, from, operation.from!);
      return removed.ok ? add(removed.value, tokens, path, source.value) : removed;
    }
    case "test": {
      const found = get(doc, tokens);
      return found.found && isDeepStrictEqual(found.value, operation.value ?? null) ? { ok: true, value: doc } : { ok: false, error: `${path}: test failed` };
    }
    default:
      return { ok: false, error: `op "${operation.op}" is not a JSON Patch operation (${JSON_PATCH_OPS.join(", ")})` };
  }
}
