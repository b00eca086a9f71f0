/**
 * `call` / `iterate` without building a client first: they use one shared client made from
 * `ARKITEKT_URL` and `ARKITEKT_TOKEN` (DESIGN.md, "Where a URL and token come from"), unless an
 * explicit `client` is passed.
 */
import type { ArkitektClient, CallOptions, CallTarget } from "./client.js";
import { createClient } from "./index.js";

let shared: ArkitektClient | undefined;

/** The shared client from the environment; throws naming the missing variable. */
export function defaultClient(): ArkitektClient {
  if (shared) return shared;
  const url = process.env.ARKITEKT_URL;
  const token = process.env.ARKITEKT_TOKEN;
  if (!url || !token) {
    throw new Error(
      `call() without a client needs ${!url ? "ARKITEKT_URL" : "ARKITEKT_TOKEN"} in the environment: set ARKITEKT_URL and ARKITEKT_TOKEN, or pass { client: createClient({ url, token }) }`,
    );
  }
  shared = createClient({ url, token });
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
