/**
 * The CLI's logger: a coloured, prefixed line per message (colour only on a TTY and without
 * NO_COLOR); debug lines only with --verbose. Libraries get it injected and are silent without it.
 */
export interface CliLogger {
  debug(message: string): void;
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

export function cliLogger(prefix: string, verbose = false, out: NodeJS.WriteStream = process.stderr): CliLogger {
  const colour = Boolean(out.isTTY) && !process.env.NO_COLOR;
  const paint = (code: number, text: string): string => (colour ? `\u001b[${code}m${text}\u001b[0m` : text);
  return {
    debug: (m) => {
      if (verbose) out.write(`${paint(90, prefix)} ${m}\n`);
    },
    info: (m) => out.write(`${paint(36, prefix)} ${m}\n`),
    warn: (m) => out.write(`${paint(33, `${prefix} warning`)} ${m}\n`),
    error: (m) => out.write(`${paint(31, `${prefix} error`)} ${m}\n`),
  };
}
