/**
 * WebSocket close codes of the agent socket (`/agi`), see shared/spec/wire-protocol.md §2.2.
 * The Python client v2.1.2 maps 3001/3002/3004 differently; these are the server's meanings.
 */
export const CloseCode = {
  /** Normal close (an agent shutting down on purpose). */
  Normal: 1000,
  /** The server (or client) is going away, e.g. a graceful shutdown. */
  GoingAway: 1001,
  /** A frame exceeded the size limit. */
  MessageTooBig: 1009,
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
} as const;

export type CloseCode = (typeof CloseCode)[keyof typeof CloseCode];

/** A one-line explanation per close code, for logs and error messages. */
export function describeCloseCode(code: number): string {
  switch (code) {
    case CloseCode.Normal:
      return "normal close";
    case CloseCode.GoingAway:
      return "server shutting down";
    case CloseCode.MessageTooBig:
      return "frame over the size limit";
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
    default:
      return `close code ${code}`;
  }
}
