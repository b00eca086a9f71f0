/**
 * The server's GraphQL schema is the platform's SDL (`schemas/rekuest.graphql`), cut down to the
 * root fields we implement and the types they reach. Names and shapes therefore cannot drift from
 * the platform's: a client generated against the full schema runs against ours unchanged.
 */
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { DefinitionNode, DocumentNode, FieldDefinitionNode, InputValueDefinitionNode, TypeNode } from "graphql";
import { graphql } from "./graphql-module.js";

const { Kind, parse } = graphql;

/** Finds `schemas/rekuest.graphql` of this package, from src/ (tsx) or dist/src/ (built). */
export function platformSdlPath(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    const candidate = join(dir, "schemas", "rekuest.graphql");
    if (existsSync(candidate) && existsSync(join(dir, "package.json"))) return candidate;
    dir = dirname(dir);
  }
  throw new Error("schemas/rekuest.graphql not found next to the arkitekt-next package (is the package installed completely?)");
}

function namedType(type: TypeNode): string {
  return type.kind === Kind.NAMED_TYPE ? type.name.value : namedType(type.type);
}

/**
 * Keeps only the given root fields (per root type) and every type reachable from them, plus
 * the implementations of reachable interfaces.
 */
export function subsetSdl(document: DocumentNode, keep: Record<"Query" | "Mutation" | "Subscription", readonly string[]>): DocumentNode {
  const byName = new Map<string, DefinitionNode>();
  const implementers = new Map<string, string[]>();
  for (const def of document.definitions) {
    if ("name" in def && def.name && def.kind !== Kind.DIRECTIVE_DEFINITION) byName.set(def.name.value, def);
    if (def.kind === Kind.OBJECT_TYPE_DEFINITION || def.kind === Kind.INTERFACE_TYPE_DEFINITION) {
      for (const i of def.interfaces ?? []) {
        const list = implementers.get(i.name.value) ?? [];
        list.push(def.name.value);
        implementers.set(i.name.value, list);
      }
    }
  }
  const roots = new Set(Object.keys(keep));
  const definitions: DefinitionNode[] = [];
  const reachable = new Set<string>();
  const queue: string[] = [];
  const visit = (name: string) => {
    if (!reachable.has(name)) {
      reachable.add(name);
      queue.push(name);
    }
  };
  const visitArgs = (args: readonly InputValueDefinitionNode[] | undefined) => {
    for (const a of args ?? []) visit(namedType(a.type));
  };
  const rootDefs = new Map<string, DefinitionNode>();
  for (const root of roots) {
    const def = byName.get(root);
    if (!def || def.kind !== Kind.OBJECT_TYPE_DEFINITION) continue;
    const wanted = new Set(keep[root as keyof typeof keep]);
    const fields = (def.fields ?? []).filter((f: FieldDefinitionNode) => wanted.has(f.name.value));
    const missing = [...wanted].filter((w) => !fields.some((f) => f.name.value === w));
    if (missing.length > 0) throw new Error(`platform schema has no ${root} field(s) ${missing.join(", ")}`);
    rootDefs.set(root, { ...def, fields });
    reachable.add(root);
    for (const f of fields) {
      visit(namedType(f.type));
      visitArgs(f.arguments);
    }
  }
  while (queue.length > 0) {
    const name = queue.pop()!;
    const def = byName.get(name);
    if (!def) continue;
    switch (def.kind) {
      case Kind.OBJECT_TYPE_DEFINITION:
      case Kind.INTERFACE_TYPE_DEFINITION:
        for (const f of def.fields ?? []) {
          visit(namedType(f.type));
          visitArgs(f.arguments);
        }
        for (const i of def.interfaces ?? []) visit(i.name.value);
        if (def.kind === Kind.INTERFACE_TYPE_DEFINITION) for (const impl of implementers.get(name) ?? []) visit(impl);
        break;
      case Kind.INPUT_OBJECT_TYPE_DEFINITION:
        visitArgs(def.fields);
        break;
      case Kind.UNION_TYPE_DEFINITION:
        for (const t of def.types ?? []) visit(t.name.value);
        break;
      default:
        break;
    }
  }
  for (const def of document.definitions) {
    if (def.kind === Kind.SCHEMA_DEFINITION || def.kind === Kind.DIRECTIVE_DEFINITION) {
      definitions.push(def);
      continue;
    }
    if (!("name" in def) || !def.name) continue;
    const name = def.name.value;
    if (rootDefs.has(name)) definitions.push(rootDefs.get(name)!);
    else if (reachable.has(name) && !roots.has(name)) definitions.push(def);
  }
  return { kind: Kind.DOCUMENT, definitions };
}

export function loadPlatformDocument(): DocumentNode {
  return parse(readFileSync(platformSdlPath(), "utf8"), { noLocation: true });
}
