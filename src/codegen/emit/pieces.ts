/**
 * Formatting a large generated file piece by piece, reusing the formatted text of the pieces that
 * did not change since the last gen (prettier is most of a changed GraphQL run: 550 KB of output).
 *
 * A piece is a run of whole top-level statements with their own-line comments. Formatting the
 * pieces one by one and joining them gives the bytes of formatting the whole file, because
 * prettier prints a program's statements one after the other, each with its own comments,
 * separated by one line break, plus one empty line where the source had an empty line right after
 * the statement's line (test/codegen/format-pieces.test.ts formats the real outputs both ways). A
 * piece therefore starts only at the start of a line, at bracket depth 0, outside strings,
 * templates and comments, after code that ends with `;` or `}`, on a line that starts a declaration
 * (`export`, `type X`, `const`, ...) or a run of own-line comments followed by one. Anything the
 * scanner does not follow (a regular expression literal, an unbalanced bracket) makes it give up:
 * the caller formats the whole file.
 *
 * The piece index (recorded per output in the manifest's `pieces`) lists, for each piece of the
 * formatted file, a hash of its unformatted text and its number of lines: with the file as gen
 * wrote it, the next gen knows the formatted text of every unchanged piece without formatting it.
 * The pieces that are new are formatted in one prettier call (prettier's fixed cost per call is
 * about half a millisecond), separated by a marker statement that prettier prints unchanged on a
 * line of its own.
 */
import { createHash } from "node:crypto";

/** One piece: its source text (trimmed) and whether an empty line separated it from the previous one. */
export interface Piece {
  text: string;
  blankBefore: boolean;
}

/** A line that starts a statement: a declaration keyword followed by a name (not `type.x` or `type = 1`). */
const STATEMENT_START = /^(?:export|import|type|interface|const|let|var|function|async\s+function|declare|enum|class|abstract\s+class|namespace)\s+[\w$@{*"'[]/;

function isSpace(code: number): boolean {
  return code === 32 || code === 9 || code === 10 || code === 13;
}

/**
 * Line starts at bracket depth 0, outside literals and comments, where the code before (if any)
 * ends with `;` or `}`. Undefined when the scanner cannot follow the source.
 */
function boundaryCandidates(source: string): number[] | undefined {
  const candidates: number[] = [0];
  const length = source.length;
  let depth = 0;
  // For each open template literal whose `${` is being scanned: the bracket depth at its `${`.
  const templates: number[] = [];
  let last = 0; // the last significant character outside comments (0: none yet)
  let i = 0;
  while (i < length) {
    const code = source.charCodeAt(i);
    if (code === 10) {
      i++;
      if (depth === 0 && templates.length === 0 && (last === 59 /* ; */ || last === 125) /* } */) candidates.push(i);
      continue;
    }
    if (isSpace(code)) {
      i++;
      continue;
    }
    if (code === 47 /* / */) {
      const next = source.charCodeAt(i + 1);
      if (next === 47) {
        const end = source.indexOf("\n", i);
        i = end < 0 ? length : end;
        continue;
      }
      if (next === 42) {
        const end = source.indexOf("*/", i + 2);
        if (end < 0) return undefined;
        i = end + 2;
        continue;
      }
      // Division or a regular expression: telling them apart needs a parser (generated code has neither).
      return undefined;
    }
    if (code === 39 /* ' */ || code === 34 /* " */) {
      i++;
      while (i < length) {
        const c = source.charCodeAt(i);
        if (c === 92) i += 2;
        else if (c === code) break;
        else if (c === 10) return undefined;
        else i++;
      }
      if (i >= length) return undefined;
      i++;
      last = code;
      continue;
    }
    if (code === 96 /* ` */ || (code === 125 && templates.length > 0 && templates[templates.length - 1] === depth)) {
      // A template starts, or the `}` that closes a `${...}` resumes its text.
      if (code === 125) templates.pop();
      i++;
      let ended = false;
      while (i < length) {
        const c = source.charCodeAt(i);
        if (c === 92) i += 2;
        else if (c === 96) {
          ended = true;
          i++;
          break;
        } else if (c === 36 && source.charCodeAt(i + 1) === 123) {
          templates.push(depth);
          ended = true;
          i += 2;
          break;
        } else i++;
      }
      if (!ended) return undefined;
      last = 96;
      continue;
    }
    if (code === 40 || code === 91 || code === 123) depth++;
    else if (code === 41 || code === 93 || code === 125) {
      depth--;
      if (depth < 0) return undefined;
    }
    last = code;
    i++;
  }
  return depth === 0 && templates.length === 0 ? candidates : undefined;
}

/**
 * Where the statement after the own-line comments and empty lines at `at` starts, when that line
 * starts a statement; else -1.
 */
function statementAfterComments(source: string, at: number): number {
  let p = at;
  for (;;) {
    while (p < source.length && isSpace(source.charCodeAt(p))) p++;
    if (source.startsWith("//", p)) {
      const end = source.indexOf("\n", p);
      if (end < 0) return -1;
      p = end + 1;
    } else if (source.startsWith("/*", p)) {
      p = source.indexOf("*/", p + 2) + 2;
      const lineEnd = source.indexOf("\n", p);
      // only an own-line comment: nothing after it on its line
      if (lineEnd < 0 || source.slice(p, lineEnd).trim() !== "") return -1;
    } else return p < source.length && STATEMENT_START.test(source.slice(p, p + 40)) ? p : -1;
  }
}

/**
 * The pieces of `source`, in order (the whitespace between them is dropped; `blankBefore` says
 * whether it held an empty line). Undefined when the scanner cannot follow the source.
 */
export function splitPieces(source: string): Piece[] | undefined {
  const candidates = boundaryCandidates(source);
  if (!candidates) return undefined;
  const starts: number[] = [0];
  let covered = statementAfterComments(source, 0);
  for (const at of candidates) {
    if (at <= covered) continue;
    const statement = statementAfterComments(source, at);
    if (statement < 0) continue;
    starts.push(at);
    covered = statement;
  }
  const pieces: Piece[] = [];
  let previousEnd = -1; // where the previous piece's text ends
  for (let k = 0; k < starts.length; k++) {
    const raw = source.slice(starts[k], starts[k + 1] ?? source.length);
    const lead = raw.length - raw.trimStart().length;
    const text = raw.trim();
    if (text === "") continue;
    const textStart = starts[k]! + lead;
    let blankBefore = false;
    if (previousEnd >= 0) {
      let newlines = 0;
      for (let p = previousEnd; p < textStart; p++) if (source.charCodeAt(p) === 10) newlines++;
      blankBefore = newlines >= 2;
    }
    pieces.push({ text, blankBefore });
    previousEnd = textStart + text.length;
  }
  return pieces;
}

/** The hash a piece is known by in the index: 72 bits of sha256, base64url (12 characters). */
export function pieceHash(text: string): string {
  return createHash("sha256").update(text).digest("base64url").slice(0, 12);
}

/**
 * The index of a file formatted piece by piece: `formatKey` (prettier's version and options: the
 * index is void when they change), then per piece its hash and its line count (base 36).
 */
export function encodeIndex(formatKey: string, entries: ReadonlyArray<{ hash: string; lines: number }>): string {
  return `${formatKey} ${entries.map((e) => `${e.hash}${e.lines.toString(36)}`).join(",")}`;
}

/**
 * The formatted text of each piece hash, read from a file and its index; empty when the index was
 * written with another prettier setup or does not describe the file.
 */
export function readIndex(content: string, index: string, formatKey: string): Map<string, string> {
  const known = new Map<string, string>();
  const space = index.indexOf(" ");
  if (space < 0 || index.slice(0, space) !== formatKey) return known;
  const lines = content.split("\n");
  let line = 0;
  for (const entry of index.slice(space + 1).split(",")) {
    const hash = entry.slice(0, 12);
    const count = Number.parseInt(entry.slice(12), 36);
    // prettier's text of a piece neither starts nor ends with an empty line
    if (hash.length !== 12 || !(count > 0) || line + count > lines.length - 1 || lines[line] === "" || lines[line + count - 1] === "") return new Map();
    known.set(hash, `${lines.slice(line, line + count).join("\n")}\n`);
    line += count;
    if (line < lines.length - 1 && lines[line] === "") line++; // the empty line between two pieces
  }
  // The file ends with a line break: its last "line" is empty.
  return line === lines.length - 1 && lines[line] === "" ? known : new Map();
}

/** A statement prettier prints unchanged on a line of its own, between the pieces of one call. */
const MARKER = "declare const __arkitekt_gen_piece__: 0;";

/**
 * Formats `source` piece by piece: the pieces `known` has are reused, the others formatted in one
 * call of `format`. Returns the text and its index, or undefined when the source cannot be split
 * (or a piece formats to nothing): then format the whole file.
 */
export async function formatByPieces(
  source: string,
  known: ReadonlyMap<string, string>,
  format: (source: string) => Promise<string>,
  formatKey: string,
): Promise<{ content: string; index: string; formattedPieces: number } | undefined> {
  if (source.includes("__arkitekt_gen_piece__")) return undefined;
  const pieces = splitPieces(source);
  if (!pieces || pieces.length === 0) return undefined;
  const hashes = pieces.map((p) => pieceHash(p.text));
  const texts = new Map<string, string>();
  const missing: string[] = [];
  for (let k = 0; k < pieces.length; k++) {
    const hash = hashes[k]!;
    if (texts.has(hash) || missing.includes(hash)) continue;
    const hit = known.get(hash);
    if (hit !== undefined) texts.set(hash, hit);
    else missing.push(hash);
  }
  if (missing.length > 0) {
    const byHash = new Map(pieces.map((p, k) => [hashes[k]!, p.text]));
    const formatted = await format(missing.map((hash) => byHash.get(hash)!).join(`\n${MARKER}\n`));
    const parts: string[][] = [[]];
    const lines = formatted.split("\n");
    // the formatted text ends with a line break: its last "line" is empty
    for (const line of lines.slice(0, -1)) {
      if (line === MARKER) parts.push([]);
      else parts[parts.length - 1]!.push(line);
    }
    if (parts.length !== missing.length || parts.some((part) => part.length === 0)) return undefined;
    missing.forEach((hash, k) => texts.set(hash, `${parts[k]!.join("\n")}\n`));
  }
  let content = "";
  const entries: Array<{ hash: string; lines: number }> = [];
  pieces.forEach((piece, k) => {
    const text = texts.get(hashes[k]!)!;
    if (piece.blankBefore && k > 0) content += "\n";
    content += text;
    entries.push({ hash: hashes[k]!, lines: text.split("\n").length - 1 });
  });
  return { content, index: encodeIndex(formatKey, entries), formattedPieces: missing.length };
}
