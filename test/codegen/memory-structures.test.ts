/**
 * Issue 16, memory structures in the generator: a class that `implements MemoryStructure` (the
 * package's marker, read from the heritage clause through the checker, under any import alias, via
 * an interface or a base class) is a MEMORY_STRUCTURE port with its identifier; the registry
 * module gets its codec; misuse is reported at file:line:col.
 */
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { generate } from "../../src/codegen/index.js";
import { renderActions, type ActionsConfig } from "../../src/codegen/actions/index.js";
import { MODEL_SOURCE } from "../fixtures/memory/model-source.js";
import { REPO, extractProject, makeProject, type Extracted } from "./helpers.js";

const BAD = `import { register, type MemoryStructure } from "arkitekt-next";

export class NoId implements MemoryStructure {}
export class BadId implements MemoryStructure { static identifier = "model"; }
export class Both implements MemoryStructure {
  static identifier = "@test/both";
  shrink(): string { return "x"; }
  static expand(ref: string): Both { return new Both(); }
}
export class Plain { static identifier = "@test/plain"; }

export const noId = register(function noId(m: NoId): void {});
export const badId = register(function badId(m: BadId): void {});
export const both = register(function both(m: Both): void {});
export const plain = register(function plain(m: Plain): void {});
`;

/** Where the marker is found besides a plain \`implements MemoryStructure\`. */
const MORE = `import { register, type MemoryStructure as Kept } from "arkitekt-next";

export interface Keepable extends Kept { readonly size: number }
export class ViaInterface implements Keepable { static identifier = "@test/via-interface"; size = 1; }
export class ViaBase extends ViaInterface { static override identifier = "@test/via-base"; }

export const viaInterface = register(function viaInterface(m: ViaInterface): ViaBase { return new ViaBase(); });
export const defaulted = register(function defaulted(m: ViaInterface | null = null): void {});
`;

let good: Extracted;
let bad: Extracted;
beforeAll(() => {
  good = extractProject({ "src/model.ts": MODEL_SOURCE, "src/more.ts": MORE });
  bad = extractProject({ "src/bad.ts": BAD });
});

describe("issue 16: memory structures in the generator", () => {
  it("issue 16: a class that implements MemoryStructure is a MEMORY_STRUCTURE port with its identifier, in lists and nullables too", () => {
    expect(good.diagnostics).toEqual([]);
    expect(good.ret("makeModel")).toMatchObject({ key: "return0", kind: "MEMORY_STRUCTURE", identifier: "@test/model", nullable: false });
    expect(good.arg("useModel")).toMatchObject({ key: "model", kind: "MEMORY_STRUCTURE", identifier: "@test/model" });
    expect(good.arg("pickModel", 0)).toMatchObject({ kind: "LIST", children: [{ kind: "MEMORY_STRUCTURE", identifier: "@test/model" }] });
    expect(good.arg("pickModel", 1)).toMatchObject({ kind: "MEMORY_STRUCTURE", identifier: "@test/model", nullable: true, default: null });
    expect(good.ret("pickModel")).toMatchObject({ kind: "MEMORY_STRUCTURE", nullable: true });
  });

  it("issue 16: the marker is found through an import alias, an interface that extends it and a base class", () => {
    expect(good.arg("viaInterface")).toMatchObject({ kind: "MEMORY_STRUCTURE", identifier: "@test/via-interface" });
    expect(good.ret("viaInterface")).toMatchObject({ kind: "MEMORY_STRUCTURE", identifier: "@test/via-base" });
    expect(good.arg("defaulted")).toMatchObject({ kind: "MEMORY_STRUCTURE", nullable: true, default: null });
  });

  it("issue 16: a memory structure without a static identifier is reported at file:line:col", () => {
    const found = bad.diagnostics.filter((d) => d.file === "src/bad.ts" && d.line === 12);
    expect(found.map((d) => `${d.file}:${d.line}:${d.column} ${d.code}: ${d.message}`)).toEqual([
      'src/bad.ts:12:47 ARK_MEMORY_STRUCTURE: parameter "m" of "noId" has the memory structure class "NoId", but NoId has no `static identifier` string literal',
    ]);
    expect(found[0]!.hint).toMatch(/static identifier = "@your-app\/noid"/);
  });

  it("issue 16: an identifier not of the form @package/name is reported", () => {
    const found = bad.diagnostics.filter((d) => d.line === 13);
    expect(found.map((d) => `${d.file}:${d.line}:${d.column} ${d.code}: ${d.message}`)).toEqual([
      'src/bad.ts:13:49 ARK_MEMORY_STRUCTURE: memory structure identifier "model" of BadId is not of the form "@package/name"',
    ]);
  });

  it("issue 16: a class that is both a memory structure and a structure is reported, saying how to choose", () => {
    const found = bad.diagnostics.filter((d) => d.line === 14);
    expect(found.map((d) => `${d.file}:${d.line}:${d.column} ${d.code}: ${d.message}`)).toEqual([
      "src/bad.ts:14:47 ARK_MEMORY_STRUCTURE: Both implements MemoryStructure but also has shrink() and static expand(), so it could be either a memory structure or a structure",
    ]);
    expect(found[0]!.hint).toMatch(/remove shrink\/expand.*remove `implements MemoryStructure`/);
  });

  it("issue 16: a class without the marker is still judged as a structure", () => {
    expect(bad.diagnostics.filter((d) => d.line === 15).map((d) => d.code)).toEqual(["ARK_CLASS_NOT_STRUCTURE"]);
    expect(bad.diagnostics.filter((d) => d.code === "ARK_MEMORY_STRUCTURE")).toHaveLength(3);
  });

  it("issue 16: the registry module gets the MEMORY_STRUCTURE codec (identifier and class) and compiles under strict", async () => {
    const dir = makeProject({ "src/model.ts": MODEL_SOURCE });
    const result = await generate({ cwd: dir });
    expect(result.diagnostics).toEqual([]);
    const module = readFileSync(join(dir, "generated/registry/src/model.ts"), "utf8");
    expect(module.replace(/\s+/g, " ")).toContain('const codec_Model: support.Codec = { kind: "MEMORY_STRUCTURE", identifier: "@test/model", cls: Model, };');
    expect(module).toMatch(/import \{[^}]*\bModel\b[^}]*\} from "\.\.\/\.\.\/\.\.\/src\/model\.js";/);
    const definitions = JSON.parse(readFileSync(join(dir, "generated/definitions.json"), "utf8")) as Array<{ definition: { returns: unknown[] } }>;
    expect(definitions[0]!.definition.returns[0]).toEqual({ key: "return0", kind: "MEMORY_STRUCTURE", identifier: "@test/model", nullable: false });
    const tsc = spawnSync(process.execPath, [join(REPO, "node_modules/typescript/bin/tsc"), "-p", join(dir, "tsconfig.json"), "--noEmit"], { encoding: "utf8" });
    expect(tsc.stdout + tsc.stderr).toBe("");
    expect(tsc.status).toBe(0);
  }, 60_000);

  it("issue 16: typed stubs of a remote action take and return MemoryRef for MEMORY_STRUCTURE ports", () => {
    const config: ActionsConfig = { select: [{ app: "x" }], snapshot: "generated/actions.json", out: "generated/actions.ts", structures: {}, runtime: "arkitekt-next" };
    const model = { key: "model", kind: "MEMORY_STRUCTURE" as const, identifier: "@test/model", nullable: false };
    const { source, diagnostics } = renderActions(
      {
        select: [{ app: "x" }],
        actions: [{ app: "x", key: "useModel", version: "1", hash: "h", name: "use model", kind: "FUNCTION", description: null, args: [model], returns: [{ ...model, key: "return0" }] }],
      },
      config,
      "/tmp",
    );
    expect(diagnostics).toEqual([]);
    expect(source).toMatch(/import \{[^}]*type MemoryRef[^}]*\} from "arkitekt-next";/);
    expect(source).toMatch(/model: MemoryRef\b/);
    expect(source.replace(/\s+/g, " ")).toContain('= { kind: "MEMORY_STRUCTURE", identifier: "@test/model" };');
    const none = renderActions({ select: [{ app: "x" }], actions: [] }, config, "/tmp");
    expect(none.source).not.toContain("MemoryRef");
  });
});
