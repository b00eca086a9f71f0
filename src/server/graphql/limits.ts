/**
 * GraphQL operation limits: document size, bracket nesting and tokens before and while parsing, and a
 * maximum selection depth (fragments followed) when validating.
 */
import type { ASTVisitor, DocumentNode, FragmentDefinitionNode, SelectionSetNode, ValidationContext } from "graphql";
import { graphql } from "./graphql-module.js";

const { GraphQLError, Kind } = graphql;

export function depthLimitRule(maxDepth: number): (context: ValidationContext) => ASTVisitor {
  return (context) => {
    const fragments = new Map<string, FragmentDefinitionNode>();
    for (const def of context.getDocument().definitions) if (def.kind === Kind.FRAGMENT_DEFINITION) fragments.set(def.name.value, def);
    const depthOf = (set: SelectionSetNode | undefined, depth: number, seen: Set<string>): number => {
      if (!set) return depth;
      if (depth > maxDepth) return depth;
      let max = depth;
      for (const sel of set.selections) {
        if (sel.kind === Kind.FIELD) {
          if (sel.name.value.startsWith("__")) continue;
          max = Math.max(max, sel.selectionSet ? depthOf(sel.selectionSet, depth + 1, seen) : depth);
        } else if (sel.kind === Kind.INLINE_FRAGMENT) {
          max = Math.max(max, depthOf(sel.selectionSet, depth, seen));
        } else {
          const name = sel.name.value;
          const frag = fragments.get(name);
          if (!frag || seen.has(name)) continue;
          const next = new Set(seen).add(name);
          max = Math.max(max, depthOf(frag.selectionSet, depth, next));
        }
      }
      return max;
    };
    return {
      OperationDefinition(node) {
        const depth = depthOf(node.selectionSet, 0, new Set());
        if (depth > maxDepth) {
          context.reportError(
            new GraphQLError(`Operation ${node.name?.value ?? "(anonymous)"} is nested ${depth} levels deep; the limit is ${maxDepth}`, { nodes: [node] }),
          );
        }
      },
    };
  };
}

export interface DocumentLimits {
  /** Largest document text in bytes (UTF-8). */
  maxBytes: number;
  /** Deepest nesting of `{`, `(` and `[` outside strings and comments. */
  maxNesting: number;
  /** Most tokens the parser reads (graphql's `maxTokens`). */
  maxTokens: number;
}

function limitError(message: string): InstanceType<typeof GraphQLError> {
  return new GraphQLError(message, { extensions: { code: "GRAPHQL_DOCUMENT_TOO_LARGE" } });
}

/**
 * Checks a document's size and bracket nesting before it is parsed, so an oversized or absurdly
 * nested document costs one linear scan and gets a GraphQL error (never a stack overflow, HTTP 500 or
 * close 4500). Strings, block strings and comments are skipped.
 */
export function checkDocumentText(source: string, limits: DocumentLimits): void {
  // a UTF-8 character takes at most 3 bytes per UTF-16 code unit: only long texts need counting
  if (source.length * 3 > limits.maxBytes) {
    const bytes = Buffer.byteLength(source, "utf8");
    if (bytes > limits.maxBytes) {
      throw limitError(`the GraphQL document is ${bytes} bytes; the limit is ${limits.maxBytes} (server option maxGraphqlDocumentBytes): send a smaller document and pass large values as variables`);
    }
  }
  let depth = 0;
  const n = source.length;
  for (let i = 0; i < n; i++) {
    const c = source.charCodeAt(i);
    if (c === 0x23 /* # */) {
      while (i < n && source.charCodeAt(i) !== 0x0a && source.charCodeAt(i) !== 0x0d) i++;
    } else if (c === 0x22 /* " */) {
      if (source.startsWith('"""', i)) {
        const end = source.indexOf('"""', i + 3);
        // escaped \""" inside a block string does not end it
        let close = end;
        while (close !== -1 && source.charCodeAt(close - 1) === 0x5c) close = source.indexOf('"""', close + 3);
        i = close === -1 ? n : close + 2;
      } else {
        i++;
        while (i < n) {
          const d = source.charCodeAt(i);
          if (d === 0x5c) i += 2;
          else if (d === 0x22 || d === 0x0a || d === 0x0d) break;
          else i++;
        }
      }
    } else if (c === 0x7b || c === 0x28 || c === 0x5b) {
      depth++;
      if (depth > limits.maxNesting) {
        throw limitError(`the GraphQL document nests brackets more than ${limits.maxNesting} levels deep (server option maxGraphqlNesting): flatten the document or pass nested values as variables`);
      }
    } else if (c === 0x7d || c === 0x29 || c === 0x5d) {
      if (depth > 0) depth--;
    }
  }
}

/** Parses a document within the limits; errors are GraphQLErrors the client sees. */
export function parseWithinLimits(source: string, limits: DocumentLimits): DocumentNode {
  checkDocumentText(source, limits);
  try {
    return graphql.parse(source, { maxTokens: limits.maxTokens });
  } catch (error) {
    if (error instanceof GraphQLError) {
      if (/tokens\. Parsing aborted/.test(error.message)) {
        throw limitError(`${error.message} (server option maxGraphqlTokens = ${limits.maxTokens}): send a smaller document`);
      }
      throw error;
    }
    // a RangeError (stack) or anything else from the parser must not escape as an internal error
    throw new GraphQLError(`the GraphQL document could not be parsed: ${(error as Error).message}`);
  }
}

/** A GraphQL socket's count of open operations (the one being admitted included). */
export type OpenOperations = () => number;

/**
 * Caps on the operations (subscriptions, and queries still running) open at once over GraphQL
 * sockets: per connection and per identity (all its connections, both subprotocols together).
 */
export class OperationBudget {
  private readonly byIdentity = new Map<string, Set<OpenOperations>>();

  constructor(
    private readonly perConnection: number,
    private readonly perIdentity: number,
  ) {}

  /** Counts a connection of `identityKey` from now on; call the returned function when it closes. */
  join(identityKey: string, open: OpenOperations): () => void {
    let set = this.byIdentity.get(identityKey);
    if (!set) this.byIdentity.set(identityKey, (set = new Set()));
    set.add(open);
    return () => {
      set.delete(open);
      if (set.size === 0 && this.byIdentity.get(identityKey) === set) this.byIdentity.delete(identityKey);
    };
  }

  /** A GraphQL error when the operation being admitted on `open`'s connection exceeds a cap, else null. */
  refusal(identityKey: string, open: OpenOperations): InstanceType<typeof GraphQLError> | null {
    const onConnection = open();
    if (onConnection > this.perConnection) {
      return new GraphQLError(
        `too many operations open on this connection (limit ${this.perConnection}, server option maxSubscriptionsPerConnection): complete a subscription before starting another`,
        { extensions: { code: "TOO_MANY_SUBSCRIPTIONS" } },
      );
    }
    let total = 0;
    for (const count of this.byIdentity.get(identityKey) ?? []) total += count();
    if (total > this.perIdentity) {
      return new GraphQLError(
        `too many operations open for this identity over all its connections (limit ${this.perIdentity}, server option maxSubscriptionsPerIdentity): complete a subscription before starting another`,
        { extensions: { code: "TOO_MANY_SUBSCRIPTIONS" } },
      );
    }
    return null;
  }
}
