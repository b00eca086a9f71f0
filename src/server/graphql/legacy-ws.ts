/**
 * The legacy `graphql-ws` subprotocol (subscriptions-transport-ws: connection_init, start, data,
 * stop, complete, ka), which strawberry's tests and released Python clients use. A small adapter
 * over graphql's own parse/validate/execute/subscribe.
 *
 * Closes (src/protocol/close-codes.ts): 4400 for a frame that is not a JSON object with a string
 * `type`, 4403 for a bad token, 4408 without `connection_init` within `authTimeoutMs`, 4500 when
 * handling a frame failed (logged), 1013 when the reader fell behind, 1012 on shutdown. A frame never
 * throws out of this module: whatever arrives, only this socket is affected.
 */
import type { WebSocket } from "ws";
import type { DocumentNode, ExecutionResult, GraphQLSchema } from "graphql";
import { graphql } from "./graphql-module.js";
import { CloseCode } from "../../protocol/index.js";
import type { Identity } from "../auth.js";
import type { Logger } from "../../shared/logger.js";
import type { Platform } from "../platform.js";
import { guardSends } from "../socket-guard.js";
import type { DocumentCache } from "./document-cache.js";
import type { OperationBudget } from "./limits.js";
import type { GraphqlContext } from "./schema.js";
import { variablesRefusal } from "./variables.js";
import { executeWithinCost } from "./cost.js";
import type { JitExecutor } from "./jit.js";

const { GraphQLError, getOperationAST } = graphql;

export const LEGACY_PROTOCOL = "graphql-ws";

export interface LegacyOptions {
  schema: GraphQLSchema;
  /** Runs the operations, compiled once per document (jit.ts). */
  executor: JitExecutor;
  documents: DocumentCache;
  platform: Platform;
  authenticate(payload: unknown): Identity | null;
  budget: OperationBudget;
  /** Close 4408 when no `connection_init` with a valid token arrived in this time (0: never). */
  authTimeoutMs: number;
  /** `ka` frames and WebSocket pings at this interval after `connection_ack` (0: none). */
  keepAliveMs: number;
  maxBufferedBytes: number;
  /** Deepest nesting of a `start` payload's variables (server option maxVariablesDepth). */
  maxVariablesDepth: number;
  log: Logger;
}

interface StartPayload {
  query: string;
  variables: Record<string, unknown>;
  operationName: string | null;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** The operation id of a frame: a non-empty string (numbers are accepted and turned into strings). */
function operationId(value: unknown): string | null {
  if (typeof value === "string" && value !== "") return value;
  if (typeof value === "number" && Number.isFinite(value)) return String(value);
  return null;
}

function startPayload(payload: unknown): StartPayload | string {
  if (!isObject(payload)) return "start needs a payload object {query, variables?, operationName?}";
  if (typeof payload.query !== "string") return "start payload.query must be a string";
  if (payload.variables !== undefined && payload.variables !== null && !isObject(payload.variables)) return "start payload.variables must be an object";
  if (payload.operationName !== undefined && payload.operationName !== null && typeof payload.operationName !== "string") return "start payload.operationName must be a string";
  return {
    query: payload.query,
    variables: (payload.variables as Record<string, unknown> | undefined) ?? {},
    operationName: (payload.operationName as string | undefined) ?? null,
  };
}

export function serveLegacyGraphqlWs(ws: WebSocket, options: LegacyOptions): void {
  const { log } = options;
  let identity: Identity | null = null;
  let leaveBudget: (() => void) | null = null;
  let ended = false;
  const operations = new Map<string, AbortController>();
  let keepAlive: NodeJS.Timeout | null = null;
  let authTimer: NodeJS.Timeout | null = null;
  let awaitingPong = false;

  const send = (frame: Record<string, unknown>) => {
    if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(frame));
  };
  const end = () => {
    if (ended) return;
    ended = true;
    if (authTimer) clearTimeout(authTimer);
    if (keepAlive) clearInterval(keepAlive);
    for (const c of operations.values()) c.abort();
    operations.clear();
    leaveBudget?.();
    leaveBudget = null;
  };
  const closeWith = (code: number, reason: string) => {
    end();
    try {
      ws.close(code, reason);
    } catch {
      ws.terminate();
    }
  };
  guardSends(ws, { maxBufferedBytes: options.maxBufferedBytes, log, label: "legacy graphql-ws socket", close: closeWith });

  if (options.authTimeoutMs > 0) {
    authTimer = setTimeout(() => {
      if (!identity) closeWith(CloseCode.AuthTimeout, `no connection_init with a valid token within ${options.authTimeoutMs} ms`);
    }, options.authTimeoutMs);
  }

  const startKeepAlive = () => {
    if (keepAlive || options.keepAliveMs <= 0) return;
    ws.on("pong", () => {
      awaitingPong = false;
    });
    keepAlive = setInterval(() => {
      if (awaitingPong) {
        log.debug("legacy graphql-ws socket: a ping went unanswered for one keep-alive interval; dropping it");
        end();
        ws.terminate();
        return;
      }
      send({ type: "ka" });
      awaitingPong = true;
      ws.ping();
    }, options.keepAliveMs);
  };

  ws.on("close", end);
  ws.on("error", (error) => {
    log.debug(`legacy graphql-ws socket error: ${error.message}`);
    end();
  });
  ws.on("message", (data, isBinary) => {
    if (ended) return;
    try {
      onFrame(data as Buffer, isBinary);
    } catch (error) {
      log.error(`legacy graphql-ws: handling a frame failed: ${(error as Error)?.stack ?? String(error)}`);
      closeWith(CloseCode.InternalError, "internal error while handling a frame");
    }
  });

  function onFrame(data: Buffer, isBinary: boolean): void {
    let frame: unknown;
    try {
      if (isBinary) throw new Error("binary");
      frame = JSON.parse(data.toString("utf8"));
    } catch {
      closeWith(CloseCode.BadRequest, "frames must be JSON text");
      return;
    }
    if (!isObject(frame) || typeof frame.type !== "string") {
      closeWith(CloseCode.BadRequest, "frames must be JSON objects with a string type");
      return;
    }
    switch (frame.type) {
      case "connection_init": {
        if (identity) {
          send({ type: "connection_ack" });
          return;
        }
        const who = options.authenticate(frame.payload);
        if (!who) {
          send({ type: "connection_error", payload: { message: "Authentication required: connection_init payload {token}" } });
          closeWith(4403, "Forbidden");
          return;
        }
        identity = who;
        if (authTimer) clearTimeout(authTimer);
        leaveBudget = options.budget.join(who.key, () => operations.size);
        send({ type: "connection_ack" });
        send({ type: "ka" });
        startKeepAlive();
        return;
      }
      case "start": {
        const id = operationId(frame.id);
        if (id === null) {
          send({ type: "error", id: null, payload: { message: "start needs an id (a non-empty string)" } });
          return;
        }
        if (!identity) {
          send({ type: "error", id, payload: { message: "connection_init with a token is required first" } });
          return;
        }
        const payload = startPayload(frame.payload);
        if (typeof payload === "string") {
          send({ type: "error", id, payload: { message: payload } });
          return;
        }
        operations.get(id)?.abort();
        const controller = new AbortController();
        operations.set(id, controller);
        const refusal = options.budget.refusal(identity.key, () => operations.size);
        if (refusal) {
          operations.delete(id);
          send({ type: "error", id, payload: { message: refusal.message } });
          return;
        }
        start(id, payload, identity, controller).catch((error: unknown) => {
          log.error(`legacy graphql-ws operation ${id} failed: ${(error as Error)?.stack ?? String(error)}`);
          closeWith(CloseCode.InternalError, "internal error while running an operation");
        });
        return;
      }
      case "stop": {
        const id = operationId(frame.id);
        if (id === null) return;
        operations.get(id)?.abort();
        operations.delete(id);
        send({ type: "complete", id });
        return;
      }
      case "connection_terminate":
        closeWith(1000, "terminated");
        return;
      default:
        send({ type: "error", id: operationId(frame.id), payload: { message: `unknown message type ${JSON.stringify(frame.type).slice(0, 100)}` } });
    }
  }

  async function start(id: string, payload: StartPayload, me: Identity, controller: AbortController): Promise<void> {
    const done = () => {
      if (operations.get(id) === controller) operations.delete(id);
    };
    let document: DocumentNode;
    try {
      document = options.documents.parse(payload.query);
    } catch (error) {
      send({ type: "error", id, payload: { message: error instanceof GraphQLError ? error.message : "the document could not be parsed" } });
      done();
      return;
    }
    const deep = variablesRefusal(payload.variables, options.maxVariablesDepth);
    const errors = deep ? [deep] : options.documents.validate(options.schema, document);
    if (errors.length > 0) {
      send({ type: "data", id, payload: { errors: errors.map((e) => e.toJSON()) } });
      send({ type: "complete", id });
      done();
      return;
    }
    const contextValue: GraphqlContext = { identity: me, me, platform: options.platform, signal: controller.signal };
    const args = { schema: options.schema, document, variableValues: payload.variables, operationName: payload.operationName, contextValue };
    try {
      const op = getOperationAST(document, payload.operationName);
      if (op?.operation === "subscription") {
        const result = await options.executor.subscribe(args);
        if (!(Symbol.asyncIterator in result)) {
          send({ type: "data", id, payload: formatResult(result) });
          send({ type: "complete", id });
          return;
        }
        if (controller.signal.aborted) {
          void result.return?.();
          return;
        }
        controller.signal.addEventListener("abort", () => void result.return?.(), { once: true });
        for await (const item of result) {
          if (controller.signal.aborted) break;
          send({ type: "data", id, payload: formatResult(item) });
        }
        if (!controller.signal.aborted) send({ type: "complete", id });
      } else {
        const result = await executeWithinCost(args, options.executor.execute);
        send({ type: "data", id, payload: formatResult(result) });
        send({ type: "complete", id });
      }
    } catch (error) {
      log.error(`legacy graphql-ws operation ${id} failed: ${(error as Error)?.message ?? String(error)}`);
      send({ type: "error", id, payload: { message: error instanceof GraphQLError ? error.message : "Unexpected error." } });
    } finally {
      done();
    }
  }
}

function formatResult(result: ExecutionResult): Record<string, unknown> {
  const out: Record<string, unknown> = { data: result.data ?? null };
  if (result.errors && result.errors.length > 0) out.errors = result.errors.map((e) => e.toJSON());
  return out;
}
