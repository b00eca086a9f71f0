/**
 * Which client's platform a File uses when none is passed: the client making the call whose args
 * or returns are being converted (set by `ArkitektClient` around its adapter), else the running
 * task's client (the agent's platform), else the default client (ARKITEKT_URL/ARKITEKT_TOKEN or the
 * dev-token file).
 */
import { AsyncLocalStorage } from "node:async_hooks";
import type { ArkitektClient } from "../caller/client.js";

const storage = new AsyncLocalStorage<ArkitektClient>();

/** Runs `fn` with `client` as the platform of the Files it converts. */
export function withMediaClient<T>(client: ArkitektClient, fn: () => T): T {
  return storage.run(client, fn);
}

/** The client set by `withMediaClient`, if any. */
export function ambientMediaClient(): ArkitektClient | undefined {
  return storage.getStore();
}
