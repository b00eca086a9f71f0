/**
 * The dependencies area's tables: one entry of MIGRATIONS (store/migrations.ts), append-only once released.
 *
 * - `dependency`: one row per `AgentDependencyInput` an implementation declared (replaced when the
 *   agent implements again, kept by (implementation, key) so ids stay stable);
 * - `resolution`: a named choice of implementations for the dependencies of one implementation;
 * - `resolved_dependency`: one chosen implementation for one action slot (`method`) of one
 *   dependency (`dependency_key`) in a resolution, with an optional resolution for its own dependencies;
 * - `task_dependency`: what a task was assigned with: the dependency map (dependency key → agents →
 *   method → implementation), the resolution, and the parent's dependency + method it was called through.
 *
 * Declarations stored by an older server as the implementation's JSON column are copied into rows.
 */
export const DEPENDENCIES_MIGRATION = `
  CREATE TABLE dependency (
    id INTEGER PRIMARY KEY,
    org TEXT NOT NULL,
    implementation_id INTEGER NOT NULL REFERENCES implementation (id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    key TEXT NOT NULL,
    optional INTEGER NOT NULL DEFAULT 0,
    description TEXT,
    auto_resolvable INTEGER NOT NULL DEFAULT 0,
    app_filter TEXT,
    version_filter TEXT,
    min_viable_instances INTEGER,
    max_viable_instances INTEGER,
    prefered_instances INTEGER,
    action_dependencies TEXT NOT NULL DEFAULT '[]',
    state_dependencies TEXT NOT NULL DEFAULT '[]',
    created_at INTEGER NOT NULL,
    UNIQUE (implementation_id, key)
  );
  CREATE INDEX dependency_org ON dependency (org, id);
  CREATE TABLE resolution (
    id INTEGER PRIMARY KEY,
    org TEXT NOT NULL,
    implementation_id INTEGER NOT NULL REFERENCES implementation (id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    creator_sub TEXT NOT NULL,
    resolved_at INTEGER NOT NULL
  );
  CREATE INDEX resolution_org ON resolution (org, id);
  CREATE INDEX resolution_implementation ON resolution (implementation_id);
  CREATE TABLE resolved_dependency (
    id INTEGER PRIMARY KEY,
    org TEXT NOT NULL,
    resolution_id INTEGER NOT NULL REFERENCES resolution (id) ON DELETE CASCADE,
    dependency_id INTEGER NOT NULL REFERENCES dependency (id) ON DELETE CASCADE,
    dependency_key TEXT NOT NULL,
    method TEXT NOT NULL,
    resolution_key TEXT NOT NULL,
    implementation_id INTEGER NOT NULL REFERENCES implementation (id) ON DELETE CASCADE,
    down_stream_resolution_id INTEGER REFERENCES resolution (id) ON DELETE SET NULL
  );
  CREATE INDEX resolved_dependency_resolution ON resolved_dependency (resolution_id, dependency_key, method);
  CREATE INDEX resolved_dependency_dependency ON resolved_dependency (dependency_id);
  CREATE INDEX resolved_dependency_implementation ON resolved_dependency (implementation_id);
  CREATE INDEX resolved_dependency_down_stream ON resolved_dependency (down_stream_resolution_id);
  CREATE TABLE task_dependency (
    task_id INTEGER PRIMARY KEY REFERENCES task (id) ON DELETE CASCADE,
    org TEXT NOT NULL,
    dependencies TEXT NOT NULL DEFAULT '{}',
    resolution_id INTEGER REFERENCES resolution (id) ON DELETE SET NULL,
    dependency TEXT,
    dependency_method TEXT
  );
  CREATE INDEX task_dependency_resolution ON task_dependency (resolution_id);
  INSERT INTO dependency (org, implementation_id, position, key, optional, description, auto_resolvable, app_filter, version_filter,
    min_viable_instances, max_viable_instances, prefered_instances, action_dependencies, state_dependencies, created_at)
  SELECT agent.org, implementation.id, CAST(d.key AS INTEGER),
    COALESCE(json_extract(d.value, '$.key'), 'dependency' || d.key),
    COALESCE(json_extract(d.value, '$.optional'), 0), json_extract(d.value, '$.description'),
    COALESCE(json_extract(d.value, '$.autoResolvable'), 0), json_extract(d.value, '$.app'), json_extract(d.value, '$.version'),
    json_extract(d.value, '$.minViableInstances'), json_extract(d.value, '$.maxViableInstances'), json_extract(d.value, '$.preferedInstances'),
    COALESCE(json_extract(d.value, '$.actionDependencies'), '[]'), COALESCE(json_extract(d.value, '$.stateDependencies'), '[]'),
    implementation.created_at
  FROM implementation JOIN agent ON agent.id = implementation.agent_id, json_each(CASE WHEN json_valid(implementation.dependencies) THEN CASE WHEN json_type(implementation.dependencies) = 'array' THEN implementation.dependencies ELSE '[]' END ELSE '[]' END) AS d
  WHERE d.type = 'object'
  ON CONFLICT (implementation_id, key) DO NOTHING;
`;
