#!/usr/bin/env node
// The CLI entry: runs the compiled program from dist/ (built by `npm run build`, which `npm ci` runs through `prepare`).
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

const entry = new URL("../dist/src/cli/index.js", import.meta.url);
if (!existsSync(fileURLToPath(entry))) {
  process.stderr.write(
    "arkitekt-next: the package is not built (dist/ is missing).\n  hint: run `npm run build` in the arkitekt-next package.\n",
  );
  process.exit(1);
}
await import(entry.href);
