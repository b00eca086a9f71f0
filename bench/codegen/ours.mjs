// One run of our GraphQL stage at the package root in a fresh process, writing its files under
// the directory given as argv[2] (what `arkitekt-next gen` does for a GraphQL-only project).
// Prints its own peak RSS (KB) on stderr as `maxrss <n>` for machines without /usr/bin/time.
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const outDir = process.argv[2];
if (!outDir) throw new Error("usage: node bench/codegen/ours.mjs <outDir>");
const { generateGraphql } = await import(path.join(root, "dist/src/codegen/graphql/index.js"));
const result = await generateGraphql({ cwd: root, configPath: "codegen.yml" });
if (result.diagnostics.length > 0 || result.files.length === 0) {
  console.error(JSON.stringify(result.diagnostics));
  process.exit(1);
}
for (const file of result.files) {
  const target = path.join(outDir, file.path);
  await mkdir(path.dirname(target), { recursive: true });
  await writeFile(target, file.content);
}
console.error(`maxrss ${process.resourceUsage().maxRSS}`);
