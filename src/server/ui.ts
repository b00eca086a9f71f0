/**
 * Serves the web UI's built files (dist/ui: index.html, app.js, app.css, built by `npm run build`
 * with scripts/build-ui.mjs): the page at `/`, its assets under `/ui/`. Found next to this module
 * (dist/src/server → dist/ui in the package, src/server → dist/ui in the repository), so it works
 * installed. The server only serves these files; everything the page does goes through /graphql.
 */
import { existsSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { IncomingMessage, ServerResponse } from "node:http";

const here = dirname(fileURLToPath(import.meta.url));

/** Where the built UI is: `dist/ui` of the package this module belongs to, or null when it was not built. */
export function uiAssetsDir(): string | null {
  for (const candidate of [resolve(here, "../../ui"), resolve(here, "../../dist/ui")]) {
    if (existsSync(join(candidate, "index.html")) && existsSync(join(candidate, "app.js"))) return candidate;
  }
  return null;
}

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".map": "application/json; charset=utf-8",
  ".png": "image/png",
  ".svg": "image/svg+xml",
};

/**
 * The page's policy: its own scripts, styles and images only (no inline script, no eval), GraphQL
 * over HTTP and WebSocket to its own origin, nothing framed, no form posts elsewhere.
 */
export function uiSecurityHeaders(): Record<string, string> {
  return {
    "content-security-policy":
      "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self' ws: wss:; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "x-frame-options": "DENY",
  };
}

const MISSING = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>arkitekt-next: the UI is not built</title></head>
<body style="font-family: system-ui, sans-serif; max-width: 42rem; margin: 2rem auto">
<h1>The arkitekt-next web UI is not built</h1>
<p>This server found no <code>dist/ui/index.html</code> next to it. In a checkout of arkitekt-next run
<code>npm run build</code> (it bundles <code>src/ui</code> into <code>dist/ui</code>) and reload this page.</p>
<p>The GraphQL endpoint <code>/graphql</code>, the agent socket <code>/agi</code>, <a href="/schema"><code>/schema</code></a>
and <a href="/ht"><code>/ht</code></a> work without it.</p>
</body></html>
`;

function send(req: IncomingMessage, res: ServerResponse, status: number, type: string, body: Buffer | string, extra: Record<string, string> = {}): void {
  res.writeHead(status, { "content-type": type, "cache-control": "no-cache", ...uiSecurityHeaders(), ...extra });
  res.end(req.method === "HEAD" ? undefined : body);
}

/**
 * Answers `GET`/`HEAD` of `/`, `/index.html` and `/ui/<file>` from `dir` (default: the built UI
 * next to this module); returns false for any other request (the caller routes it on). The token travels in the URL fragment (`/#token=...`), which browsers
 * never send, so it never reaches this server or its logs.
 */
export function serveUi(req: IncomingMessage, res: ServerResponse, path: string, dir: string | null = uiAssetsDir()): boolean {
  if (req.method !== "GET" && req.method !== "HEAD") return false;
  const page = path === "/" || path === "/index.html";
  if (!page && !path.startsWith("/ui/")) return false;
  if (!dir) {
    send(req, res, page ? 200 : 404, "text/html; charset=utf-8", MISSING);
    return true;
  }
  const name = page ? "index.html" : path.slice("/ui/".length);
  // one flat folder of built files: no subfolders, no dot-files, no escaping it
  if (!/^[A-Za-z0-9_-][A-Za-z0-9_.-]*$/.test(name)) {
    send(req, res, 404, "text/plain; charset=utf-8", `not found: ${path}\n`);
    return true;
  }
  const file = join(dir, name);
  // read per request (a few small files; a rebuild shows on reload). No existsSync first: a file
  // removed mid-rebuild, a folder named like an asset or an unreadable file is an answer, never a throw
  let body: Buffer;
  try {
    body = readFileSync(file);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "EISDIR" || code === "ENOTDIR") {
      send(req, res, 404, "text/plain; charset=utf-8", `not found: ${path} (the UI's files are in ${dir})\n`);
    } else {
      send(req, res, 500, "text/plain; charset=utf-8", `cannot read ${path} (${code ?? "error"}): check the permissions of ${dir}, or rebuild with npm run build\n`);
    }
    return true;
  }
  const dot = name.lastIndexOf(".");
  send(req, res, 200, TYPES[name.slice(dot)] ?? "application/octet-stream", body);
  return true;
}
