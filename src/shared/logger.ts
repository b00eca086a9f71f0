/**
 * The one logger shape of the project. Libraries (runtime, server, codegen) take one by injection
 * and are silent without it; the CLI supplies a coloured, prefixed one (src/cli/logger.ts).
 */
export interface Logger {
  debug(message: string): void;
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

/** The default of every library: says nothing. */
export const silentLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} };
