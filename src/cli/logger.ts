/**
 * The CLI's logger: a coloured, prefixed line per message (colour only on a TTY and without
 * NO_COLOR); debug lines only with --verbose. Libraries get it injected and are silent without it.
 * It implements the project's one `Logger` (src/shared/logger.ts).
 */
import type { Logger } from "../shared/logger.js";

export interface CliLoggerOptions {
  /** Print debug lines. */
  verbose?: boolean;
  /** Where info lines go (default stderr, so stdout stays for results). */
  info?: NodeJS.WriteStream;
  /** Write error messages as they are, without the prefix (for pre-formatted diagnostics). */
  plainErrors?: boolean;
}

export function cliLogger(prefix: string, options: CliLoggerOptions = {}): Logger {
  const err = process.stderr;
  const infoOut = options.info ?? err;
  const paint = (out: NodeJS.WriteStream, code: number, text: string): string =>
    out.isTTY && !process.env.NO_COLOR ? `\u001b[${code}m${text}\u001b[0m` : text;
  return {
    debug: (m) => {
      if (options.verbose) err.write(`${paint(err, 90, prefix)} ${m}\n`);
    },
    info: (m) => infoOut.write(`${paint(infoOut, 36, prefix)} ${m}\n`),
    warn: (m) => err.write(`${paint(err, 33, `${prefix} warning`)} ${m}\n`),
    error: (m) => err.write(options.plainErrors ? `${m}\n` : `${paint(err, 31, `${prefix} error`)} ${m}\n`),
  };
}
