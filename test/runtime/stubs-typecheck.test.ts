/** The generated stubs type-check: right calls compile, wrong ones do not (each @ts-expect-error is needed). */
import { join } from "node:path";
import ts from "typescript";
import { describe, expect, it } from "vitest";
import { STUBS_CWD } from "../fixtures/runtime/stubs-config.js";

describe("typed remote stubs under tsc", () => {
  it("tsc accepts right calls and refuses wrong ones", () => {
    const file = join(STUBS_CWD, "stubs/usage.ts");
    const program = ts.createProgram([file], {
      strict: true,
      noEmit: true,
      target: ts.ScriptTarget.ES2022,
      module: ts.ModuleKind.NodeNext,
      moduleResolution: ts.ModuleResolutionKind.NodeNext,
      skipLibCheck: true,
      types: ["node"],
    });
    const diagnostics = ts.getPreEmitDiagnostics(program).map((d) => ts.flattenDiagnosticMessageText(d.messageText, "\n"));
    expect(diagnostics).toEqual([]);
  });

});
