/**
 * The in-process test server: the real `startServer` on a free port of 127.0.0.1 with a fresh temporary
 * data dir (removed afterwards), the acceptance.md token fixture and timing knobs in milliseconds.
 * Every socket and subscription client opened through it is closed when the server is.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, beforeEach } from "vitest";
import { startServer, type ServerHandle, type ServerOptions } from "../../../src/server/index.js";
import { AgentSocket, type AgentSocketOptions, type Frame, type RegisterOptions } from "./agent-socket.js";
import { graphqlData, graphqlErrors, graphqlRequest, type GraphQLResponse, type Variables } from "./graphql.js";
import { openSubscriptionClient, type SubscriptionClient, type SubscriptionProtocol } from "./subscriptions.js";
import { TOKENS } from "./tokens.js";

/** Timing used unless a test overrides it: fast heartbeats (answered by AgentSocket), grace 0 as in the reference tests. */
export const TEST_TIMING = {
  heartbeatIntervalMs: 300,
  // generous next to the interval so a loaded CI machine does not miss an (automatic) answer
  heartbeatTimeoutMs: 1000,
  staleAfterMs: 3000,
  graceMs: 0,
} as const;

export type TestServerOptions = Partial<Omit<ServerOptions, "dataDir">>;

export class TestServer {
  private readonly sockets: AgentSocket[] = [];
  private readonly clients: SubscriptionClient[] = [];

  constructor(
    readonly handle: ServerHandle,
    readonly dataDir: string,
    readonly options: TestServerOptions,
  ) {}

  get url(): string {
    return this.handle.url;
  }
  get graphqlUrl(): string {
    return this.handle.graphqlUrl;
  }
  get graphqlWsUrl(): string {
    return this.handle.graphqlWsUrl;
  }
  get agiUrl(): string {
    return this.handle.agiUrl;
  }

  /** GraphQL over HTTP with `token`; never throws on GraphQL errors. */
  request<T>(token: string | undefined, query: string, variables?: Variables): Promise<GraphQLResponse<T>> {
    return graphqlRequest<T>(this.graphqlUrl, token, query, variables);
  }
  /** GraphQL over HTTP with `token`; returns data, throws on errors. */
  gql<T>(token: string, query: string, variables?: Variables): Promise<T> {
    return graphqlData<T>(this.graphqlUrl, token, query, variables);
  }
  /** GraphQL over HTTP with `token` that must fail; returns the error messages. */
  gqlErrors(token: string | undefined, query: string, variables?: Variables): Promise<string[]> {
    return graphqlErrors(this.graphqlUrl, token, query, variables);
  }

  /** Opens a raw agent socket on `/agi` (closed with the server). */
  async openAgent(options: AgentSocketOptions = {}): Promise<AgentSocket> {
    const socket = await AgentSocket.open(this.agiUrl, options);
    this.sockets.push(socket);
    return socket;
  }

  /** Opens `/agi`, registers with `token` and returns the socket with its INIT frame. */
  async connectAgent(token: string, register: RegisterOptions = {}, options: AgentSocketOptions = {}): Promise<{ socket: AgentSocket; init: Frame }> {
    const socket = await this.openAgent(options);
    const init = await socket.register(token, register);
    return { socket, init };
  }

  /** Opens a GraphQL subscription client over `protocol` with `connection_init {token}`. */
  async subscriptionClient(protocol: SubscriptionProtocol, token: string): Promise<SubscriptionClient> {
    const client = await openSubscriptionClient(protocol, this.graphqlWsUrl, token);
    this.clients.push(client);
    return client;
  }

  async close(): Promise<void> {
    await Promise.allSettled(this.clients.map((c) => c.close()));
    await Promise.allSettled(this.sockets.map((s) => s.terminate()));
    await this.handle.close();
    await rm(this.dataDir, { recursive: true, force: true });
  }
}

/** Starts a server on a free port with a fresh temporary data dir. */
export async function startTestServer(options: TestServerOptions = {}): Promise<TestServer> {
  const dataDir = await mkdtemp(join(tmpdir(), "arkitekt-acceptance-"));
  const merged: ServerOptions = { host: "127.0.0.1", port: 0, tokens: TOKENS, ...TEST_TIMING, ...options, dataDir };
  try {
    const handle = await startServer(merged);
    return new TestServer(handle, dataDir, options);
  } catch (error) {
    await rm(dataDir, { recursive: true, force: true });
    throw error;
  }
}

/**
 * Registers vitest hooks that start a fresh server before each test and close it after; call the returned
 * function inside a test to get the current server.
 */
export function useTestServer(options: TestServerOptions = {}): () => TestServer {
  let current: TestServer | undefined;
  beforeEach(async () => {
    current = await startTestServer(options);
  });
  afterEach(async () => {
    const server = current;
    current = undefined;
    await server?.close();
  });
  return () => {
    if (!current) throw new Error("no test server is running (useTestServer starts one per test)");
    return current;
  };
}

/**
 * Like `useTestServer`, but one server for every test of the enclosing describe (beforeAll / afterAll):
 * only for tests that leave no state the others could see (e.g. refused operations).
 */
export function useSharedTestServer(options: TestServerOptions = {}): () => TestServer {
  let current: TestServer | undefined;
  beforeAll(async () => {
    current = await startTestServer(options);
  });
  afterAll(async () => {
    const server = current;
    current = undefined;
    await server?.close();
  });
  return () => {
    if (!current) throw new Error("no shared test server is running (useSharedTestServer starts one per describe)");
    return current;
  };
}
