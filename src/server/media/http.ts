/**
 * The media store's HTTP routes besides S3 itself: `GET /.well-known/s3` (discovery, no token) and
 * `POST /api/media/presign` (the web UI: a same-origin presigned URL for one store, bearer token
 * and origin checked like `/graphql`).
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Identity } from "../auth.js";
import { PlatformError } from "../platform.js";
import type { MediaService } from "./service.js";

export const WELL_KNOWN_S3 = "/.well-known/s3";
export const PRESIGN_PATH = "/api/media/presign";
/** Largest presign request body (a store id and a method). */
const MAX_PRESIGN_BODY_BYTES = 16 * 1024;

export interface MediaRouteContext {
  media: MediaService;
  /** The server's base URL (known once it listens). */
  baseUrl: () => string;
  authenticate: (req: IncomingMessage) => Identity | undefined;
  /** CORS headers for an allowed browser origin (none without an Origin). */
  cors: (req: IncomingMessage) => Record<string, string>;
}

function json(res: ServerResponse, status: number, body: unknown, extra: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json; charset=utf-8", "cache-control": "no-store", "content-length": String(Buffer.byteLength(text)), ...extra }).end(text);
}

/** `GET /.well-known/s3`: `{endpoint, region, bucket}`, the same object as `dev-token.json`'s `s3`. */
export function serveWellKnownS3(req: IncomingMessage, res: ServerResponse, ctx: MediaRouteContext): void {
  if (req.method !== "GET" && req.method !== "HEAD") {
    json(res, 405, { error: `${WELL_KNOWN_S3} answers GET` }, { allow: "GET, HEAD" });
    return;
  }
  json(res, 200, ctx.media.discovery(ctx.baseUrl()));
}

/** `POST /api/media/presign` with `{storeId, method: "PUT" | "GET"}` → `{url, method, expiresIn}`. */
export async function servePresign(req: IncomingMessage, res: ServerResponse, ctx: MediaRouteContext): Promise<void> {
  const cors = ctx.cors(req);
  if (req.method === "OPTIONS") {
    res.writeHead(204, { ...cors, "access-control-allow-methods": "POST, OPTIONS", "access-control-allow-headers": "authorization, content-type", "access-control-max-age": "600" }).end();
    return;
  }
  if (req.method !== "POST") {
    json(res, 405, { error: `${PRESIGN_PATH} answers POST {"storeId", "method"}`, code: "METHOD_NOT_ALLOWED" }, { allow: "POST", ...cors });
    req.resume();
    return;
  }
  const identity = ctx.authenticate(req);
  if (!identity) {
    json(res, 401, { error: "Authentication required: send a valid token (Authorization: Bearer <token>)", code: "UNAUTHENTICATED" }, { ...cors, connection: "close" });
    req.resume();
    return;
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_PRESIGN_BODY_BYTES) {
      json(res, 413, { error: `the body is over ${MAX_PRESIGN_BODY_BYTES} bytes`, code: "PAYLOAD_TOO_LARGE" }, { ...cors, connection: "close" });
      req.destroy();
      return;
    }
    chunks.push(chunk);
  }
  let body: unknown;
  try {
    body = JSON.parse(Buffer.concat(chunks).toString("utf8"));
  } catch {
    json(res, 400, { error: 'the body must be JSON: {"storeId": "<MediaStore id>", "method": "PUT" | "GET"}', code: "BAD_USER_INPUT" }, cors);
    return;
  }
  // the URL is for the origin the browser used (its Host), so the page's PUT or link stays same-origin
  const origin = new URL(`http://${req.headers.host ?? new URL(ctx.baseUrl()).host}`);
  try {
    json(res, 200, await ctx.media.presignForBrowser(identity, body, origin), cors);
  } catch (error) {
    if (!(error instanceof PlatformError)) throw error;
    json(res, error.code === "NOT_FOUND" ? 404 : 400, { error: error.message, code: error.code }, cors);
  }
}
