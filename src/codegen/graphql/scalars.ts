/**
 * The scalar map: which TypeScript type each custom scalar becomes, as input (variables) and as
 * output (results). Defaults cover the 13 custom scalars of the arkitekt platform
 * (docs/spec/platform-api.md); `config.scalars` adds or overrides. A custom scalar that the
 * documents use and nobody mapped is an error, not a silent `unknown`.
 */
import type { DocumentNode, GraphQLNamedType, GraphQLSchema } from "graphql";
import { graphqlModule } from "./graphql-module.js";

export interface ScalarMapping {
  input: string;
  output: string;
}

const JSON_VALUE = "JsonValue";
const STRING: ScalarMapping = { input: "string", output: "string" };
const JSON_ANY: ScalarMapping = { input: "unknown", output: JSON_VALUE };

/** The platform's scalars and their JSON shapes. `ActionHash` is branded on output so hashes and ids do not mix. */
export const PLATFORM_SCALARS: Readonly<Record<string, ScalarMapping>> = {
  ActionHash: { input: "string", output: 'string & { readonly __scalar: "ActionHash" }' },
  AnyDefault: JSON_ANY,
  Arg: JSON_ANY,
  Args: { input: "{ readonly [portKey: string]: unknown }", output: `{ [portKey: string]: ${JSON_VALUE} }` },
  DateTime: STRING,
  Identifier: STRING,
  JSON: JSON_ANY,
  JSONSerializable: JSON_ANY,
  MediaLike: STRING,
  Props: JSON_ANY,
  SearchQuery: STRING,
  ValidatorFunction: STRING,
  _Any: JSON_ANY,
};

const BUILT_IN = new Set(["ID", "String", "Boolean", "Int", "Float"]);

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Reads `config.scalars` (values: a TS type, or `{ input, output }`) over the platform defaults. */
export function scalarMappings(configScalars: unknown): Record<string, ScalarMapping> {
  const out: Record<string, ScalarMapping> = { ...PLATFORM_SCALARS };
  if (!isRecord(configScalars)) return out;
  for (const [name, value] of Object.entries(configScalars)) {
    if (typeof value === "string") out[name] = { input: value, output: value };
    else if (isRecord(value) && typeof value.input === "string" && typeof value.output === "string") {
      out[name] = { input: value.input, output: value.output };
    }
  }
  return out;
}

/** Custom scalars reachable from the documents: selected leaf fields and variable types (through input objects). */
export async function usedCustomScalars(schema: GraphQLSchema, document: DocumentNode): Promise<Map<string, { file: string; line: number; column: number }>> {
  const graphql = graphqlModule();
  const used = new Map<string, { file: string; line: number; column: number }>();
  const seenInputs = new Set<string>();
  const note = (type: GraphQLNamedType | undefined | null, node: { loc?: { start: number; source: { name: string } & Parameters<typeof graphql.getLocation>[0] } | undefined }): void => {
    if (!type) return;
    if (graphql.isScalarType(type) && !BUILT_IN.has(type.name) && !used.has(type.name)) {
      const loc = node.loc;
      const position = loc ? graphql.getLocation(loc.source, loc.start) : { line: 0, column: 0 };
      used.set(type.name, { file: loc?.source.name ?? "", line: position.line, column: position.column });
    } else if (graphql.isInputObjectType(type) && !seenInputs.has(type.name)) {
      seenInputs.add(type.name);
      for (const field of Object.values(type.getFields())) note(graphql.getNamedType(field.type), node);
    }
  };
  const typeInfo = new graphql.TypeInfo(schema);
  graphql.visit(
    document,
    graphql.visitWithTypeInfo(typeInfo, {
      Field(node) {
        note(graphql.getNamedType(typeInfo.getType() ?? undefined), node);
      },
      VariableDefinition(node) {
        const type = graphql.typeFromAST(schema, node.type as Parameters<typeof graphql.typeFromAST>[1]);
        note(type ? graphql.getNamedType(type) : undefined, node);
      },
    }),
  );
  return used;
}
