/**
 * The boundaries of DESIGN.md ("Boundaries that keep the house light"), checked on every import of
 * every file under src/: static imports, re-exports and dynamic `import()` with a literal specifier.
 */
import { dirname, join, relative, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { Node, Project, SyntaxKind, type SourceFile } from "ts-morph";
import { describe, expect, it } from "vitest";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const src = join(root, "src");

/** The top-level area of a file under src/: `definition`, `runtime`, ..., or `index.ts` for the root barrel. */
function areaOf(file: string): string {
  return relative(src, file).split(sep)[0]!;
}

interface Import {
  from: string;
  specifier: string;
  /** The area the specifier resolves to, or null for a package or `node:` import. */
  area: string | null;
  line: number;
}

function importsOf(file: SourceFile): Import[] {
  const found: Import[] = [];
  const add = (specifier: string, node: Node): void => {
    const local = specifier.startsWith(".");
    const target = local ? resolve(dirname(file.getFilePath()), specifier) : null;
    // A specifier names the emitted `.js`; the area of the root barrel is its source, `index.ts`.
    const area = target !== null && target.startsWith(src + sep) ? areaOf(target).replace(/\.js$/, ".ts") : local ? "(outside src)" : null;
    found.push({ from: relative(root, file.getFilePath()), specifier, area, line: node.getStartLineNumber() });
  };
  for (const decl of file.getImportDeclarations()) add(decl.getModuleSpecifierValue(), decl);
  for (const decl of file.getExportDeclarations()) {
    const specifier = decl.getModuleSpecifierValue();
    if (specifier !== undefined) add(specifier, decl);
  }
  for (const call of file.getDescendantsOfKind(SyntaxKind.CallExpression)) {
    if (call.getExpression().getKind() !== SyntaxKind.ImportKeyword) continue;
    const arg = call.getArguments()[0];
    if (arg && Node.isStringLiteral(arg)) add(arg.getLiteralValue(), call);
  }
  return found;
}

const project = new Project({ skipAddingFilesFromTsConfig: true, skipFileDependencyResolution: true });
project.addSourceFilesAtPaths([join(src, "**/*.ts"), join(src, "**/*.tsx"), `!${join(src, "**/*.test.ts")}`]);
// the generated client is not ours to lay out, but the web UI's bundle reaches into it
project.addSourceFilesAtPaths(join(root, "generated", "api", "*.ts"));
const files = project.getSourceFiles();
const imports = files.flatMap(importsOf);

/** Imports from `areas` into any area outside `allowed`; printed as `file:line -> specifier`. */
function violations(areas: string[], allowed: (area: string) => boolean): string[] {
  return imports
    .filter((i) => areas.includes(areaOf(join(root, i.from))) && i.area !== null && !allowed(i.area))
    .map((i) => `${i.from}:${i.line} -> ${i.specifier}`);
}

describe("architecture (DESIGN.md boundaries)", () => {
  it("finds the source files and their imports", () => {
    expect(files.length).toBeGreaterThan(40);
    expect(imports.some((i) => i.area === "definition")).toBe(true);
  });

  it("definition/ imports nothing else of ours", () => {
    expect(violations(["definition"], (a) => a === "definition")).toEqual([]);
  });

  it("protocol/ imports nothing else of ours", () => {
    expect(violations(["protocol"], (a) => a === "protocol")).toEqual([]);
  });

  it("shared/ (the cross-cutting kit) imports nothing else of ours", () => {
    expect(violations(["shared"], (a) => a === "shared")).toEqual([]);
  });

  it("the runtime and the root barrel never import codegen/, server/ or cli/", () => {
    expect(violations(["runtime", "index.ts"], (a) => !["codegen", "server", "cli"].includes(a))).toEqual([]);
  });

  it("the server never imports the runtime, codegen/ or cli/", () => {
    expect(violations(["server"], (a) => !["runtime", "codegen", "cli", "index.ts"].includes(a))).toEqual([]);
  });

  it("codegen/ never imports the server or cli/", () => {
    expect(violations(["codegen"], (a) => !["server", "cli"].includes(a))).toEqual([]);
  });

  it("issue 11: codegen/ never imports the runtime's entry point (src/index.ts), and runtime/ only where it calls the platform", () => {
    // The one legitimate use: `gen --refresh-actions` (codegen/actions) fetches the platform's
    // actions with the GraphQL client and resolves URL and token as every client does.
    const platformClient = new Set([
      "src/codegen/actions/index.ts -> ../../runtime/transport/index.js",
      "src/codegen/actions/index.ts -> ../../runtime/config.js",
      // issue 17: a deployment URL without a token is logged in to (fakts), as every client does
      "src/codegen/actions/index.ts -> ../../runtime/login.js",
      "src/codegen/actions/index.ts -> ../../runtime/fakts.js",
    ]);
    const found = imports
      .filter((i) => areaOf(join(root, i.from)) === "codegen" && (i.area === "index.ts" || i.area === "runtime"))
      .filter((i) => !platformClient.has(`${i.from.split(sep).join("/")} -> ${i.specifier}`))
      .map((i) => `${i.from}:${i.line} -> ${i.specifier}`);
    expect(found).toEqual([]);
  });

  it("nothing imports cli/ but cli/ itself", () => {
    expect(violations(["definition", "protocol", "shared", "runtime", "index.ts", "server", "codegen"], (a) => a !== "cli")).toEqual([]);
  });

  it("issue 13: ui/ imports only the generated client, the transport's entry, shared/, definition/ and preact, never node: or the server", () => {
    const transport = join(src, "runtime", "transport", "index.js");
    const found = imports
      .filter((i) => areaOf(join(root, i.from)) === "ui")
      .filter((i) => {
        if (i.area === null) return !["preact", "preact/hooks"].includes(i.specifier);
        const target = resolve(dirname(join(root, i.from)), i.specifier);
        if (["ui", "definition", "shared"].includes(i.area)) return false;
        if (target === transport) return false;
        return !(target.startsWith(join(root, "generated", "api") + sep) && i.area === "(outside src)");
      })
      .map((i) => `${i.from}:${i.line} -> ${i.specifier}`);
    expect(found).toEqual([]);
  });

  it("issue 13: nothing the web UI's bundle reaches imports a node: module (statically) or the server", () => {
    // Walk every local import from src/ui; `import("ws")` and `import("undici")` (the transport's node paths) are dynamic and stubbed by the UI build.
    const byFile = new Map<string, Import[]>();
    for (const i of imports) byFile.set(join(root, i.from), [...(byFile.get(join(root, i.from)) ?? []), i]);
    const known = new Set<string>(files.map((f) => f.getFilePath()));
    const toSource = (target: string): string => {
      for (const candidate of [target.replace(/\.js$/, ".ts"), target.replace(/\.js$/, ".tsx"), target]) if (byFile.has(candidate) || known.has(candidate)) return candidate;
      return target;
    };
    const seen = new Set<string>();
    const queue: string[] = files.filter((f) => areaOf(f.getFilePath()) === "ui").map((f) => f.getFilePath());
    const bad: string[] = [];
    while (queue.length > 0) {
      const file = queue.pop()!;
      if (seen.has(file)) continue;
      seen.add(file);
      for (const i of byFile.get(file) ?? []) {
        if (i.specifier.startsWith("node:") || i.area === "server" || i.area === "cli" || i.area === "codegen") bad.push(`${i.from}:${i.line} -> ${i.specifier}`);
        if (i.specifier.startsWith(".")) queue.push(toSource(resolve(dirname(file), i.specifier)));
      }
    }
    expect(seen.size).toBeGreaterThan(8);
    expect(bad).toEqual([]);
  });

  it("only cli/ exits the process", () => {
    const exits = files
      .filter((f) => areaOf(f.getFilePath()) !== "cli")
      .flatMap((f) =>
        f
          .getDescendantsOfKind(SyntaxKind.PropertyAccessExpression)
          .filter((p) => p.getExpression().getText() === "process" && ["exit", "exitCode", "abort", "reallyExit"].includes(p.getName()))
          .map((p) => `${relative(root, f.getFilePath())}:${p.getStartLineNumber()} process.${p.getName()}`),
      );
    expect(exits).toEqual([]);
  });
});
