/**
 * Issue 18 (performance), codegen: an unchanged project costs `gen` almost nothing (content keys,
 * the gen command alone, no zod), a fresh copy of a project skips too, a hand edit is still caught,
 * and a changed project regenerates only the outputs whose own inputs changed, with the same bytes.
 * These run the CLI as child processes on a copy of the package's own GraphQL project.
 */
import { spawnSync } from "node:child_process";
import { appendFileSync, cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { REPO } from "./helpers.js";

const BIN = join(REPO, "bin/arkitekt-next.js");
const made: string[] = [];
afterAll(() => {
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
});

const ENTRIES = ["codegen.yml", "arkitekt.json", "schemas", "graphql", "generated/api", "generated/server", "generated/.arkitekt-gen.json"];

/** `entries` of `from` copied to a new folder (new path, new modification times: a fresh clone). */
function copyOf(from: string): string {
  const dir = mkdtempSync(join(tmpdir(), "ark-gen-perf-"));
  made.push(dir);
  for (const entry of ENTRIES) cpSync(join(from, entry), join(dir, entry), { recursive: true });
  return dir;
}

/**
 * The package root's GraphQL project (config, schema, documents, generated/) copied elsewhere, after
 * one `gen` there: its manifest then holds the keys of the generator that is running (the committed
 * one may predate the last change to the generator, which `gen --check` tolerates by regenerating).
 */
function copyOfPackageProject(): string {
  const dir = copyOf(REPO);
  const first = gen(["--cwd", dir]);
  expect(first.status).toBe(0);
  return dir;
}

function gen(args: string[], extraNode: string[] = []) {
  const child = spawnSync(process.execPath, [...extraNode, BIN, "gen", ...args], { encoding: "utf8" });
  return { status: child.status, out: `${child.stdout}${child.stderr}` };
}

describe("issue 18: gen on an unchanged project", () => {
  it("issue 18: a fresh copy of a project skips every stage, loads neither zod nor the other commands, and still names a hand-edited file", () => {
    const dir = copyOf(copyOfPackageProject());
    // Every module the process loads (ESM and CommonJS), through a loader hook.
    const log = join(dir, "loaded.txt");
    const hooks = join(dir, "hooks.mjs");
    writeFileSync(hooks, `import { appendFileSync } from "node:fs";\nexport async function load(url, context, next) { appendFileSync(${JSON.stringify(log)}, url + "\\n"); return next(url, context); }\n`);
    const register = join(dir, "register.mjs");
    writeFileSync(register, `import { register } from "node:module";\nregister(${JSON.stringify(pathToFileURL(hooks).href)});\n`);
    writeFileSync(log, "");

    const check = gen(["--check", "--verbose", "--cwd", dir], ["--import", pathToFileURL(register).href]);
    expect(check.out).toContain("unchanged, skipped: graphql");
    expect(check.status).toBe(0);
    const loaded = readFileSync(log, "utf8").split("\n").filter(Boolean);
    expect(loaded.some((url) => url.includes("/dist/src/cli/commands/gen.js"))).toBe(true);
    expect(loaded.filter((url) => /\/node_modules\/(zod|ts-morph|@ts-morph|@graphql-codegen|prettier|graphql)\//.test(url))).toEqual([]);
    expect(loaded.filter((url) => /\/dist\/src\/cli\/commands\/(?!gen)/.test(url))).toEqual([]);

    const file = join(dir, "generated/server/resolvers.ts");
    writeFileSync(file, readFileSync(file, "utf8").replace("export type", "export  type"));
    const edited = gen(["--check", "--cwd", dir]);
    expect(edited.status).toBe(1);
    expect(edited.out).toContain("generated/server/resolvers.ts");
    expect(edited.out).toMatch(/edited/);
  });
});

describe("issue 18: gen on a changed project", () => {
  it("issue 18: a document edit regenerates the client only (the resolvers read no documents and are kept), with the bytes a full run writes", () => {
    const dir = copyOfPackageProject();
    const resolvers = readFileSync(join(dir, "generated/server/resolvers.ts"), "utf8");
    appendFileSync(join(dir, "graphql/rekuest/task.graphql"), "\nquery PerfEdited {\n  __typename\n}\n");

    const changed = gen(["--verbose", "--cwd", dir]);
    expect(changed.status).toBe(0);
    expect(changed.out).toContain("generated/server/resolvers.ts: its inputs are unchanged, the file is reused");
    expect(changed.out).toContain("wrote generated/api/rekuest.ts");
    expect(changed.out).not.toContain("wrote generated/server/resolvers.ts");
    expect(readFileSync(join(dir, "generated/api/rekuest.ts"), "utf8")).toContain("PerfEdited");
    expect(readFileSync(join(dir, "generated/server/resolvers.ts"), "utf8")).toBe(resolvers);

    // Without the manifest nothing is reused: every output is generated and formatted, to the same bytes.
    rmSync(join(dir, "generated/.arkitekt-gen.json"));
    const full = gen(["--check", "--verbose", "--cwd", dir]);
    expect(full.out).not.toContain("is reused");
    expect(full.out).toContain("up to date");
    expect(full.status).toBe(0);
  });

  it("issue 18: a schema and document edit formats only the changed pieces of both outputs (the manifest's piece index), with the bytes a run without the manifest writes", () => {
    const dir = copyOfPackageProject();
    const manifest = JSON.parse(readFileSync(join(dir, "generated/.arkitekt-gen.json"), "utf8"));
    expect(Object.keys(manifest.stages.graphql.pieces)).toEqual(["generated/api/rekuest.ts", "generated/server/resolvers.ts"]);
    appendFileSync(join(dir, "graphql/rekuest/task.graphql"), "\nquery PerfEdited {\n  __typename\n}\n");
    appendFileSync(join(dir, "schemas/rekuest.graphql"), "\ntype PerfEdited {\n  id: ID!\n}\n");

    const changed = gen(["--verbose", "--cwd", dir]);
    expect(changed.status).toBe(0);
    const counts = [...changed.out.matchAll(/: format \((\d+) new pieces\)/g)].map((m) => Number(m[1]));
    expect(counts).toHaveLength(2);
    for (const count of counts) expect(count).toBeLessThan(10);
    expect(changed.out).toContain("wrote generated/api/rekuest.ts");
    expect(changed.out).toContain("wrote generated/server/resolvers.ts");
    expect(readFileSync(join(dir, "generated/server/resolvers.ts"), "utf8")).toContain("PerfEdited");

    // Without the manifest every piece is formatted (in one prettier call per output), to the same bytes.
    rmSync(join(dir, "generated/.arkitekt-gen.json"));
    const full = gen(["--check", "--verbose", "--cwd", dir]);
    expect(full.out).not.toMatch(/: format \(\d{1,2} new pieces\)/);
    expect(full.out).toContain("up to date");
    expect(full.status).toBe(0);
  });

  it("issue 18: an output edited by hand is generated again, not reused, when its stage runs", () => {
    const dir = copyOfPackageProject();
    const file = join(dir, "generated/server/resolvers.ts");
    const original = readFileSync(file, "utf8");
    writeFileSync(file, `${original}// edited\n`);
    appendFileSync(join(dir, "graphql/rekuest/task.graphql"), "\n# a comment: the stage's key changes\n");

    const run = gen(["--verbose", "--cwd", dir]);
    expect(run.status).toBe(0);
    expect(run.out).not.toContain("generated/server/resolvers.ts: its inputs are unchanged");
    expect(run.out).toContain("wrote generated/server/resolvers.ts");
    expect(readFileSync(file, "utf8")).toBe(original);
  });
});
