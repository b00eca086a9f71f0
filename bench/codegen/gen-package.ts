/**
 * Writes the package's own GraphQL client (generated/api/rekuest.ts) with `generateGraphql`,
 * standing in for `arkitekt-next gen` at the package root. `--check` compares instead of writing.
 * Run: npx tsx bench/codegen/gen-package.ts [--check]
 */
import { mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { generateGraphql } from "../../src/codegen/graphql/index.js";
import { formatDiagnostic } from "../../src/codegen/types.js";

const cwd = path.resolve(import.meta.dirname, "../..");
const check = process.argv.includes("--check");
const result = await generateGraphql({ cwd, configPath: "codegen.yml" });
for (const diagnostic of result.diagnostics) console.error(formatDiagnostic(diagnostic));
if (result.diagnostics.length > 0) process.exit(1);
let stale = 0;
for (const file of result.files) {
  const target = path.join(cwd, file.path);
  if (check) {
    const current = await readFile(target, "utf8").catch(() => "");
    if (current !== file.content) {
      console.error(`${file.path} is stale`);
      stale++;
    }
  } else {
    await mkdir(path.dirname(target), { recursive: true });
    await writeFile(target, file.content);
    console.log(`wrote ${file.path} (${file.content.length} bytes)`);
  }
}
process.exit(stale > 0 ? 1 : 0);
