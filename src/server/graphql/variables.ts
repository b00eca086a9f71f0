/**
 * The nesting limit on an operation's variables (issue 9, leftover): graphql-js coerces variables
 * recursively, so `implementAgent` with port `children` nested 30,000 deep overflowed the stack before
 * any resolver ran (HTTP 500 "Unexpected error."). Every transport (HTTP, graphql-transport-ws,
 * legacy graphql-ws) checks the variables first, with a walk that uses no recursion, and answers a
 * GraphQL error naming the limit.
 */
import type { GraphQLError as GraphQLErrorType } from "graphql";
import { graphql } from "./graphql-module.js";
import { formatValuePath } from "../../protocol/index.js";

const { GraphQLError } = graphql;

interface Node {
  value: object;
  depth: number;
  parent: Node | null;
  key: string | number;
}

/** The path to the first object or array nested deeper than `limit` (the variables object is level 1), or null. */
function tooDeepAt(value: unknown, limit: number): Array<string | number> | null {
  if (typeof value !== "object" || value === null) return null;
  const stack: Node[] = [{ value, depth: 1, parent: null, key: "" }];
  while (stack.length > 0) {
    const node = stack.pop()!;
    if (node.depth > limit) {
      const path: Array<string | number> = [];
      for (let at: Node | null = node; at && at.parent; at = at.parent) path.push(at.key);
      return path.reverse();
    }
    if (Array.isArray(node.value)) {
      node.value.forEach((item: unknown, index) => {
        if (typeof item === "object" && item !== null) stack.push({ value: item, depth: node.depth + 1, parent: node, key: index });
      });
    } else {
      for (const key of Object.keys(node.value)) {
        const item = (node.value as Record<string, unknown>)[key];
        if (typeof item === "object" && item !== null) stack.push({ value: item, depth: node.depth + 1, parent: node, key });
      }
    }
  }
  return null;
}

/** The error for variables nested deeper than `limit` (naming where), or null when they fit. */
export function variablesRefusal(variables: unknown, limit: number): GraphQLErrorType | null {
  const path = tooDeepAt(variables, limit);
  if (path === null) return null;
  return new GraphQLError(
    `variables.${formatValuePath(path, 12)} is nested deeper than ${limit} levels (server option maxVariablesDepth): flatten the value, or raise the limit`,
    { extensions: { code: "VARIABLES_TOO_DEEP" } },
  );
}
