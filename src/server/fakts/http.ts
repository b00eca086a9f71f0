/**
 * The fakts routes of the embedded platform (issue 17): `/.well-known/fakts`, `/f/start/`,
 * `/f/challenge/`, `/f/redeem/`, `/f/claim/`, `/f/report/`, `/o/token/`, the approval page
 * `/configure/<code>` (and `/device`, where a code is typed by hand) and the self alias' probe
 * `/lok/ht`. Every URL and address is built from the request's `Host`, which must be one the
 * server answers to (`hostAllowed`: the server's origin rules); a request to another host is
 * refused 400, so a DNS-rebinding page cannot read a claim.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { FaktsAnswer, FaktsService, RequestHost } from "./service.js";
import type { CompiledFaktsOptions } from "./options.js";

export interface FaktsRouteContext {
  fakts: FaktsService;
  options: CompiledFaktsOptions;
  /** Whether the server answers to this `Host` header value. */
  hostAllowed: (host: string) => boolean;
  /** Whether a browser origin may use the server (its own, or allowed). */
  originAllowed: (origin: string, host: string | undefined) => boolean;
  /** Logs a refused origin (once per origin). */
  logRefusedOrigin: (origin: string, what: string) => void;
}

const FAKTS_POST = new Set(["/f/start/", "/f/challenge/", "/f/redeem/", "/f/claim/", "/f/report/", "/o/token/"]);
const LOOPBACK_NAME = /^(127\.\d+\.\d+\.\d+|localhost|\[::1\])$/i;

/** `Host` split into host and port (IPv6 keeps its brackets, as a URL needs them); null when it is no host. */
export function parseHost(header: string | undefined): RequestHost | null {
  if (!header) return null;
  const match = /^(\[[0-9a-f:.]+\]|[a-z0-9.-]+)(?::(\d{1,5}))?$/i.exec(header.trim());
  if (!match) return null;
  const port = match[2] === undefined ? null : Number(match[2]);
  if (port !== null && (port < 1 || port > 65535)) return null;
  return { host: match[1]!.toLowerCase(), port };
}

function isLoopbackAddress(address: string | undefined): boolean {
  if (!address) return false;
  const plain = address.startsWith("::ffff:") ? address.slice(7) : address;
  return plain === "::1" || /^127\.\d+\.\d+\.\d+$/.test(plain);
}

/**
 * A request from a CLI on this machine: a loopback peer and `Host`, and nothing a browser or a
 * proxy adds (`Origin`, `Sec-Fetch-Site`, `Forwarded`, `X-Forwarded-For`): a proxy on this machine
 * that forwards outside requests must not make them look local.
 */
export function isLocalCli(req: IncomingMessage, at: RequestHost): boolean {
  const h = req.headers;
  return (
    isLoopbackAddress(req.socket.remoteAddress) &&
    LOOPBACK_NAME.test(at.host) &&
    h.origin === undefined &&
    // browsers send Sec-Fetch-Site on every request; Node's fetch sends only Sec-Fetch-Mode
    h["sec-fetch-site"] === undefined &&
    h.forwarded === undefined &&
    h["x-forwarded-for"] === undefined
  );
}

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json; charset=utf-8", "cache-control": "no-store", "content-length": String(Buffer.byteLength(text)), ...headers }).end(text);
}

async function readLimited(req: IncomingMessage, limit: number): Promise<Buffer | null> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) return null;
    chunks.push(chunk);
  }
  return Buffer.concat(chunks, size);
}

/** HTTP Basic client credentials (RFC 6749 §2.3.1: each part form-urlencoded), or null. */
function basicCredentials(header: string | undefined): { id: string; secret: string } | null | "malformed" {
  if (!header) return null;
  const match = /^\s*Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header);
  if (!match) return null;
  const decoded = Buffer.from(match[1]!, "base64").toString("utf8");
  const colon = decoded.indexOf(":");
  if (colon === -1) return "malformed";
  try {
    const part = (s: string) => decodeURIComponent(s.replace(/\+/g, " "));
    return { id: part(decoded.slice(0, colon)), secret: part(decoded.slice(colon + 1)) };
  } catch {
    return "malformed";
  }
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);
}

const PAGE_HEADERS = {
  "content-type": "text/html; charset=utf-8",
  "cache-control": "no-store",
  // no script at all; the form posts only here; no framing (clickjacking)
  "content-security-policy": "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
  "x-frame-options": "DENY",
  "referrer-policy": "no-referrer",
};

function page(res: ServerResponse, status: number, title: string, body: string): void {
  const html = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title>
<style>body{font:16px system-ui,sans-serif;max-width:40rem;margin:3rem auto;padding:0 1rem}button{font-size:1rem;padding:.5rem 1.25rem;margin-right:.5rem}code{background:#eee;padding:0 .25rem}</style></head>
<body><h1>${escapeHtml(title)}</h1>${body}</body></html>`;
  res.writeHead(status, PAGE_HEADERS).end(html);
}

/**
 * `GET /configure/<code>?key=<key>`: what the app asks for, and one form with Approve and Deny. The
 * key is printed only in the server's log (the app holds the code, never the key), so without it the
 * page only says where to find the link.
 */
function serveApprovalPage(res: ServerResponse, ctx: FaktsRouteContext, code: string, key: string): void {
  const found = ctx.fakts.pendingCode(code, key);
  if ("state" in found && found.state === "no-key") {
    page(
      res,
      403,
      "Open the link the server printed",
      "<p>This code waits for approval, but this address lacks its approval key. Open the link the arkitekt-next server printed in its log (<code>…/configure/&lt;code&gt;?key=…</code>) to approve or deny the app; the app itself cannot.</p>",
    );
    return;
  }
  if ("state" in found) {
    const state = found.state as "granted" | "denied" | "unknown";
    const text = {
      granted: "This app is approved. You can close this page; the app continues on its own.",
      denied: "This request was denied. Start the app again to ask once more.",
      unknown: "This code is unknown or has expired. Start the app again for a new one.",
    }[state];
    page(res, state === "unknown" ? 404 : 200, state === "granted" ? "Approved" : state === "denied" ? "Denied" : "Unknown code", `<p>${text}</p>`);
    return;
  }
  const { manifest, key: approvalKey } = found.row;
  const requirements = (manifest.requirements ?? []).map((r) => `<li><code>${escapeHtml(r.key)}</code>: ${escapeHtml(r.service)}${r.optional ? " (optional)" : ""}</li>`).join("");
  page(
    res,
    200,
    "Approve an app",
    `<p>The app <strong>${escapeHtml(manifest.identifier)}</strong> version <strong>${escapeHtml(manifest.version)}</strong>${manifest.node_id ? ` on machine <code>${escapeHtml(manifest.node_id)}</code>` : ""} asks to act as you on this platform.</p>
${requirements ? `<p>It uses:</p><ul>${requirements}</ul>` : ""}
<form method="post" action="/configure/${encodeURIComponent(code)}"><input type="hidden" name="key" value="${escapeHtml(approvalKey)}">
<button type="submit" name="decision" value="approve">Approve</button><button type="submit" name="decision" value="deny">Deny</button></form>`,
  );
}

/** `POST /configure/<code>`: the form's answer; only from the server's own page (origin) with the code's approval key (the form's hidden field). */
async function serveDecision(req: IncomingMessage, res: ServerResponse, ctx: FaktsRouteContext, code: string): Promise<void> {
  const origin = req.headers.origin;
  const site = req.headers["sec-fetch-site"];
  if ((origin !== undefined && !ctx.originAllowed(origin, req.headers.host)) || (site !== undefined && site !== "same-origin" && site !== "none")) {
    page(res, 403, "Refused", "<p>The answer must come from this server's own approval page. Open the link the app printed and click there.</p>");
    req.resume();
    return;
  }
  const raw = await readLimited(req, ctx.options.maxFaktsBodyBytes);
  if (raw === null) {
    page(res, 413, "Refused", "<p>The form is too large.</p>");
    return;
  }
  const form = new URLSearchParams(raw.toString("utf8"));
  const decision = form.get("decision");
  const decided = (decision === "approve" || decision === "deny") && (await ctx.fakts.decide(code, form.get("key") ?? "", decision === "approve"));
  if (!decided) {
    page(res, 403, "Refused", "<p>This answer was not accepted: the code is no longer waiting, the form lacks the approval key of the link the server printed, or the server stores as many apps as it may (server option maxFaktsClients). Open the link the server printed and click again.</p>");
    return;
  }
  // post/redirect/get: the page then shows the outcome
  res.writeHead(303, { location: `/configure/${encodeURIComponent(code)}`, "cache-control": "no-store" }).end();
}

async function serveFaktsPost(req: IncomingMessage, res: ServerResponse, ctx: FaktsRouteContext, path: string, at: RequestHost, cors: Record<string, string>): Promise<void> {
  const raw = await readLimited(req, ctx.options.maxFaktsBodyBytes);
  if (raw === null) {
    send(res, 413, { status: "error", error: `the body is over ${ctx.options.maxFaktsBodyBytes} bytes (server option maxFaktsBodyBytes)` }, { ...cors, connection: "close" });
    return;
  }
  let answer: FaktsAnswer;
  if (path === "/o/token/") {
    const header = req.headers.authorization;
    const basic = basicCredentials(Array.isArray(header) ? header[0] : header);
    if (basic === "malformed") {
      send(res, 400, { error: "invalid_request", error_description: "the Authorization header is not Basic client_id:client_secret" }, cors);
      return;
    }
    answer = await ctx.fakts.token(new URLSearchParams(raw.toString("utf8")), basic);
  } else {
    let body: unknown;
    try {
      body = JSON.parse(raw.toString("utf8"));
    } catch {
      send(res, 200, { status: "error", error: "Malformed request: the body must be JSON", message: "Malformed request: the body must be JSON" }, cors);
      return;
    }
    if (path === "/f/start/") answer = await ctx.fakts.start(body, ctx.options.autoApproveLocal && isLocalCli(req, at));
    else if (path === "/f/challenge/") answer = await ctx.fakts.challenge(body);
    else if (path === "/f/redeem/") answer = await ctx.fakts.redeem(body);
    else if (path === "/f/claim/") answer = ctx.fakts.claim(body, at);
    else answer = await ctx.fakts.report(body);
  }
  send(res, answer.status, answer.body, { ...cors, ...(answer.headers ?? {}) });
}

/** Serves `path` when it is a fakts route (true), else leaves the request alone (false). */
export function serveFakts(req: IncomingMessage, res: ServerResponse, requestPath: string, ctx: FaktsRouteContext): boolean {
  const path = FAKTS_POST.has(`${requestPath}/`) ? `${requestPath}/` : requestPath;
  const configure = /^\/(?:f\/)?configure\/([A-Za-z0-9_-]{1,200})\/?$/.exec(path);
  const device = path === "/device" || path === "/device/";
  const isFakts = path === "/.well-known/fakts" || path === "/.well-known/fakts/" || path === "/lok/ht" || path === "/lok/ht/" || FAKTS_POST.has(path) || configure !== null || device;
  if (!isFakts) return false;
  const hostHeader = req.headers.host;
  const at = parseHost(hostHeader);
  if (!at || !hostHeader || !ctx.hostAllowed(hostHeader)) {
    send(res, 400, { status: "error", error: `this server does not answer to the host ${JSON.stringify((hostHeader ?? "").slice(0, 100))}: use the address it printed at start (or start it with --allow-origin http://<host:port>)` }, { connection: "close" });
    req.resume();
    return true;
  }
  const origin = req.headers.origin;
  if (origin !== undefined && !ctx.originAllowed(origin, hostHeader)) {
    ctx.logRefusedOrigin(origin, `a fakts request (${path})`);
    send(res, 403, { status: "error", error: `origin ${origin} is not allowed: start the server with --allow-origin ${origin} (server option allowedOrigins)` }, { connection: "close" });
    req.resume();
    return true;
  }
  const cors: Record<string, string> = origin ? { "access-control-allow-origin": origin, vary: "Origin" } : {};
  const base = `http://${at.host}${at.port === null ? "" : `:${at.port}`}`;
  const method = req.method ?? "GET";
  const fail = (error: unknown) => {
    if (!res.headersSent) send(res, 500, { status: "error", error: `the server could not answer: ${(error as Error)?.message ?? String(error)}` });
    else res.destroy();
  };

  if (path === "/lok/ht" || path === "/lok/ht/") {
    res.writeHead(200, { "content-type": "text/plain" }).end("ok\n");
    return true;
  }
  if (path.startsWith("/.well-known/fakts")) {
    if (method !== "GET" && method !== "HEAD") send(res, 405, { status: "error", error: "/.well-known/fakts answers GET" }, { allow: "GET, HEAD", ...cors });
    else send(res, 200, ctx.fakts.wellKnown(base), cors);
    return true;
  }
  if (device) {
    // fakts-next prints `{configure_url without "configure/"}device` for typing the code by hand
    const code = new URL(req.url ?? "/", "http://x").searchParams.get("code")?.trim() ?? "";
    if (/^[A-Za-z0-9_-]{1,200}$/.test(code)) res.writeHead(302, { location: `/configure/${code}` }).end();
    else page(res, 200, "Enter a code", '<form method="get" action="/device"><p><label>Code the app printed: <input name="code" size="30" autofocus></label></p><button type="submit">Continue</button></form>');
    return true;
  }
  if (configure) {
    const code = configure[1]!;
    if (path.startsWith("/f/")) {
      // fakts clients without `configure_url` derive the page from base_url
      res.writeHead(302, { location: `/configure/${code}` }).end();
    } else if (method === "GET" || method === "HEAD") serveApprovalPage(res, ctx, code, new URL(req.url ?? "/", "http://x").searchParams.get("key") ?? "");
    else if (method === "POST") void serveDecision(req, res, ctx, code).catch(fail);
    else page(res, 405, "Not allowed", "<p>Open this page in a browser.</p>");
    return true;
  }
  if (method === "OPTIONS" && origin !== undefined) {
    res.writeHead(204, { ...cors, "access-control-allow-methods": "POST, OPTIONS", "access-control-allow-headers": "content-type, authorization", "access-control-max-age": "600" }).end();
    return true;
  }
  if (method !== "POST") {
    send(res, 405, { status: "error", error: `${path} answers POST` }, { allow: "POST", ...cors });
    req.resume();
    return true;
  }
  void serveFaktsPost(req, res, ctx, path, at, cors).catch(fail);
  return true;
}
