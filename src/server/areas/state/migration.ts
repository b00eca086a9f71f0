/**
 * The state area's tables: one entry of MIGRATIONS (store/migrations.ts), append-only once released.
 *
 * - `state_definition`: the schema of a state (its ports), one per (organisation, hash of the ports);
 * - `state`: one per agent and interface, declared by `implementAgent(states)`, holding the current
 *   value (`value`, at `global_rev` of `session_ref`) that SESSION_INIT, STATE_SNAPSHOT and STATE_PATCH keep up to date,
 *   and `pruned_through`, the highest patch id dropped from its history;
 * - `state_session`: one per agent and the session id the agent sent (a new one on each agent start);
 * - `state_snapshot`, `state_patch`: the bounded history (statePatchesKept / stateSnapshotsKept per state);
 *   a snapshot's `patch_mark` is the highest patch id of its state when it was taken, so a value can be
 *   rebuilt from it (snapshot + later patches) only while `patch_mark >= pruned_through`.
 */
export const STATE_MIGRATION = `
  CREATE TABLE state_definition (
    id INTEGER PRIMARY KEY,
    org TEXT NOT NULL,
    hash TEXT NOT NULL,
    name TEXT NOT NULL,
    ports TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    UNIQUE (org, hash)
  );
  CREATE TABLE state_session (
    id INTEGER PRIMARY KEY,
    org TEXT NOT NULL,
    agent_id INTEGER NOT NULL REFERENCES agent (id) ON DELETE CASCADE,
    session_id TEXT NOT NULL,
    started_at INTEGER NOT NULL,
    ended_at INTEGER,
    UNIQUE (agent_id, session_id)
  );
  CREATE INDEX state_session_org ON state_session (org, id);
  CREATE INDEX state_session_key ON state_session (org, session_id);
  CREATE TABLE state (
    id INTEGER PRIMARY KEY,
    org TEXT NOT NULL,
    agent_id INTEGER NOT NULL REFERENCES agent (id) ON DELETE CASCADE,
    definition_id INTEGER NOT NULL REFERENCES state_definition (id),
    interface TEXT NOT NULL,
    key TEXT,
    app_identifier TEXT,
    value TEXT NOT NULL DEFAULT '{}',
    global_rev INTEGER NOT NULL DEFAULT 0,
    local_rev INTEGER NOT NULL DEFAULT 0,
    session_ref INTEGER REFERENCES state_session (id) ON DELETE SET NULL,
    pruned_through INTEGER NOT NULL DEFAULT -1,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    UNIQUE (agent_id, interface)
  );
  CREATE INDEX state_org ON state (org, id);
  CREATE INDEX state_definition_ref ON state (definition_id);
  CREATE TABLE state_snapshot (
    id INTEGER PRIMARY KEY,
    org TEXT NOT NULL,
    state_id INTEGER NOT NULL REFERENCES state (id) ON DELETE CASCADE,
    session_ref INTEGER NOT NULL REFERENCES state_session (id) ON DELETE CASCADE,
    value TEXT NOT NULL,
    revision INTEGER NOT NULL,
    global_revision INTEGER NOT NULL,
    patch_mark INTEGER NOT NULL DEFAULT 0,
    timestamp INTEGER NOT NULL
  );
  CREATE INDEX state_snapshot_state ON state_snapshot (state_id, id);
  CREATE INDEX state_snapshot_session ON state_snapshot (session_ref, global_revision);
  CREATE TABLE state_patch (
    id INTEGER PRIMARY KEY,
    org TEXT NOT NULL,
    state_id INTEGER NOT NULL REFERENCES state (id) ON DELETE CASCADE,
    session_ref INTEGER NOT NULL REFERENCES state_session (id) ON DELETE CASCADE,
    task_id INTEGER REFERENCES task (id) ON DELETE SET NULL,
    correlation TEXT,
    op TEXT NOT NULL,
    path TEXT NOT NULL,
    value TEXT,
    current_revision INTEGER NOT NULL,
    future_revision INTEGER NOT NULL,
    global_current_revision INTEGER NOT NULL,
    global_future_revision INTEGER NOT NULL,
    timestamp INTEGER NOT NULL
  );
  CREATE INDEX state_patch_state ON state_patch (state_id, id);
  CREATE INDEX state_patch_session ON state_patch (session_ref, global_future_revision);
  CREATE INDEX state_patch_org_rev ON state_patch (org, global_current_revision);
  CREATE INDEX state_patch_task ON state_patch (task_id);
  CREATE INDEX state_patch_correlation ON state_patch (org, correlation);
`;
