/**
 * Coalesces the frames a socket sends during one turn of the event loop into one write: a group
 * commit releases many messages at once (ASSIGN, EVENT_ACK, mirrors, subscription events), and on
 * this kind of host every write is a costly system call. The first send of a turn corks the TCP
 * socket; the next `setImmediate` uncorks it.
 */
import type { Socket } from "node:net";
import type { WebSocket } from "ws";

export function coalesceWrites(ws: WebSocket): void {
  // `_socket` is ws's handle on the TCP socket (ws 8); without it we simply send uncorked
  const socket = (ws as unknown as { _socket?: Socket })._socket;
  if (!socket || typeof socket.cork !== "function") return;
  const send = ws.send.bind(ws) as (...args: unknown[]) => void;
  let corked = false;
  const uncork = () => {
    corked = false;
    socket.uncork();
  };
  ws.send = ((...args: unknown[]) => {
    if (!corked && socket.writable) {
      corked = true;
      socket.cork();
      setImmediate(uncork);
    }
    send(...args);
  }) as WebSocket["send"];
}
