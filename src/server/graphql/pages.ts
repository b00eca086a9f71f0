/**
 * Bounded reads (issue 9 #13): every list field that can grow with use returns a page, and one
 * operation may only ask for so much. Two parts share one notion of a field's page size:
 * - `pageOf`, used by the resolvers: `pagination.limit`, else the field's default; a limit over the
 *   maximum is refused (never silently cut), so a client knows to page with `offset`.
 * - `queryCostRule`, a validation rule for subscriptions: the cost of an operation is the number of
 *   values it may return. Every field counts 1 for each item of every list around it; a list field
 *   multiplies its selection by its page size. Aliases and fragments count as written. A `pagination`
 *   given as a variable counts as a maximum page (validation runs once per document, before variables
 *   are known). A subscription over the limit is refused before anything runs. Queries and mutations
 *   are counted while they run instead, by the values they actually return (cost.ts): estimated from
 *   the document, the web UI's nested views cost millions on paper.
 */
import type { ArgumentNode, ASTVisitor, DocumentNode, FragmentDefinitionNode, GraphQLField, GraphQLNamedType, GraphQLSchema, OperationDefinitionNode, SelectionSetNode, ValidationContext } from "graphql";
import { graphql } from "./graphql-module.js";
import { ArkitektError } from "../../shared/errors.js";

const { GraphQLError, Kind, getNamedType, getNullableType, isListType, isObjectType, isInterfaceType } = graphql;

export interface PageLimits {
  defaultPageSize: number;
  maxPageSize: number;
}

/**
 * Lists our runtime reads whole (the agent indexes `implementAgent`'s implementations, the caller
 * catches up through `task.events`): their default page is the maximum, not the default.
 */
const WHOLE_BY_DEFAULT = new Set(["Agent.implementations", "Task.events"]);

/** Task lists without a pagination argument in the platform's schema: they return the default page. */
const UNPAGED_TASK_LISTS = new Set(["Query.myTasks", "Action.runs"]);

/** Whether a field (`Type.field`) serves pages: it has a `pagination` argument, or is an unpaged task list. */
export function isPaged(field: { args: readonly { name: string }[] }, name: string): boolean {
  return field.args.some((a) => a.name === "pagination") || UNPAGED_TASK_LISTS.has(name);
}

/** The default page of a list field (`Type.field`). */
function defaultPageOf(field: string, limits: PageLimits): number {
  return WHOLE_BY_DEFAULT.has(field) ? limits.maxPageSize : limits.defaultPageSize;
}

/** A refused page: the resolvers turn it into a GraphQL error with code BAD_USER_INPUT. */
export class PageError extends ArkitektError {
  override readonly name = "PageError";
  readonly code = "BAD_USER_INPUT";
}

export interface Page {
  offset: number;
  limit: number;
}

/** The page a list field serves for its `pagination` argument. */
export function pageOf(field: string, pagination: unknown, limits: PageLimits): Page {
  const p = (pagination ?? {}) as { offset?: number | null; limit?: number | null };
  const offset = p.offset ?? 0;
  if (!Number.isInteger(offset) || offset < 0) throw new PageError(`pagination.offset on ${field} must be an integer >= 0, got ${String(offset)}`);
  if (p.limit === null || p.limit === undefined) return { offset, limit: defaultPageOf(field, limits) };
  if (!Number.isInteger(p.limit) || p.limit < 0) throw new PageError(`pagination.limit on ${field} must be an integer from 0 to ${limits.maxPageSize}, got ${String(p.limit)}`);
  if (p.limit > limits.maxPageSize) {
    throw new PageError(`pagination.limit ${p.limit} on ${field} is over the maximum page size ${limits.maxPageSize}: ask for pages of at most ${limits.maxPageSize} and step pagination.offset`);
  }
  return { offset, limit: p.limit };
}

export interface CostLimits extends PageLimits {
  maxQueryCost: number;
}

/** The page size a list field may return, read from the document alone (no variables). */
function listSizeOf(parent: GraphQLNamedType, field: GraphQLField<unknown, unknown>, args: readonly ArgumentNode[], limits: PageLimits): number {
  const name = `${parent.name}.${field.name}`;
  if (!field.args.some((a) => a.name === "pagination")) return UNPAGED_TASK_LISTS.has(name) ? limits.defaultPageSize : 1;
  const pagination = args.find((a) => a.name.value === "pagination")?.value;
  if (!pagination || pagination.kind === Kind.NULL) return defaultPageOf(name, limits);
  if (pagination.kind !== Kind.OBJECT) return limits.maxPageSize; // a variable: any page up to the maximum
  const limit = pagination.fields.find((f) => f.name.value === "limit")?.value;
  if (!limit || limit.kind === Kind.NULL) return defaultPageOf(name, limits);
  if (limit.kind !== Kind.INT) return limits.maxPageSize;
  // a limit over the maximum is refused by the resolver with its own message
  return Math.min(Math.max(0, Number(limit.value)), limits.maxPageSize);
}

/**
 * The cost of each operation of `document`: the number of values it may return. The walk stops once
 * an operation's cost is over `stopAbove` (then the number is a lower bound).
 */
export function operationCosts(schema: GraphQLSchema, document: DocumentNode, limits: PageLimits, stopAbove = Number.POSITIVE_INFINITY): Map<OperationDefinitionNode, number> {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const def of document.definitions) if (def.kind === Kind.FRAGMENT_DEFINITION) fragments.set(def.name.value, def);

  const costOf = (set: SelectionSetNode, type: GraphQLNamedType | undefined, multiplier: number, seen: ReadonlySet<string>): number => {
    let cost = 0;
    for (const selection of set.selections) {
      if (cost > stopAbove) return cost;
      if (selection.kind === Kind.FIELD) {
        cost += multiplier;
        if (!selection.selectionSet) continue;
        const fields = type && (isObjectType(type) || isInterfaceType(type)) ? type.getFields() : undefined;
        const field = fields?.[selection.name.value];
        if (!field || !type) {
          // unknown field (another rule reports it) or an introspection field: its selection counts once
          cost += costOf(selection.selectionSet, undefined, multiplier, seen);
          continue;
        }
        const size = isListType(getNullableType(field.type)) ? listSizeOf(type, field, selection.arguments ?? [], limits) : 1;
        // at least 1, so every visited field adds to the cost and the walk stays bounded by the limit
        cost += costOf(selection.selectionSet, getNamedType(field.type), multiplier * Math.max(1, size), seen);
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        const on = selection.typeCondition ? schema.getType(selection.typeCondition.name.value) : type;
        cost += costOf(selection.selectionSet, on ?? undefined, multiplier, seen);
      } else {
        const name = selection.name.value;
        const fragment = fragments.get(name);
        if (!fragment || seen.has(name)) continue; // unknown or cyclic: other rules report it
        const on = schema.getType(fragment.typeCondition.name.value);
        cost += costOf(fragment.selectionSet, on ?? undefined, multiplier, new Set(seen).add(name));
      }
    }
    return cost;
  };

  const costs = new Map<OperationDefinitionNode, number>();
  for (const def of document.definitions) {
    if (def.kind !== Kind.OPERATION_DEFINITION) continue;
    const root = def.operation === "query" ? schema.getQueryType() : def.operation === "mutation" ? schema.getMutationType() : schema.getSubscriptionType();
    costs.set(def, costOf(def.selectionSet, root ?? undefined, 1, new Set()));
  }
  return costs;
}

/** The validation rule refusing subscriptions that may cost more than `limits.maxQueryCost` per event. */
export function queryCostRule(limits: CostLimits): (context: ValidationContext) => ASTVisitor {
  return (context) => {
    let costs: Map<OperationDefinitionNode, number> | undefined;
    return {
      OperationDefinition(node) {
        if (node.operation !== "subscription") return;
        costs ??= operationCosts(context.getSchema(), context.getDocument(), limits, limits.maxQueryCost);
        const cost = costs.get(node) ?? 0;
        if (cost > limits.maxQueryCost) {
          context.reportError(
            new GraphQLError(
              `Subscription ${node.name?.value ?? "(anonymous)"} may return more than ${limits.maxQueryCost} values per event (its cost is at least ${cost}), over the query cost limit of ${limits.maxQueryCost} ` +
                `(each field counts once per item of every list around it; a list counts its pagination.limit, else its default page, and a pagination variable a maximum page of ${limits.maxPageSize}): ` +
                "ask for smaller pages, fewer nested lists or fewer aliases",
              { nodes: [node], extensions: { code: "QUERY_TOO_COSTLY" } },
            ),
          );
        }
      },
    };
  };
}
