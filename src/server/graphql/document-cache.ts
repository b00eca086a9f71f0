/**
 * Parse and validation caches for the WebSocket transports (yoga caches its own): a client sends
 * the same few operation texts over and over, so each is parsed and validated once.
 */
import type { DocumentNode, GraphQLError, GraphQLSchema, ValidationRule } from "graphql";
import { graphql } from "./graphql-module.js";

const MAX_ENTRIES = 1000;

export interface DocumentCache {
  parse(source: string | { body: string }): DocumentNode;
  validate(schema: GraphQLSchema, document: DocumentNode): readonly GraphQLError[];
}

export function createDocumentCache(rules: readonly ValidationRule[]): DocumentCache {
  const parsed = new Map<string, DocumentNode>();
  const validated = new WeakMap<DocumentNode, readonly GraphQLError[]>();
  return {
    parse(source) {
      const text = typeof source === "string" ? source : source.body;
      let document = parsed.get(text);
      if (!document) {
        document = graphql.parse(text);
        if (parsed.size >= MAX_ENTRIES) parsed.delete(parsed.keys().next().value!);
        parsed.set(text, document);
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
  };
}
