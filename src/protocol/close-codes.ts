/**
 * WebSocket close codes of the agent socket (`/agi`), see docs/spec/wire-protocol.md §2.2, and the
 * codes the embedded server uses on every socket (`/agi` and both GraphQL subprotocols) for shutdown,
 * slow readers and missing authentication. The Python client v2.1.2 maps 3001/3002/3004 differently;
 * these are the server's meanings.
 */
export const CloseCode = {
  /** Normal close (an agent shutting down on purpose). */
  Normal: 1000,
  /** The peer is going away (a browser leaving the page). The server no longer uses it: see ServiceRestart. */
  GoingAway: 1001,
  /** A frame exceeded the size limit. */
  MessageTooBig: 1009,
  /**
   * The server is shutting down or restarting (every socket, on `close()` / SIGTERM): reconnect with
   * backoff. Released Python agents treat 1001 as final, so the server never closes with 1001.
   */
  ServiceRestart: 1012,
  /**
   * The reader fell too far behind: more than the server's `maxBufferedBytes` were waiting to be sent
   * on this socket. Reconnect and catch up (agents get their outbox again; callers read `task.events`).
   */
  ReaderTooSlow: 1013,
  /** A HEARTBEAT was not answered in time. */
  HeartbeatMissed: 3001,
  /** A frame was not JSON (or was binary). */
  NotJson: 3002,
  /** Schema violation, first frame not REGISTER, bad token, unknown agent, unhandled message. */
  ProtocolError: 3003,
  /** The agent is blocked. */
  Blocked: 4003,
  /** Another live connection holds the agent's lease and `force` was false. */
  AlreadyConnected: 4004,
  /** This connection was replaced (forced or stale takeover) or fenced by a newer lease. */
  Replaced: 4005,
  /**
   * No REGISTER (`/agi`) or `connection_init` (GraphQL sockets) within the server's `authTimeoutMs`;
   * the same code graphql-ws uses for its connection-init timeout. Reconnecting may succeed.
   */
  AuthTimeout: 4408,
  /** Legacy `graphql-ws` only: a frame that is not a JSON object with a string `type`. */
  BadRequest: 4400,
  /** Legacy `graphql-ws` only: handling a frame failed inside the server (logged there). */
  InternalError: 4500,
} as const;

export type CloseCode = (typeof CloseCode)[keyof typeof CloseCode];

/** A one-line explanation per close code, for logs and error messages. */
export function describeCloseCode(code: number): string {
  switch (code) {
    case CloseCode.Normal:
      return "normal close";
    case CloseCode.GoingAway:
      return "going away";
    case CloseCode.MessageTooBig:
      return "frame over the size limit";
    case CloseCode.ServiceRestart:
      return "server restarting or shutting down";
    case CloseCode.ReaderTooSlow:
      return "the reader fell too far behind";
    case CloseCode.HeartbeatMissed:
      return "heartbeat not answered in time";
    case CloseCode.NotJson:
      return "frame was not JSON text";
    case CloseCode.ProtocolError:
      return "protocol error (bad first frame, bad token, unknown agent or invalid message)";
    case CloseCode.Blocked:
      return "agent is blocked";
    case CloseCode.AlreadyConnected:
      return "another live connection is registered for this agent";
    case CloseCode.Replaced:
      return "replaced by another connection";
    case CloseCode.AuthTimeout:
      return "no REGISTER / connection_init in time";
    case CloseCode.BadRequest:
      return "frame is not a JSON object with a type";
    case CloseCode.InternalError:
      return "internal server error";
    default:
      return `close code ${code}`;
  }
}
