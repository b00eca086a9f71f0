/**
 * The testing area's rows (migration 11, testing/migration.ts): test cases, test results and the
 * `isTestFor` targets of each registered definition. Writes join the store's group transaction.
 */
import type { ActionRow, Store } from "../../store/store.js";
import { listPage, type ListQuery } from "../sql-filter.js";

export interface TestCaseRow {
  id: number;
  org: string;
  /** The action under test. */
  action_id: number;
  /** The action that runs the test. */
  tester_id: number;
  name: string;
  description: string;
  is_benchmark: number;
  created_at: number;
  updated_at: number;
}

export interface TestResultRow {
  id: number;
  org: string;
  case_id: number;
  /** The implementation under test. */
  implementation_id: number;
  /** The implementation that ran the test. */
  tester_id: number;
  passed: number;
  /** The `result` text of CreateTestResultInput, as given. */
  result: string | null;
  created_at: number;
  updated_at: number;
}

export class TestingRecords {
  private readonly s;

  constructor(private readonly store: Store) {
    const db = store.db;
    this.s = {
      caseById: db.prepare<[number], TestCaseRow>("SELECT * FROM test_case WHERE id = ?"),
      caseByPair: db.prepare<[number, number], TestCaseRow>("SELECT * FROM test_case WHERE action_id = ? AND tester_id = ?"),
      insertCase: db.prepare(
        `INSERT INTO test_case (org, action_id, tester_id, name, description, created_at, updated_at)
         VALUES (@org, @action_id, @tester_id, @name, @description, @now, @now)`,
      ),
      updateCase: db.prepare("UPDATE test_case SET name = @name, description = @description, updated_at = @now WHERE id = @id"),
      resultById: db.prepare<[number], TestResultRow>("SELECT * FROM test_result WHERE id = ?"),
      insertResult: db.prepare(
        `INSERT INTO test_result (org, case_id, implementation_id, tester_id, passed, result, created_at, updated_at)
         VALUES (@org, @case_id, @implementation_id, @tester_id, @passed, @result, @now, @now)`,
      ),
      deleteTargetsOfAction: db.prepare("DELETE FROM action_test_target WHERE action_id = ?"),
      insertTarget: db.prepare("INSERT OR IGNORE INTO action_test_target (action_id, org, app, target) VALUES (?, ?, ?, ?)"),
    };
  }

  // writes ----------------------------------------------------------------------------------------

  upsertCase(row: { org: string; action_id: number; tester_id: number; name: string; description: string }, now: number): { row: TestCaseRow; created: boolean } {
    this.store.batch();
    const existing = this.s.caseByPair.get(row.action_id, row.tester_id);
    if (existing) {
      this.s.updateCase.run({ id: existing.id, name: row.name, description: row.description, now });
      return { row: this.s.caseById.get(existing.id)!, created: false };
    }
    const id = Number(this.s.insertCase.run({ ...row, now }).lastInsertRowid);
    return { row: this.s.caseById.get(id)!, created: true };
  }
  insertResult(row: Omit<TestResultRow, "id" | "created_at" | "updated_at">, now: number): TestResultRow {
    this.store.batch();
    const id = Number(this.s.insertResult.run({ ...row, now }).lastInsertRowid);
    return this.s.resultById.get(id)!;
  }
  /** A target named by key belongs to `app` when given, else to the tester's own app. */
  replaceTargets(action: ActionRow, targets: ReadonlyArray<{ target: string; app: string | null }>): void {
    this.store.batch();
    this.s.deleteTargetsOfAction.run(action.id);
    for (const { target, app } of targets) this.s.insertTarget.run(action.id, action.org, app ?? action.app, target);
  }

  // reads -----------------------------------------------------------------------------------------

  testCase(id: number): TestCaseRow | undefined {
    return this.s.caseById.get(id);
  }
  testResult(id: number): TestResultRow | undefined {
    return this.s.resultById.get(id);
  }
  /** Test cases of the org; `actionId` narrows to the cases of one action under test. Columns: `c`. */
  cases(org: string, actionId: number | null, q: ListQuery): TestCaseRow[] {
    return this.list<TestCaseRow>("SELECT c.* FROM test_case c WHERE c.org = ? AND (? IS NULL OR c.action_id = ?)", [org, actionId, actionId], q, "c.id");
  }
  /** Test results of the org; `caseId` narrows to one case. Columns: `r` and its case `c`. */
  results(org: string, caseId: number | null, q: ListQuery): TestResultRow[] {
    return this.list<TestResultRow>(
      "SELECT r.* FROM test_result r JOIN test_case c ON c.id = r.case_id WHERE r.org = ? AND (? IS NULL OR r.case_id = ?)",
      [org, caseId, caseId],
      q,
      "r.id",
    );
  }
  /**
   * The actions `action` declares itself a test for: its `isTestFor` entries name an action of
   * the org by hash, or by key within the same app. Columns: `a`.
   */
  targetsOf(action: ActionRow, q: ListQuery): ActionRow[] {
    return this.list<ActionRow>(
      `SELECT a.* FROM action a WHERE a.org = ? AND EXISTS (
         SELECT 1 FROM action_test_target t WHERE t.action_id = ? AND (t.target = a.hash OR (t.target = a.key AND t.app = a.app)))`,
      [action.org, action.id],
      q,
      "a.id",
    );
  }
  /** The actions that declare themselves a test for `action` (the reverse of `targetsOf`). Columns: `a`. */
  testsOf(action: ActionRow, q: ListQuery): ActionRow[] {
    return this.list<ActionRow>(
      `SELECT a.* FROM action a WHERE a.org = ? AND a.id IN (
         SELECT t.action_id FROM action_test_target t WHERE t.org = ? AND (t.target = ? OR (t.target = ? AND t.app = ?)))`,
      [action.org, action.org, action.hash, action.key, action.app],
      q,
      "a.id",
    );
  }

  private list<T>(base: string, params: unknown[], q: ListQuery, idColumn: string): T[] {
    return listPage<T>(this.store, base, params, q, idColumn);
  }
}
