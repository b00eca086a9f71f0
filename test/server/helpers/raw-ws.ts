/**
 * A raw WebSocket for hardening tests: any subprotocol, any frame (JSON, text, bytes), received frames
 * kept in order, the close code awaited, and the TCP socket paused to play a reader that stops reading.
 */
import type { Socket } from "node:net";
import WebSocket from "ws";

export interface RawCloseInfo {
  code: number;
  reason: string;
}

export class RawSocket {
  readonly frames: unknown[] = [];
  private closeInfo: RawCloseInfo | undefined;
  private readonly listeners: Array<() => void> = [];

  private constructor(readonly ws: WebSocket) {
    ws.on("message", (data) => {
      const text = String(data);
      let frame: unknown;
      try {
        frame = JSON.parse(text);
      } catch {
        frame = { raw: text };
      }
      this.frames.push(frame);
      this.notify();
    });
    ws.on("close", (code, reason) => {
      this.closeInfo = { code, reason: reason.toString() };
      this.notify();
    });
    ws.on("error", () => {
      /* the close code is what tests assert */
    });
  }

  /** Opens `url` with `protocol` (if any) and `origin` (if any); rejects on a refused upgrade. */
  static open(url: string, options: { protocol?: string; origin?: string } = {}): Promise<RawSocket> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url, options.protocol ? [options.protocol] : [], options.origin ? { origin: options.origin } : {});
      ws.once("unexpected-response", (_req, res) => reject(new Error(`upgrade refused: HTTP ${res.statusCode}`)));
      ws.once("error", (error) => reject(error));
      ws.once("open", () => resolve(new RawSocket(ws)));
    });
  }

  get closeState(): RawCloseInfo | undefined {
    return this.closeInfo;
  }

  /** Sends an object or array as JSON, a string as a text frame, a Buffer as a binary frame. */
  send(frame: unknown): void {
    if (this.ws.readyState !== WebSocket.OPEN) return;
    if (Buffer.isBuffer(frame)) this.ws.send(frame, { binary: true });
    else if (typeof frame === "string") this.ws.send(frame);
    else this.ws.send(JSON.stringify(frame));
  }

  /** Sends bytes as a text frame (e.g. invalid UTF-8). */
  sendTextBytes(bytes: Buffer): void {
    this.ws.send(bytes, { binary: false });
  }

  /** The first received frame (from the start) that matches; waits up to `timeoutMs`. */
  async next(match: (frame: Record<string, unknown>) => boolean, timeoutMs = 3000): Promise<Record<string, unknown>> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.frames.find((f) => typeof f === "object" && f !== null && match(f as Record<string, unknown>));
      if (found) return found as Record<string, unknown>;
      if (this.closeInfo) throw new Error(`closed ${this.closeInfo.code} (${this.closeInfo.reason}) before a matching frame; got ${JSON.stringify(this.frames).slice(0, 500)}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no matching frame within ${timeoutMs} ms; got ${JSON.stringify(this.frames).slice(0, 500)}`);
      await this.wait(left);
    }
  }

  async closed(timeoutMs = 3000): Promise<RawCloseInfo> {
    const deadline = Date.now() + timeoutMs;
    while (!this.closeInfo) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`socket still open after ${timeoutMs} ms; got ${JSON.stringify(this.frames.slice(-5)).slice(0, 500)}`);
      await this.wait(left);
    }
    return this.closeInfo;
  }

  /** Stops reading from the TCP socket: the server's writes pile up behind it. */
  pause(): void {
    this.tcp().pause();
  }

  resume(): void {
    this.tcp().resume();
  }

  terminate(): void {
    this.ws.terminate();
  }

  private tcp(): Socket {
    const socket = (this.ws as unknown as { _socket?: Socket })._socket;
    if (!socket) throw new Error("the WebSocket has no TCP socket (closed?)");
    return socket;
  }

  private wait(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.listeners.push(done);
    });
  }

  private notify(): void {
    for (const listener of this.listeners.splice(0)) listener();
  }
}

/** Opens a legacy `graphql-ws` socket and completes `connection_init {token}` (unless `token` is null). */
export async function openLegacy(url: string, token: string | null, options: { origin?: string } = {}): Promise<RawSocket> {
  const socket = await RawSocket.open(url, { protocol: "graphql-ws", ...options });
  if (token !== null) {
    socket.send({ type: "connection_init", payload: { token } });
    await socket.next((f) => f.type === "connection_ack");
  }
  return socket;
}

/** Opens a `graphql-transport-ws` socket and completes `connection_init {token}` (unless `token` is null). */
export async function openTransport(url: string, token: string | null, options: { origin?: string } = {}): Promise<RawSocket> {
  const socket = await RawSocket.open(url, { protocol: "graphql-transport-ws", ...options });
  if (token !== null) {
    socket.send({ type: "connection_init", payload: { token } });
    await socket.next((f) => f.type === "connection_ack");
  }
  return socket;
}
