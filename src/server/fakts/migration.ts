/** The fakts tables (issue 17): apps, device codes, clients, tokens. One entry of MIGRATIONS (store/migrations.ts), append-only once released. */
export const FAKTS_MIGRATION = `
  CREATE TABLE fakts_client (
    id INTEGER PRIMARY KEY,
    app TEXT NOT NULL,
    release TEXT NOT NULL,
    node_id TEXT NOT NULL DEFAULT '',
    client_id TEXT NOT NULL UNIQUE,
    client_secret TEXT NOT NULL,
    claim_token TEXT NOT NULL UNIQUE,
    manifest TEXT NOT NULL,
    scopes TEXT NOT NULL,
    statuses TEXT NOT NULL,
    owner TEXT NOT NULL,
    functional INTEGER,
    last_report TEXT,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    UNIQUE (app, release, node_id)
  );
  CREATE TABLE fakts_device_code (
    code TEXT PRIMARY KEY,
    manifest TEXT NOT NULL,
    state TEXT NOT NULL,
    csrf TEXT NOT NULL,
    client_id INTEGER REFERENCES fakts_client (id) ON DELETE CASCADE,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
  );
  CREATE TABLE fakts_token (
    token_hash TEXT PRIMARY KEY,
    client_id INTEGER NOT NULL REFERENCES fakts_client (id) ON DELETE CASCADE,
    scope TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
  );
  CREATE INDEX fakts_token_client ON fakts_token (client_id, expires_at);
  CREATE TABLE fakts_redeem_token (
    token TEXT PRIMARY KEY,
    created_at INTEGER NOT NULL,
    expires_at INTEGER
  );
`;
