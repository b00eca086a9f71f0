/**
 * The testing area's tables: one entry of MIGRATIONS (store/migrations.ts), append-only once released.
 *
 * `test_case`: one per (action under test, tester action), created or updated by `createTestCase`;
 * `test_result`: one per `createTestResult`, naming the implementation under test and the one that
 * ran the test; `action_test_target`: the `isTestFor` entries of each registered definition
 * (replaced on re-registration), matched against the org's actions when read, so a test may be
 * registered before the action it tests.
 */
export const TESTING_MIGRATION = `
  CREATE TABLE test_case (
    id INTEGER PRIMARY KEY,
    org TEXT NOT NULL,
    action_id INTEGER NOT NULL REFERENCES action (id) ON DELETE CASCADE,
    tester_id INTEGER NOT NULL REFERENCES action (id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    description TEXT NOT NULL,
    is_benchmark INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    UNIQUE (action_id, tester_id)
  );
  CREATE INDEX test_case_org ON test_case (org, id);
  CREATE INDEX test_case_tester ON test_case (tester_id);
  CREATE TABLE test_result (
    id INTEGER PRIMARY KEY,
    org TEXT NOT NULL,
    case_id INTEGER NOT NULL REFERENCES test_case (id) ON DELETE CASCADE,
    implementation_id INTEGER NOT NULL REFERENCES implementation (id) ON DELETE CASCADE,
    tester_id INTEGER NOT NULL REFERENCES implementation (id) ON DELETE CASCADE,
    passed INTEGER NOT NULL,
    result TEXT,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
  );
  CREATE INDEX test_result_org ON test_result (org, id);
  CREATE INDEX test_result_case ON test_result (case_id, id);
  CREATE INDEX test_result_implementation ON test_result (implementation_id);
  CREATE INDEX test_result_tester ON test_result (tester_id);
  CREATE TABLE action_test_target (
    action_id INTEGER NOT NULL REFERENCES action (id) ON DELETE CASCADE,
    org TEXT NOT NULL,
    app TEXT NOT NULL,
    target TEXT NOT NULL,
    PRIMARY KEY (action_id, target)
  );
  CREATE INDEX action_test_target_target ON action_test_target (org, target);
`;
