/**
 * A raw agent socket (`/agi`) for black-box tests: frames are built as plain JSON so the tests pin the
 * wire format (wire-protocol.md §2.3), and received frames are buffered so a test can await the next
 * frame of a given type while others keep arriving.
 */
import { randomUUID } from "node:crypto";
import WebSocket from "ws";

/** One frame as it travels on the wire: a JSON object discriminated by `type`. */
export interface Frame {
  type: string;
  [field: string]: unknown;
}

export interface CloseInfo {
  code: number;
  reason: string;
}

/** Matches a frame: by `type`, by a predicate, or any frame when undefined. */
export type FrameMatch = string | ((frame: Frame) => boolean) | undefined;

export interface AgentSocketOptions {
  /**
   * Answer every HEARTBEAT with HEARTBEAT_ANSWER at once and keep HEARTBEATs out of the buffer.
   * Default true; heartbeat tests turn it off to watch (or ignore) them.
   */
  autoHeartbeat?: boolean;
}

export interface RegisterOptions {
  force?: boolean;
  session_id?: string;
  /** Extra fields to put on the REGISTER frame (strictness tests, legacy `mode`). */
  extra?: Record<string, unknown>;
}

interface Waiter {
  match: FrameMatch;
  resolve: (frame: Frame) => void;
  reject: (error: Error) => void;
  timer: NodeJS.Timeout;
  what: string;
}

const DEFAULT_TIMEOUT_MS = 3000;

/**
 * Matches every frame except caller mirrors (`*_EVENT`), which reach any socket of the caller's identity at
 * any time; use it to assert the order of the messages addressed to the agent (INIT, then ASSIGN ...).
 */
export const notMirror = (frame: Frame): boolean => !frame.type.endsWith("_EVENT");

function matches(match: FrameMatch, frame: Frame): boolean {
  if (match === undefined) return true;
  if (typeof match === "string") return frame.type === match;
  return match(frame);
}

function describe(match: FrameMatch): string {
  if (match === undefined) return "any frame";
  if (typeof match === "string") return `a ${match} frame`;
  return "a matching frame";
}

function summary(frames: readonly Frame[]): string {
  if (frames.length === 0) return "nothing";
  return frames.map((f) => JSON.stringify(f).slice(0, 200)).join(", ");
}

export class AgentSocket {
  /** Every frame received, in order (HEARTBEATs included), for assertions about what never arrived. */
  readonly history: Frame[] = [];
  /** How many HEARTBEATs were answered automatically. */
  heartbeatsAnswered = 0;
  /** When the connection opened (ms since epoch). */
  readonly openedAt: number;
  private readonly buffer: Frame[] = [];
  private readonly waiters: Waiter[] = [];
  private closeInfo: CloseInfo | undefined;
  private readonly closeListeners: Array<(info: CloseInfo) => void> = [];
  private seq = 0;
  autoHeartbeat: boolean;

  private constructor(
    readonly ws: WebSocket,
    options: AgentSocketOptions,
  ) {
    this.autoHeartbeat = options.autoHeartbeat ?? true;
    this.openedAt = Date.now();
    ws.on("message", (data, isBinary) => this.onMessage(data, isBinary));
    ws.on("close", (code, reason) => this.onClose({ code, reason: reason.toString("utf8") }));
    ws.on("error", () => {
      /* a close always follows; the close code is what tests assert */
    });
  }

  /** Opens `/agi` and resolves once the socket is open. */
  static open(agiUrl: string, options: AgentSocketOptions = {}): Promise<AgentSocket> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(agiUrl);
      const onError = (error: Error): void => reject(new Error(`could not open ${agiUrl}: ${error.message}`));
      ws.once("error", onError);
      ws.once("open", () => {
        ws.off("error", onError);
        resolve(new AgentSocket(ws, options));
      });
    });
  }

  get isOpen(): boolean {
    return this.ws.readyState === WebSocket.OPEN && this.closeInfo === undefined;
  }

  /** The close code and reason once closed, else undefined. */
  get closeState(): CloseInfo | undefined {
    return this.closeInfo;
  }

  /** Sends a frame: an object is JSON-encoded, a string or Buffer goes as is (Buffer as a binary frame). */
  send(frame: Record<string, unknown> | string | Buffer): void {
    if (Buffer.isBuffer(frame)) this.ws.send(frame, { binary: true });
    else if (typeof frame === "string") this.ws.send(frame);
    else this.ws.send(JSON.stringify(frame));
  }

  /** Sends `{"type":"REGISTER","token":T,"force":false}` (plus session_id / extra fields when given). */
  sendRegister(token: string, options: RegisterOptions = {}): void {
    const frame: Record<string, unknown> = { type: "REGISTER", token, force: options.force ?? false };
    if (options.session_id !== undefined) frame.session_id = options.session_id;
    Object.assign(frame, options.extra ?? {});
    this.send(frame);
  }

  /** Sends REGISTER and resolves with the INIT frame; rejects (naming the close code) if the socket closes instead. */
  async register(token: string, options: RegisterOptions = {}, timeoutMs = DEFAULT_TIMEOUT_MS): Promise<Frame> {
    this.sendRegister(token, options);
    return this.next("INIT", timeoutMs);
  }

  /**
   * Sends an agent report (`STARTED`, `LOG`, `PROGRESS`, `YIELD`, `COMPLETED`, ...) about `task` with a fresh
   * message id and the next `seq`; returns the frame sent.
   */
  report(type: string, task: string, fields: Record<string, unknown> = {}): Frame {
    this.seq += 1;
    const frame: Frame = { type, id: randomUUID(), task, seq: this.seq, ...fields };
    this.send(frame);
    return frame;
  }

  /** Sends a report that the server acknowledges and resolves with its EVENT_ACK (matched by message id). */
  async reportAcked(type: string, task: string, fields: Record<string, unknown> = {}, timeoutMs = DEFAULT_TIMEOUT_MS): Promise<Frame> {
    const sent = this.report(type, task, fields);
    return this.next((f) => f.type === "EVENT_ACK" && f.event === sent.id, timeoutMs);
  }

  /**
   * Resolves with the next buffered or arriving frame that matches (others stay buffered for later calls);
   * rejects on timeout or close, listing what arrived meanwhile.
   */
  next(match?: FrameMatch, timeoutMs = DEFAULT_TIMEOUT_MS): Promise<Frame> {
    const index = this.buffer.findIndex((f) => matches(match, f));
    if (index >= 0) {
      const [frame] = this.buffer.splice(index, 1);
      return Promise.resolve(frame as Frame);
    }
    const what = describe(match);
    if (this.closeInfo) {
      return Promise.reject(new Error(`socket closed ${this.closeInfo.code} ("${this.closeInfo.reason}") before ${what} arrived; buffered: ${summary(this.buffer)}`));
    }
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        match,
        what,
        resolve,
        reject,
        timer: setTimeout(() => {
          this.removeWaiter(waiter);
          reject(new Error(`no ${what} within ${timeoutMs} ms; buffered: ${summary(this.buffer)}`));
        }, timeoutMs),
      };
      this.waiters.push(waiter);
    });
  }

  /** The buffered (not yet consumed) frames, without consuming them. */
  pending(match?: FrameMatch): Frame[] {
    return this.buffer.filter((f) => matches(match, f));
  }

  /** Every frame received so far that matches, consumed or not. */
  seen(match?: FrameMatch): Frame[] {
    return this.history.filter((f) => matches(match, f));
  }

  /**
   * Waits `windowMs` and asserts that no matching frame arrived during the window or sits unconsumed in the
   * buffer. Negative assertions need a window; keep it short.
   */
  async expectNoFrame(match: FrameMatch, windowMs = 150): Promise<void> {
    const before = this.history.length;
    await new Promise((resolve) => setTimeout(resolve, windowMs));
    const arrived = this.history.slice(before).filter((f) => matches(match, f));
    const buffered = this.buffer.filter((f) => matches(match, f));
    const unexpected = [...new Set([...buffered, ...arrived])];
    if (unexpected.length > 0) {
      throw new Error(`expected no ${describe(match).replace(/^(a|any) /, "")} within ${windowMs} ms, got: ${summary(unexpected)}`);
    }
  }

  /** Resolves with the close code and reason (at once if already closed); rejects after `timeoutMs`. */
  closed(timeoutMs = DEFAULT_TIMEOUT_MS): Promise<CloseInfo> {
    if (this.closeInfo) return Promise.resolve(this.closeInfo);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(new Error(`socket still open after ${timeoutMs} ms; received: ${summary(this.history.slice(-10))}`));
      }, timeoutMs);
      this.closeListeners.push((info) => {
        clearTimeout(timer);
        resolve(info);
      });
    });
  }

  /** Closes cleanly (default 1000) and waits for the close handshake. */
  async close(code = 1000): Promise<CloseInfo> {
    if (!this.closeInfo && this.ws.readyState !== WebSocket.CLOSED) this.ws.close(code);
    return this.closed();
  }

  /** Drops the TCP connection without a close handshake (the server sees 1006), as a crashed agent would. */
  async terminate(): Promise<void> {
    if (!this.closeInfo) {
      this.ws.terminate();
      await this.closed();
    }
  }

  private onMessage(data: WebSocket.RawData, isBinary: boolean): void {
    const text = Array.isArray(data) ? Buffer.concat(data).toString("utf8") : Buffer.from(data as ArrayBuffer).toString("utf8");
    let frame: Frame;
    try {
      const parsed: unknown = JSON.parse(text);
      frame = typeof parsed === "object" && parsed !== null && !Array.isArray(parsed) ? (parsed as Frame) : { type: "__NOT_AN_OBJECT__", raw: text };
    } catch {
      frame = { type: isBinary ? "__BINARY__" : "__NOT_JSON__", raw: text };
    }
    this.history.push(frame);
    if (this.autoHeartbeat && frame.type === "HEARTBEAT") {
      this.heartbeatsAnswered += 1;
      if (this.ws.readyState === WebSocket.OPEN) this.send({ type: "HEARTBEAT_ANSWER", id: randomUUID() });
      return;
    }
    const waiter = this.waiters.find((w) => matches(w.match, frame));
    if (waiter) {
      this.removeWaiter(waiter);
      clearTimeout(waiter.timer);
      waiter.resolve(frame);
      return;
    }
    this.buffer.push(frame);
  }

  private onClose(info: CloseInfo): void {
    this.closeInfo = info;
    for (const waiter of this.waiters.splice(0)) {
      clearTimeout(waiter.timer);
      waiter.reject(new Error(`socket closed ${info.code} ("${info.reason}") before ${waiter.what} arrived; buffered: ${summary(this.buffer)}`));
    }
    for (const listener of this.closeListeners.splice(0)) listener(info);
  }

  private removeWaiter(waiter: Waiter): void {
    const index = this.waiters.indexOf(waiter);
    if (index >= 0) this.waiters.splice(index, 1);
  }
}
