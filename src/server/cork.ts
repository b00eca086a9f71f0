/**
 * Coalesces the frames a socket sends during one turn of the event loop into one write: a group
 * commit releases many messages at once (ASSIGN, EVENT_ACK, mirrors, subscription events), and on
 * this kind of host every write is a costly system call. The first send of a turn corks the TCP
 * socket; a `setImmediate` writes every corked socket out.
 *
 * The store's commit runs in a `setImmediate` too, and what it releases is mostly sent from promise
 * callbacks after it (graphql-ws' subscription loops). `flushAfterCommit` queues a write-out right
 * behind the commit, in the same turn: those frames leave before the next socket reads are handled
 * (a write-out queued from within the commit would wait for them).
 */
import type { Socket } from "node:net";
import type { WebSocket } from "ws";

const corked = new Set<Socket>();
const sockets = new WeakMap<WebSocket, Socket>();
let flushQueued = false;

function flushAll(): void {
  flushQueued = false;
  for (const socket of corked) socket.uncork();
  corked.clear();
}

function queueFlush(): void {
  flushQueued = true;
  setImmediate(flushAll);
}

export function coalesceWrites(ws: WebSocket): void {
  // `_socket` is ws's handle on the TCP socket (ws 8); without it we simply send uncorked
  const socket = (ws as unknown as { _socket?: Socket })._socket;
  if (!socket || typeof socket.cork !== "function") return;
  sockets.set(ws, socket);
  const send = ws.send.bind(ws) as (...args: unknown[]) => void;
  ws.send = ((...args: unknown[]) => {
    if (!corked.has(socket) && socket.writable) {
      corked.add(socket);
      socket.cork();
      if (!flushQueued) queueFlush();
    }
    send(...args);
  }) as WebSocket["send"];
}

/** Queues a write-out of every corked socket; the store calls it right after it queues its commit. */
export function flushAfterCommit(): void {
  queueFlush();
}

/**
 * Writes what the socket holds now instead of at the end of the turn: for the frames someone is
 * waiting on (an agent's ASSIGN), sent while other work of the same commit is still to run.
 */
export function flushWrites(ws: WebSocket): void {
  const socket = sockets.get(ws);
  if (socket && corked.delete(socket)) socket.uncork();
}
