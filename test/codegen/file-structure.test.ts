// Issue 14: the package's built-in File structure in registered signatures and in action stubs.
import { describe, expect, it } from "vitest";
import { Generator } from "../../src/codegen/index.js";
import { renderActions, type ActionsConfig } from "../../src/codegen/actions/index.js";
import { extractProject, makeProject } from "./helpers.js";

const APP = {
  "src/files.ts": `
import { register, File as ArkFile } from "arkitekt-next";
/** Upper-cases a text file. */
export const upper = register(async function upper(file: ArkFile, more?: ArkFile[] | null): Promise<ArkFile> {
  return ArkFile.fromBytes((await file.text()).toUpperCase(), { name: "upper.txt" });
});
`,
};

describe("issue 14: File in registered signatures", () => {
  it("issue 14: File imported from arkitekt-next (any alias) is a STRUCTURE port with identifier @arkitekt/file", () => {
    const extracted = extractProject(APP);
    expect(extracted.diagnostics).toEqual([]);
    expect(extracted.arg("upper")).toMatchObject({ kind: "STRUCTURE", identifier: "@arkitekt/file", nullable: false });
    expect(extracted.arg("upper", 1)).toMatchObject({ kind: "LIST", nullable: true, children: [{ kind: "STRUCTURE", identifier: "@arkitekt/file" }] });
    expect(extracted.ret("upper")).toMatchObject({ kind: "STRUCTURE", identifier: "@arkitekt/file" });
  });

  it("issue 14: the generated registry imports File from the package specifier, never a path into node_modules or the package's src", async () => {
    const dir = makeProject(APP);
    const { files, diagnostics } = await new Generator(dir).produce();
    expect(diagnostics).toEqual([]);
    const module = files.find((f) => f.path === "generated/registry/src/files.ts")!.content;
    expect(module).toContain('import { File } from "arkitekt-next";');
    expect(module).toContain('{ kind: "STRUCTURE", identifier: "@arkitekt/file", cls: File }');
    const imports = module.split("\n").filter((line) => line.startsWith("import "));
    for (const line of imports) expect(line).not.toMatch(/node_modules|runtime\/media|src\/index/);
  });

  it("issue 14: a project's own class named File is still the project's (imported by path, its own identifier)", async () => {
    const dir = makeProject({
      "src/file.ts": `
export class File {
  static identifier = "@mine/file";
  constructor(readonly id: string) {}
  shrink(): string { return this.id; }
  static expand(ref: string): File { return new File(ref); }
}
`,
      "src/app.ts": `
import { register } from "arkitekt-next";
import { File } from "./file.js";
export const same = register(function same(file: File): File { return file; });
`,
    });
    const { files, diagnostics } = await new Generator(dir).produce();
    expect(diagnostics).toEqual([]);
    const module = files.find((f) => f.path === "generated/registry/src/app.ts")!.content;
    expect(module).toContain('import { File } from "../../../src/file.js";');
    expect(module).toContain('identifier: "@mine/file"');
  });

  it("issue 14: action stubs take and return the package's File for @arkitekt/file ports without configuration", () => {
    const config: ActionsConfig = { select: [{ app: "x" }], snapshot: "generated/actions.json", out: "generated/actions.ts", structures: {}, runtime: "arkitekt-next" };
    const file = { key: "file", kind: "STRUCTURE" as const, identifier: "@arkitekt/file", nullable: false };
    const { source, diagnostics } = renderActions(
      {
        select: [{ app: "x" }],
        actions: [{ app: "x", key: "upper", version: "1", hash: "h", name: "upper", kind: "FUNCTION", description: null, args: [file], returns: [{ ...file, key: "return0" }] }],
      },
      config,
      "/tmp",
    );
    expect(diagnostics).toEqual([]);
    expect(source).toContain('import { File } from "arkitekt-next";');
    expect(source).toMatch(/file: File\b/);
    const none = renderActions({ select: [{ app: "x" }], actions: [] }, config, "/tmp");
    expect(none.source).not.toContain("import { File }");
  });
});
