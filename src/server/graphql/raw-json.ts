/**
 * Stored JSON text served as is (issue 10 #3): a task event's `returns` is kept as the text the
 * port-aware writer wrote (`2.0` for a whole-number FLOAT), and every GraphQL output path must send
 * that text, not `JSON.stringify(JSON.parse(text))` (which writes `2`). Node 20 has no
 * `JSON.rawJSON`, so:
 *
 * - a resolver returns a `RawJson` holding the text; its `toJSON` gives a marker string: a prefix
 *   with a random per-process nonce, then the text;
 * - where text leaves the server (the WebSocket send wrapper in socket-guard.ts for both GraphQL
 *   subprotocols, the yoga result stringifier for HTTP), `expandRawJson` replaces each quoted marker
 *   by the text it carries.
 *
 * The nonce is never sent, so a STRING value that looks like a marker (without the nonce) stays a
 * plain string. A text without a marker costs one `indexOf`. A marker that cannot be
 * expanded is never left in the output: its prefix is removed and the value stays a string.
 */
import { randomBytes } from "node:crypto";

const NONCE = randomBytes(18).toString("base64url");
/**
 * The marker starts with a NUL character, which JSON.stringify writes as the six ASCII characters
 * `\u0000`: the frame stays a one-byte string. (A private-use character, as before, made every frame
 * with a marker a two-byte string, twice the memory to build, expand and encode: issue 18.)
 */
const PREFIX = `\u0000arkitekt-raw-json:${NONCE}:`;
/** The prefix as JSON.stringify writes it. */
const WRITTEN_PREFIX = JSON.stringify(PREFIX).slice(1, -1);
/** A marker as JSON.stringify writes it: the opening quote, then the prefix. */
const NEEDLE = `"${WRITTEN_PREFIX}`;

/** JSON text sent unchanged in a GraphQL response (see the module comment). */
export class RawJson {
  constructor(readonly text: string) {}
  toJSON(): string {
    return PREFIX + this.text;
  }
}

/** Stored JSON text (or null) as a value for a GraphQL field. */
export function rawJson(text: string | null): RawJson | null {
  return text === null ? null : new RawJson(text);
}

/** Index of the closing quote of the JSON string literal whose opening quote is at `open`, or -1. */
function closingQuote(text: string, open: number): number {
  let at = open + 1;
  for (;;) {
    const quote = text.indexOf('"', at);
    if (quote === -1) return -1;
    let backslashes = 0;
    for (let i = quote - 1; i > open && text.charCodeAt(i) === 92; i--) backslashes++;
    if (backslashes % 2 === 0) return quote;
    at = quote + 1;
  }
}

/** Replaces each marker written by `RawJson.toJSON` in a JSON text by the raw text it carries. */
export function expandRawJson(text: string): string {
  let at = text.indexOf(NEEDLE);
  if (at === -1) return text;
  let out = "";
  let from = 0;
  while (at !== -1) {
    const end = closingQuote(text, at);
    if (end === -1) break;
    let raw: string | undefined;
    try {
      const value = JSON.parse(text.slice(at, end + 1)) as unknown;
      if (typeof value === "string" && value.startsWith(PREFIX)) raw = value.slice(PREFIX.length);
    } catch {
      raw = undefined;
    }
    if (raw !== undefined) {
      out += text.slice(from, at) + raw;
      from = end + 1;
    }
    at = text.indexOf(NEEDLE, end + 1);
  }
  out += text.slice(from);
  // never let the nonce out: whatever could not be expanded loses its prefix and stays a string
  return out.includes(WRITTEN_PREFIX) ? out.split(WRITTEN_PREFIX).join("") : out;
}

/** `JSON.stringify` with the markers expanded: yoga's stringifier for HTTP results. */
export function stringifyWithRawJson(value: unknown): string {
  return expandRawJson(JSON.stringify(value));
}
