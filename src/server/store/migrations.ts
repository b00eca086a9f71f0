/**
 * Versioned schema migrations of the server's SQLite file. `PRAGMA user_version` holds the number
 * of migrations applied; each runs once, in order, inside a transaction. Append, never edit.
 */
import { AGENTS_MIGRATION } from "../areas/agents/migration.js";
import { STATE_MIGRATION } from "../areas/state/migration.js";
import { MEMORY_MIGRATION } from "../areas/memory/migration.js";
import { DEPENDENCIES_MIGRATION } from "../areas/dependencies/migration.js";
import { CATALOG_MIGRATION } from "../areas/catalog/migration.js";
import { WORKSPACE_MIGRATION } from "../areas/workspace/migration.js";
import { SPACES_MIGRATION } from "../areas/spaces/migration.js";
import { TESTING_MIGRATION } from "../areas/testing/migration.js";
import { FAKTS_MIGRATION } from "../fakts/migration.js";

export const MIGRATIONS: readonly string[] = [
  /* 1: initial schema */ `
  CREATE TABLE agent (
    id INTEGER PRIMARY KEY,
    org TEXT NOT NULL,
    client_id TEXT NOT NULL,
    user_sub TEXT NOT NULL,
    iss TEXT NOT NULL,
    username TEXT,
    app TEXT,
    release TEXT,
    name TEXT NOT NULL,
    kind TEXT NOT NULL DEFAULT 'WEBSOCKET',
    hash TEXT,
    hook_url TEXT,
    connected INTEGER NOT NULL DEFAULT 0,
    last_seen INTEGER,
    blocked INTEGER NOT NULL DEFAULT 0,
    pinned INTEGER NOT NULL DEFAULT 0,
    lease_epoch INTEGER NOT NULL DEFAULT 0,
    active_connection_id TEXT,
    active_session_id TEXT,
    created_at INTEGER NOT NULL,
    UNIQUE (org, client_id, user_sub, iss)
  );
  CREATE TABLE action (
    id INTEGER PRIMARY KEY,
    org TEXT NOT NULL,
    app TEXT NOT NULL,
    key TEXT NOT NULL,
    version TEXT NOT NULL,
    hash TEXT NOT NULL,
    name TEXT NOT NULL,
    kind TEXT NOT NULL,
    description TEXT,
    stateful INTEGER NOT NULL DEFAULT 0,
    pure INTEGER NOT NULL DEFAULT 0,
    idempotent INTEGER NOT NULL DEFAULT 0,
    is_dev INTEGER NOT NULL DEFAULT 0,
    definition TEXT NOT NULL,
    defined_at INTEGER NOT NULL,
    UNIQUE (org, app, key, version)
  );
  CREATE INDEX action_hash ON action (org, hash);
  CREATE TABLE implementation (
    id INTEGER PRIMARY KEY,
    agent_id INTEGER NOT NULL REFERENCES agent (id) ON DELETE CASCADE,
    action_id INTEGER NOT NULL REFERENCES action (id),
    interface TEXT NOT NULL,
    params TEXT,
    effect TEXT NOT NULL DEFAULT 'NONE',
    needs_token INTEGER NOT NULL DEFAULT 1,
    dependencies TEXT NOT NULL DEFAULT '[]',
    created_at INTEGER NOT NULL,
    UNIQUE (agent_id, interface)
  );
  CREATE INDEX implementation_action ON implementation (action_id);
  CREATE TABLE caller (
    id INTEGER PRIMARY KEY,
    org TEXT NOT NULL,
    client_id TEXT NOT NULL,
    user_sub TEXT NOT NULL,
    iss TEXT NOT NULL,
    UNIQUE (org, client_id, user_sub, iss)
  );
  CREATE TABLE task (
    id INTEGER PRIMARY KEY,
    org TEXT NOT NULL,
    action_id INTEGER NOT NULL REFERENCES action (id),
    implementation_id INTEGER REFERENCES implementation (id) ON DELETE SET NULL,
    agent_id INTEGER REFERENCES agent (id) ON DELETE SET NULL,
    caller_id INTEGER NOT NULL REFERENCES caller (id),
    reference TEXT NOT NULL,
    args TEXT NOT NULL,
    args_hash TEXT NOT NULL,
    parent_id INTEGER REFERENCES task (id),
    root_id INTEGER REFERENCES task (id),
    is_done INTEGER NOT NULL DEFAULT 0,
    latest_event_kind TEXT NOT NULL DEFAULT 'STARTED',
    latest_instruct_kind TEXT NOT NULL DEFAULT 'ASSIGN',
    status_message TEXT,
    capture INTEGER NOT NULL DEFAULT 0,
    ephemeral INTEGER NOT NULL DEFAULT 0,
    step INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    finished_at INTEGER
  );
  CREATE INDEX task_agent_open ON task (agent_id, is_done);
  CREATE INDEX task_caller_reference ON task (caller_id, reference);
  CREATE INDEX task_parent ON task (parent_id);
  CREATE INDEX task_root ON task (root_id);
  CREATE INDEX task_org ON task (org, id);
  CREATE TABLE task_event (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    task_id INTEGER NOT NULL REFERENCES task (id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    message TEXT,
    progress INTEGER,
    returns TEXT,
    level TEXT NOT NULL DEFAULT 'INFO',
    created_at INTEGER NOT NULL
  );
  CREATE INDEX task_event_task ON task_event (task_id, id);
  CREATE TABLE outbox (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    agent_id INTEGER NOT NULL REFERENCES agent (id) ON DELETE CASCADE,
    task_id INTEGER REFERENCES task (id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    payload TEXT NOT NULL,
    created_at INTEGER NOT NULL
  );
  CREATE INDEX outbox_agent ON outbox (agent_id, id);
  CREATE INDEX outbox_task ON outbox (task_id, kind);
  `,
  /* 2: the seq (and session) of the report behind an event, so a resent YIELD is stored once */ `
  ALTER TABLE task_event ADD COLUMN seq INTEGER;
  ALTER TABLE task_event ADD COLUMN session TEXT;
  `,
  /* 3: the media store (issue 14): one row per stored object, and the temporary S3 credentials of each grant */ `
  CREATE TABLE media_store (
    id TEXT PRIMARY KEY,
    org TEXT NOT NULL,
    key TEXT NOT NULL UNIQUE,
    bucket TEXT NOT NULL,
    original_file_name TEXT,
    content_type TEXT,
    max_bytes INTEGER NOT NULL,
    state TEXT NOT NULL DEFAULT 'pending',
    size INTEGER,
    etag TEXT,
    created_by TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    finished_at INTEGER
  );
  CREATE INDEX media_store_org ON media_store (org, id);
  CREATE TABLE media_grant (
    access_key TEXT PRIMARY KEY,
    secret_key TEXT NOT NULL,
    session_token TEXT NOT NULL,
    store_id TEXT NOT NULL REFERENCES media_store (id) ON DELETE CASCADE,
    org TEXT NOT NULL,
    action TEXT NOT NULL,
    expires_at INTEGER NOT NULL
  );
  CREATE INDEX media_grant_store ON media_grant (store_id);
  `,
  /* 4: the agents area (src/server/areas/agents) */ AGENTS_MIGRATION,
  /* 5: the state area (src/server/areas/state) */ STATE_MIGRATION,
  /* 6: the memory area (src/server/areas/memory) */ MEMORY_MIGRATION,
  /* 7: the dependencies area (src/server/areas/dependencies) */ DEPENDENCIES_MIGRATION,
  /* 8: the catalog area (src/server/areas/catalog) */ CATALOG_MIGRATION,
  /* 9: the workspace area (src/server/areas/workspace) */ WORKSPACE_MIGRATION,
  /* 10: the spaces area (src/server/areas/spaces) */ SPACES_MIGRATION,
  /* 11: the testing area (src/server/areas/testing) */ TESTING_MIGRATION,
  /* 12: fakts (src/server/fakts) */ FAKTS_MIGRATION,
  /* 13: the core's stored placeholders (issue 15): a webhook agent's secret, an implementation's provenance audience */ `
  ALTER TABLE agent ADD COLUMN hook_url_secret TEXT;
  ALTER TABLE implementation ADD COLUMN provenance_audience TEXT;
  `,
  /*
   * 14: the task indexes of the list queries at scale (issue 18). Each list shape is served by an
   * index that yields its rows newest first (an index on x keeps equal x in id order), and each
   * hot-path lookup by one; none is kept for no query:
   * - task_org (org, id): kept, `tasks` of an organisation;
   * - task_action, task_agent, task_implementation, task_caller (`myTasks`): the list filters and
   *   nested lists (Action.tasks / latestTask / runs, Agent.tasks), and the foreign-key checks when
   *   an action, agent or implementation is deleted (each scanned every task before);
   * - task_open_agent / task_open_org, partial on the open tasks (few): an agent's open and
   *   in-flight tasks (REGISTER, reconcile, restart) and `isDone: false` lists; they replace
   *   task_agent_open (agent_id, is_done), which kept an agent's tasks out of id order;
   * - task_reference (reference, caller_id): the caller's reference lookup of assign and the
   *   `reference` filter; it replaces task_caller_reference (caller_id, reference);
   * - task_parent, task_root: partial on the child tasks (a root task has neither), Task.children,
   *   open descendants and the foreign-key checks of a task's delete;
   * - task_args_hash: the `argsHash` filter and the reuse of a pure action's result;
   * - task_done_state (org, latest_event_kind), partial on the done tasks (whose kind no longer
   *   changes: written once, at the end): `state: [FAILED]` and other one-state filters of done kinds;
   * - task_finished (org, finished_at): `tasks` ordered by finishedAt / startedAt (a sort of the
   *   organisation's tasks before: 0.7 s at 1,000,000);
   * - agent_org (org, id): one page of an organisation's agents (`agents`), without reading them all.
   */ `
  DROP INDEX task_agent_open;
  DROP INDEX task_caller_reference;
  DROP INDEX task_parent;
  DROP INDEX task_root;
  CREATE INDEX task_action ON task (action_id);
  CREATE INDEX task_agent ON task (agent_id);
  CREATE INDEX task_implementation ON task (implementation_id);
  CREATE INDEX task_caller ON task (caller_id);
  CREATE INDEX task_open_agent ON task (agent_id) WHERE is_done = 0;
  CREATE INDEX task_open_org ON task (org, id) WHERE is_done = 0;
  CREATE INDEX task_reference ON task (reference, caller_id);
  CREATE INDEX task_parent ON task (parent_id) WHERE parent_id IS NOT NULL;
  CREATE INDEX task_root ON task (root_id) WHERE root_id IS NOT NULL;
  CREATE INDEX task_args_hash ON task (args_hash);
  CREATE INDEX task_done_state ON task (org, latest_event_kind) WHERE is_done = 1;
  CREATE INDEX task_finished ON task (org, finished_at);
  CREATE INDEX agent_org ON agent (org, id);
  `,
  /*
   * 15 (issue 18): the indexes that find a task by its reference or its args hash hold an integer
   * key of the text (store/lookup-key.ts) instead of the text: both texts are random, so each new
   * task wrote a random page of two large indexes (at 200,000 tasks 14–25 µs of CPU per task; the
   * keys are 5–8 times smaller). Lookups match the key, then the text.
   */ `
  ALTER TABLE task ADD COLUMN reference_key INTEGER NOT NULL DEFAULT 0;
  ALTER TABLE task ADD COLUMN args_key INTEGER NOT NULL DEFAULT 0;
  UPDATE task SET reference_key = arkitekt_lookup_key(reference), args_key = arkitekt_lookup_key(args_hash);
  DROP INDEX task_reference;
  DROP INDEX task_args_hash;
  CREATE INDEX task_reference_key ON task (reference_key);
  CREATE INDEX task_args_key ON task (args_key);
  `,
  /*
   * 16 (issue 18, fifth round): a task's ASSIGN waits in its own row (`assign_pending`, 1 until the
   * agent answers it) instead of an outbox entry: each task wrote an entry and its two index pages
   * and the outbox's sqlite_sequence row, and deleted them at its first report (seven of the 29
   * pages a task wrote to the WAL). ASSIGN frames are written from the row when an agent registers,
   * and handed over in memory while it is connected (platform/outbox.ts); CANCEL, INTERRUPT, PAUSE
   * and RESUME stay in the outbox.
   */ `
  ALTER TABLE task ADD COLUMN assign_pending INTEGER NOT NULL DEFAULT 0;
  UPDATE task SET assign_pending = 1 WHERE id IN (SELECT task_id FROM outbox WHERE kind = 'ASSIGN' AND task_id IS NOT NULL);
  DELETE FROM outbox WHERE kind = 'ASSIGN';
  `,
];
