/**
 * Issue 15: "resolvers need no casts". The resolvers are typed from the schema
 * (generated/server/resolvers.ts, store rows as mappers), so a cast of an argument or a parent in a
 * resolver file hides a real mismatch. Every resolver file of the server is checked here: the core
 * (src/server/graphql/core), the media store's fields and every area (src/server/areas).
 */
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { Node, Project, SyntaxKind, type SourceFile } from "ts-morph";
import { describe, expect, it } from "vitest";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");

/** Every ` as T` (other than `as const`) and `<T>value` in the file, as `file:line: text`. */
function castsIn(file: SourceFile): string[] {
  const found: string[] = [];
  for (const node of file.getDescendants()) {
    if (Node.isAsExpression(node)) {
      const type = node.getTypeNode();
      if (type && type.getKind() === SyntaxKind.TypeReference && type.getText() === "const") continue;
      found.push(`${relative(root, file.getFilePath())}:${node.getStartLineNumber()}: ${node.getText().slice(0, 120)}`);
    } else if (Node.isTypeAssertion(node)) {
      found.push(`${relative(root, file.getFilePath())}:${node.getStartLineNumber()}: ${node.getText().slice(0, 120)}`);
    }
  }
  return found;
}

const project = new Project({ skipAddingFilesFromTsConfig: true, skipFileDependencyResolution: true });
const resolverFiles = project.addSourceFilesAtPaths([
  join(root, "src/server/graphql/core/**/*.ts"),
  join(root, "src/server/media/graphql.ts"),
  // an area's resolvers (stored JSON is decoded to typed values in its records, the store layer)
  join(root, "src/server/areas/*/resolvers.ts"),
  join(root, "src/server/areas/*/index.ts"),
]);

describe("resolver files (issue 15: resolvers need no casts)", () => {
  it("issue 15: finds the resolver files of the core, the media store and the areas", () => {
    const names = resolverFiles.map((f) => relative(root, f.getFilePath()));
    expect(names).toContain("src/server/graphql/core/objects.ts");
    expect(names).toContain("src/server/media/graphql.ts");
    expect(names.some((n) => n.startsWith("src/server/areas/"))).toBe(true);
  });

  it("issue 15: the check flags `value as T` and `<T>value` but not `as const`", () => {
    const probe = new Project({ useInMemoryFileSystem: true }).createSourceFile(
      "probe.ts",
      "const a = (p as { id: number }).id;\nconst b = <string>x;\nconst c = ['x'] as const;\n",
    );
    expect(castsIn(probe).map((c) => c.slice(c.indexOf(": ") + 2))).toEqual(["p as { id: number }", "<string>x"]);
  });

  it("issue 15: no resolver file casts (type the resolver with the generated <Type>Resolvers instead)", () => {
    expect(resolverFiles.flatMap(castsIn)).toEqual([]);
  });
});
