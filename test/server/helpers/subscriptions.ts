/**
 * GraphQL subscriptions over both WebSocket subprotocols the server speaks on `/graphql`:
 * - `graphql-transport-ws` through the graphql-ws package's own client (`connectionParams: {token}`);
 * - the legacy `graphql-ws` subprotocol (subscriptions-transport-ws frames: connection_init, start, data,
 *   stop) that strawberry and the released Python clients use, spoken over a plain `ws` socket.
 * Both give the same `SubscriptionClient` interface so a test can loop over the transports.
 */
import { createClient, type Client } from "graphql-ws";
import WebSocket from "ws";
import { sleep, within } from "./wait.js";

export type SubscriptionProtocol = "graphql-transport-ws" | "graphql-ws";
export const SUBSCRIPTION_PROTOCOLS: readonly SubscriptionProtocol[] = ["graphql-transport-ws", "graphql-ws"];

export interface ExecutionResultShape<T> {
  data?: T | null;
  errors?: ReadonlyArray<{ message: string }>;
}

/** A running subscription: its results are buffered; `next` takes them in order. */
export interface SubscriptionStream<T> {
  /** Every result received so far. */
  readonly received: ReadonlyArray<ExecutionResultShape<T>>;
  /** The data of the next result that satisfies `match` (skipping others); throws on an error result or timeout. */
  next(match?: (data: T) => boolean, timeoutMs?: number): Promise<T>;
  /** Waits `windowMs` and asserts nothing (matching) arrived. */
  expectNothing(match?: (data: T) => boolean, windowMs?: number): Promise<void>;
  /** Ends the subscription (complete / stop). */
  dispose(): void;
}

export interface SubscriptionClient {
  readonly protocol: SubscriptionProtocol;
  /**
   * Starts a subscription and resolves once the server has taken it in (a query round trip over the same
   * socket follows the subscribe message; with no subscribe acknowledgement in either protocol, that is the
   * best available signal).
   */
  subscribe<T>(query: string, variables?: Record<string, unknown>): Promise<SubscriptionStream<T>>;
  close(): Promise<void>;
}

class Stream<T> implements SubscriptionStream<T> {
  readonly received: ExecutionResultShape<T>[] = [];
  private consumed = 0;
  private wake: (() => void) | undefined;
  private ended: string | undefined;

  constructor(private readonly onDispose: () => void) {}

  push(result: ExecutionResultShape<T>): void {
    this.received.push(result);
    this.wake?.();
  }

  end(reason: string): void {
    this.ended = reason;
    this.wake?.();
  }

  async next(match?: (data: T) => boolean, timeoutMs = 3000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      while (this.consumed < this.received.length) {
        const result = this.received[this.consumed] as ExecutionResultShape<T>;
        this.consumed += 1;
        if (result.errors && result.errors.length > 0) {
          throw new Error(`subscription error: ${result.errors.map((e) => e.message).join(" | ")}`);
        }
        if (result.data && (!match || match(result.data))) return result.data;
      }
      if (this.ended !== undefined) throw new Error(`subscription ended (${this.ended}) before a matching result arrived`);
      const left = deadline - Date.now();
      if (left <= 0) {
        throw new Error(`no matching subscription result within ${timeoutMs} ms; received: ${JSON.stringify(this.received).slice(0, 800)}`);
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.wake = () => {
          clearTimeout(timer);
          this.wake = undefined;
          resolve();
        };
      });
    }
  }

  async expectNothing(match?: (data: T) => boolean, windowMs = 200): Promise<void> {
    const before = this.received.length;
    await sleep(windowMs);
    const arrived = this.received.slice(before).filter((r) => !r.data || !match || match(r.data));
    if (arrived.length > 0) throw new Error(`expected no subscription result, got: ${JSON.stringify(arrived).slice(0, 800)}`);
  }

  dispose(): void {
    this.onDispose();
  }
}

const ROUND_TRIP = "query RoundTrip { __typename }";

/** A `graphql-transport-ws` client (the graphql-ws package) with `connection_init {token}`. */
export async function openTransportWsClient(url: string, token: string): Promise<SubscriptionClient> {
  let client: Client | undefined;
  const connected = new Promise<void>((resolve, reject) => {
    client = createClient({
      url,
      webSocketImpl: WebSocket,
      connectionParams: { token },
      lazy: false,
      retryAttempts: 0,
      onNonLazyError: (error) => reject(new Error(`graphql-transport-ws connection failed: ${describeError(error)}`)),
    });
    client.on("connected", () => resolve());
    client.on("closed", (event) => reject(new Error(`graphql-transport-ws closed before connecting: ${describeError(event)}`)));
  });
  await within(connected, 3000, "the graphql-transport-ws connection_ack");
  const c = client as Client;
  return {
    protocol: "graphql-transport-ws",
    async subscribe<T>(query: string, variables?: Record<string, unknown>): Promise<SubscriptionStream<T>> {
      let unsubscribe: () => void = () => {};
      const stream = new Stream<T>(() => unsubscribe());
      unsubscribe = c.subscribe<T>(
        { query, variables: variables ?? {} },
        {
          next: (result) => stream.push(result as ExecutionResultShape<T>),
          error: (error) => stream.end(`error: ${describeError(error)}`),
          complete: () => stream.end("complete"),
        },
      );
      await within(
        new Promise<void>((resolve, reject) => {
          c.subscribe({ query: ROUND_TRIP }, { next: () => {}, error: (e) => reject(new Error(describeError(e))), complete: () => resolve() });
        }),
        3000,
        "a query round trip after subscribing",
      );
      return stream;
    },
    async close(): Promise<void> {
      await c.dispose();
    },
  };
}

interface LegacyFrame {
  type: string;
  id?: string;
  payload?: unknown;
}

/** A client of the legacy `graphql-ws` subprotocol: connection_init {token} → connection_ack; start/data/stop. */
export async function openLegacyWsClient(url: string, token: string): Promise<SubscriptionClient> {
  const ws = new WebSocket(url, "graphql-ws");
  const handlers = new Map<string, (frame: LegacyFrame) => void>();
  let closedReason: string | undefined;
  const acked = new Promise<void>((resolve, reject) => {
    ws.on("message", (data) => {
      const frame = JSON.parse(String(data)) as LegacyFrame;
      if (frame.type === "connection_ack") resolve();
      else if (frame.type === "connection_error") reject(new Error(`legacy graphql-ws connection_error: ${JSON.stringify(frame.payload)}`));
      else if (frame.id !== undefined) handlers.get(frame.id)?.(frame);
    });
    ws.on("close", (code, reason) => {
      closedReason = `closed ${code} ${reason.toString()}`;
      reject(new Error(`legacy graphql-ws socket ${closedReason} before connection_ack`));
      for (const handler of handlers.values()) handler({ type: "__closed__", payload: closedReason });
    });
    ws.on("error", () => {});
    ws.on("open", () => ws.send(JSON.stringify({ type: "connection_init", payload: { token } })));
  });
  await within(acked, 3000, "the legacy graphql-ws connection_ack");
  if (ws.protocol !== "graphql-ws") throw new Error(`server chose subprotocol "${ws.protocol}" instead of graphql-ws`);
  let nextId = 0;
  return {
    protocol: "graphql-ws",
    async subscribe<T>(query: string, variables?: Record<string, unknown>): Promise<SubscriptionStream<T>> {
      nextId += 1;
      const id = String(nextId);
      const stream = new Stream<T>(() => {
        handlers.delete(id);
        if (ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify({ id, type: "stop" }));
      });
      handlers.set(id, (frame) => {
        if (frame.type === "data") stream.push(frame.payload as ExecutionResultShape<T>);
        else if (frame.type === "error") stream.push({ errors: normaliseErrors(frame.payload) });
        else if (frame.type === "complete") stream.end("complete");
        else if (frame.type === "__closed__") stream.end(String(frame.payload));
      });
      ws.send(JSON.stringify({ id, type: "start", payload: { query, variables: variables ?? {} } }));
      // Round trip: a query started after the subscription is answered after the server has read the start.
      nextId += 1;
      const probeId = String(nextId);
      await within(
        new Promise<void>((resolve) => {
          handlers.set(probeId, (frame) => {
            if (frame.type === "complete" || frame.type === "error" || frame.type === "__closed__") {
              handlers.delete(probeId);
              resolve();
            }
          });
          ws.send(JSON.stringify({ id: probeId, type: "start", payload: { query: ROUND_TRIP, variables: {} } }));
        }),
        3000,
        "a query round trip over the legacy protocol after subscribing",
      );
      return stream;
    },
    async close(): Promise<void> {
      if (ws.readyState === WebSocket.CLOSED) return;
      await new Promise<void>((resolve) => {
        ws.once("close", () => resolve());
        if (ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify({ type: "connection_terminate" }));
        ws.close(1000);
      });
    },
  };
}

export function openSubscriptionClient(protocol: SubscriptionProtocol, url: string, token: string): Promise<SubscriptionClient> {
  return protocol === "graphql-transport-ws" ? openTransportWsClient(url, token) : openLegacyWsClient(url, token);
}

function normaliseErrors(payload: unknown): Array<{ message: string }> {
  if (Array.isArray(payload)) return payload.map((e) => ({ message: String((e as { message?: unknown }).message ?? JSON.stringify(e)) }));
  if (payload && typeof payload === "object" && "message" in payload) return [{ message: String((payload as { message: unknown }).message) }];
  return [{ message: JSON.stringify(payload) }];
}

function describeError(error: unknown): string {
  if (error instanceof Error) return error.message;
  if (Array.isArray(error)) return error.map((e) => describeError(e)).join(" | ");
  if (error && typeof error === "object") {
    const e = error as { code?: unknown; reason?: unknown; message?: unknown };
    if (e.code !== undefined) return `close ${String(e.code)} ${String(e.reason ?? "")}`.trim();
    if (e.message !== undefined) return String(e.message);
  }
  return String(error);
}
