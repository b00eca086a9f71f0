/**
 * The testing area's GraphQL fields: `createTestCase`, `createTestResult`, `testCase(s)`,
 * `testResult(s)`, their object fields, and `Action.testCases`, `Action.isTestFor`,
 * `Action.tests`. Scoped to the viewer's organisation.
 */
import type { Resolvers } from "../../../../generated/server/resolvers.js";
import type { ResolverContext } from "../../graphql/context.js";
import type { ImplementationRow } from "../../store/store.js";
import { ACTION_FILTER, ACTION_ORDER } from "../core-filters.js";
import { byId, inOrg } from "../org-scope.js";
import { compileFilter, compileOrdering, idsIn, pageParams, strLookup, type FilterSpec } from "../sql-filter.js";
import type { TestingRecords } from "./records.js";

/** Test cases: columns of `test_case c`. */
const CASE_FILTER: FilterSpec = { ids: idsIn("c.id"), name: strLookup("c.name") };
/** Test results: columns of `test_result r` and its case `c`; a result has no name of its own, `name` matches its case's. */
const RESULT_FILTER: FilterSpec = { ids: idsIn("r.id"), name: strLookup("c.name") };

type Paging = { offset?: number | null; limit?: number | null } | null | undefined;

const records = (ctx: ResolverContext): TestingRecords => ctx.platform.areas.testing.records;
const iso = (ms: number): string => new Date(ms).toISOString();

function query(filters: unknown, spec: FilterSpec, typeName: string, pagination: Paging, order: string[] = []) {
  const [limit, offset] = pageParams(pagination);
  return { where: compileFilter(filters, spec, "filters", typeName), order, limit, offset };
}

const actionOf = (ctx: ResolverContext, id: number) => inOrg(ctx.platform.store.action(id), "Action", id, ctx.me.org);
function implementationOf(ctx: ResolverContext, id: number): ImplementationRow {
  const row = ctx.platform.store.implementation(id);
  const agent = row ? ctx.platform.store.agent(row.agent_id) : undefined;
  return inOrg(row && agent ? { row, org: agent.org } : undefined, "Implementation", id, ctx.me.org).row;
}

export const testingResolvers: Resolvers = {
  Query: {
    testCase: (_p, a, ctx) => byId(a.id, (id) => records(ctx).testCase(id), "TestCase", ctx.me.org),
    testCases: (_p, a, ctx) => records(ctx).cases(ctx.me.org, null, query(a.filters, CASE_FILTER, "TestCaseFilter", a.pagination)),
    testResult: (_p, a, ctx) => byId(a.id, (id) => records(ctx).testResult(id), "TestResult", ctx.me.org),
    testResults: (_p, a, ctx) => records(ctx).results(ctx.me.org, null, query(a.filters, RESULT_FILTER, "TestResultFilter", a.pagination)),
  },
  Mutation: {
    createTestCase: (_p, a, ctx) => ctx.platform.areas.testing.createTestCase(ctx.me, a.input),
    createTestResult: (_p, a, ctx) => ctx.platform.areas.testing.createTestResult(ctx.me, a.input),
  },
  TestCase: {
    id: (p) => String(p.id),
    action: (p, _a, ctx) => actionOf(ctx, p.action_id),
    tester: (p, _a, ctx) => actionOf(ctx, p.tester_id),
    isBenchmark: (p) => p.is_benchmark === 1,
    results: (p, a, ctx) => records(ctx).results(ctx.me.org, inOrg(p, "TestCase", p.id, ctx.me.org).id, query(a.filters, RESULT_FILTER, "TestResultFilter", a.pagination)),
  },
  TestResult: {
    id: (p) => String(p.id),
    case: (p, _a, ctx) => inOrg(records(ctx).testCase(p.case_id), "TestCase", p.case_id, ctx.me.org),
    implementation: (p, _a, ctx) => implementationOf(ctx, p.implementation_id),
    tester: (p, _a, ctx) => implementationOf(ctx, p.tester_id),
    passed: (p) => p.passed === 1,
    createdAt: (p) => iso(p.created_at),
    updatedAt: (p) => iso(p.updated_at),
  },
  Action: {
    testCases: (p, a, ctx) => records(ctx).cases(ctx.me.org, inOrg(p, "Action", p.id, ctx.me.org).id, query(a.filters, CASE_FILTER, "TestCaseFilter", a.pagination)),
    isTestFor: (p, a, ctx) =>
      records(ctx).targetsOf(inOrg(p, "Action", p.id, ctx.me.org), query(a.filters, ACTION_FILTER, "ActionFilter", a.pagination, compileOrdering(a.ordering, ACTION_ORDER))),
    tests: (p, a, ctx) =>
      records(ctx).testsOf(inOrg(p, "Action", p.id, ctx.me.org), query(a.filters, ACTION_FILTER, "ActionFilter", a.pagination, compileOrdering(a.ordering, ACTION_ORDER))),
  },
};
