/**
 * The agents area's tables: one entry of MIGRATIONS (store/migrations.ts), append-only once released.
 *
 * - `agent_pin`, `implementation_pin`: who pinned what (`pinAgent`, `pinImplementation`); a pin is
 *   per user (sub + iss) as on the platform, so `Agent.pinned` / `Implementation.pinned` answer for the viewer;
 * - `implementation_higher_order`: `setHigherOrder`'s link from a wrapper implementation to the
 *   lower one it wraps (SET NULL when the lower one goes, as the platform's `higher_order_for`) and its projection config;
 * - `agent_client`: the clients (app instances) of an organisation that registered an agent, with
 *   their app, release and device (the token's `client_device`), for `clients` and `Agent.device`.
 *   Filled when an agent is created or moves to another release; an existing data dir is backfilled
 *   from its agents (device unknown until the client registers again);
 * - `agent_lock`: the resources an agent declared (`implementAgent(locks)`) and which of its tasks
 *   holds each (LOCK / UNLOCK frames). The schema has no field that reads them yet.
 */
export const AGENTS_MIGRATION = `
  CREATE TABLE agent_pin (
    agent_id INTEGER NOT NULL REFERENCES agent (id) ON DELETE CASCADE,
    org TEXT NOT NULL,
    user_sub TEXT NOT NULL,
    iss TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (agent_id, user_sub, iss)
  );
  CREATE INDEX agent_pin_user ON agent_pin (org, user_sub, iss);
  CREATE TABLE implementation_pin (
    implementation_id INTEGER NOT NULL REFERENCES implementation (id) ON DELETE CASCADE,
    org TEXT NOT NULL,
    user_sub TEXT NOT NULL,
    iss TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (implementation_id, user_sub, iss)
  );
  CREATE INDEX implementation_pin_user ON implementation_pin (org, user_sub, iss);
  CREATE TABLE implementation_higher_order (
    implementation_id INTEGER PRIMARY KEY REFERENCES implementation (id) ON DELETE CASCADE,
    org TEXT NOT NULL,
    lower_id INTEGER REFERENCES implementation (id) ON DELETE SET NULL,
    config TEXT NOT NULL DEFAULT '{}',
    updated_at INTEGER NOT NULL
  );
  CREATE INDEX implementation_higher_order_lower ON implementation_higher_order (lower_id);
  CREATE TABLE agent_client (
    id INTEGER PRIMARY KEY,
    org TEXT NOT NULL,
    client_id TEXT NOT NULL,
    user_sub TEXT NOT NULL,
    app TEXT,
    release TEXT,
    device TEXT,
    created_at INTEGER NOT NULL,
    UNIQUE (org, client_id)
  );
  CREATE TABLE agent_lock (
    id INTEGER PRIMARY KEY,
    org TEXT NOT NULL,
    agent_id INTEGER NOT NULL REFERENCES agent (id) ON DELETE CASCADE,
    key TEXT NOT NULL,
    description TEXT,
    hold_by INTEGER REFERENCES task (id) ON DELETE SET NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    UNIQUE (agent_id, key)
  );
  CREATE INDEX agent_lock_hold ON agent_lock (hold_by);
  INSERT INTO agent_client (org, client_id, user_sub, app, release, device, created_at)
    SELECT org, client_id, MIN(user_sub), MIN(app), MIN(release), NULL, MIN(created_at) FROM agent GROUP BY org, client_id;
`;
