/**
 * The logger the runtime writes to. Libraries are silent by default: pass a logger to see what the
 * agent and the caller do (the CLI passes its coloured one). Same shape as the codegen's logger.
 */
export interface RuntimeLogger {
  debug(message: string): void;
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

export const silentRuntimeLogger: RuntimeLogger = { debug() {}, info() {}, warn() {}, error() {} };
