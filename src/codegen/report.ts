/** What `arkitekt-next gen` prints after a run (through the injected logger; the library is silent by default). */
import type { GenerateResult } from "./index.js";
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
  if (result.written.length === 0 && result.removed.length === 0) {
    logger.info(`up to date: ${result.files.length} files (${what}) in ${ms} ms`);
  } else {
    for (const path of result.written) logger.info(`wrote ${path}`);
    for (const path of result.removed) logger.info(`removed ${path}`);
    logger.info(`generated ${result.written.length} of ${result.files.length} files (${what}) in ${ms} ms`);
  }
}
