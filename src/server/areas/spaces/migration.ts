/**
 * The spaces area's tables: one entry of MIGRATIONS (store/migrations.ts), append-only once released.
 * Space names are unique per organisation (createSpace updates by name, as the platform does);
 * placements carry their organisation too, so lists filter on it without a join.
 */
export const SPACES_MIGRATION = `
  CREATE TABLE threed_model (
    id INTEGER PRIMARY KEY,
    org TEXT NOT NULL,
    name TEXT NOT NULL,
    description TEXT,
    media_id TEXT NOT NULL REFERENCES media_store (id) ON DELETE CASCADE,
    transfer_function TEXT,
    creator_sub TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
  );
  CREATE INDEX threed_model_org ON threed_model (org, name);
  CREATE INDEX threed_model_media ON threed_model (media_id);
  CREATE TABLE space (
    id INTEGER PRIMARY KEY,
    org TEXT NOT NULL,
    name TEXT NOT NULL,
    description TEXT,
    creator_sub TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    UNIQUE (org, name)
  );
  CREATE TABLE placement (
    id INTEGER PRIMARY KEY,
    org TEXT NOT NULL,
    space_id INTEGER NOT NULL REFERENCES space (id) ON DELETE CASCADE,
    agent_id INTEGER NOT NULL REFERENCES agent (id) ON DELETE CASCADE,
    model_id INTEGER REFERENCES threed_model (id) ON DELETE CASCADE,
    materialized_blok_id INTEGER REFERENCES materialized_blok (id) ON DELETE CASCADE,
    role TEXT NOT NULL,
    affine_matrix TEXT,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    UNIQUE (space_id, agent_id)
  );
  CREATE INDEX placement_org ON placement (org, id);
  CREATE INDEX placement_agent ON placement (agent_id);
  CREATE INDEX placement_model ON placement (model_id);
  CREATE INDEX placement_blok ON placement (materialized_blok_id);
`;
