/**
 * The functions extractor's diagnostics come from one table (src/codegen/functions/diagnostics.ts):
 * every code, message and hint; the README's list of codes is generated from it; the output of a
 * project that reaches every diagnostic is kept as a golden file. `UPDATE_GOLDEN=1` rewrites the
 * golden file and the README's list.
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import type { Diagnostic } from "../../src/codegen/types.js";
import { everyDiagnosticFiles } from "./diagnostic-table-fixture.js";
import { REPO, extractProject } from "./helpers.js";

const UPDATE = process.env.UPDATE_GOLDEN === "1";
const GOLDEN = join(REPO, "test/fixtures/functions/diagnostics.json");

describe("the extractor's diagnostics", () => {
  let diagnostics: Diagnostic[];
  beforeAll(() => {
    diagnostics = extractProject(everyDiagnosticFiles).diagnostics;
  });

  it("match their golden copy (code, message, hint, file:line:col, source line)", () => {
    if (UPDATE) writeFileSync(GOLDEN, `${JSON.stringify(diagnostics, null, 2)}\n`);
    expect(existsSync(GOLDEN), `${GOLDEN} is missing: run with UPDATE_GOLDEN=1`).toBe(true);
    expect(diagnostics, `differs from ${GOLDEN}: run with UPDATE_GOLDEN=1 and review the diff`).toEqual(
      JSON.parse(readFileSync(GOLDEN, "utf8")) as Diagnostic[],
    );
  });
});
