/** The operations of real clients (test/fixtures/clients), each as a document with the fragments it spreads. */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { DefinitionNode, DocumentNode, FragmentDefinitionNode, OperationDefinitionNode } from "graphql";
import { graphql } from "../../../src/server/graphql/graphql-module.js";

const { Kind, parse, visit } = graphql;

export const CLIENT_FIXTURES = [
  { name: "the released Python client (rekuest-next 2.1.2)", file: "rekuest-next-2.1.2.graphql", operations: 51, queries: 28 },
  { name: "the platform's web UI (orkestrator-next 1.67.8)", file: "orkestrator-next-1.67.8.graphql", operations: 120, queries: 73 },
] as const;

export interface ClientOperation {
  name: string;
  operation: OperationDefinitionNode;
  document: DocumentNode;
}

export function clientOperations(file: string): ClientOperation[] {
  const path = fileURLToPath(new URL(`../../fixtures/clients/${file}`, import.meta.url));
  return operationsWithFragments(parse(readFileSync(path, "utf8")).definitions);
}

/** Each operation of `definitions` as a document of its own, with the fragments of `fragmentPool` it spreads (directly or not). */
export function operationsWithFragments(definitions: readonly DefinitionNode[], fragmentPool: readonly DefinitionNode[] = definitions): ClientOperation[] {
  const fragments = new Map(fragmentPool.filter((d): d is FragmentDefinitionNode => d.kind === Kind.FRAGMENT_DEFINITION).map((f) => [f.name.value, f]));
  return definitions
    .filter((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION)
    .map((operation) => {
      const used = new Map<string, FragmentDefinitionNode>();
      const pending: Array<OperationDefinitionNode | FragmentDefinitionNode> = [operation];
      while (pending.length > 0) {
        visit(pending.pop()!, {
          FragmentSpread(node) {
            const fragment = fragments.get(node.name.value);
            if (fragment && !used.has(fragment.name.value)) {
              used.set(fragment.name.value, fragment);
              pending.push(fragment);
            }
          },
        });
      }
      return { name: operation.name?.value ?? "(anonymous)", operation, document: { kind: Kind.DOCUMENT, definitions: [operation, ...used.values()] } };
    });
}
