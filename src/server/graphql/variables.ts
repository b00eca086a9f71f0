/**
 * The nesting limit on an operation's variables (issue 9, leftover): graphql-js coerces variables
 * recursively, so `implementAgent` with port `children` nested 30,000 deep overflowed the stack before
 * any resolver ran (HTTP 500 "Unexpected error."). Every transport (HTTP, graphql-transport-ws,
 * legacy graphql-ws) checks the variables first, with a walk that uses no recursion, and answers a
 * GraphQL error naming the limit.
 */
import type { GraphQLError as GraphQLErrorType } from "graphql";
import { graphql } from "./graphql-module.js";

const { GraphQLError } = graphql;

/** The depth of the deepest object or array in `value` (the variables object itself is level 1), stopping past `limit`. */
function depthOver(value: unknown, limit: number): boolean {
  if (typeof value !== "object" || value === null) return false;
  const stack: Array<{ value: object; depth: number }> = [{ value, depth: 1 }];
  while (stack.length > 0) {
    const { value: node, depth } = stack.pop()!;
    if (depth > limit) return true;
    const items = Array.isArray(node) ? node : Object.values(node);
    for (const item of items) {
      if (typeof item === "object" && item !== null) stack.push({ value: item, depth: depth + 1 });
    }
  }
  return false;
}

/** The error for variables nested deeper than `limit`, or null when they fit. */
export function variablesRefusal(variables: unknown, limit: number): GraphQLErrorType | null {
  if (!depthOver(variables, limit)) return null;
  return new GraphQLError(
    `the operation's variables nest deeper than ${limit} levels (server option maxVariablesDepth): flatten the value, or raise the limit`,
    { extensions: { code: "VARIABLES_TOO_DEEP" } },
  );
}
