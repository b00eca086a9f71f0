/**
 * The catalog area's tables: one entry of MIGRATIONS (store/migrations.ts), append-only once released.
 *
 * Everything here is derived from the definitions agents register (catalog/index.ts,
 * `onActionDefined`), per organisation: the structure packages, structures and interfaces the
 * ports name by identifier (`@package/key`), each port that uses one (`port_usage`, the answer to
 * "which actions consume @mikro/image?"), the interfaces a definition declares it implements
 * (`action_interface`) and the protocols inferred from its ports (`protocol`, `action_protocol`).
 * Re-registering an action replaces its usages, interfaces and protocols.
 */
export const CATALOG_MIGRATION = `
  CREATE TABLE structure_package (
    id INTEGER PRIMARY KEY,
    org TEXT NOT NULL,
    key TEXT NOT NULL,
    description TEXT,
    created_at INTEGER NOT NULL,
    UNIQUE (org, key)
  );
  CREATE TABLE structure (
    id INTEGER PRIMARY KEY,
    org TEXT NOT NULL,
    package_id INTEGER NOT NULL REFERENCES structure_package (id) ON DELETE CASCADE,
    key TEXT NOT NULL,
    description TEXT,
    get_query TEXT,
    describe_query TEXT,
    created_at INTEGER NOT NULL,
    UNIQUE (package_id, key)
  );
  CREATE INDEX structure_org ON structure (org, id);
  CREATE TABLE structure_interface (
    id INTEGER PRIMARY KEY,
    org TEXT NOT NULL,
    package_id INTEGER NOT NULL REFERENCES structure_package (id) ON DELETE CASCADE,
    key TEXT NOT NULL,
    description TEXT,
    created_at INTEGER NOT NULL,
    UNIQUE (package_id, key)
  );
  CREATE INDEX structure_interface_org ON structure_interface (org, id);
  CREATE TABLE port_usage (
    id INTEGER PRIMARY KEY,
    org TEXT NOT NULL,
    action_id INTEGER NOT NULL REFERENCES action (id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    identifier TEXT NOT NULL,
    direction TEXT NOT NULL,
    port_key TEXT NOT NULL,
    port_index INTEGER NOT NULL,
    key_path TEXT NOT NULL,
    modifiers TEXT NOT NULL
  );
  CREATE INDEX port_usage_identifier ON port_usage (org, kind, identifier, direction);
  CREATE INDEX port_usage_action ON port_usage (action_id);
  CREATE TABLE action_interface (
    action_id INTEGER NOT NULL REFERENCES action (id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    name TEXT NOT NULL,
    interface_id INTEGER REFERENCES structure_interface (id) ON DELETE SET NULL,
    PRIMARY KEY (action_id, position)
  );
  CREATE INDEX action_interface_interface ON action_interface (interface_id);
  CREATE TABLE protocol (
    id INTEGER PRIMARY KEY,
    org TEXT NOT NULL,
    name TEXT NOT NULL,
    description TEXT NOT NULL,
    UNIQUE (org, name)
  );
  CREATE TABLE action_protocol (
    action_id INTEGER NOT NULL REFERENCES action (id) ON DELETE CASCADE,
    protocol_id INTEGER NOT NULL REFERENCES protocol (id) ON DELETE CASCADE,
    PRIMARY KEY (action_id, protocol_id)
  );
  CREATE INDEX action_protocol_protocol ON action_protocol (protocol_id);
`;
