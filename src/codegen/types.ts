/**
 * What every generator stage returns to `arkitekt-next gen`: files to write (all or none) and
 * diagnostics. The orchestrator writes, or in `--check` mode compares; stages never touch the disk.
 */

/** One file a stage wants written, its path relative to the project directory (posix separators). */
export interface GeneratedFile {
  path: string;
  content: string;
  /**
   * A hash of what this one file was generated from (the generator and the output's own inputs),
   * recorded in the manifest's `sources`: the next run keeps the file while the key is the same
   * (StageContext.previous), even when other inputs of its stage changed.
   */
  sourceKey?: string;
  /**
   * The piece index of a file formatted piece by piece (emit/pieces.ts), recorded in the manifest's
   * `pieces`: the next gen formats only the pieces that changed.
   */
  pieces?: string;
}

/** A problem in the user's input, shown as `file:line:col: message` plus a hint. */
export interface Diagnostic {
  /** Path relative to the project directory (or absolute when outside it). */
  file: string;
  /** 1-based; 0 when the problem has no position (e.g. a missing file). */
  line: number;
  /** 1-based; 0 when unknown. */
  column: number;
  message: string;
  /** What to do about it. */
  hint?: string;
  /** The source line, shown with a caret under `column`. */
  sourceLine?: string;
  /** A stable code, e.g. ARK_UNSUPPORTED_TYPE. */
  code: string;
}

export interface StageResult {
  files: GeneratedFile[];
  diagnostics: Diagnostic[];
}

/** Formats a diagnostic the way ts-morph and tsc do: place, message, source line with a caret, hint. */
export function formatDiagnostic(d: Diagnostic): string {
  const place = d.line > 0 ? `${d.file}:${d.line}:${d.column}` : d.file;
  let text = `${place} - error ${d.code}: ${d.message}`;
  if (d.sourceLine !== undefined && d.line > 0) {
    const gutter = `${d.line} | `;
    text += `\n\n  ${gutter}${d.sourceLine}\n  ${" ".repeat(gutter.length + Math.max(0, d.column - 1))}^`;
  }
  if (d.hint) text += `\n  hint: ${d.hint}`;
  return text;
}
