/**
 * The agent socket (`/agi`): REGISTER handshake, heartbeats, reports, requests. Every frame is
 * parsed with the shared protocol; the decisions live in the platform core.
 */
import { isUtf8 } from "node:buffer";
import { randomUUID } from "node:crypto";
import type { Socket } from "node:net";
import type { WebSocket } from "ws";
import {
  CloseCode,
  TASK_REPORT_TYPES,
  encodeAssignResponse,
  encodeControlResponse,
  encodeEventAck,
  encodeHeartbeat,
  encodeInit,
  encodeProtocolError,
  parseFromAgent,
  type FromAgentMessage,
  type ProtocolParseError,
} from "../protocol/index.js";
import type { Identity, TokenAuthority } from "./auth.js";
import type { Logger } from "../shared/logger.js";
import type { CompiledOptions } from "./options.js";
import { PlatformError, type AgentLink, type ControlKind, type Platform } from "./platform.js";
import { flushWrites } from "./cork.js";
import { guardSends } from "./socket-guard.js";

/** Close reasons are limited to 123 bytes. */
function reasonText(reason: string): string {
  const buf = Buffer.from(reason, "utf8");
  return buf.length <= 123 ? reason : buf.subarray(0, 120).toString("utf8") + "...";
}

const CONTROL_OF: Record<string, ControlKind> = {
  CANCEL_REQUEST: "CANCEL",
  INTERRUPT_REQUEST: "INTERRUPT",
  PAUSE_REQUEST: "PAUSE",
  RESUME_REQUEST: "RESUME",
};

export interface AgentSocketDeps {
  platform: Platform;
  auth: TokenAuthority;
  options: CompiledOptions;
  log: Logger;
}

class AgentConnection implements AgentLink {
  readonly connectionId = randomUUID();
  agentId = 0;
  identity!: Identity;
  epoch = 0;
  lastOutboxId = 0;
  private state: "pending" | "registered" | "closed" = "pending";
  private heartbeat: NodeJS.Timeout | null = null;
  private pendingAnswer: NodeJS.Timeout | null = null;
  private registerDeadline: NodeJS.Timeout | null = null;
  private drainWaiting = false;

  constructor(
    private readonly ws: WebSocket,
    private readonly deps: AgentSocketDeps,
    private readonly remote: string,
  ) {
    const { authTimeoutMs, maxBufferedBytes } = deps.options;
    guardSends(ws, { maxBufferedBytes, log: deps.log, label: `agent socket ${this.connectionId}`, close: (code, reason) => this.close(code, reason) });
    if (authTimeoutMs > 0) {
      // a socket that never registers must not hold a connection forever
      this.registerDeadline = setTimeout(() => {
        if (this.state === "pending") this.close(CloseCode.AuthTimeout, `no REGISTER within ${authTimeoutMs} ms`);
      }, authTimeoutMs);
    }
    ws.on("message", (data, isBinary) => {
      try {
        this.onFrame(data as Buffer, isBinary);
      } catch (error) {
        // a frame must never take the process down: this socket alone pays for it
        this.deps.log.error(`agent socket ${this.connectionId}: handling a frame failed: ${(error as Error)?.stack ?? String(error)}`);
        this.close(CloseCode.ProtocolError, "the frame could not be handled");
      }
    });
    ws.on("close", (code) => this.onClose(code));
    ws.on("error", (error) => this.deps.log.debug(`agent socket ${this.connectionId} error: ${error.message}`));
  }

  send(frame: string): void {
    if (this.state === "closed" || this.ws.readyState !== this.ws.OPEN) return;
    this.ws.send(frame);
  }

  flushWrites(): void {
    flushWrites(this.ws);
  }

  backlogged(): boolean {
    return this.ws.bufferedAmount > this.deps.options.maxBufferedBytes / 2;
  }

  whenDrained(fn: () => void): void {
    // `_socket` is ws's handle on the TCP socket (ws 8); a backlog means a write returned false, so "drain" follows
    const socket = (this.ws as unknown as { _socket?: Socket })._socket;
    if (!socket || this.drainWaiting) return;
    this.drainWaiting = true;
    socket.once("drain", () => {
      this.drainWaiting = false;
      if (this.state === "registered") fn();
    });
  }

  close(code: number, reason: string): void {
    if (this.state === "closed") return;
    const wasRegistered = this.state === "registered";
    this.state = "closed";
    this.stopHeartbeat();
    this.deps.log.debug(`agent socket ${this.connectionId} closing ${code} (${reason})`);
    try {
      this.ws.close(code, reasonText(reason));
    } catch {
      this.ws.terminate();
    }
    if (wasRegistered) this.deps.platform.disconnected(this);
  }

  /** Runs `fn` (if this socket is still registered) once the store committed what was written so far. */
  private afterCommit(fn: () => void): void {
    this.deps.platform.store.afterCommit(
      () => {
        if (this.state === "registered") fn();
      },
      // what it answers was not stored (disk full): the agent reconnects and resends what it holds
      () => this.close(1011, "the server could not store this: reconnect and resend"),
    );
  }

  private protocolError(error: string, extra: { event?: string | null; task?: string | null } = {}): void {
    this.send(encodeProtocolError({ error, ...extra }));
  }

  private onFrame(data: Buffer, isBinary: boolean): void {
    if (this.state === "closed") return;
    if (isBinary) {
      this.close(CloseCode.NotJson, "binary frames are not accepted: send JSON text");
      return;
    }
    // the WebSocket layer skips its UTF-8 check (it would close 1007); the protocol says 3002
    if (!isUtf8(data)) {
      this.close(CloseCode.NotJson, "text frame is not valid UTF-8");
      return;
    }
    const parsed = parseFromAgent(data.toString("utf8"), { maxDepth: this.deps.options.maxJsonDepth });
    if (!parsed.ok) {
      this.onBadFrame(parsed.error);
      return;
    }
    try {
      if (this.state === "pending") this.onFirst(parsed.message);
      else this.onMessage(parsed.message);
    } catch (error) {
      const text = error instanceof Error ? error.message : String(error);
      this.deps.log.error(`agent socket ${this.connectionId}: ${parsed.message.type} failed: ${text}`);
      this.protocolError(`${parsed.message.type} could not be handled: ${text}`, { event: parsed.message.id });
      this.close(CloseCode.ProtocolError, `${parsed.message.type} could not be handled`);
    }
  }

  private onBadFrame(error: ProtocolParseError): void {
    if (error.kind === "not_json") {
      this.close(CloseCode.NotJson, "frame is not JSON");
      return;
    }
    this.protocolError(error.message, { event: error.messageId });
    this.close(CloseCode.ProtocolError, error.message);
  }

  private onFirst(message: FromAgentMessage): void {
    if (message.type !== "REGISTER") {
      this.close(CloseCode.ProtocolError, `the first frame must be REGISTER, got ${message.type}`);
      return;
    }
    const identity = this.deps.auth.authenticate(message.token);
    if (!identity) {
      this.close(CloseCode.ProtocolError, "invalid token");
      return;
    }
    const claim = this.deps.platform.claim(identity, this.connectionId, message.force, message.session_id ?? null);
    if (!claim.ok) {
      if (claim.protocolError) this.protocolError(claim.protocolError, { event: message.id });
      this.close(claim.code, claim.reason);
      return;
    }
    if (this.registerDeadline) clearTimeout(this.registerDeadline);
    this.registerDeadline = null;
    this.identity = identity;
    this.agentId = claim.agent.id;
    this.epoch = claim.epoch;
    this.state = "registered";
    // INIT (and the outbox behind it) goes out once the claim is durable
    this.afterCommit(() => {
      this.send(encodeInit({ agent: String(claim.agent.id), inquiries: claim.inquiries }));
      this.deps.log.debug(`agent ${claim.agent.id} connected from ${this.remote} (${claim.inquiries.length} inquiries)`);
      this.deps.platform.attach(this);
      this.startHeartbeat();
    });
  }

  private onMessage(message: FromAgentMessage): void {
    const { platform } = this.deps;
    switch (message.type) {
      case "REGISTER":
        this.protocolError("REGISTER was already sent on this connection", { event: message.id });
        this.close(CloseCode.ProtocolError, "second REGISTER");
        return;
      case "HEARTBEAT_ANSWER":
        if (this.pendingAnswer) {
          clearTimeout(this.pendingAnswer);
          this.pendingAnswer = null;
        }
        if (!platform.renew(this)) this.close(CloseCode.Replaced, "lease fenced: another connection holds the agent");
        return;
      case "ASSIGN_REQUEST": {
        try {
          const { task, created } = platform.assignRequest(this.identity, {
            reference: message.reference,
            args: message.args,
            action: message.action ?? null,
            actionHash: message.action_hash ?? null,
            implementation: message.implementation ?? null,
            agent: message.agent ?? null,
            interface: message.interface ?? null,
            dependency: message.dependency ?? null,
            method: message.method ?? null,
            resolution: message.resolution ?? null,
            parent: message.parent ?? null,
            capture: message.capture ?? null,
            ephemeral: message.ephemeral ?? null,
            step: message.step ?? null,
          });
          this.afterCommit(() =>
            this.send(encodeAssignResponse({ request: message.id, reference: message.reference, task: String(task.id), created, error: null })),
          );
        } catch (error) {
          if (!(error instanceof PlatformError)) throw error;
          this.send(encodeAssignResponse({ request: message.id, reference: message.reference, task: null, created: false, error: error.message }));
        }
        return;
      }
      case "CANCEL_REQUEST":
      case "INTERRUPT_REQUEST":
      case "PAUSE_REQUEST":
      case "RESUME_REQUEST": {
        try {
          platform.control(this.identity, message.task, CONTROL_OF[message.type]!, {
            requireCaller: true,
            step: message.type === "RESUME_REQUEST" ? message.step : false,
            autoInterruptSeconds: message.type === "CANCEL_REQUEST" ? (message.auto_interrupt ?? null) : null,
          });
          this.afterCommit(() => this.send(encodeControlResponse({ request: message.id, task: message.task, accepted: true, error: null })));
        } catch (error) {
          if (!(error instanceof PlatformError)) throw error;
          this.send(encodeControlResponse({ request: message.id, task: message.task, accepted: false, error: error.message }));
        }
        return;
      }
      case "LOCK":
      case "UNLOCK":
        platform.areas.agents.onLockFrame(this, message);
        return;
      case "STATE_PATCH":
      case "STATE_SNAPSHOT":
      case "SESSION_INIT":
        platform.areas.state.onFrame(this, message);
        return;
      default:
        break;
    }
    if (TASK_REPORT_TYPES.has(message.type)) {
      const report = message as FromAgentMessage & { task: string; seq?: number };
      const result = platform.report(this, report as Parameters<Platform["report"]>[1]);
      if (!result.ok) {
        this.protocolError(result.error, { event: message.id, task: report.task });
        return;
      }
      if (result.ack) {
        const ack = encodeEventAck({ event: message.id, task: report.task, seq: report.seq ?? null });
        this.afterCommit(() => this.queueAck(ack));
      }
    }
  }

  private acks: string[] = [];

  /**
   * EVENT_ACKs go out on the next turn, after the commit's subscription events: a caller waits for
   * its result, while the agent only learns that it may forget a report it holds.
   */
  private queueAck(ack: string): void {
    if (this.acks.push(ack) > 1) return;
    setImmediate(() => {
      const acks = this.acks;
      this.acks = [];
      for (const text of acks) this.send(text);
    });
  }

  private startHeartbeat(): void {
    const { heartbeatIntervalMs, heartbeatTimeoutMs } = this.deps.options;
    if (heartbeatIntervalMs <= 0) return;
    this.heartbeat = setInterval(() => {
      if (this.state !== "registered" || this.pendingAnswer) return;
      this.send(encodeHeartbeat());
      this.pendingAnswer = setTimeout(() => {
        this.pendingAnswer = null;
        this.close(CloseCode.HeartbeatMissed, "heartbeat not answered in time");
      }, heartbeatTimeoutMs);
    }, heartbeatIntervalMs);
  }

  private stopHeartbeat(): void {
    if (this.registerDeadline) clearTimeout(this.registerDeadline);
    this.registerDeadline = null;
    if (this.heartbeat) clearInterval(this.heartbeat);
    if (this.pendingAnswer) clearTimeout(this.pendingAnswer);
    this.heartbeat = null;
    this.pendingAnswer = null;
  }

  private onClose(code: number): void {
    if (this.state === "closed") return;
    const wasRegistered = this.state === "registered";
    this.state = "closed";
    this.stopHeartbeat();
    this.deps.log.debug(`agent socket ${this.connectionId} closed by peer (${code})`);
    if (wasRegistered) this.deps.platform.disconnected(this);
  }

  /** Server shutdown: close 1012 without touching the store (the agent reconnects and reclaims after restart). */
  shutdown(): void {
    if (this.state === "closed") return;
    this.state = "closed";
    this.stopHeartbeat();
    try {
      this.ws.close(CloseCode.ServiceRestart, "server restarting");
    } catch {
      this.ws.terminate();
    }
  }
}

export class AgentSocketServer {
  private readonly connections = new Set<AgentConnection>();
  constructor(private readonly deps: AgentSocketDeps) {}

  accept(ws: WebSocket, remote: string): void {
    const connection = new AgentConnection(ws, this.deps, remote);
    this.connections.add(connection);
    ws.on("close", () => this.connections.delete(connection));
  }

  shutdown(): void {
    for (const c of this.connections) c.shutdown();
    this.connections.clear();
  }
}
