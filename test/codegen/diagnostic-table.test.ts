/**
 * The functions extractor's diagnostics come from one table (src/codegen/functions/diagnostics.ts):
 * every code, message and hint; the README's list of codes is generated from it; the output of a
 * project that reaches every diagnostic is kept as a golden file. `UPDATE_GOLDEN=1` rewrites the
 * golden file and the README's list.
 */
import { existsSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Project, ts } from "ts-morph";
import { beforeAll, describe, expect, it } from "vitest";
import { DIAGNOSTIC_CODES, renderDiagnosticCodeList } from "../../src/codegen/functions/diagnostics.js";
import { OPTION_READERS } from "../../src/codegen/functions/options.js";
import type { Diagnostic } from "../../src/codegen/types.js";
import { everyDiagnosticFiles } from "./diagnostic-table-fixture.js";
import { REPO, extractProject } from "./helpers.js";

const UPDATE = process.env.UPDATE_GOLDEN === "1";
const GOLDEN = join(REPO, "test/fixtures/functions/diagnostics.json");
const FUNCTIONS = join(REPO, "src/codegen/functions");
const README = join(FUNCTIONS, "README.md");
const START = "<!-- diagnostic-codes:start (generated from diagnostics.ts; do not edit) -->";
const END = "<!-- diagnostic-codes:end -->";

let diagnostics: Diagnostic[];
beforeAll(() => {
  diagnostics = extractProject(everyDiagnosticFiles).diagnostics;
});

describe("the extractor's diagnostics", () => {
  it("match their golden copy (code, message, hint, file:line:col, source line)", () => {
    if (UPDATE) writeFileSync(GOLDEN, `${JSON.stringify(diagnostics, null, 2)}\n`);
    expect(existsSync(GOLDEN), `${GOLDEN} is missing: run with UPDATE_GOLDEN=1`).toBe(true);
    expect(diagnostics, `differs from ${GOLDEN}: run with UPDATE_GOLDEN=1 and review the diff`).toEqual(
      JSON.parse(readFileSync(GOLDEN, "utf8")) as Diagnostic[],
    );
  });
});

describe("issue 11: the DiagnosticCode table", () => {
  it("issue 11: the README's list of codes is generated from the table", () => {
    const readme = readFileSync(README, "utf8");
    const start = readme.indexOf(START);
    const end = readme.indexOf(END);
    expect(start, `README.md needs the markers ${START} and ${END}`).toBeGreaterThanOrEqual(0);
    expect(end).toBeGreaterThan(start);
    const expected = `${START}\n${renderDiagnosticCodeList()}\n${END}`;
    const actual = readme.slice(start, end + END.length);
    if (UPDATE && actual !== expected) writeFileSync(README, readme.slice(0, start) + expected + readme.slice(end + END.length));
    const shown = UPDATE ? expected : actual;
    expect(shown, "README.md's list differs from diagnostics.ts: run with UPDATE_GOLDEN=1").toBe(expected);
    for (const code of Object.keys(DIAGNOSTIC_CODES)) expect(shown).toContain(`\`${code}\``);
  });

  it("issue 11: no module of the extractor but diagnostics.ts writes a diagnostic code", () => {
    const offenders = readdirSync(FUNCTIONS)
      .filter((f) => f.endsWith(".ts") && f !== "diagnostics.ts")
      .flatMap((f) =>
        readFileSync(join(FUNCTIONS, f), "utf8")
          .split("\n")
          .flatMap((line, i) => (/["'`]ARK_[A-Z_]+/.test(line) ? [`${f}:${i + 1}: ${line.trim()}`] : [])),
      );
    expect(offenders).toEqual([]);
  });

  it("issue 11: the fixture reaches every code of the table, and every diagnostic has a code of the table", () => {
    const produced = new Set(diagnostics.map((d) => d.code));
    expect([...produced].filter((code) => !(code in DIAGNOSTIC_CODES))).toEqual([]);
    expect(Object.keys(DIAGNOSTIC_CODES).filter((code) => !produced.has(code))).toEqual([]);
  });
});

describe("issue 11: option readers are checked against RegisterOptions by the compiler", () => {
  /** Type-checks options.ts against src/ with `RegisterOptions` edited in memory; returns the errors in options.ts. */
  function optionErrors(edit: (source: string) => string): string[] {
    const project = new Project({ tsConfigFilePath: join(REPO, "tsconfig.json"), skipAddingFilesFromTsConfig: true });
    const shared = project.addSourceFileAtPath(join(REPO, "src/definition/register-options.ts"));
    shared.replaceWithText(edit(shared.getFullText()));
    const options = project.addSourceFileAtPath(join(FUNCTIONS, "options.ts"));
    project.resolveSourceFileDependencies();
    return options.getPreEmitDiagnostics().map((d) => ts.flattenDiagnosticMessageText(d.compilerObject.messageText, "\n"));
  }

  it("issue 11: the readers match RegisterOptions as it is", () => {
    expect(optionErrors((s) => s)).toEqual([]);
    expect(Object.keys(OPTION_READERS)).toContain("needsToken");
  });

  it("issue 11: an option added to RegisterOptions without a reader fails tsc, naming the option", () => {
    const errors = optionErrors((s) => s.replace("export interface RegisterOptions {", "export interface RegisterOptions {\n  colour?: string;"));
    expect(errors.join("\n")).toMatch(/Property 'colour' is missing/);
  });

  it("issue 11: a reader for an option RegisterOptions does not have fails tsc", () => {
    const errors = optionErrors((s) => s.replace(/\n  \/\*\* Whether the implementation needs the caller's token[^\n]*\n  needsToken\?: boolean;/, ""));
    expect(errors.join("\n")).toMatch(/'needsToken' does not exist in type 'OptionReaders/);
  });
});
