/**
 * One parse function per direction, used by the agent, the caller and the server alike.
 * They never throw: they return the typed message or a `ProtocolParseError` that names the frame
 * type, the field, what was expected and what was received.
 */
import { randomUUID } from "node:crypto";
import type { z } from "zod";
import {
  fromAgentSchemas,
  toAgentSchemas,
  type FromAgentMessage,
  type FromAgentType,
  type ToAgentMessage,
  type ToAgentType,
} from "./messages.js";

/** Default limit of object/array nesting in one frame. */
export const DEFAULT_MAX_JSON_DEPTH = 64;

export type ProtocolParseErrorKind =
  /** Not JSON text (close 3002). */
  | "not_json"
  /** JSON nested deeper than the limit. */
  | "too_deep"
  /** JSON, but not an object with a string `type`. */
  | "not_an_object"
  /** `type` is not a known message of this direction. */
  | "unknown_type"
  /** A field is missing, of the wrong type, or (REGISTER only) not allowed. */
  | "invalid_field";

export interface ProtocolParseError {
  kind: ProtocolParseErrorKind;
  /** The frame's `type`, when it had one. */
  frameType: string | null;
  /** The message `id`, when it had one (lets a server name the offending message). */
  messageId: string | null;
  /** Dotted path of the offending field (`args.a`, `inquiries.0.task`), or null. */
  field: string | null;
  expected: string;
  received: string;
  /** One readable sentence: "REGISTER.colour: unknown field (expected one of id, type, ...)". */
  message: string;
}

export type ParseResult<T> = { ok: true; message: T } | { ok: false; error: ProtocolParseError };

export interface ParseOptions {
  /** Maximum nesting of objects/arrays; deeper frames fail with `too_deep`. Default 64. */
  maxDepth?: number;
}

/** Parse a frame sent to an agent (what the runtime agent and caller receive). */
export function parseToAgent(raw: unknown, options?: ParseOptions): ParseResult<ToAgentMessage> {
  return parseWith(toAgentSchemas as unknown as Record<string, z.ZodType>, raw, options) as ParseResult<ToAgentMessage>;
}

/** Parse a frame sent by an agent (what the server receives). */
export function parseFromAgent(raw: unknown, options?: ParseOptions): ParseResult<FromAgentMessage> {
  return parseWith(fromAgentSchemas as unknown as Record<string, z.ZodType>, raw, options, reportFastPath) as ParseResult<FromAgentMessage>;
}

const hasOwn = Object.prototype.hasOwnProperty;
const isSeq = (v: unknown): boolean => v === undefined || v === null || (typeof v === "number" && Number.isSafeInteger(v));

/**
 * The two reports of every task (YIELD, COMPLETED) checked by hand, as their schemas in messages.ts
 * would (a type literal, `id` a string or absent, `task` a string, `seq` a safe integer, null or
 * absent, YIELD's `returns` an object, null or absent), and built as zod builds them: the schema's
 * keys in its order, unknown keys left out, an absent `id` a fresh uuid. zod's `safeParse` cost more
 * than JSON.parse itself for these small frames (issue 18). Whatever this does not accept (and a
 * `returns` with a `__proto__` key, which zod's record leaves out) goes to zod, for its answer and its
 * messages; test/protocol/parse-fast.test.ts compares the two over valid and invalid frames.
 */
function reportFastPath(type: string, record: Record<string, unknown>): Record<string, unknown> | undefined {
  if (type !== "YIELD" && type !== "COMPLETED") return undefined;
  const { id, task, seq } = record;
  if ((id !== undefined && typeof id !== "string") || typeof task !== "string" || !isSeq(seq)) return undefined;
  const out: Record<string, unknown> = { type, id: id ?? randomUUID(), task };
  if (hasOwn.call(record, "seq")) out.seq = seq;
  if (type === "YIELD" && hasOwn.call(record, "returns")) {
    const returns = record.returns;
    if (returns !== null && returns !== undefined && (typeof returns !== "object" || Array.isArray(returns) || hasOwn.call(returns, "__proto__"))) return undefined;
    // zod's record is a copy of the object's own keys, with the same values
    out.returns = returns === null || returns === undefined ? returns : { ...(returns as Record<string, unknown>) };
  }
  return out;
}

export function isToAgentType(type: string): type is ToAgentType {
  return Object.prototype.hasOwnProperty.call(toAgentSchemas, type);
}

export function isFromAgentType(type: string): type is FromAgentType {
  return Object.prototype.hasOwnProperty.call(fromAgentSchemas, type);
}

/**
 * Depth of the deepest object/array in JSON text, scanning without recursion; stops counting
 * once `limit` is exceeded. Strings are skipped with their escapes.
 */
export function jsonDepthExceeds(text: string, limit: number): boolean {
  // the depth is at most the number of opening brackets (those in strings too): counted first with
  // indexOf, which settles a frame of a few objects without walking its characters (issue 18)
  let opens = 0;
  for (let at = text.indexOf("{"); at !== -1 && opens <= limit; at = text.indexOf("{", at + 1)) opens++;
  for (let at = text.indexOf("["); at !== -1 && opens <= limit; at = text.indexOf("[", at + 1)) opens++;
  if (opens <= limit) return false;
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92 /* \ */) i++;
      else if (c === 34 /* " */) inString = false;
    } else if (c === 34) inString = true;
    else if (c === 123 /* { */ || c === 91 /* [ */) {
      if (++depth > limit) return true;
    } else if (c === 125 /* } */ || c === 93 /* ] */) depth--;
  }
  return false;
}

/** True when `value` nests objects/arrays deeper than `limit` (iterative: safe on hostile input). */
export function valueDepthExceeds(value: unknown, limit: number): boolean {
  const stack: Array<[unknown, number]> = [[value, 1]];
  while (stack.length > 0) {
    const [current, depth] = stack.pop()!;
    if (current === null || typeof current !== "object") continue;
    if (depth > limit) return true;
    for (const child of Object.values(current as object)) stack.push([child, depth + 1]);
  }
  return false;
}

/**
 * The path (keys and indexes) of the first object/array in `value` that lies deeper than `limit`,
 * or null when none does. Iterative, so safe on hostile input; `value` itself is at depth 1.
 */
export function valueTooDeepAt(value: unknown, limit: number): Array<string | number> | null {
  const stack: Array<[unknown, number, Array<string | number>]> = [[value, 1, []]];
  while (stack.length > 0) {
    const [current, depth, path] = stack.pop()!;
    if (current === null || typeof current !== "object") continue;
    if (depth > limit) return path;
    if (Array.isArray(current)) {
      for (let i = current.length - 1; i >= 0; i--) stack.push([current[i], depth + 1, [...path, i]]);
    } else {
      const entries = Object.entries(current as object);
      for (let i = entries.length - 1; i >= 0; i--) stack.push([entries[i]![1], depth + 1, [...path, entries[i]![0]]]);
    }
  }
  return null;
}

/** `a.b[2].c` for a path of keys and indexes (the path names at most `max` segments, then `...`). */
export function formatValuePath(path: ReadonlyArray<string | number>, max = 8): string {
  let text = "";
  for (const [i, segment] of path.entries()) {
    if (i >= max) return `${text}...`;
    text += typeof segment === "number" ? `[${segment}]` : /^[A-Za-z_$][\w$]*$/.test(segment) ? `${text === "" ? "" : "."}${segment}` : `[${JSON.stringify(segment)}]`;
  }
  return text;
}

function describe(value: unknown): string {
  if (value === undefined) return "nothing";
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  if (typeof value === "string") return value.length > 40 ? "string" : `string ${JSON.stringify(value)}`;
  if (typeof value === "number" || typeof value === "boolean") return `${typeof value} ${String(value)}`;
  return typeof value;
}

function failure(
  kind: ProtocolParseErrorKind,
  frameType: string | null,
  messageId: string | null,
  field: string | null,
  expected: string,
  received: string,
): { ok: false; error: ProtocolParseError } {
  const where = frameType ? (field ? `${frameType}.${field}` : frameType) : field ? field : "frame";
  const message = `${where}: expected ${expected}, received ${received}`;
  return { ok: false, error: { kind, frameType, messageId, field, expected, received, message } };
}

function parseWith(
  schemas: Record<string, z.ZodType>,
  raw: unknown,
  options?: ParseOptions,
  fast?: (type: string, record: Record<string, unknown>) => Record<string, unknown> | undefined,
): ParseResult<unknown> {
  const maxDepth = options?.maxDepth ?? DEFAULT_MAX_JSON_DEPTH;
  let value: unknown = raw;
  if (typeof raw === "string" || raw instanceof Uint8Array) {
    const text = typeof raw === "string" ? raw : Buffer.from(raw).toString("utf8");
    if (jsonDepthExceeds(text, maxDepth)) {
      return failure("too_deep", null, null, null, `JSON nested at most ${maxDepth} levels deep`, "deeper nesting");
    }
    try {
      value = JSON.parse(text);
    } catch {
      return failure("not_json", null, null, null, "a JSON object", "text that is not JSON");
    }
  } else if (valueDepthExceeds(raw, maxDepth)) {
    return failure("too_deep", null, null, null, `JSON nested at most ${maxDepth} levels deep`, "deeper nesting");
  }
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    return failure("not_an_object", null, null, null, "a JSON object with a string `type`", describe(value));
  }
  const record = value as Record<string, unknown>;
  const messageId = typeof record.id === "string" ? record.id : null;
  const type = record.type;
  if (typeof type !== "string") {
    return failure("not_an_object", null, messageId, "type", "a message type string", describe(type));
  }
  const schema = Object.prototype.hasOwnProperty.call(schemas, type) ? schemas[type] : undefined;
  if (!schema) {
    return failure("unknown_type", type, messageId, "type", `one of ${Object.keys(schemas).join(", ")}`, `unknown type ${JSON.stringify(type)}`);
  }
  const quick = fast?.(type, record);
  if (quick) return { ok: true, message: quick };
  const result = schema.safeParse(value);
  if (result.success) return { ok: true, message: result.data };
  const issue = result.error.issues[0]!;
  if (issue.code === "unrecognized_keys") {
    const keys = issue.keys;
    const field = keys[0] ?? null;
    const allowed = Object.keys((schema as unknown as { shape: Record<string, unknown> }).shape ?? {}).join(", ");
    const out = failure("invalid_field", type, messageId, field, `only the fields ${allowed}`, `unknown field${keys.length > 1 ? "s" : ""} ${keys.map((k) => JSON.stringify(k)).join(", ")}`);
    out.error.message = `${type}: unknown field${keys.length > 1 ? "s" : ""} ${keys.map((k) => JSON.stringify(k)).join(", ")} (allowed: ${allowed})`;
    return out;
  }
  const path = issue.path.map(String).join(".");
  let received: unknown = value;
  for (const segment of issue.path) received = received != null && typeof received === "object" ? (received as Record<PropertyKey, unknown>)[segment as PropertyKey] : undefined;
  const expected =
    issue.code === "invalid_type"
      ? issue.expected
      : issue.code === "invalid_value"
        ? issue.values.map((v) => JSON.stringify(v)).join(" | ")
        : issue.message;
  return failure("invalid_field", type, messageId, path || null, String(expected), describe(received));
}
