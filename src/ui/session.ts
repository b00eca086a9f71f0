/**
 * Sign-in: the token comes in the URL fragment (`/#token=...`, printed by `run dev` and `server`;
 * browsers never send the fragment, so it reaches neither the server nor its logs), is kept for
 * this tab in sessionStorage and removed from the address bar with `history.replaceState`.
 */
import { GraphQLRequestError, GraphQLTransportError, createGraphQLClient, type GraphQLClient } from "../runtime/transport/index.js";

const TOKEN_KEY = "arkitekt-next:token";

/** Reads `token=` from the fragment and removes it from the address bar; null when there is none. */
export function takeTokenFromLocation(): string | null {
  const match = /(?:^#|[#&/?])token=([^&]*)/.exec(location.hash);
  if (!match) return null;
  let token: string;
  try {
    token = decodeURIComponent(match[1] ?? "");
  } catch {
    token = match[1] ?? "";
  }
  history.replaceState(null, "", `${location.pathname}${location.search}#/`);
  return token.trim() || null;
}

export function storedToken(): string | null {
  try {
    return sessionStorage.getItem(TOKEN_KEY);
  } catch {
    return null;
  }
}

export function storeToken(token: string | null): void {
  try {
    if (token) sessionStorage.setItem(TOKEN_KEY, token);
    else sessionStorage.removeItem(TOKEN_KEY);
  } catch {
    // storage disabled: the token lives as long as the page
  }
}

/** The GraphQL client of this page: its own origin, HTTP for queries, graphql-ws for live updates. */
export function clientFor(token: string, onReconnected?: () => void): GraphQLClient {
  return createGraphQLClient({
    url: `${location.origin}/graphql`,
    token,
    onConnected: ({ reconnected }) => {
      if (reconnected) onReconnected?.();
    },
    // a developer's server restarts often (run dev): keep trying for a while
    reconnect: { attempts: 60, maxDelayMs: 5_000 },
  });
}

/** Whether an error means the token was refused (HTTP 401/403, or the server's UNAUTHENTICATED/FORBIDDEN). */
export function isAuthError(error: unknown): boolean {
  if (error instanceof GraphQLTransportError) return error.status === 401 || error.status === 403 || error.status === 4401 || error.status === 4403;
  if (error instanceof GraphQLRequestError) return error.errors.some((e) => ["UNAUTHENTICATED", "FORBIDDEN"].includes(String(e.extensions?.code ?? "")));
  return false;
}

/** One refused port of an `assign`: `extensions: { code: "INVALID_ARGS", ports: [{ path, message }] }`. */
export interface PortRefusal {
  path: string;
  message: string;
}

export function portRefusals(error: unknown): PortRefusal[] {
  if (!(error instanceof GraphQLRequestError)) return [];
  const out: PortRefusal[] = [];
  for (const entry of error.errors) {
    const ports = entry.extensions?.ports;
    if (!Array.isArray(ports)) continue;
    for (const port of ports as unknown[]) {
      if (port && typeof port === "object" && typeof (port as PortRefusal).path === "string") {
        out.push({ path: (port as PortRefusal).path, message: String((port as PortRefusal).message ?? "refused") });
      }
    }
  }
  return out;
}

/** An error in words for the page. */
export function errorText(error: unknown): string {
  if (error instanceof GraphQLRequestError) return error.remoteMessage || error.message;
  if (error instanceof Error) return error.message;
  return String(error);
}
