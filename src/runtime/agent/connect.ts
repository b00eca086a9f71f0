/**
 * `connect(options)`: register the app's functions with the platform and serve them.
 *
 * 1. GraphQL `ensureAgent` (get or create the agent of this token's identity);
 * 2. `implementAgent` with the registry's definitions and its hash, skipped when the platform's
 *    agent already carries that hash (nothing changed since the last start);
 * 3. the agent socket (`/agi`), see agent.ts.
 */
import {
  agentImplementations,
  ensureAgent,
  implementAgent,
  type ImplementationInput,
  type StateImplementationInput,
} from "../../../generated/api/rekuest.js";
import { createGraphQLClient, platformEndpoints, type GraphQLClient } from "../transport/index.js";
import { readAllPages } from "../transport/pages.js";
import { describePlatformSources, explainPlatformFailure, type TokenSource } from "../config.js";
import { resolvePlatformOrLogin, type PlatformLogin } from "../login.js";
import type { Registry } from "../registry.js";
import { createClient } from "../caller/index.js";
import type { ArkitektClient } from "../caller/client.js";
import { AgentSocket, declaredLocks, type AgentSocketOptions, type AgentStop } from "./agent.js";
import { Lifecycle, type LifecycleOptions } from "../lifecycle.js";
import { AgentStoppedError } from "./errors.js";
import { existingAgentMemory } from "../memory.js";
import { silentLogger, type Logger } from "../../shared/logger.js";

export interface ConnectOptions extends Omit<AgentSocketOptions, "agiUrl" | "registry" | "token">, PlatformLogin {
  /**
   * The platform's http base, e.g. `http://127.0.0.1:8080`; `/graphql` and `/agi` derive from it.
   * Default: env ARKITEKT_URL, else the dev server's token file (see `devTokenFile`). A deployment's
   * URL without a token (e.g. `https://lab.example.org`) is logged in to with fakts (see `fakts`).
   */
  url?: string;
  /**
   * A bearer token, or a function asked per request and per reconnect (with `{rejected}` after a
   * refusal). Default: env ARKITEKT_TOKEN, else the dev server's token file, else a fakts login.
   */
  token?: TokenSource;
  /**
   * The dev server's `dev-token.json`, read when neither the options nor the environment give a
   * token (it supplies both or neither). Default `.arkitekt/dev/dev-token.json` under the working
   * directory; `false` never reads one.
   */
  devTokenFile?: string | false;
  /** The object exported by the app's `generated/registry.ts`. */
  registry: Registry;
  /** The agent's name on the platform (only used when the agent is created). Default: the token's client. */
  name?: string;
  /** Override the derived GraphQL endpoint. */
  graphqlUrl?: string;
  /** Override the derived agent socket endpoint. */
  agiUrl?: string;
  /** The S3 endpoint of the platform's media store, for `File` args and returns (see `ClientOptions.s3Url`). */
  s3Url?: string;
  /** Lifecycle hooks (issue 16): an `onStartup` hook running longer than this stops the start. Default 120000; 0 = no limit. */
  startupTimeoutMs?: LifecycleOptions["startupTimeoutMs"];
  /** The deadline of an `onShutdown` hook that names none. Default 10000. */
  shutdownDeadlineMs?: LifecycleOptions["shutdownDeadlineMs"];
  /** On stop, `background` tasks have this long to return after their signal is aborted. Default 5000. */
  backgroundStopTimeoutMs?: LifecycleOptions["backgroundStopTimeoutMs"];
}

/** What the platform calls each registered function. */
export interface ServedImplementation {
  interface: string;
  /** The platform's implementation id: a caller can target it directly. */
  implementationId: string;
  /** The action's hash: what `call(hash, ...)` takes. */
  actionHash: string;
  actionId: string;
}

export interface AgentHandle {
  /** The platform's agent id. */
  readonly agentId: string;
  readonly sessionId: string;
  /** Resolved: `connect` returns once the agent is registered and serving. */
  readonly ready: Promise<void>;
  /** Resolves when the agent stopped for good (`error` set unless `close()` stopped it). */
  readonly closed: Promise<AgentStop>;
  /** True while the socket is registered. */
  readonly connected: boolean;
  /** Whether this start sent `implementAgent` (false: the platform already had these definitions). */
  readonly implemented: boolean;
  /** The served functions by interface. */
  readonly implementations: Readonly<Record<string, ServedImplementation>>;
  /** Finishes (or reports) in-flight tasks, then closes the socket with 1000. */
  close(): Promise<void>;
  /**
   * Stops taking tasks (new ones stay with the platform for the next connection of this agent),
   * finishes in-flight ones and waits for their acknowledgements; the socket stays open and live
   * until `close()` or until another connection takes over (`force`).
   */
  drain(): Promise<void>;
}


export async function connect(options: ConnectOptions): Promise<AgentHandle> {
  const logger: Logger = options.logger ?? silentLogger;
  // Missing, partial or malformed: PlatformConfigError, naming what is missing and where each piece came from.
  const platform = await resolvePlatformOrLogin(
    {
      url: options.url,
      token: options.token,
      ...(options.devTokenFile !== undefined ? { devTokenFile: options.devTokenFile } : {}),
    },
    { app: options.app, fakts: options.fakts },
  );
  const { url, token } = platform;
  const endpoints = platformEndpoints(url);
  const graphqlUrl = options.graphqlUrl ?? endpoints.graphqlUrl;
  const agiUrl = options.agiUrl ?? endpoints.agiUrl;
  const registry = options.registry;
  // Lifecycle hooks (issue 16): startup hooks run before anything is registered; a failure stops here.
  const lifecycle = new Lifecycle({
    logger,
    ...(options.startupTimeoutMs !== undefined ? { startupTimeoutMs: options.startupTimeoutMs } : {}),
    ...(options.shutdownDeadlineMs !== undefined ? { shutdownDeadlineMs: options.shutdownDeadlineMs } : {}),
    ...(options.backgroundStopTimeoutMs !== undefined ? { backgroundStopTimeoutMs: options.backgroundStopTimeoutMs } : {}),
  });
  await lifecycle.startup();
  const gql = createGraphQLClient({ url: graphqlUrl, token, logger });

  let implemented = false;
  let served: Record<string, ServedImplementation>;
  try {
    const existing = await ensureAgent(gql, { input: { name: options.name ?? null, kind: "WEBSOCKET" } });
    if (existing.hash === registry.hash) {
      logger.debug(`agent ${existing.id} already implements definitions ${registry.hash.slice(0, 12)}; skipping implementAgent`);
      served = indexImplementations(await implementationsOf(gql, existing.id));
    } else {
      const result = await implementAgent(gql, {
        input: {
          name: options.name ?? null,
          implementations: registry.implementations as unknown as ImplementationInput[],
          hash: registry.hash,
          // issue 16: the locks the functions take, declared as the agent's resources
          ...lockInputs(registry),
          // the app's states (defineState); [] when it has none, so states an earlier version declared are dropped (as rekuest-next)
          states: (registry.states ?? []).map((s) => s.implementation as unknown as StateImplementationInput),
        },
      });
      implemented = true;
      // The answer lists one page of implementations (the platform's maximum page): read the rest.
      served = indexImplementations(
        result.implementations.length >= registry.implementations.length ? result.implementations : await implementationsOf(gql, result.id),
      );
      logger.info(`implemented ${registry.implementations.length} function(s) on agent ${result.id}`);
    }
  } catch (error) {
    await lifecycle.stop();
    throw new AgentStoppedError(
      "ARKITEKT_AGENT_REGISTRATION",
      `could not register the agent's functions at ${graphqlUrl} (${describePlatformSources(platform)}): ${error instanceof Error ? error.message : String(error)}`,
      explainPlatformFailure(error, platform)?.hint ??
        "check that the platform runs at this url and that the token is valid (it needs client_app and client_release claims)",
      undefined,
      { cause: error },
    );
  } finally {
    await gql.close();
  }

  // `context().client`: one caller per agent, with the agent's platform and token, made when a
  // task first asks for it and closed with the agent.
  let client: ArkitektClient | undefined;
  const clientOf = (): ArkitektClient => (client ??= createClient({
      url,
      token,
      graphqlUrl,
      logger,
      ...(options.s3Url !== undefined ? { s3Url: options.s3Url } : platform.fakts?.s3Url ? { s3Url: platform.fakts.s3Url } : {}),
      ...(options.devTokenFile !== undefined ? { devTokenFile: options.devTokenFile } : {}),
    }));
  const socket = new AgentSocket({ ...options, token, agiUrl, registry, client: clientOf });
  try {
    await socket.start();
  } catch (error) {
    await lifecycle.stop();
    throw error;
  }
  lifecycle.serve();
  // Stopped by the platform (replaced, blocked...): background tasks end and shutdown hooks run too.
  const closed = socket.closed.then(async (stop) => {
    await lifecycle.stop();
    return stop;
  });
  const handle: AgentHandle = {
    get agentId() {
      return socket.agentId ?? "";
    },
    sessionId: socket.sessionId,
    ready: Promise.resolve(),
    closed,
    get connected() {
      return socket.connected;
    },
    implemented,
    implementations: served,
    close: async () => {
      // Background tasks end first (they may feed running tasks or state), then tasks finish, then shutdown hooks run.
      await lifecycle.stopBackground();
      await socket.close();
      await lifecycle.stop();
      // Memory structures (runtime/memory.ts): the objects go with this process, so their drawers go too.
      await existingAgentMemory(client)?.dropAll().catch((error: unknown) => logger.warn(`closing: ${error instanceof Error ? error.message : String(error)}`));
      await client?.close();
    },
    drain: () => socket.drain(),
  };
  return handle;
}

/** `implementAgent(locks)`: one `LockImplementationInput` per lock the functions take; nothing when none. */
function lockInputs(registry: Registry): { locks?: Array<{ key: string; definition: { key: string } }> } {
  const keys = declaredLocks(registry);
  return keys.length > 0 ? { locks: keys.map((key) => ({ key, definition: { key } })) } : {};
}

/** Every implementation of an agent, read page by page. */
function implementationsOf(gql: GraphQLClient, agent: string) {
  return readAllPages(async (pagination) => (await agentImplementations(gql, { id: agent, pagination })).implementations, {
    field: "Agent.implementations",
    keyOf: (impl) => impl.id,
  });
}

function indexImplementations(
  list: ReadonlyArray<{ id: string; interface: string; action: { id: string; hash: string } }>,
): Record<string, ServedImplementation> {
  const out: Record<string, ServedImplementation> = {};
  for (const impl of list) {
    out[impl.interface] = {
      interface: impl.interface,
      implementationId: impl.id,
      actionHash: impl.action.hash,
      actionId: impl.action.id,
    };
  }
  return out;
}
