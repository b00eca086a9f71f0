/**
 * Issue 18 (performance), a changed GraphQL project: the outputs are formatted piece by piece
 * (emit/pieces.ts), reusing the formatted text of every top-level piece that did not change since the
 * last gen. The bytes must be those of prettier on the whole file: checked here on the package's real
 * outputs, before and after a schema and document edit, and on the constructs the splitter must
 * respect (comments, empty lines, templates, statements without a keyword).
 */
import { appendFileSync, cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { formatKey, formatReusing, formatTypeScript } from "../../src/codegen/emit/format.js";
import { encodeIndex, readIndex, splitPieces } from "../../src/codegen/emit/pieces.js";
import { generateGraphql } from "../../src/codegen/graphql/index.js";
import { REPO } from "./helpers.js";

const made: string[] = [];
afterAll(() => {
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
});

/** The unformatted text of each output of the GraphQL project in `cwd`, as the stage hands it to the formatter. */
async function unformattedOutputs(cwd: string): Promise<string[]> {
  const sources: string[] = [];
  const result = await generateGraphql({
    cwd,
    configPath: "codegen.yml",
    format: async (source) => {
      sources.push(source);
      return { content: source, formatted: 0 };
    },
  });
  expect(result.diagnostics).toEqual([]);
  return sources;
}

describe("issue 18: formatting generated code piece by piece", () => {
  it("issue 18: the real GraphQL outputs formatted piece by piece, then again after a schema and document edit reusing the unchanged pieces, are the bytes of prettier on each whole file", async () => {
    const dir = mkdtempSync(join(tmpdir(), "ark-pieces-"));
    made.push(dir);
    for (const entry of ["codegen.yml", "schemas", "graphql"]) cpSync(join(REPO, entry), join(dir, entry), { recursive: true });
    const before = await unformattedOutputs(dir);
    expect(before).toHaveLength(2); // generated/api/rekuest.ts, generated/server/resolvers.ts

    // A new type and a new field on an existing type (both outputs change), and a new operation.
    const schema = join(dir, "schemas/rekuest.graphql");
    writeFileSync(schema, readFileSync(schema, "utf8").replace(/^type Query \{$/m, "type Query {\n  piecesEdited(id: ID!): PiecesEdited") + "\ntype PiecesEdited {\n  id: ID!\n  name: String\n}\n");
    appendFileSync(join(dir, "graphql/rekuest/task.graphql"), "\nquery PiecesEdited($id: ID!) {\n  piecesEdited(id: $id) {\n    id\n    name\n  }\n}\n");
    const after = await unformattedOutputs(dir);

    for (let k = 0; k < 2; k++) {
      const first = await formatReusing(before[k]!);
      expect(first.pieces).toBeDefined(); // split, not formatted whole
      expect(first.content).toBe(await formatTypeScript(before[k]!));

      const second = await formatReusing(after[k]!, { content: first.content, pieces: first.pieces! });
      expect(second.content).toBe(await formatTypeScript(after[k]!));
      // Only the pieces the edit touched were formatted again (out of hundreds).
      expect(second.formatted).toBeGreaterThan(0);
      expect(second.formatted).toBeLessThan(12);
      expect(splitPieces(after[k]!)!.length).toBeGreaterThan(300);
      expect(second.content).toContain("PiecesEdited");
    }
  }, 60_000);

  it("issue 18: comments, empty lines, templates with braces and nested substitutions, and statements without a keyword come out as prettier prints the whole file", async () => {
    const source = [
      "// header line one",
      "//",
      "",
      "// header after an empty line",
      "",
      "import type {A,B} from './a.js'",
      "import {c} from \"./c.js\";",
      "/** doc of x */",
      "export const x = {a:1,",
      "  b: `a { b } ${c({d:`}${'{'}`})} \\` }`};",
      "",
      "",
      "",
      "// an own-line comment before a type",
      "",
      "/** and its doc */",
      "export type T = { a: string; b?: number };   // trailing",
      "export interface I { a: string }",
      "c(x);",
      "type U = T",
      "export function f(a: number) { return a + 1 }",
      "",
      "const s = \"}\"; const t = '{';",
      "export enum E { A = 'a', B = 'b' }",
      "declare const y: number",
      "",
      "// a comment at the end",
      "",
    ].join("\n");
    const pieces = splitPieces(source)!;
    expect(pieces.length).toBeGreaterThan(6);
    const expected = await formatTypeScript(source);
    const first = await formatReusing(source);
    expect(first.content).toBe(expected);

    // Edited: one piece changes, one is added; the rest is reused from the first result.
    const edited = source.replace("b?: number", "b?: number; c: boolean").replace("export interface I", "export type V = 1;\nexport interface I");
    const second = await formatReusing(edited, { content: first.content, pieces: first.pieces! });
    expect(second.content).toBe(await formatTypeScript(edited));
    expect(second.formatted).toBe(2);
  });

  it("issue 18: a source the splitter cannot follow (a regular expression) is formatted whole, with the same bytes", async () => {
    const source = "export const r = /[{(]/g;\nexport const a = 1;\n";
    expect(splitPieces(source)).toBeUndefined();
    const result = await formatReusing(source);
    expect(result.pieces).toBeUndefined();
    expect(result.content).toBe(await formatTypeScript(source));
  });

  it("issue 18: a piece index that does not describe the file, or was written with another prettier setup, is ignored", async () => {
    const source = "export const a = {x:1};\n\nexport const b = 2\n";
    const first = await formatReusing(source);
    const content = first.content;
    expect(readIndex(content, first.pieces!, formatKey()).size).toBe(2);
    // another prettier version or options
    expect(readIndex(content, first.pieces!.replace(formatKey(), "pffffffff"), formatKey()).size).toBe(0);
    // line counts that do not add up to the file
    const hashes = first.pieces!.split(" ")[1]!.split(",").map((entry) => entry.slice(0, 12));
    expect(readIndex(content, encodeIndex(formatKey(), hashes.map((hash) => ({ hash, lines: 2 }))), formatKey()).size).toBe(0);
    const edited = "export const a = {x:1};\n\nexport const b = 3\n";
    const second = await formatReusing(edited, { content, pieces: first.pieces! });
    expect(second.formatted).toBe(1);
    expect(second.content).toBe(await formatTypeScript(edited));
  });
});
