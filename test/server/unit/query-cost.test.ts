/**
 * Issue 9 #13: the estimated query cost (src/server/graphql/pages.ts) on the server's schema: what
 * counts, that it refuses subscriptions only (queries and mutations are counted while they run:
 * cost.ts, test/server/acceptance/read-limits.test.ts), and that our own and the real clients'
 * subscriptions fit the default limits.
 */
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { graphql } from "../../../src/server/graphql/graphql-module.js";
import { PageError, operationCosts, pageOf, queryCostRule } from "../../../src/server/graphql/pages.js";
import { buildServerSchema } from "../../../src/server/graphql/schema.js";
import { DEFAULTS } from "../../../src/server/options.js";
import { CLIENT_FIXTURES, clientOperations } from "../helpers/client-operations.js";

const ROOT = fileURLToPath(new URL("../../../", import.meta.url));
const schema = buildServerSchema();
const LIMITS: { defaultPageSize: number; maxPageSize: number; maxQueryCost: number } = { defaultPageSize: DEFAULTS.defaultPageSize, maxPageSize: DEFAULTS.maxPageSize, maxQueryCost: DEFAULTS.maxQueryCost };

/** The cost the rule reports for `source`, or null when it fits. */
function costOf(source: string, limits = LIMITS): number | null {
  const errors = graphql.validate(schema, graphql.parse(source), [queryCostRule(limits)]);
  if (errors.length === 0) return null;
  const match = /its cost is at least (\d+)/.exec(errors[0]!.message);
  return match ? Number(match[1]) : Number.NaN;
}
/** The exact cost of the only operation of `source`. */
const exactCost = (source: string): number => [...operationCosts(schema, graphql.parse(source), LIMITS).values()][0]!;

describe("issue 9 #13: the query cost model", () => {
  it("issue 9 #13: counts every field once per item of the lists around it", () => {
    expect(exactCost("{ task(id: 1) { id isDone } }")).toBe(3);
    // tasks: default page 100; 100 × (id + isDone) + the list field itself
    expect(exactCost("{ tasks { id isDone } }")).toBe(1 + 100 * 2);
    expect(exactCost("{ tasks(pagination: { limit: 10 }) { id events(pagination: { limit: 5 }) { id kind } } }")).toBe(1 + 10 * (1 + 1 + 5 * 2));
    // Task.events is read whole by our caller: its default page is the maximum
    expect(exactCost("{ task(id: 1) { events { id } } }")).toBe(1 + 1 + 1000);
    // myTasks has no pagination argument and still returns the default page
    expect(exactCost("{ myTasks { id } }")).toBe(1 + 100);
  });

  it("issue 9 #13: aliases, fragments and inline fragments count as written; a pagination variable counts a maximum page", () => {
    expect(exactCost("{ a: tasks(pagination: { limit: 2 }) { id } b: tasks(pagination: { limit: 2 }) { id } }")).toBe(2 * (1 + 2));
    expect(exactCost("fragment F on Task { id isDone } { tasks(pagination: { limit: 3 }) { ...F ... on Task { reference } } }")).toBe(1 + 3 * 3);
    expect(exactCost("query ($p: OffsetPaginationInput) { tasks(pagination: $p) { id } }")).toBe(1 + 1000);
    expect(exactCost("query ($n: Int) { tasks(pagination: { limit: $n }) { id } }")).toBe(1 + 1000);
  });

  it("issue 9 #13: cyclic fragments and zero-size pages do not hang the rule", () => {
    const cyclic = "fragment A on Task { id ...B } fragment B on Task { id ...A } { tasks { ...A } }";
    expect(typeof exactCost(cyclic)).toBe("number");
    const fan = Array.from({ length: 12 }, (_, i) => `fragment F${i} on Task { id ${i < 11 ? `children(pagination: { limit: 0 }) { ...F${i + 1} ...F${i + 1} }` : ""} }`).join(" ");
    const started = Date.now();
    expect(costOf(`${fan} subscription { newActions { tasks(pagination: { limit: 1 }) { ...F0 } } }`, { ...LIMITS, maxQueryCost: 1000 as number })).toBeGreaterThan(1000);
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it("issue 15: the rule refuses a subscription whose events may be too large, and leaves queries and mutations to the run-time count", () => {
    const nested = "{ tasks(pagination: { limit: 1000 }) { id events { id kind message } } }";
    expect(costOf(`subscription { newActions ${nested} }`)).toBeGreaterThan(LIMITS.maxQueryCost);
    const errors = graphql.validate(schema, graphql.parse(`subscription Big { newActions ${nested} }`), [queryCostRule(LIMITS)]);
    expect(errors[0]!.message).toMatch(/^Subscription Big may return more than 200000 values per event/);
    expect(errors[0]!.extensions.code).toBe("QUERY_TOO_COSTLY");
    expect(costOf(`query { actions ${nested} }`)).toBeNull();
    expect(exactCost(`query { actions ${nested} }`)).toBeGreaterThan(LIMITS.maxQueryCost);
  });

  it("issue 15: every subscription of the released Python client and of the web UI fits the default limits", () => {
    let subscriptions = 0;
    for (const { file } of CLIENT_FIXTURES) {
      for (const { name, operation, document } of clientOperations(file)) {
        if (operation.operation !== "subscription") continue;
        subscriptions++;
        expect(graphql.validate(schema, document, [queryCostRule(LIMITS)]).map((e) => e.message), `${file} ${name}`).toEqual([]);
      }
    }
    expect(subscriptions).toBeGreaterThan(10);
  });

  it("issue 9 #13: every operation document of our generated client fits the default limits", () => {
    const dir = join(ROOT, "graphql/rekuest");
    const source = readdirSync(dir)
      .filter((f) => f.endsWith(".graphql"))
      .map((f) => readFileSync(join(dir, f), "utf8"))
      .join("\n");
    const errors = graphql.validate(schema, graphql.parse(source), [queryCostRule(LIMITS)]).map((e) => e.message);
    expect(errors).toEqual([]);
  });

  it("issue 9 #13: pageOf gives the default page, keeps a page up to the maximum and refuses more", () => {
    expect(pageOf("Query.tasks", undefined, LIMITS)).toEqual({ offset: 0, limit: 100 });
    expect(pageOf("Task.events", { offset: 3 }, LIMITS)).toEqual({ offset: 3, limit: 1000 });
    expect(pageOf("Query.tasks", { offset: 0, limit: 1000 }, LIMITS)).toEqual({ offset: 0, limit: 1000 });
    expect(() => pageOf("Query.tasks", { limit: 1001 }, LIMITS)).toThrow(PageError);
    expect(() => pageOf("Query.tasks", { limit: 1001 }, LIMITS)).toThrow(/pagination.limit 1001 on Query.tasks is over the maximum page size 1000/);
    expect(() => pageOf("Query.tasks", { offset: -1 }, LIMITS)).toThrow(/pagination.offset on Query.tasks/);
  });
});
