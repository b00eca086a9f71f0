/**
 * The workspace area's tables: one entry of MIGRATIONS (store/migrations.ts), append-only once released.
 * Every row carries its organisation (`org`), children too (lists filter on it without a join); names of
 * toolboxes, catalogs and bloks are unique per organisation (their create mutations update by name,
 * as the platform does).
 */
export const WORKSPACE_MIGRATION = `
  CREATE TABLE toolbox (
    id INTEGER PRIMARY KEY,
    org TEXT NOT NULL,
    name TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    creator_sub TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    UNIQUE (org, name)
  );
  CREATE TABLE shortcut (
    id INTEGER PRIMARY KEY,
    org TEXT NOT NULL,
    toolbox_id INTEGER NOT NULL REFERENCES toolbox (id) ON DELETE CASCADE,
    action_id INTEGER NOT NULL REFERENCES action (id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    description TEXT,
    saved_args TEXT NOT NULL,
    args TEXT NOT NULL,
    returns TEXT NOT NULL,
    allow_quick INTEGER NOT NULL DEFAULT 0,
    use_returns INTEGER NOT NULL DEFAULT 0,
    bind_number INTEGER,
    creator_sub TEXT NOT NULL,
    created_at INTEGER NOT NULL
  );
  CREATE INDEX shortcut_org ON shortcut (org, name);
  CREATE INDEX shortcut_toolbox ON shortcut (toolbox_id);
  CREATE INDEX shortcut_action ON shortcut (action_id);
  CREATE TABLE dashboard (
    id INTEGER PRIMARY KEY,
    org TEXT NOT NULL,
    name TEXT NOT NULL,
    creator_sub TEXT NOT NULL,
    created_at INTEGER NOT NULL
  );
  CREATE INDEX dashboard_org ON dashboard (org, id);
  CREATE TABLE ui_catalog (
    id INTEGER PRIMARY KEY,
    org TEXT NOT NULL,
    name TEXT NOT NULL,
    description TEXT,
    UNIQUE (org, name)
  );
  CREATE TABLE blok (
    id INTEGER PRIMARY KEY,
    org TEXT NOT NULL,
    catalog_id INTEGER NOT NULL REFERENCES ui_catalog (id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    description TEXT,
    components TEXT NOT NULL DEFAULT '[]',
    demo_state TEXT NOT NULL DEFAULT '{}',
    creator_sub TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    UNIQUE (org, name)
  );
  CREATE INDEX blok_catalog ON blok (catalog_id);
  CREATE TABLE blok_dependency (
    id INTEGER PRIMARY KEY,
    org TEXT NOT NULL,
    blok_id INTEGER NOT NULL REFERENCES blok (id) ON DELETE CASCADE,
    key TEXT NOT NULL,
    declared TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    UNIQUE (blok_id, key)
  );
  CREATE TABLE materialized_blok (
    id INTEGER PRIMARY KEY,
    org TEXT NOT NULL,
    blok_id INTEGER NOT NULL REFERENCES blok (id) ON DELETE CASCADE,
    name TEXT,
    description TEXT,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
  );
  CREATE INDEX materialized_blok_org ON materialized_blok (org, id);
  CREATE INDEX materialized_blok_blok ON materialized_blok (blok_id);
  CREATE TABLE dashboard_placement (
    id INTEGER PRIMARY KEY,
    org TEXT NOT NULL,
    dashboard_id INTEGER NOT NULL REFERENCES dashboard (id) ON DELETE CASCADE,
    materialized_blok_id INTEGER NOT NULL REFERENCES materialized_blok (id) ON DELETE CASCADE,
    created_at INTEGER NOT NULL
  );
  CREATE INDEX dashboard_placement_dashboard ON dashboard_placement (dashboard_id);
  CREATE INDEX dashboard_placement_blok ON dashboard_placement (materialized_blok_id);
  CREATE TABLE blok_agent_mapping (
    id INTEGER PRIMARY KEY,
    org TEXT NOT NULL,
    materialized_blok_id INTEGER NOT NULL REFERENCES materialized_blok (id) ON DELETE CASCADE,
    dependency_id INTEGER REFERENCES blok_dependency (id) ON DELETE SET NULL,
    key TEXT NOT NULL,
    agent_id INTEGER NOT NULL REFERENCES agent (id) ON DELETE CASCADE,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    UNIQUE (materialized_blok_id, key)
  );
  CREATE INDEX blok_agent_mapping_agent ON blok_agent_mapping (agent_id);
`;
