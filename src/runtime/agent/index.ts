/** The agent: serve the app's registered functions on the platform. */
export { connect } from "./connect.js";
export { platformEndpoints } from "../transport/index.js";
export type { AgentHandle, ConnectOptions, ServedImplementation } from "./connect.js";
export { AgentSocket, PROCESS_SESSION_ID } from "./agent.js";
export type { AgentSocketOptions, AgentStop, ReconnectOptions, TaskEnd } from "./agent.js";
export { AgentStoppedError } from "./errors.js";
export type { AgentStopCode } from "./errors.js";
export { TaskAbortedError } from "./task-run.js";
