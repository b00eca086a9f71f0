/**
 * The agent-socket wire vocabulary shared by the runtime agent, the caller and the embedded server
 * (docs/spec/wire-protocol.md). Imports nothing else of ours.
 */
export * from "./close-codes.js";
export * from "./messages.js";
export * from "./parse.js";
export * from "./rules.js";
export * from "./frames.js";
