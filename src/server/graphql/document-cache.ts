/**
 * The parse and validation cache shared by GraphQL over HTTP (yoga's own cache is off) and both
 * WebSocket subprotocols: a client sends the same few operation texts over and over, so each is parsed
 * and validated once. The cache is bounded by the bytes of query text it keeps (least recently used
 * out first), documents are checked against the size, nesting and token limits before parsing, and only
 * authenticated requests reach it (the server authenticates before parsing).
 */
import type { DocumentNode, GraphQLError, GraphQLSchema, ValidationRule } from "graphql";
import { graphql } from "./graphql-module.js";
import { parseWithinLimits, type DocumentLimits } from "./limits.js";

export interface DocumentCache {
  /** Parses (or returns the cached document); throws a GraphQLError for a bad or oversized document. */
  parse(source: string | { body: string }): DocumentNode;
  validate(schema: GraphQLSchema, document: DocumentNode): readonly GraphQLError[];
  /** The weight of the cached entries in bytes (see `weight`). */
  readonly bytes: number;
  readonly size: number;
}

export interface DocumentCacheOptions extends DocumentLimits {
  /** Budget for cached query texts; 0 turns caching off. */
  maxCacheBytes: number;
}

/** Memory a cached entry stands for: 2 bytes per UTF-16 code unit of the key, and as much again for its AST. */
function weight(text: string): number {
  return text.length * 4;
}

export function createDocumentCache(rules: readonly ValidationRule[], options: DocumentCacheOptions): DocumentCache {
  const parsed = new Map<string, DocumentNode>();
  const validated = new WeakMap<DocumentNode, readonly GraphQLError[]>();
  let bytes = 0;
  return {
    parse(source) {
      const text = typeof source === "string" ? source : source.body;
      const cached = parsed.get(text);
      if (cached) {
        // most recently used goes last
        parsed.delete(text);
        parsed.set(text, cached);
        return cached;
      }
      const document = parseWithinLimits(text, options);
      const w = weight(text);
      if (w <= options.maxCacheBytes / 4) {
        while (bytes + w > options.maxCacheBytes && parsed.size > 0) {
          const oldest = parsed.keys().next().value!;
          parsed.delete(oldest);
          bytes -= weight(oldest);
        }
        parsed.set(text, document);
        bytes += w;
      }
      return document;
    },
    validate(schema, document) {
      let errors = validated.get(document);
      if (!errors) {
        errors = graphql.validate(schema, document, rules);
        validated.set(document, errors);
      }
      return errors;
    },
    get bytes() {
      return bytes;
    },
    get size() {
      return parsed.size;
    },
  };
}
