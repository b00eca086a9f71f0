/** What `arkitekt-next gen` prints after a run (through the injected logger; the library is silent by default). */
import { existsSync } from "node:fs";
import { join } from "node:path";
import type { GenerateResult } from "./index.js";
import type { ProjectConfig } from "./config.js";
import type { Logger } from "../shared/logger.js";
import { formatDiagnostic } from "./types.js";

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}

export function report(result: GenerateResult, logger: Logger, check: boolean): void {
  if (result.diagnostics.length > 0) {
    logger.error(result.diagnostics.map(formatDiagnostic).join("\n\n"));
    logger.error(`${plural(result.diagnostics.length, "problem")} found; nothing was written.`);
    return;
  }
  // No stage ran: generate() already said what it looked for.
  if (result.stages.length === 0) return;
  const ms = Math.round(result.durationMs);
  const skipped = result.skipped.length > 0 ? `; unchanged, skipped: ${result.skipped.join(", ")}` : "";
  const what = `${plural(result.functionCount, "function")}, stages: ${result.stages.join(", ") || "none"}${skipped}`;
  if (check) {
    if (result.ok) logger.info(`generated files are up to date (${result.files.length} files, ${what}, ${ms} ms)`);
    else {
      const edited = result.stale.some((s) => s.reason === "edited")
        ? "\n(edited: changed since gen wrote it; generated files are not edited by hand, gen rewrites them)"
        : "";
      logger.error(
        `generated files are stale:\n${result.stale.map((s) => `  ${s.reason.padEnd(7)} ${s.path}`).join("\n")}${edited}\nrun \`arkitekt-next gen\` and commit the result.`,
      );
    }
    return;
  }
  if (result.functionCount === 0 && result.skipped.includes("functions")) {
    logger.warn("no registered functions (the sources are unchanged since the last gen; `gen --force` names the files it scanned): wrap a function in register()");
  }
  if (result.written.length === 0 && result.removed.length === 0) {
    logger.info(`up to date: ${result.files.length} files (${what}) in ${ms} ms`);
  } else {
    for (const path of result.written) logger.info(`wrote ${path}`);
    for (const path of result.removed) logger.info(`removed ${path}`);
    logger.info(`generated ${result.written.length} of ${result.files.length} files (${what}) in ${ms} ms`);
  }
}

/** What gen looked for in a folder where no stage runs, and what to do about it. */
export function nothingToGenerate(cwd: string, config: ProjectConfig): string {
  const looked: string[] = [];
  looked.push(config.fromFile ? "arkitekt.json: found, but it turns every stage off (\"functions\": false, \"graphql\": false, no \"actions\")" : "arkitekt.json: not found (it names the app and its stages)");
  if (!config.fromFile || !existsSync(join(cwd, "tsconfig.json"))) {
    looked.push("tsconfig.json: not found (the functions stage reads the files it includes for register() calls)");
  }
  if (!existsSync(join(cwd, "codegen.yml"))) looked.push("codegen.yml: not found (the GraphQL stage generates typed clients from it)");
  return [
    `nothing to generate in ${cwd}. Looked for:`,
    ...looked.map((line) => `  ${line}`),
    "To start an app here: npx arkitekt-next init (writes package.json, tsconfig.json, arkitekt.json and src/app.ts; while the package is unpublished: npx ./arkitekt-next-<version>.tgz init).",
    "For an existing app: run gen in its folder, or pass --cwd <app folder>.",
  ].join("\n");
}

/** What gen looked at when the functions stage found no register() call, and how to add one. */
export function noRegisteredFunctions(tsconfig: string, files: readonly string[]): string {
  const shown = files.slice(0, 5).join(", ") + (files.length > 5 ? `, ... (${files.length - 5} more)` : "");
  const scanned =
    files.length === 0
      ? `${tsconfig} includes no source files (check its "include" and "files")`
      : `none of the ${files.length} file(s) ${tsconfig} includes (${shown}) calls register() imported from "arkitekt-next"`;
  return [
    `no registered functions: ${scanned}.`,
    "Wrap a function in register() to serve it, e.g. in src/app.ts:",
    '  import { register, type Int } from "arkitekt-next";',
    "  export const add = register(function add(a: Int, b: Int): Int {",
    "    return a + b;",
    "  });",
    "then run gen again.",
  ].join("\n");
}
