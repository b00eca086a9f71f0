/**
 * Byte-based backpressure for every WebSocket the server writes to (`/agi` and both GraphQL
 * subprotocols). A send never waits for the peer: it goes into the socket's buffer at once, so no
 * producer upstream (the hub, graphql-ws' subscription loop) queues events for a stalled reader. Instead,
 * when a reader has fallen behind by more than `maxBufferedBytes` (the socket's `bufferedAmount`, unsent
 * bytes, before the new frame), the socket is closed 1013 (CloseCode.ReaderTooSlow) and every later send
 * is dropped. The close frame waits behind the backlog; a reader that does not take it within
 * `CLOSE_GRACE_MS` is dropped without it.
 *
 * It is also where text leaves the server on every WebSocket: stored JSON (`RawJson`, e.g. a task
 * event's `returns`) that graphql-ws and the legacy adapter serialised as a marker is expanded to its
 * stored text here (see graphql/raw-json.ts); a frame without a marker costs one `indexOf`.
 */
import type { WebSocket } from "ws";
import { CloseCode } from "../protocol/index.js";
import { expandRawJson } from "./graphql/raw-json.js";
import type { Logger } from "../shared/logger.js";

/** How long a slow reader's socket may take to finish the close handshake before it is dropped. */
export const CLOSE_GRACE_MS = 5_000;

export interface SendGuardOptions {
  maxBufferedBytes: number;
  log: Logger;
  /** Names the socket in the log line, e.g. "legacy graphql-ws" or "agent socket 1f0c...". */
  label: string;
  /** Closes the socket with the given code (default `ws.close`), so its owner can clean up at once. */
  close?: (code: number, reason: string) => void;
}

type SendCallback = (error?: Error) => void;

/** Replaces `ws.send` by a bounded, non-waiting send (see the module comment). */
export function guardSends(ws: WebSocket, options: SendGuardOptions): void {
  const send = ws.send.bind(ws) as (data: unknown, options: object, cb?: SendCallback) => void;
  let overflowed = false;
  const overflow = (backlog: number) => {
    overflowed = true;
    options.log.warn(
      `${options.label}: the reader fell ${backlog} bytes behind (limit maxBufferedBytes = ${options.maxBufferedBytes}); closing ${CloseCode.ReaderTooSlow}`,
    );
    const reason = "reader too slow: reconnect and catch up";
    try {
      if (options.close) options.close(CloseCode.ReaderTooSlow, reason);
      else ws.close(CloseCode.ReaderTooSlow, reason);
    } catch {
      ws.terminate();
    }
    const drop = setTimeout(() => ws.terminate(), CLOSE_GRACE_MS);
    drop.unref?.();
    ws.once("close", () => clearTimeout(drop));
  };
  ws.send = ((data: unknown, optionsOrCallback?: object | SendCallback, maybeCallback?: SendCallback) => {
    const callback = typeof optionsOrCallback === "function" ? optionsOrCallback : maybeCallback;
    const sendOptions = typeof optionsOrCallback === "object" && optionsOrCallback !== null ? optionsOrCallback : {};
    // the caller never waits for the peer: a stalled reader is handled by the byte bound below
    if (callback) queueMicrotask(() => callback());
    if (overflowed || ws.readyState !== ws.OPEN) return;
    const backlog = ws.bufferedAmount;
    if (backlog > options.maxBufferedBytes) {
      overflow(backlog);
      return;
    }
    send(typeof data === "string" ? expandRawJson(data) : data, sendOptions);
  }) as WebSocket["send"];
}
