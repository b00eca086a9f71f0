/**
 * The runtime's public surface: the agent (serve), the caller (call), the task context.
 * `src/index.ts` re-exports what users need from here.
 */
export * from "./agent/index.js";
export * from "./caller/index.js";
export { context, currentContext, runWithContext } from "./context.js";
export type { TaskContext, LogLevel } from "./context.js";
export { call, iterate, defaultClient, closeDefaultClient } from "./caller/default-client.js";
export { File, upload, download, MediaError, configureMedia, MEDIA_DEFAULTS } from "./media/index.js";
export type { FileInit, MediaCallOptions, MediaErrorKind, MediaOptions, StreamSource, UploadSource } from "./media/index.js";
// The one logger shape (src/shared/logger.ts); `RuntimeLogger` and `silentRuntimeLogger` are its earlier names.
export type { Logger, Logger as RuntimeLogger } from "../shared/logger.js";
export { silentLogger, silentLogger as silentRuntimeLogger } from "../shared/logger.js";
export { GeneratedCodeMismatchError } from "./generated-abi.js";
/** Helpers the generated files call (registry modules, actions stubs); see src/index.ts. */
export * as generatedSupport from "./structures/support.js";
