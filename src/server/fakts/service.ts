/**
 * The fakts protocol of the embedded platform (issue 17), so the released clients (fakts-next 4.1,
 * arkitekt-next 1.4) and ours connect to it as to a real deployment: device codes, redeem tokens,
 * claims, reports and OAuth2 client-credentials tokens. Every answer has the reference server's
 * shape (arkitektio/lok-server-next `fakts/views.py`): `{status: "granted" | "pending" | "denied" |
 * "expired" | "error" | "reported", ...}`. Clients, codes and tokens live in SQLite (records.ts),
 * so a restart keeps them; access tokens are kept as sha256 only.
 */
import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import { isDeepStrictEqual } from "node:util";
import type { Logger } from "../../shared/logger.js";
import { expandClaims, type Identity } from "../auth.js";
import type { TokenClaims } from "../options.js";
import type { Store } from "../store/store.js";
import { challengeSchema, claimSchema, describeIssues, manifestSchema, redeemSchema, reportSchema, startSchema, type Manifest } from "./manifest.js";
import type { CompiledFaktsOptions } from "./options.js";
import { FaktsRecords, type FaktsClientRow } from "./records.js";

/** The services this platform grants, by fakts service identifier (a `:version` suffix is ignored). */
export const OFFERED_SERVICES: Readonly<Record<string, string>> = {
  "live.arkitekt.rekuest": "rekuest",
  "live.arkitekt.s3": "s3",
};

/** Where the request reached the server: the `Host` it named, split (IPv6 keeps its brackets). */
export interface RequestHost {
  host: string;
  port: number | null;
}

/** A fakts answer: HTTP status and JSON body (fakts-level failures are 200 with `status: "error"`, as the reference does). */
export interface FaktsAnswer {
  status: number;
  body: Record<string, unknown>;
  headers?: Record<string, string>;
}

const ok = (body: Record<string, unknown>): FaktsAnswer => ({ status: 200, body });
const refused = (message: string, key: "error" | "message" = "message"): FaktsAnswer => ({ status: 200, body: { status: "error", [key]: message } });

function secret(bytes: number): string {
  return randomBytes(bytes).toString("base64url");
}
function sha256(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}
function sameSecret(a: string, b: string): boolean {
  return timingSafeEqual(createHash("sha256").update(a).digest(), createHash("sha256").update(b).digest());
}
function serviceKind(service: string): string | undefined {
  const colon = service.indexOf(":");
  return OFFERED_SERVICES[colon === -1 ? service : service.slice(0, colon)];
}

export class FaktsService {
  readonly records: FaktsRecords;
  /** The server's own address (set once it listens): approval links are printed with it. */
  private publicUrl = "";

  /**
   * `owner`: the claims of the identity every client acts for (the dev identity); undefined when
   * the server runs with a token map, and then no client can be made.
   */
  constructor(
    store: Store,
    private readonly options: CompiledFaktsOptions,
    private readonly owner: TokenClaims | undefined,
    private readonly log: Logger,
    private readonly now: () => number = Date.now,
  ) {
    this.records = new FaktsRecords(store);
  }

  /** The address the approval links are printed with (the server's, once it listens). */
  setPublicUrl(url: string): void {
    this.publicUrl = url;
  }

  /**
   * The approval link of a code: `/configure/<code>?key=<key>`. The key (the code's `csrf` column)
   * is known only to the server and whoever reads its log, so the app that holds the code cannot
   * approve itself.
   */
  approvalLink(code: string, key: string): string {
    return `${this.publicUrl}/configure/${encodeURIComponent(code)}?key=${encodeURIComponent(key)}`;
  }

  /** The approval links of the codes waiting for a click now, oldest first. */
  approvalLinks(): string[] {
    return this.records.pendingCodeKeys(this.now()).map((row) => this.approvalLink(row.code, row.csrf));
  }

  /** Removes device codes past their expiry and tokens expired before `before` (at start). */
  sweep(before: number): void {
    this.records.write(() => {
      this.records.deleteExpiredCodes(this.now());
      this.records.deleteExpiredTokens(before);
    });
  }

  /** The dev redeem token (made once, kept across restarts); undefined without a dev identity. */
  devRedeemToken(): string | undefined {
    if (!this.owner) return undefined;
    const existing = this.records.firstRedeemToken();
    if (existing) return existing;
    const token = `redeem-${secret(24)}`;
    this.records.write(() => this.records.insertRedeemToken(token, this.now(), null));
    return token;
  }

  /** `GET /.well-known/fakts` for a server reached at `base` (`http://host[:port]`). */
  wellKnown(base: string): Record<string, unknown> {
    return {
      name: "arkitekt-next dev platform",
      version: "1",
      protocol_version: "1",
      description: "The embedded dev platform of arkitekt-next (rekuest and the media store)",
      claim: `${base}/f/claim/`,
      base_url: `${base}/f/`,
      frontend_url: `${base}/`,
      configure_url: `${base}/configure/`,
    };
  }

  // device codes -------------------------------------------------------------------------------

  /** `POST /f/start/`: a new device code, approved at once when `autoApprove` (a local CLI). */
  async start(body: unknown, autoApprove: boolean): Promise<FaktsAnswer> {
    const parsed = startSchema.safeParse(body);
    if (!parsed.success) return refused(`Malformed request: ${describeIssues(parsed.error)}`, "error");
    const refusal = this.refusalOf(parsed.data.manifest);
    if (refusal) return refused(refusal, "error");
    const now = this.now();
    this.records.write(() => this.records.deleteExpiredCodes(now));
    // a code approved at once waits for nobody: only codes that wait count against the bound
    if (!autoApprove && this.records.pendingCodes(now) >= this.options.maxPendingDeviceCodes) {
      return refused(`too many device codes are waiting for approval (server option maxPendingDeviceCodes ${this.options.maxPendingDeviceCodes}): approve or deny them on /configure/<code>, or wait for them to expire`, "error");
    }
    const seconds = Math.min(parsed.data.expiration_time_seconds ?? 300, this.options.maxDeviceCodeSeconds);
    const code = secret(16);
    const key = secret(24);
    const manifest = parsed.data.manifest;
    const full = this.clientLimitRefusal(manifest);
    if (full) return refused(full, "error");
    this.records.write(() => {
      this.records.insertCode({ code, manifest: JSON.stringify(manifest), state: "pending", csrf: key, client_id: null, created_at: now, expires_at: now + seconds * 1000 });
      if (autoApprove) this.records.setCodeState(code, "granted", this.upsertClient(manifest).id);
    });
    await this.records.committed();
    this.log.info(
      autoApprove
        ? `fakts: approved ${manifest.identifier}:${manifest.version} for a local client`
        : `fakts: ${manifest.identifier}:${manifest.version} waits for approval: open ${this.approvalLink(code, key)} to approve or deny it (only this link, printed here, can)`,
    );
    return ok({ status: "granted", code });
  }

  /** `POST /f/challenge/`: pending, granted (with the claim token), denied or expired (the last two once, then the code is gone). */
  async challenge(body: unknown): Promise<FaktsAnswer> {
    const parsed = challengeSchema.safeParse(body);
    if (!parsed.success) return refused(`Malformed request: ${describeIssues(parsed.error)}`, "error");
    const row = this.records.code(parsed.data.code);
    if (!row) return refused("Challenge does not exist", "error");
    if (row.state === "granted" && row.client_id !== null) {
      const client = this.records.client(row.client_id);
      if (client) return ok({ status: "granted", token: client.claim_token });
    }
    if (row.state === "denied" || this.now() >= row.expires_at) {
      this.records.write(() => this.records.deleteCode(row.code));
      await this.records.committed();
      return row.state === "denied"
        ? ok({ status: "denied", message: "The user has denied the request" })
        : ok({ status: "expired", message: "The user has not given an answer in enough time" });
    }
    return ok({ status: "pending", message: "User has not verified the challenge" });
  }

  /** A pending code for the approval page, or why there is none. */
  pendingCode(code: string, key: string): { row: { code: string; key: string; manifest: Manifest; expiresAt: number } } | { state: "granted" | "denied" | "unknown" | "no-key" } {
    const row = this.records.code(code);
    if (!row || this.now() >= row.expires_at) return { state: "unknown" };
    if (row.state !== "pending") return { state: row.state };
    if (!sameSecret(row.csrf, key)) return { state: "no-key" };
    return { row: { code: row.code, key: row.csrf, manifest: manifestSchema.parse(JSON.parse(row.manifest)), expiresAt: row.expires_at } };
  }

  /**
   * The user's answer on `/configure/<code>`; false when the form's approval key (printed only in
   * the server's log) does not match, the code is not pending, or approving would store a client
   * past `maxFaktsClients`.
   */
  async decide(code: string, key: string, approve: boolean): Promise<boolean> {
    const row = this.records.code(code);
    if (!row || row.state !== "pending" || this.now() >= row.expires_at || !sameSecret(row.csrf, key)) return false;
    const manifest = manifestSchema.parse(JSON.parse(row.manifest));
    if (approve && this.clientLimitRefusal(manifest)) return false;
    this.records.write(() => {
      if (approve) this.records.setCodeState(code, "granted", this.upsertClient(manifest).id);
      else this.records.setCodeState(code, "denied", null);
    });
    await this.records.committed();
    this.log.info(`fakts: ${approve ? "approved" : "denied"} ${manifest.identifier}:${manifest.version} on /configure`);
    return true;
  }

  // redeem, claim, report ----------------------------------------------------------------------

  /** `POST /f/redeem/`: a redeem token and a manifest give the app's claim token, without a browser. */
  async redeem(body: unknown): Promise<FaktsAnswer> {
    const parsed = redeemSchema.safeParse(body);
    if (!parsed.success) return refused(`Malformed request: ${describeIssues(parsed.error)}`);
    const known = this.records.redeemToken(parsed.data.token);
    if (!known) return refused("Invalid redeem token");
    if (known.expires_at !== null && this.now() >= known.expires_at) return refused("Redeem token expired");
    const refusal = this.refusalOf(parsed.data.manifest) ?? this.clientLimitRefusal(parsed.data.manifest);
    if (refusal) return refused(refusal);
    const client = this.records.write(() => this.upsertClient(parsed.data.manifest));
    await this.records.committed();
    return ok({ status: "granted", token: client.claim_token });
  }

  /** `POST /f/claim/`: the app's configuration, its addresses built from the `Host` the client used. */
  claim(body: unknown, at: RequestHost): FaktsAnswer {
    const parsed = claimSchema.safeParse(body);
    if (!parsed.success) return refused(`Malformed request: ${describeIssues(parsed.error)}`);
    const client = this.records.clientByClaimToken(parsed.data.token);
    if (!client) return refused("No Client found for this token");
    const base = `http://${at.host}${at.port === null ? "" : `:${at.port}`}`;
    const manifest = manifestSchema.parse(JSON.parse(client.manifest));
    const statuses = JSON.parse(client.statuses) as Record<string, string>;
    const alias = (id: string, path: string | null) => ({ id, host: at.host, port: at.port, ssl: false, path, challenge: "ht" });
    const instances: Record<string, unknown> = {};
    for (const requirement of manifest.requirements ?? []) {
      const kind = serviceKind(requirement.service);
      if (!kind || statuses[requirement.key] !== "granted") continue;
      instances[requirement.key] = { service: requirement.service, identifier: kind, aliases: [alias(kind, null)] };
    }
    return ok({
      status: "granted",
      config: {
        self: { deployment_name: "arkitekt-next dev platform", alias: alias("self", "lok") },
        auth: {
          client_token: client.claim_token,
          client_id: client.client_id,
          client_secret: client.client_secret,
          scopes: JSON.parse(client.scopes) as string[],
          token_url: `${base}/o/token/`,
          report_url: `${base}/f/report/`,
        },
        instances,
        statuses,
      },
    });
  }

  /** `POST /f/report/`: the client's alias check, kept on its row. */
  async report(body: unknown): Promise<FaktsAnswer> {
    const parsed = reportSchema.safeParse(body);
    if (!parsed.success) return refused(`Malformed request: ${describeIssues(parsed.error)}`);
    const client = this.records.clientByClaimToken(parsed.data.token);
    if (!client) return refused("No Client found for this token");
    this.records.write(() => this.records.reportClient(client.id, parsed.data.functional ?? true, JSON.stringify(parsed.data.alias_reports ?? {}), this.now()));
    await this.records.committed();
    return ok({ status: "reported", message: "Report processed successfully" });
  }

  // OAuth2 -------------------------------------------------------------------------------------

  /**
   * `POST /o/token/` (RFC 6749 §4.4, client credentials): the client authenticates with HTTP Basic
   * or `client_id`/`client_secret` in the form (both agreeing when both are sent, as fakts-next
   * does); the answer echoes the requested scope and has no refresh token.
   */
  async token(form: URLSearchParams, basic: { id: string; secret: string } | null): Promise<FaktsAnswer> {
    const error = (status: number, code: string, description: string): FaktsAnswer => ({
      status,
      body: { error: code, error_description: description },
      headers: status === 401 && basic ? { "www-authenticate": 'Basic realm="arkitekt-next"' } : {},
    });
    const grant = form.get("grant_type");
    if (grant !== "client_credentials") {
      return error(400, grant ? "unsupported_grant_type" : "invalid_request", grant ? `grant_type "${grant.slice(0, 50)}" is not served here: use client_credentials` : "grant_type is missing: send grant_type=client_credentials");
    }
    const formId = form.get("client_id");
    const formSecret = form.get("client_secret");
    if (basic && ((formId !== null && formId !== basic.id) || (formSecret !== null && !sameSecret(formSecret, basic.secret)))) {
      return error(400, "invalid_request", "the client credentials of the Authorization header and of the body differ: send one pair");
    }
    const id = basic?.id ?? formId;
    const given = basic?.secret ?? formSecret;
    const client = id ? this.records.clientByClientId(id) : undefined;
    if (!client || given === null || !sameSecret(client.client_secret, given)) {
      return error(401, "invalid_client", id ? "unknown client or wrong secret: claim the app's configuration again (/f/claim/)" : "no client credentials: send them as HTTP Basic or client_id and client_secret");
    }
    if (!this.ownedNow(client)) {
      return error(
        401,
        "invalid_client",
        this.owner
          ? "this client was approved for another dev identity than the server's now: start the app again to approve it anew"
          : "this server runs with a static token map, so apps approved for a dev identity get no tokens: start it without a token map (--tokens) to use fakts",
      );
    }
    const allowed = JSON.parse(client.scopes) as string[];
    const requested = form.get("scope")?.split(" ").filter((s) => s !== "") ?? allowed;
    const unknown = requested.filter((s) => !allowed.includes(s));
    if (unknown.length > 0) return error(400, "invalid_scope", `scope ${unknown.map((s) => JSON.stringify(s.slice(0, 50))).join(", ")} is not in the app's manifest (scopes: ${allowed.join(" ") || "none"})`);
    const scope = requested.join(" ");
    const token = secret(32);
    const now = this.now();
    this.records.write(() => this.records.insertToken({ token_hash: sha256(token), client_id: client.id, scope, created_at: now, expires_at: now + this.options.accessTokenSeconds * 1000 }, this.options.maxTokensPerClient));
    await this.records.committed();
    return { status: 200, body: { access_token: token, token_type: "Bearer", expires_in: this.options.accessTokenSeconds, scope }, headers: { "cache-control": "no-store", pragma: "no-cache" } };
  }

  /** The identity of an issued access token, or undefined when unknown or expired (the TokenAuthority's issuer). */
  authenticate(token: string): Identity | undefined {
    const row = this.records.token(sha256(token));
    if (!row || this.now() >= row.expires_at) return undefined;
    const client = this.records.client(row.client_id);
    if (!client || !this.ownedNow(client)) return undefined;
    const owner = JSON.parse(client.owner) as TokenClaims;
    return expandClaims(token, {
      ...owner,
      client_id: client.client_id,
      client_app: client.app,
      client_release: client.release,
      ...(client.node_id ? { client_device: client.node_id } : {}),
      scope: row.scope,
    });
  }

  // clients ------------------------------------------------------------------------------------

  /**
   * Whether the client acts for the server's current dev identity: with a static token map (no dev
   * identity) no client does, and a client approved for an earlier dev identity (another data dir
   * history, another token) does not either.
   */
  private ownedNow(client: FaktsClientRow): boolean {
    if (!this.owner) return false;
    try {
      return isDeepStrictEqual(JSON.parse(client.owner), JSON.parse(JSON.stringify(this.owner)));
    } catch {
      return false;
    }
  }

  /** Why the manifest's client cannot be stored (a new one past `maxFaktsClients`), or undefined; re-registering an existing one is fine. */
  private clientLimitRefusal(manifest: Manifest): string | undefined {
    if (this.records.clientByApp(manifest.identifier, manifest.version, manifest.node_id ?? "")) return undefined;
    if (this.records.clientCount() < this.options.maxFaktsClients) return undefined;
    return `this server already stores ${this.options.maxFaktsClients} fakts clients (server option maxFaktsClients): raise the option, or use a fresh data folder (--data)`;
  }

  /** Why a manifest cannot be served (a required service this platform lacks, no dev identity), or undefined. */
  private refusalOf(manifest: Manifest): string | undefined {
    if (!this.owner) return "this server runs with a static token map, so it has no dev identity to approve apps for: start it without a token map (--tokens) to use fakts";
    const missing = (manifest.requirements ?? []).filter((r) => !r.optional && !serviceKind(r.service));
    if (missing.length > 0) {
      return `the embedded dev platform offers only ${Object.keys(OFFERED_SERVICES).join(" and ")}; the app requires ${missing.map((r) => `${r.service} (key "${r.key}")`).join(", ")}: mark it optional or connect to a full deployment`;
    }
    return undefined;
  }

  /** The client of the app, version and machine (made once; its manifest, scopes and grants follow the latest approval). Inside a write. */
  private upsertClient(manifest: Manifest): FaktsClientRow {
    const now = this.now();
    const statuses: Record<string, string> = {};
    for (const r of manifest.requirements ?? []) statuses[r.key] = serviceKind(r.service) ? "granted" : "unavailable";
    const fields = {
      manifest: JSON.stringify(manifest),
      scopes: JSON.stringify(manifest.scopes ?? []),
      statuses: JSON.stringify(statuses),
      owner: JSON.stringify(this.owner ?? {}),
    };
    const existing = this.records.clientByApp(manifest.identifier, manifest.version, manifest.node_id ?? "");
    if (existing) {
      this.records.updateClient({ id: existing.id, ...fields, updated_at: now });
      return this.records.client(existing.id)!;
    }
    return this.records.insertClient({
      app: manifest.identifier,
      release: manifest.version,
      node_id: manifest.node_id ?? "",
      client_id: secret(18),
      client_secret: secret(36),
      claim_token: secret(32),
      ...fields,
      created_at: now,
    });
  }
}
