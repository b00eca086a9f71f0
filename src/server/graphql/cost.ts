/**
 * The query cost limit of queries and mutations (issue 9 #13, issue 15): one operation may return at
 * most `maxQueryCost` values, counted while it runs. Each object an operation reaches counts the
 * fields selected on it (its distinct response keys, through fragments of every type condition), a
 * list counts that once per item, a list of scalars its length. The count is taken when a list or an
 * object is resolved, before its fields run, so once an answer is over the limit nothing more is read
 * from the store and the whole answer is replaced by one QUERY_TOO_COSTLY error.
 *
 * Counting actual values instead of estimating the document (as `queryCostRule` still does for
 * subscriptions) is what lets the platform's web UI run its nested views: a page of implementations,
 * each with its action's test cases and their results, is large only on paper. Work stays bounded: a
 * refused operation has read at most the limit plus one page.
 */
import type { ExecutionArgs, ExecutionResult, FieldNode, GraphQLFieldResolver, GraphQLResolveInfo, SelectionSetNode } from "graphql";
import { graphql } from "./graphql-module.js";
import type { GraphqlContext } from "./context.js";

const { GraphQLError, Kind, getOperationAST } = graphql;

/**
 * Thrown inside the execution once the answer is over the limit. It already carries a path, so the
 * executor passes it on instead of wrapping it for every field; the answer is replaced anyway.
 */
const OVER_LIMIT = new GraphQLError("over the query cost limit", { path: [], extensions: { code: "QUERY_TOO_COSTLY" } });

/** The response keys an object selection asks for, per field node (the documents are cached, so are these). */
const KEYS = new WeakMap<FieldNode, number>();

/** How many values each item of `info`'s field yields: its distinct response keys, or 1 for a scalar. */
function valuesPerItem(info: GraphQLResolveInfo): number {
  const nodes = info.fieldNodes;
  const single = nodes.length === 1 ? nodes[0]! : undefined;
  const cached = single && KEYS.get(single);
  if (cached) return cached;
  const keys = new Set<string>();
  const spread = new Set<string>();
  const add = (set: SelectionSetNode | undefined): void => {
    for (const selection of set?.selections ?? []) {
      if (selection.kind === Kind.FIELD) keys.add(selection.alias?.value ?? selection.name.value);
      else if (selection.kind === Kind.INLINE_FRAGMENT) add(selection.selectionSet);
      else if (!spread.has(selection.name.value)) {
        spread.add(selection.name.value);
        add(info.fragments[selection.name.value]?.selectionSet);
      }
    }
  };
  for (const node of nodes) add(node.selectionSet);
  const count = Math.max(1, keys.size);
  if (single) KEYS.set(single, count);
  return count;
}

/** What one query or mutation may still return. */
export class CostBudget {
  private left: number;
  /** The values charged so far (spliced.ts reads what a part of an answer cost, to charge it again where it is reused). */
  spent = 0;
  exceeded = false;

  constructor(readonly limit: number) {
    this.left = limit;
  }

  /** The budget as new: the operation runs again from its start (spliced.ts: a spliced answer gave up). */
  reset(): void {
    this.left = this.limit;
    this.spent = 0;
    this.exceeded = false;
  }

  /** Before a resolver reads anything: refuses once the answer is already over the limit. */
  check(): void {
    if (this.exceeded) throw OVER_LIMIT;
  }

  /**
   * How many more items the list of `info`'s field may hold before the answer is over the limit: a
   * read for many parents at once (a page's events) reads no more than this (plus one).
   */
  itemsLeft(info: GraphQLResolveInfo): number {
    return Math.max(0, Math.floor(this.left / valuesPerItem(info)));
  }

  /** Counts a resolved list or object (null counts nothing); throws once the answer is over the limit. */
  charge(value: unknown, info: GraphQLResolveInfo): void {
    if (value === null || value === undefined) return;
    const perItem = valuesPerItem(info);
    this.chargeValues(Array.isArray(value) ? value.length * perItem : perItem);
  }

  /** Counts `values` values at once (what `charge` counted for a part of an answer that is reused); throws once over the limit. */
  chargeValues(values: number): void {
    this.left -= values;
    this.spent += values;
    if (this.left < 0) {
      this.exceeded = true;
      throw OVER_LIMIT;
    }
  }
}

const CHARGED = Symbol("arkitekt-next.cost-charged");

/**
 * Introspection (`__schema`, `__type`) runs graphql-js' own resolvers, shared by every schema of the
 * process: their lists and objects are charged too, so aliased or nested introspection cannot answer
 * megabytes past the limit. Only an execution that carries a budget is charged (others run unchanged).
 */
export function chargeIntrospection(): void {
  for (const type of graphql.introspectionTypes) {
    if (!graphql.isObjectType(type)) continue;
    for (const field of Object.values(type.getFields())) {
      const counted = graphql.isListType(graphql.getNullableType(field.type)) || graphql.isCompositeType(graphql.getNamedType(field.type));
      if (counted) field.resolve = charged(field.resolve ?? graphql.defaultFieldResolver);
    }
  }
  for (const meta of [graphql.SchemaMetaFieldDef, graphql.TypeMetaFieldDef]) {
    if (meta.resolve) meta.resolve = charged(meta.resolve);
  }
}

type Resolver = GraphQLFieldResolver<unknown, unknown> & { [CHARGED]?: true };

/** `inner`, charging what it resolves to the execution's budget (once: an already charged resolver is returned as is). */
function charged(inner: Resolver): Resolver {
  if (inner[CHARGED]) return inner;
  const resolve = (parent: unknown, args: Record<string, unknown>, ctx: unknown, info: GraphQLResolveInfo): unknown => {
    const cost = (ctx as GraphqlContext | null | undefined)?.cost;
    if (!cost) return inner(parent, args, ctx, info);
    cost.check();
    const value = inner(parent, args, ctx, info);
    cost.charge(value, info);
    return value;
  };
  return Object.assign(resolve, { [CHARGED]: true as const });
}

function refusal(args: ExecutionArgs, limit: number): ExecutionResult {
  const operation = getOperationAST(args.document, args.operationName);
  const name = operation?.name?.value ?? "(anonymous)";
  const applied = operation?.operation === "mutation" ? " (the mutations that ran before the limit was reached are applied; only the answer is refused)" : "";
  return {
    errors: [
      new GraphQLError(
        `Operation ${name} returns more than ${limit} values, over the query cost limit of ${limit}${applied}: each field counts once for every object it is selected on, so ask for smaller pages (pagination.limit), fewer nested lists or fewer aliases`,
        { extensions: { code: "QUERY_TOO_COSTLY" } },
      ),
    ],
  };
}

/**
 * Runs a query or mutation with a budget of `maxQueryCost` values (from the context's platform);
 * subscriptions run unchanged (their documents are estimated by `queryCostRule`).
 */
export async function executeWithinCost<R>(args: ExecutionArgs, execute: (args: ExecutionArgs) => R | Promise<R>): Promise<R | ExecutionResult> {
  const context = args.contextValue as GraphqlContext;
  if (getOperationAST(args.document, args.operationName)?.operation === "subscription" || !context?.platform) return await execute(args);
  const budget = new CostBudget(context.platform.options.maxQueryCost);
  const result = await execute({ ...args, contextValue: { ...context, cost: budget } });
  return budget.exceeded ? refusal(args, budget.limit) : result;
}
