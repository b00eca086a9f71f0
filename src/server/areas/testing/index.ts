/**
 * Test cases and test results, and the `isTestFor` links of registered definitions. The core calls
 * `onActionDefined` where it stores an action's definition, inside the registration's transaction.
 */
import type { Area } from "../../graphql/area.js";
import type { Identity } from "../../auth.js";
import type { DefinitionInputLike, Platform } from "../../platform.js";
import { PlatformError } from "../../platform.js";
import type { ActionRow, ImplementationRow } from "../../store/store.js";
import { byId } from "../org-scope.js";
import { TestingRecords, type TestCaseRow, type TestResultRow } from "./records.js";
import { testingResolvers } from "./resolvers.js";

function badInput(at: string, what: string, todo: string): PlatformError {
  return new PlatformError(`${at}: ${what}; ${todo}`, "BAD_USER_INPUT");
}

/** An optional text input: null when omitted, refused when given but blank. */
function optionalText(value: string | null | undefined, at: string, todo: string): string | null {
  if (value === null || value === undefined) return null;
  if (value.trim() === "") throw badInput(at, "must not be empty", todo);
  return value;
}

/**
 * The target named by one `isTestFor` entry (`TestTargetInput`): an action hash, or a key with the
 * app it belongs to (`app` given, else the tester's own app). Strings of older clients too.
 */
function testTarget(entry: unknown): { target: string; app: string | null } | null {
  if (typeof entry === "string") return entry.trim() ? { target: entry.trim(), app: null } : null;
  if (entry && typeof entry === "object") {
    const app = "app" in entry && typeof entry.app === "string" && entry.app ? entry.app : null;
    if ("hash" in entry && typeof entry.hash === "string" && entry.hash) return { target: entry.hash, app: null };
    if ("key" in entry && typeof entry.key === "string" && entry.key) return { target: entry.key, app };
  }
  return null;
}

/** The area's service: its rules, over its records. Reached as `platform.areas.testing`. */
export class TestingArea {
  private recordsOnce: TestingRecords | null = null;

  constructor(readonly platform: Platform) {}

  get records(): TestingRecords {
    return (this.recordsOnce ??= new TestingRecords(this.platform.store));
  }

  /** Stores the definition's `isTestFor` targets (replacing the previous ones); they are matched when read. */
  onActionDefined(action: ActionRow, definition: DefinitionInputLike): void {
    const targets = (Array.isArray(definition.isTestFor) ? definition.isTestFor : []).map(testTarget).filter((t) => t !== null);
    const unique = new Map(targets.map((t) => [`${t.app ?? ""}\u0000${t.target}`, t]));
    this.records.replaceTargets(action, [...unique.values()]);
  }

  private actionInOrg(raw: unknown, at: string, org: string): ActionRow {
    try {
      return byId(raw, (id) => this.platform.store.action(id), "Action", org);
    } catch (error) {
      throw error instanceof PlatformError ? new PlatformError(`${at}: ${error.message}; pass the id of an action of your organisation`, error.code) : error;
    }
  }

  private implementationInOrg(raw: unknown, at: string, org: string): ImplementationRow {
    try {
      const impl = byId(
        raw,
        (id) => {
          const row = this.platform.store.implementation(id);
          const agent = row ? this.platform.store.agent(row.agent_id) : undefined;
          return row && agent ? { row, org: agent.org } : undefined;
        },
        "Implementation",
        org,
      );
      return impl.row;
    } catch (error) {
      throw error instanceof PlatformError ? new PlatformError(`${at}: ${error.message}; pass the id of an implementation of your organisation`, error.code) : error;
    }
  }

  /** `createTestCase`: one case per (action, tester); creating it again updates its name and description. */
  createTestCase(identity: Identity, input: { action: string; tester: string; name?: string | null; description?: string | null }): TestCaseRow {
    this.platform.checkStoredInput(input, "createTestCase input");
    const name = optionalText(input.name, "input.name", "omit it to name the case after its tester action");
    const description = input.description ?? "";
    const action = this.actionInOrg(input.action, "input.action", identity.org);
    const tester = this.actionInOrg(input.tester, "input.tester", identity.org);
    return this.platform.store.transaction(
      () => this.records.upsertCase({ org: identity.org, action_id: action.id, tester_id: tester.id, name: name ?? tester.name, description }, Date.now()).row,
    );
  }

  /** `createTestResult`: the implementation must implement the case's action, the tester its tester action. */
  createTestResult(identity: Identity, input: { case: string; tester: string; implementation: string; passed: boolean; result?: string | null }): TestResultRow {
    this.platform.checkStoredInput(input, "createTestResult input");
    {
      const testCase = byId(input.case, (id) => this.records.testCase(id), "TestCase", identity.org);
      const impl = this.implementationInOrg(input.implementation, "input.implementation", identity.org);
      const tester = this.implementationInOrg(input.tester, "input.tester", identity.org);
      if (impl.action_id !== testCase.action_id) {
        throw badInput("input.implementation", `implementation ${impl.id} implements action ${impl.action_id}, not the action under test of test case ${testCase.id} (action ${testCase.action_id})`, `pass an implementation of action ${testCase.action_id}`);
      }
      if (tester.action_id !== testCase.tester_id) {
        throw badInput("input.tester", `implementation ${tester.id} implements action ${tester.action_id}, not the tester action of test case ${testCase.id} (action ${testCase.tester_id})`, `pass an implementation of action ${testCase.tester_id}`);
      }
      const row = { org: identity.org, case_id: testCase.id, implementation_id: impl.id, tester_id: tester.id, passed: input.passed ? 1 : 0, result: input.result ?? null };
      return this.platform.store.transaction(() => this.records.insertResult(row, Date.now()));
    }
  }

}

export const testingArea: Area = { name: "testing", resolvers: testingResolvers };
