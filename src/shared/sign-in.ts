/**
 * The one-click sign-in link of the embedded platform's UI: `http://127.0.0.1:8080/#token=<token>`.
 * The token rides in the URL fragment, which a browser never sends to the server (so it is in no
 * request line and no server log); the page reads it with `tokenFromFragment`, keeps it, and removes
 * it from the address bar with `history.replaceState`.
 *
 * Browser-safe: no `node:` imports, so the UI bundle and the CLI share it.
 */

/** The fragment key that carries the token. */
export const SIGN_IN_FRAGMENT_KEY = "token";

/** `<baseUrl>/#token=<token>`: the server's UI with the token in the fragment (never sent to the server). */
export function signInUrl(baseUrl: string, token: string): string {
  const url = new URL(baseUrl);
  // the UI is served at the root; a base with a path keeps it (a proxy's prefix)
  if (!url.pathname.endsWith("/")) url.pathname += "/";
  url.search = "";
  url.hash = `${SIGN_IN_FRAGMENT_KEY}=${encodeURIComponent(token)}`;
  return url.href;
}

/**
 * The token of a sign-in fragment (`location.hash`, with or without its `#`), or `undefined` when the
 * fragment carries none. Other fragment parameters are ignored.
 */
export function tokenFromFragment(hash: string): string | undefined {
  const params = new URLSearchParams(hash.startsWith("#") ? hash.slice(1) : hash);
  const token = params.get(SIGN_IN_FRAGMENT_KEY);
  return token === null || token === "" ? undefined : token;
}
