/**
 * `call` / `iterate` without building a client first: they use one shared `createClient()`, whose
 * URL and token come from `ARKITEKT_URL` / `ARKITEKT_TOKEN`, else the dev server's token file
 * (src/runtime/config.ts), unless an explicit `client` is passed.
 */
import type { ArkitektClient, CallOptions, CallTarget } from "./client.js";
import { createClient } from "./index.js";

let shared: ArkitektClient | undefined;

/**
 * The shared client (made on first use). A missing or partial configuration rejects the first
 * call with `PlatformConfigError`, naming what is missing and where each piece came from.
 */
export function defaultClient(): ArkitektClient {
  shared ??= createClient();
  return shared;
}

/** Closes the shared client (its subscription socket), if one was made. */
export async function closeDefaultClient(): Promise<void> {
  const client = shared;
  shared = undefined;
  await client?.close();
}

export type CallWithClientOptions<A, R> = CallOptions<A, R> & { client?: ArkitektClient };

/** Calls a remote action (see `ArkitektClient.call`). */
export function call<A = Record<string, unknown>, R = Record<string, unknown>>(
  target: CallTarget,
  args: A,
  options: CallWithClientOptions<A, R> = {},
): Promise<R> {
  const { client, ...rest } = options;
  return (client ?? defaultClient()).call(target, args, rest);
}

/** Streams a remote generator's yields (see `ArkitektClient.iterate`). */
export function iterate<A = Record<string, unknown>, R = Record<string, unknown>>(
  target: CallTarget,
  args: A,
  options: CallWithClientOptions<A, R> = {},
): AsyncIterable<R> {
  const { client, ...rest } = options;
  return (client ?? defaultClient()).iterate(target, args, rest);
}
