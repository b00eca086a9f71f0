/**
 * Static-token authentication, as the platform's dev mode (authentikate `static_tokens`): a token
 * maps to JWT-like claims; missing claims take the platform's dev defaults. The identity triple
 * (client, user, organisation) is both the caller and, at most one per triple, the agent.
 */
import { randomBytes } from "node:crypto";
import { chmodSync, existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { TokenClaims } from "./options.js";

export interface Identity {
  token: string;
  /** Organisation slug. */
  org: string;
  clientId: string;
  sub: string;
  iss: string;
  username: string;
  app: string;
  release: string;
  device: string;
  roles: string[];
  scope: string;
  /** Stable key of the (client, user, org) triple. */
  key: string;
}

export const DEV_DEFAULTS = {
  iss: "static_issuer",
  org: "static_org",
  app: "static_app",
  release: "v1.0.0",
  device: "static_device",
  roles: ["admin"],
  scope: "openid profile email",
} as const;

export function identityKey(org: string, clientId: string, sub: string, iss: string): string {
  return JSON.stringify([org, clientId, sub, iss]);
}

export function expandClaims(token: string, claims: TokenClaims): Identity {
  const sub = String(claims.sub ?? token);
  const clientId = String(claims.client_id ?? sub);
  const iss = claims.iss ?? DEV_DEFAULTS.iss;
  const org = claims.active_org ?? claims.org ?? DEV_DEFAULTS.org;
  return {
    token,
    org,
    clientId,
    sub,
    iss,
    username: claims.preferred_username ?? sub,
    app: claims.client_app ?? DEV_DEFAULTS.app,
    release: claims.client_release ?? DEV_DEFAULTS.release,
    device: claims.client_device ?? DEV_DEFAULTS.device,
    roles: claims.roles ?? [...DEV_DEFAULTS.roles],
    scope: claims.scope ?? DEV_DEFAULTS.scope,
    key: identityKey(org, clientId, sub, iss),
  };
}

/** Looks up a token issued at run time (fakts, issue 17): its identity, or undefined when unknown or expired. */
export type TokenIssuer = (token: string) => Identity | undefined;

export class TokenAuthority {
  private readonly identities = new Map<string, Identity>();
  private readonly issuers: TokenIssuer[] = [];
  constructor(tokens: Record<string, TokenClaims>) {
    for (const [token, claims] of Object.entries(tokens)) this.identities.set(token, expandClaims(token, claims ?? {}));
  }
  /** Adds a source of issued tokens, asked when the static map does not know a token. */
  addIssuer(issuer: TokenIssuer): void {
    this.issuers.push(issuer);
  }
  /** The identity of a token (static first, then issued), or undefined when the token is unknown or expired. */
  authenticate(token: string | null | undefined): Identity | undefined {
    if (!token) return undefined;
    const known = this.identities.get(token);
    if (known) return known;
    for (const issuer of this.issuers) {
      const identity = issuer(token);
      if (identity) return identity;
    }
    return undefined;
  }
}

/** Reads `Authorization: Bearer <token>` (also `X-Authorization`), as authentikate does. */
export function tokenFromHeader(value: string | null | undefined): string | null {
  if (!value) return null;
  const match = /^\s*(?:Bearer|JWT|Token)\s+(.+?)\s*$/i.exec(value);
  return match ? match[1]! : value.trim() || null;
}

export const DEV_TOKEN_FILE = "dev-token.json";

/** The app the dev identity stands for: its `client_app` and `client_release` claims. */
export interface DevApp {
  identifier: string;
  version: string;
}

/** The dev identity's app when no `devApp` is given (a server started outside an app folder). */
export const DEFAULT_DEV_APP: DevApp = { identifier: "arkitekt-next-dev", version: "0.1.0" };

/**
 * The dev identity used when no token map is given: its token is kept in `<dataDir>/dev-token.json`
 * (mode 0600) so that a restart on the same folder keeps the same identity and other commands can
 * pick it up. The claims are made at each start, so the app (`client_app`, `client_release`) is
 * the one this start names, whatever server wrote the file before.
 */
export function ensureDevToken(dataDir: string, url: string | null, app: DevApp = DEFAULT_DEV_APP): { token: string; claims: TokenClaims } {
  const file = join(dataDir, DEV_TOKEN_FILE);
  let token: string | undefined;
  if (existsSync(file)) {
    try {
      const parsed = JSON.parse(readFileSync(file, "utf8")) as { token?: unknown };
      if (typeof parsed.token === "string" && parsed.token.length > 0) token = parsed.token;
    } catch {
      token = undefined;
    }
  }
  token ??= `dev-${randomBytes(24).toString("base64url")}`;
  const claims: TokenClaims = {
    sub: "dev",
    client_id: "arkitekt-next-dev",
    preferred_username: "dev",
    active_org: "dev",
    client_app: app.identifier,
    client_release: app.version,
    roles: ["admin"],
    scope: "openid profile email",
  };
  if (url !== null) writeDevToken(dataDir, url, token, app);
  return { token, claims };
}

/**
 * Writes `{url, token, app, s3}` (`app`: the dev identity's, so another process can tell which app this
 * server serves; `s3`: the media store's endpoint, region and bucket, as `GET /.well-known/s3` says).
 */
export function writeDevToken(dataDir: string, url: string, token: string, app?: DevApp, s3?: { endpoint: string; region: string; bucket: string }): void {
  const file = join(dataDir, DEV_TOKEN_FILE);
  writeFileSync(file, `${JSON.stringify({ url, token, ...(app ? { app } : {}), ...(s3 ? { s3 } : {}) }, null, 2)}\n`, { mode: 0o600 });
  chmodSync(file, 0o600);
}
