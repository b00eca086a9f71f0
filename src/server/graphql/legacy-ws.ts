/**
 * The legacy `graphql-ws` subprotocol (subscriptions-transport-ws: connection_init, start, data,
 * stop, complete), which strawberry's tests and released Python clients use. A small adapter
 * over graphql's own parse/validate/execute/subscribe.
 */
import type { WebSocket } from "ws";
import type { DocumentNode, ExecutionResult, GraphQLSchema } from "graphql";
import { graphql } from "./graphql-module.js";
import type { Identity } from "../auth.js";
import type { Logger } from "../logger.js";
import type { Platform } from "../platform.js";
import type { DocumentCache } from "./document-cache.js";
import type { GraphqlContext } from "./schema.js";

const { GraphQLError, execute, getOperationAST, subscribe } = graphql;

export const LEGACY_PROTOCOL = "graphql-ws";

interface LegacyOptions {
  schema: GraphQLSchema;
  documents: DocumentCache;
  platform: Platform;
  authenticate(payload: unknown): Identity | null;
  log: Logger;
}

type Frame = { type?: unknown; id?: unknown; payload?: unknown };

export function serveLegacyGraphqlWs(ws: WebSocket, options: LegacyOptions): void {
  let identity: Identity | null = null;
  const operations = new Map<string, AbortController>();
  const send = (frame: Record<string, unknown>) => {
    if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(frame));
  };
  const stopAll = () => {
    for (const c of operations.values()) c.abort();
    operations.clear();
  };
  ws.on("close", stopAll);
  ws.on("error", () => stopAll());
  ws.on("message", (data, isBinary) => {
    let frame: Frame;
    try {
      if (isBinary) throw new Error("binary");
      frame = JSON.parse(data.toString()) as Frame;
    } catch {
      ws.close(4400, "frames must be JSON text");
      return;
    }
    switch (frame.type) {
      case "connection_init": {
        identity = options.authenticate(frame.payload);
        if (!identity) {
          send({ type: "connection_error", payload: { message: "Authentication required: connection_init payload {token}" } });
          ws.close(4403, "Forbidden");
          return;
        }
        send({ type: "connection_ack" });
        send({ type: "ka" });
        return;
      }
      case "start": {
        const id = typeof frame.id === "string" ? frame.id : String(frame.id);
        if (!identity) {
          send({ type: "error", id, payload: { message: "connection_init with a token is required first" } });
          return;
        }
        void start(id, frame.payload as { query?: string; variables?: Record<string, unknown>; operationName?: string });
        return;
      }
      case "stop": {
        const id = String(frame.id);
        operations.get(id)?.abort();
        operations.delete(id);
        send({ type: "complete", id });
        return;
      }
      case "connection_terminate":
        stopAll();
        ws.close(1000, "terminated");
        return;
      default:
        send({ type: "error", id: frame.id ?? null, payload: { message: `unknown message type ${JSON.stringify(frame.type)}` } });
    }
  });

  async function start(id: string, payload: { query?: string; variables?: Record<string, unknown>; operationName?: string }): Promise<void> {
    const controller = new AbortController();
    operations.get(id)?.abort();
    operations.set(id, controller);
    let document: DocumentNode;
    try {
      document = options.documents.parse(payload?.query ?? "");
    } catch (error) {
      send({ type: "error", id, payload: { message: (error as Error).message } });
      operations.delete(id);
      return;
    }
    const errors = options.documents.validate(options.schema, document);
    if (errors.length > 0) {
      send({ type: "data", id, payload: { errors: errors.map((e) => e.toJSON()) } });
      send({ type: "complete", id });
      operations.delete(id);
      return;
    }
    const contextValue: GraphqlContext = { identity, platform: options.platform, signal: controller.signal };
    const args = { schema: options.schema, document, variableValues: payload.variables ?? {}, operationName: payload.operationName ?? null, contextValue };
    try {
      const op = getOperationAST(document, payload.operationName ?? null);
      if (op?.operation === "subscription") {
        const result = await subscribe(args);
        if (!(Symbol.asyncIterator in result)) {
          send({ type: "data", id, payload: formatResult(result) });
          send({ type: "complete", id });
          operations.delete(id);
          return;
        }
        controller.signal.addEventListener("abort", () => void result.return?.(), { once: true });
        for await (const item of result) {
          if (controller.signal.aborted) break;
          send({ type: "data", id, payload: formatResult(item) });
        }
        if (!controller.signal.aborted) send({ type: "complete", id });
      } else {
        const result = await execute(args);
        send({ type: "data", id, payload: formatResult(result) });
        send({ type: "complete", id });
      }
    } catch (error) {
      options.log.error(`legacy graphql-ws operation ${id} failed: ${(error as Error).message}`);
      send({ type: "error", id, payload: { message: error instanceof GraphQLError ? error.message : "Unexpected error." } });
    } finally {
      if (operations.get(id) === controller) operations.delete(id);
    }
  }
}

function formatResult(result: ExecutionResult): Record<string, unknown> {
  const out: Record<string, unknown> = { data: result.data ?? null };
  if (result.errors && result.errors.length > 0) out.errors = result.errors.map((e) => e.toJSON());
  return out;
}
