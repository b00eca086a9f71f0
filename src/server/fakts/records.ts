/**
 * The fakts rows (migration 12): clients (one per app, version and machine), device codes, issued
 * access tokens (only their sha256 is kept) and redeem tokens. Writes join the store's group
 * transaction; callers answer after `store.committed()`.
 */
import type Database from "better-sqlite3";
import type { Store } from "../store/store.js";

export type DeviceCodeState = "pending" | "granted" | "denied";

export interface FaktsClientRow {
  id: number;
  app: string;
  release: string;
  node_id: string;
  client_id: string;
  client_secret: string;
  claim_token: string;
  /** The manifest as last sent (JSON). */
  manifest: string;
  /** JSON array of the scopes the client may ask for. */
  scopes: string;
  /** JSON object: requirement key -> granted | unavailable. */
  statuses: string;
  /** JSON TokenClaims of the identity its tokens stand for (user, organisation, roles). */
  owner: string;
  functional: number | null;
  last_report: string | null;
  created_at: number;
  updated_at: number;
}

export interface DeviceCodeRow {
  code: string;
  manifest: string;
  state: DeviceCodeState;
  csrf: string;
  client_id: number | null;
  created_at: number;
  expires_at: number;
}

export interface TokenRow {
  token_hash: string;
  client_id: number;
  scope: string;
  created_at: number;
  expires_at: number;
}

export class FaktsRecords {
  private readonly s;

  constructor(private readonly store: Store) {
    const db: Database.Database = store.db;
    this.s = {
      clientById: db.prepare<[number], FaktsClientRow>("SELECT * FROM fakts_client WHERE id = ?"),
      clientByClientId: db.prepare<[string], FaktsClientRow>("SELECT * FROM fakts_client WHERE client_id = ?"),
      clientByClaimToken: db.prepare<[string], FaktsClientRow>("SELECT * FROM fakts_client WHERE claim_token = ?"),
      clientByApp: db.prepare<[string, string, string], FaktsClientRow>("SELECT * FROM fakts_client WHERE app = ? AND release = ? AND node_id = ?"),
      insertClient: db.prepare(
        `INSERT INTO fakts_client (app, release, node_id, client_id, client_secret, claim_token, manifest, scopes, statuses, owner, created_at, updated_at)
         VALUES (@app, @release, @node_id, @client_id, @client_secret, @claim_token, @manifest, @scopes, @statuses, @owner, @created_at, @created_at)`,
      ),
      updateClient: db.prepare("UPDATE fakts_client SET manifest = @manifest, scopes = @scopes, statuses = @statuses, owner = @owner, updated_at = @updated_at WHERE id = @id"),
      reportClient: db.prepare("UPDATE fakts_client SET functional = ?, last_report = ?, updated_at = ? WHERE id = ?"),
      code: db.prepare<[string], DeviceCodeRow>("SELECT * FROM fakts_device_code WHERE code = ?"),
      insertCode: db.prepare(
        "INSERT INTO fakts_device_code (code, manifest, state, csrf, client_id, created_at, expires_at) VALUES (@code, @manifest, @state, @csrf, @client_id, @created_at, @expires_at)",
      ),
      setCodeState: db.prepare("UPDATE fakts_device_code SET state = ?, client_id = ? WHERE code = ?"),
      deleteCode: db.prepare("DELETE FROM fakts_device_code WHERE code = ?"),
      deleteExpiredCodes: db.prepare("DELETE FROM fakts_device_code WHERE expires_at <= ?"),
      pendingCodes: db.prepare<[number], { n: number }>("SELECT COUNT(*) AS n FROM fakts_device_code WHERE state = 'pending' AND expires_at > ?"),
      pendingCodeKeys: db.prepare<[number], { code: string; csrf: string }>("SELECT code, csrf FROM fakts_device_code WHERE state = 'pending' AND expires_at > ? ORDER BY created_at"),
      clientCount: db.prepare<[], { n: number }>("SELECT COUNT(*) AS n FROM fakts_client"),
      token: db.prepare<[string], TokenRow>("SELECT * FROM fakts_token WHERE token_hash = ?"),
      insertToken: db.prepare("INSERT INTO fakts_token (token_hash, client_id, scope, created_at, expires_at) VALUES (@token_hash, @client_id, @scope, @created_at, @expires_at)"),
      deleteExpiredTokensOfClient: db.prepare("DELETE FROM fakts_token WHERE client_id = ? AND expires_at <= ?"),
      deleteExpiredTokens: db.prepare("DELETE FROM fakts_token WHERE expires_at <= ?"),
      // the client's unexpired tokens beyond the newest `keep`
      trimTokens: db.prepare(
        `DELETE FROM fakts_token WHERE token_hash IN (
           SELECT token_hash FROM fakts_token WHERE client_id = ? ORDER BY created_at DESC, rowid DESC LIMIT -1 OFFSET ?)`,
      ),
      redeemToken: db.prepare<[string], { token: string; expires_at: number | null }>("SELECT token, expires_at FROM fakts_redeem_token WHERE token = ?"),
      firstRedeemToken: db.prepare<[], { token: string }>("SELECT token FROM fakts_redeem_token WHERE expires_at IS NULL ORDER BY created_at LIMIT 1"),
      insertRedeemToken: db.prepare("INSERT INTO fakts_redeem_token (token, created_at, expires_at) VALUES (?, ?, ?)"),
    };
  }

  client(id: number): FaktsClientRow | undefined {
    return this.s.clientById.get(id);
  }
  clientByClientId(clientId: string): FaktsClientRow | undefined {
    return this.s.clientByClientId.get(clientId);
  }
  clientByClaimToken(token: string): FaktsClientRow | undefined {
    return this.s.clientByClaimToken.get(token);
  }
  clientByApp(app: string, release: string, nodeId: string): FaktsClientRow | undefined {
    return this.s.clientByApp.get(app, release, nodeId);
  }
  insertClient(row: Omit<FaktsClientRow, "id" | "functional" | "last_report" | "updated_at">): FaktsClientRow {
    const id = Number(this.s.insertClient.run(row).lastInsertRowid);
    return this.client(id)!;
  }
  updateClient(row: Pick<FaktsClientRow, "id" | "manifest" | "scopes" | "statuses" | "owner" | "updated_at">): void {
    this.s.updateClient.run(row);
  }
  reportClient(id: number, functional: boolean, report: string, now: number): void {
    this.s.reportClient.run(functional ? 1 : 0, report, now, id);
  }

  code(code: string): DeviceCodeRow | undefined {
    return this.s.code.get(code);
  }
  insertCode(row: DeviceCodeRow): void {
    this.s.insertCode.run(row);
  }
  setCodeState(code: string, state: DeviceCodeState, clientId: number | null): void {
    this.s.setCodeState.run(state, clientId, code);
  }
  deleteCode(code: string): void {
    this.s.deleteCode.run(code);
  }
  deleteExpiredCodes(now: number): void {
    this.s.deleteExpiredCodes.run(now);
  }
  pendingCodes(now: number): number {
    return this.s.pendingCodes.get(now)?.n ?? 0;
  }
  /** The codes waiting for a click, with their approval keys (the `csrf` column), oldest first. */
  pendingCodeKeys(now: number): { code: string; csrf: string }[] {
    return this.s.pendingCodeKeys.all(now);
  }
  clientCount(): number {
    return this.s.clientCount.get()?.n ?? 0;
  }

  token(hash: string): TokenRow | undefined {
    return this.s.token.get(hash);
  }
  /** Stores a token and keeps at most `keep` unexpired tokens of its client (the newest). */
  insertToken(row: TokenRow, keep: number): void {
    this.s.deleteExpiredTokensOfClient.run(row.client_id, row.created_at);
    this.s.insertToken.run(row);
    this.s.trimTokens.run(row.client_id, keep);
  }
  deleteExpiredTokens(before: number): void {
    this.s.deleteExpiredTokens.run(before);
  }

  redeemToken(token: string): { token: string; expires_at: number | null } | undefined {
    return this.s.redeemToken.get(token);
  }
  firstRedeemToken(): string | undefined {
    return this.s.firstRedeemToken.get()?.token;
  }
  insertRedeemToken(token: string, now: number, expiresAt: number | null): void {
    this.s.insertRedeemToken.run(token, now, expiresAt);
  }

  /** Runs `fn` in the store's group transaction (a savepoint: all or nothing). */
  write<T>(fn: () => T): T {
    return this.store.transaction(fn);
  }
  committed(): Promise<void> {
    return this.store.committed();
  }
}
