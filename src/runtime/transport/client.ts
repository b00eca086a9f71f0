/**
 * The GraphQL client the generated functions run on.
 *
 * - Queries and mutations: `POST <url>` with `Authorization: Bearer <token>`, abortable with an
 *   `AbortSignal`.
 * - Subscriptions: the `graphql-ws` protocol on `wsUrl` (default: `url` with ws:// or wss://),
 *   `connection_init` payload `{ token }`. The socket opens on the first subscription (the
 *   `graphql-ws` package and `ws` are loaded only then), closes shortly after the last one ends,
 *   and reconnects with exponential backoff while subscriptions are active; they resume
 *   automatically after a reconnect.
 *
 * Nothing here imports codegen or server code.
 */
import type { Client as WsClient, ExecutionResult } from "graphql-ws";
import { AsyncQueue } from "../../shared/async-queue.js";
import { backoffDelay, compileBackoff, sleep, type BackoffOptions } from "../../shared/backoff.js";
import type { Logger } from "../../shared/logger.js";
import { checkAbi } from "../generated-abi.js";
import { GraphQLRequestError, GraphQLTransportError, type GraphQLErrorEntry } from "./errors.js";

/** One call of a generated function: the document, its operation name and variables. */
export interface GraphQLOperation<TData, TVariables, TResult = TData> {
  /** The operation text (a `TypedDocumentString` or a plain string). */
  document: string | { toString(): string };
  operationName: string;
  variables?: TVariables;
  /** Picks the result out of `data` (generated functions unwrap the root field). */
  select?: (data: TData) => TResult;
  /**
   * Set by generated functions: the file they are in and the generated-code ABI it was written for
   * (definition/abi.ts); another ABI than the runtime's is refused before anything is sent.
   */
  generated?: { readonly abi: number; readonly file: string };
}

export interface RequestOptions {
  signal?: AbortSignal;
  /** Extra headers for this request. */
  headers?: Record<string, string>;
}

export interface SubscribeOptions {
  /** Aborting ends the iteration cleanly (the loop simply finishes) and completes the subscription on the server. */
  signal?: AbortSignal;
  /**
   * When set, a result with both `data` and `errors` (a field of one payload failed on the server,
   * e.g. a stored value outside its GraphQL type) is delivered with the failed fields null, and its
   * errors are passed here, instead of ending the subscription. Without it such a result fails the
   * subscription.
   */
  onPartialErrors?: (error: GraphQLRequestError) => void;
}

/**
 * Retrying a lost subscription socket, with the project's one backoff (src/shared/backoff.ts):
 * 250 ms doubling to 10 s, half of each delay jittered, by default.
 */
export interface ReconnectOptions extends BackoffOptions {
  /** How often to retry a lost subscription socket before failing the subscriptions. Default 10. */
  attempts?: number;
}

/** The part of the project's logger (src/shared/logger.ts) the transport writes to. Silent when absent. */
export type TransportLogger = Pick<Logger, "debug" | "warn">;

export interface GraphQLClientOptions {
  /** The GraphQL HTTP endpoint, e.g. `http://127.0.0.1:8080/graphql`. */
  url: string;
  /** Bearer token; a function is called per request and per (re)connect, so a refreshed token is picked up. */
  token?: string | ((info?: { rejected?: string }) => string | Promise<string>);
  /** The graphql-ws endpoint. Default: `url` with its scheme changed to ws/wss. */
  wsUrl?: string;
  /**
   * `fetch` to use for the HTTP requests. Default: in node, undici's `request` (the library node's
   * own fetch is built on, at a fraction of its CPU per request); elsewhere the global `fetch`.
   */
  fetch?: typeof fetch;
  /** A WebSocket constructor. Default: the global one, else the `ws` package. */
  webSocketImpl?: unknown;
  /** Headers sent with every HTTP request. */
  headers?: Record<string, string>;
  reconnect?: ReconnectOptions;
  /**
   * Called after every acknowledged subscription socket connection, the first and each reconnect
   * (`reconnected` true), so a caller can catch up on what it missed while disconnected.
   */
  onConnected?: (info: { reconnected: boolean }) => void;
  /** Called whenever the subscription socket closes or a connection attempt fails (it reconnects on its own). */
  onClosed?: (info: { code: number | undefined }) => void;
  logger?: TransportLogger;
}

/** What generated code needs from a client. Implement it to run the generated functions over another transport. */
export interface GraphQLClient {
  readonly url: string;
  request<TData, TVariables = Record<string, unknown>, TResult = TData>(
    operation: GraphQLOperation<TData, TVariables, TResult>,
    options?: RequestOptions,
  ): Promise<TResult>;
  subscribe<TData, TVariables = Record<string, unknown>, TResult = TData>(
    operation: GraphQLOperation<TData, TVariables, TResult>,
    options?: SubscribeOptions,
  ): AsyncIterableIterator<TResult>;
  /** Ends every subscription and closes the socket. HTTP requests keep working. */
  close(): Promise<void>;
}

/**
 * Close codes after which reconnecting cannot help (graphql-ws: bad request, unauthorized, forbidden, subprotocol).
 * Everything else is retried with backoff, notably the embedded server's 1012 (shutdown or restart), 1013
 * (this reader fell behind) and 4408 (no connection_init in time); graphql-ws itself gives up on 4500 and
 * on 1002-1011.
 */
const FATAL_CLOSE_CODES = new Set([1002, 4400, 4401, 4403, 4406]);

interface CloseLike {
  code: number;
  reason?: string;
}

function isCloseLike(value: unknown): value is CloseLike {
  return typeof value === "object" && value !== null && typeof (value as { code?: unknown }).code === "number" && "reason" in value;
}

function describeCause(error: unknown): string {
  if (error instanceof Error) {
    const cause = (error as Error & { cause?: unknown }).cause;
    if (cause instanceof Error) {
      const code = (cause as Error & { code?: string }).code;
      return code ? `${code} ${cause.message}` : cause.message;
    }
    return error.message;
  }
  return String(error);
}

function toWsUrl(url: string): string {
  return url.replace(/^http(s?):\/\//i, (_m, s: string) => `ws${s}://`);
}

/** The GraphQL and agent-socket endpoints of a platform http base (used by the agent, the caller and the CLI). */
export function platformEndpoints(url: string): { graphqlUrl: string; agiUrl: string } {
  const base = url.replace(/\/+$/, "");
  if (!/^https?:\/\//i.test(base)) {
    throw new TypeError(`url must be the platform's http(s) base, e.g. http://127.0.0.1:8080 (got ${JSON.stringify(url)})`);
  }
  return { graphqlUrl: `${base}/graphql`, agiUrl: `${toWsUrl(base)}/agi` };
}

/** An error of ours (e.g. a token provider's login failure): passed on as is, not as a transport failure. */
function isArkitektErrorLike(error: unknown): boolean {
  return typeof error === "object" && error !== null && (error as Record<symbol, unknown>)[Symbol.for("arkitekt-next.error")] === true;
}

function abortReason(signal: AbortSignal): unknown {
  return signal.reason ?? new DOMException("This operation was aborted", "AbortError");
}

/** The answer to one POST, as far as the transport reads it. */
interface PostAnswer {
  readonly status: number;
  /** The reason phrase where the client gives one (fetch does; undici's `request` does not). */
  readonly statusText: string;
  text(): Promise<string>;
  /** Drops the body unread. */
  discard(): Promise<void>;
}

type Post = (url: string, init: { headers: Record<string, string>; body: string; signal?: AbortSignal | undefined }) => Promise<PostAnswer>;

function postWithFetch(fetchImpl: typeof fetch): Post {
  return async (url, init) => {
    const response = await fetchImpl(url, { method: "POST", headers: init.headers, body: init.body, ...(init.signal ? { signal: init.signal } : {}) });
    return {
      status: response.status,
      statusText: response.statusText,
      text: () => response.text(),
      discard: async () => {
        await response.body?.cancel().catch(() => undefined);
      },
    };
  };
}

/**
 * POSTs with undici's `request` where node runs (issue 18): node's global fetch, built on the same
 * library, spent 5–7 times the client CPU per request (and the server about twice its CPU per request),
 * which capped a caller assigning over HTTP at a third of what the server could take. A failure to
 * connect is wrapped as fetch wraps it (the socket's error as `cause`), so every message built from
 * it reads the same. Undefined in a browser: the web UI's bundle has no undici (scripts/build-ui.mjs).
 */
async function postWithUndici(): Promise<Post | undefined> {
  if (typeof process === "undefined" || !process.versions?.node) return undefined;
  // a bundle or an install without it keeps fetch
  const undici = (await import("undici").catch(() => undefined)) as Partial<typeof import("undici")> | undefined;
  const request = undici?.request;
  if (typeof request !== "function") return undefined;
  return async (url, init) => {
    let answer: Awaited<ReturnType<typeof request>>;
    try {
      answer = await request(url, { method: "POST", headers: init.headers, body: init.body, signal: init.signal ?? null });
    } catch (error) {
      throw new TypeError("the request failed", { cause: error });
    }
    const { statusCode, body } = answer;
    return {
      status: statusCode,
      statusText: "",
      text: () => body.text(),
      discard: async () => {
        await body.dump().catch(() => undefined);
      },
    };
  };
}

let defaultPost: Promise<Post> | undefined;

export function createGraphQLClient(options: GraphQLClientOptions): GraphQLClient {
  const url = options.url;
  const wsUrl = options.wsUrl ?? toWsUrl(url);
  let post: Promise<Post> | undefined;
  const poster = (): Promise<Post> => {
    if (options.fetch) return (post ??= Promise.resolve(postWithFetch(options.fetch)));
    // the global fetch is looked up per request, so one set up later (a polyfill, a test's stub) is used
    return (defaultPost ??= postWithUndici().then((undici) => undici ?? postWithFetch((input, init) => globalThis.fetch(input, init))));
  };
  const logger = options.logger;
  const attempts = options.reconnect?.attempts ?? 10;
  const backoff = compileBackoff(options.reconnect);
  let wsClient: Promise<WsClient> | undefined;
  let connections = 0;
  let closed = false;
  const active = new Set<() => void>();

  const resolveToken = async (rejected?: string): Promise<string | undefined> =>
    typeof options.token === "function" ? await options.token(rejected !== undefined ? { rejected } : undefined) : options.token;
  // the token the subscription socket last sent; asked again with `rejected` after an auth close
  let socketToken: string | undefined;
  let socketRejected = false;

  async function request<TData, TVariables, TResult>(
    operation: GraphQLOperation<TData, TVariables, TResult>,
    requestOptions: RequestOptions = {},
  ): Promise<TResult> {
    if (operation.generated) checkAbi(operation.generated.abi, operation.generated.file);
    const { operationName } = operation;
    const signal = requestOptions.signal;
    if (signal?.aborted) throw abortReason(signal);
    const headers: Record<string, string> = {
      "content-type": "application/json",
      accept: "application/graphql-response+json, application/json",
      ...options.headers,
      ...requestOptions.headers,
    };
    const payload = JSON.stringify({ query: String(operation.document), operationName, variables: operation.variables ?? {} });
    let response: PostAnswer;
    try {
      const send = await poster();
      let token = await resolveToken();
      if (token) headers.authorization = `Bearer ${token}`;
      response = await send(url, { headers, body: payload, signal });
      // A token function gets one chance to replace a refused token (it expired, or was revoked).
      if ((response.status === 401 || response.status === 403) && typeof options.token === "function" && token) {
        const fresh = await resolveToken(token);
        if (fresh && fresh !== token) {
          await response.discard();
          token = fresh;
          headers.authorization = `Bearer ${token}`;
          logger?.debug(`the platform refused the token (HTTP ${response.status}); retrying ${operationName} with a new one`);
          response = await send(url, { headers, body: payload, signal });
        }
      }
    } catch (error) {
      if (isArkitektErrorLike(error)) throw error;
      if (signal?.aborted) throw abortReason(signal);
      throw new GraphQLTransportError(operationName, `could not reach ${url}: ${describeCause(error)}`, undefined, { cause: error });
    }
    let text: string;
    try {
      text = await response.text();
    } catch (error) {
      if (signal?.aborted) throw abortReason(signal);
      throw new GraphQLTransportError(operationName, `the response from ${url} broke off: ${describeCause(error)}`, response.status, { cause: error });
    }
    let body: { data?: TData | null; errors?: GraphQLErrorEntry[] };
    try {
      body = JSON.parse(text) as typeof body;
    } catch {
      const snippet = text.length > 200 ? `${text.slice(0, 200)}...` : text;
      throw new GraphQLTransportError(operationName, `HTTP ${response.status} from ${url} is not GraphQL JSON: ${snippet}`, response.status);
    }
    if (body.errors && body.errors.length > 0) throw new GraphQLRequestError(operationName, body.errors);
    if (response.status < 200 || response.status > 299) throw new GraphQLTransportError(operationName, `HTTP ${[response.status, response.statusText].filter(Boolean).join(" ")} from ${url}`, response.status);
    if (body.data === undefined || body.data === null) {
      throw new GraphQLRequestError(operationName, [{ message: "the response has no data" }]);
    }
    return operation.select ? operation.select(body.data) : (body.data as unknown as TResult);
  }

  function connect(): Promise<WsClient> {
    wsClient ??= (async () => {
      const { createClient } = await import("graphql-ws");
      const webSocketImpl = options.webSocketImpl ?? (globalThis as { WebSocket?: unknown }).WebSocket ?? (await import("ws")).default;
      return createClient({
        url: wsUrl,
        webSocketImpl,
        lazy: true,
        lazyCloseTimeout: 100,
        connectionParams: async () => {
          const token = await resolveToken(socketRejected ? socketToken : undefined);
          socketRejected = false;
          socketToken = token;
          return token ? { token } : {};
        },
        retryAttempts: attempts,
        shouldRetry: (reason) => {
          if (!isCloseLike(reason) || !FATAL_CLOSE_CODES.has(reason.code)) return true;
          // an auth close with a token function: retry once with a new token
          if ((reason.code === 4401 || reason.code === 4403) && typeof options.token === "function" && !socketRejected && socketToken !== undefined) {
            socketRejected = true;
            return true;
          }
          return false;
        },
        retryWait: async (retries) => {
          const delay = backoffDelay(retries, backoff);
          logger?.debug(`graphql-ws: reconnecting to ${wsUrl} in ${delay} ms (attempt ${retries + 1} of ${attempts})`);
          await sleep(delay);
        },
        on: {
          connected: () => {
            logger?.debug(`graphql-ws: connected to ${wsUrl}`);
            const reconnected = connections > 0;
            connections++;
            options.onConnected?.({ reconnected });
          },
          closed: (event) => {
            if (isCloseLike(event) && event.code !== 1000) logger?.debug(`graphql-ws: closed ${event.code} ${event.reason ?? ""}`.trimEnd());
            options.onClosed?.({ code: isCloseLike(event) ? event.code : undefined });
          },
        },
      });
    })();
    return wsClient;
  }

  function subscribe<TData, TVariables, TResult>(
    operation: GraphQLOperation<TData, TVariables, TResult>,
    subscribeOptions: SubscribeOptions = {},
  ): AsyncIterableIterator<TResult> {
    if (operation.generated) checkAbi(operation.generated.abi, operation.generated.file);
    const { operationName } = operation;
    const signal = subscribeOptions.signal;
    let dispose: (() => void) | undefined;
    // Aborting, `complete` and `close()` end it after what is buffered; `return()` and `throw()` at once.
    const finish = (): void => queue.end();
    const queue = new AsyncQueue<TResult>({
      onStop: () => {
        active.delete(finish);
        signal?.removeEventListener("abort", finish);
        const unsubscribe = dispose;
        dispose = undefined;
        unsubscribe?.();
      },
    });
    const fail = (error: unknown): void => queue.fail(error);

    if (closed || signal?.aborted) queue.end();
    else {
      active.add(finish);
      signal?.addEventListener("abort", finish, { once: true });
      connect().then(
        (client) => {
          if (queue.stopped) return;
          dispose = client.subscribe<TData>(
            { query: String(operation.document), operationName, variables: (operation.variables ?? {}) as Record<string, unknown> },
            {
              next: (result: ExecutionResult<TData>) => {
                if (queue.stopped) return;
                if (result.errors && result.errors.length > 0) {
                  const error = new GraphQLRequestError(operationName, result.errors as unknown as GraphQLErrorEntry[]);
                  const onPartial = subscribeOptions.onPartialErrors;
                  if (!onPartial || result.data === undefined || result.data === null) {
                    fail(error);
                    return;
                  }
                  onPartial(error);
                }
                if (result.data === undefined || result.data === null) return;
                let value: TResult;
                try {
                  value = operation.select ? operation.select(result.data) : (result.data as unknown as TResult);
                } catch (error) {
                  fail(new GraphQLTransportError(operationName, `unexpected payload: ${describeCause(error)}`, undefined, { cause: error }));
                  return;
                }
                queue.push(value);
              },
              error: (error: unknown) => {
                if (Array.isArray(error)) fail(new GraphQLRequestError(operationName, error as GraphQLErrorEntry[]));
                else if (isCloseLike(error)) {
                  fail(new GraphQLTransportError(operationName, `subscription socket ${wsUrl} closed: ${error.code} ${error.reason ?? ""}`.trimEnd(), error.code));
                } else fail(new GraphQLTransportError(operationName, `subscription over ${wsUrl} failed: ${describeCause(error)}`, undefined, { cause: error }));
              },
              complete: finish,
            },
          );
        },
        (error: unknown) => fail(new GraphQLTransportError(operationName, `could not start a subscription: ${describeCause(error)}`, undefined, { cause: error })),
      );
    }
    return queue;
  }

  return {
    url,
    request,
    subscribe,
    async close() {
      closed = true;
      for (const finish of [...active]) finish();
      const pending = wsClient;
      wsClient = undefined;
      const ws = pending ? await pending.catch(() => undefined) : undefined;
      try {
        await ws?.dispose();
      } catch (error) {
        // graphql-ws rejects dispose() with its own 1000 close when the socket never connected:
        // closing is done either way, so that is not the caller's problem.
        logger?.debug(`graphql-ws: dispose: ${isCloseLike(error) ? `${error.code} ${error.reason ?? ""}` : String(error)}`);
      }
    },
  };
}
