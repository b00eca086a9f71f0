/**
 * The memory area's tables: one entry of MIGRATIONS (store/migrations.ts), append-only once released.
 *
 * `memory_shelve`: one per agent (the platform's MemoryShelve is one-to-one with its agent), gone
 * with the agent. `memory_drawer`: one per object an agent keeps in memory for a reference
 * (`resource_id`, unique per shelve, as the platform's update_or_create key). Drawer ids are
 * AUTOINCREMENT: a drawer id travels as a reference to an object, so an id must never come back
 * for another object once its drawer is gone (plain INTEGER PRIMARY KEYs reuse the highest id).
 */
export const MEMORY_MIGRATION = `
  CREATE TABLE memory_shelve (
    id INTEGER PRIMARY KEY,
    org TEXT NOT NULL,
    agent_id INTEGER NOT NULL UNIQUE REFERENCES agent (id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    description TEXT,
    creator_sub TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
  );
  CREATE INDEX memory_shelve_org ON memory_shelve (org, id);
  CREATE TABLE memory_drawer (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    org TEXT NOT NULL,
    shelve_id INTEGER NOT NULL REFERENCES memory_shelve (id) ON DELETE CASCADE,
    resource_id TEXT NOT NULL,
    identifier TEXT NOT NULL,
    label TEXT,
    description TEXT,
    created_at INTEGER NOT NULL,
    UNIQUE (shelve_id, resource_id)
  );
  CREATE INDEX memory_drawer_org ON memory_drawer (org, id);
  CREATE INDEX memory_drawer_identifier ON memory_drawer (org, identifier);
`;
