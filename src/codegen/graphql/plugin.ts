/**
 * Our graphql-codegen plugin: the function layer on top of the stock `typescript-operations` and
 * `typed-document-node` output. It builds a view model (scalars, fragments, operations) from the
 * schema and documents and renders `templates/graphql-client.hbs` with it.
 *
 * Call style (documented in the generated header): every operation becomes a function that takes
 * the client first, `await ensureAgent(client, { input })`, so unused operations tree-shake away.
 * Queries and mutations resolve to the unwrapped data (the single root field's value when the
 * operation selects exactly one root field, else the whole `data`); subscriptions return an
 * `AsyncIterableIterator` of the unwrapped payloads that ends on `break` or an aborted signal.
 */
import type { PluginFunction, Types } from "@graphql-codegen/plugin-helpers";
import type { FieldNode, FragmentDefinitionNode, GraphQLSchema, OperationDefinitionNode } from "graphql";
import type { ScalarMapping } from "./scalars.js";
import { GENERATED_CODE_ABI } from "../../definition/abi.js";
import { RESERVED_WORDS } from "../emit/names.js";
import { graphqlModule } from "./graphql-module.js";

/** Config our plugin reads (besides the shared graphql-codegen naming options). */
export interface ArkitektPluginConfig {
  /** Module the generated code imports the client types from. Default `arkitekt-next`. */
  clientImport?: string;
  /** Resolved scalar mappings for the custom scalars of the schema. */
  arkitektScalars?: Record<string, ScalarMapping>;
  dedupeOperationSuffix?: boolean;
  omitOperationSuffix?: boolean;
  namingConvention?: unknown;
}

export interface ScalarView {
  name: string;
  input: string;
  output: string;
  /** Exported alias name (the scalar's own name), absent when it would shadow a global or clash. */
  alias?: string;
  description?: string;
}

export interface FragmentView {
  name: string;
  typeCondition: string;
  /** The type typescript-operations emits (`AgentFragment`). */
  typeName: string;
  /** The clean exported name (`Agent`), absent when it would clash. */
  alias?: string;
}

export interface OperationView {
  name: string;
  kind: "query" | "mutation" | "subscription";
  isSubscription: boolean;
  functionName: string;
  documentName: string;
  dataType: string;
  variablesType: string;
  variablesOptional: boolean;
  resultType: string;
  /** Root field response key to unwrap, when the operation selects exactly one root field. */
  unwrapKey?: string;
  description: string[];
}

export interface ClientViewModel {
  clientImport: string;
  /** The generated-code ABI (definition/abi.ts) the functions pass to the client with every call. */
  abi: number;
  /** The output file, as the runtime names it when the ABI does not match. */
  file: string;
  scalars: ScalarView[];
  fragments: FragmentView[];
  operations: OperationView[];
}

const RESERVED = RESERVED_WORDS;

/** Names the generated module must not declare as types: globals a reader would expect untouched. */
const SHADOWING = new Set(["JSON", "Date", "Object", "Array", "String", "Number", "Boolean", "Promise", "Record", "Error", "Map", "Set", "Symbol"]);

function lowerFirst(text: string): string {
  return text.charAt(0).toLowerCase() + text.slice(1);
}

function docLines(text: string | null | undefined): string[] {
  if (!text) return [];
  return text
    .replace(/\*\//g, "*\\/")
    .split(/\r?\n/)
    .map((line) => line.trimEnd());
}

function suffixFor(name: string, suffix: string, config: ArkitektPluginConfig): string {
  if (config.omitOperationSuffix) return "";
  if (config.dedupeOperationSuffix && name.toLowerCase().endsWith(suffix.toLowerCase())) return "";
  return suffix;
}

/** Builds the view model; pure apart from the (already loaded) naming helper. */
export async function buildViewModel(
  schema: GraphQLSchema,
  documents: readonly Types.DocumentFile[],
  config: ArkitektPluginConfig,
  file = "",
): Promise<ClientViewModel> {
  const graphql = graphqlModule();
  const { convertFactory } = await import("@graphql-codegen/visitor-plugin-common");
  const convert = convertFactory({ namingConvention: config.namingConvention as never });
  const operations: OperationDefinitionNode[] = [];
  const fragments: FragmentDefinitionNode[] = [];
  for (const file of documents) {
    for (const definition of file.document?.definitions ?? []) {
      if (definition.kind === graphql.Kind.OPERATION_DEFINITION && definition.name) operations.push(definition);
      else if (definition.kind === graphql.Kind.FRAGMENT_DEFINITION) fragments.push(definition);
    }
  }
  const byName = <T extends { name?: { value: string } | undefined }>(a: T, b: T): number =>
    (a.name?.value ?? "") < (b.name?.value ?? "") ? -1 : (a.name?.value ?? "") > (b.name?.value ?? "") ? 1 : 0;
  operations.sort(byName);
  fragments.sort(byName);

  // Names the stock plugins export: enums, input objects (typescript-operations), documents, operation types.
  const taken = new Set<string>(["JsonValue", "Scalars", "TypedDocumentString", "Exact", "Incremental"]);
  for (const type of Object.values(schema.getTypeMap())) {
    if (graphql.isEnumType(type) || graphql.isInputObjectType(type)) taken.add(convert(type.name));
  }

  const operationViews: OperationView[] = operations.map((operation) => {
    const name = operation.name?.value ?? "";
    const kindSuffix = operation.operation.charAt(0).toUpperCase() + operation.operation.slice(1);
    const dataType = convert(name) + suffixFor(name, kindSuffix, config);
    const variablesType = `${dataType}Variables`;
    const documentName = `${convert(name)}Document`;
    taken.add(dataType).add(variablesType).add(documentName);
    let functionName = lowerFirst(convert(name));
    if (RESERVED.has(functionName)) functionName = `${functionName}Operation`;
    const selections = operation.selectionSet.selections;
    const single = selections.length === 1 && selections[0]?.kind === graphql.Kind.FIELD && (selections[0].directives?.length ?? 0) === 0 ? (selections[0] as FieldNode) : undefined;
    const unwrapKey = single && single.name.value !== "__typename" ? (single.alias ?? single.name).value : undefined;
    const rootType = schema.getRootType(operation.operation as Parameters<GraphQLSchema["getRootType"]>[0]);
    const description: string[] = [];
    if (single && rootType) {
      const field = rootType.getFields()[single.name.value];
      description.push(...docLines(field?.description));
      if (field?.deprecationReason) description.push("", `@deprecated ${field.deprecationReason}`);
    }
    const variablesOptional = (operation.variableDefinitions ?? []).every(
      (variable) => variable.type.kind !== graphql.Kind.NON_NULL_TYPE || variable.defaultValue !== undefined,
    );
    return {
      name,
      kind: operation.operation,
      isSubscription: operation.operation === "subscription",
      functionName,
      documentName,
      dataType,
      variablesType,
      variablesOptional,
      resultType: unwrapKey ? `${dataType}["${unwrapKey}"]` : dataType,
      ...(unwrapKey ? { unwrapKey } : {}),
      description,
    };
  });

  const fragmentViews: FragmentView[] = fragments.map((fragment) => {
    const name = fragment.name.value;
    const typeName = convert(name) + suffixFor(name, "Fragment", config);
    taken.add(typeName);
    return { name, typeCondition: fragment.typeCondition.name.value, typeName };
  });
  for (const view of fragmentViews) {
    const clean = convert(view.name.replace(/Fragment$/, ""));
    if (clean !== view.typeName && !taken.has(clean) && !SHADOWING.has(clean)) {
      view.alias = clean;
      taken.add(clean);
    }
  }

  const scalarViews: ScalarView[] = [];
  const mappings = config.arkitektScalars ?? {};
  for (const type of Object.values(schema.getTypeMap())) {
    if (!graphql.isScalarType(type) || graphql.isSpecifiedScalarType(type)) continue;
    const mapping = mappings[type.name];
    if (!mapping) continue;
    const view: ScalarView = { name: type.name, input: mapping.input, output: mapping.output };
    const description = docLines(type.description).join(" ");
    if (description) view.description = description;
    if (/^[A-Z][A-Za-z0-9]*$/.test(type.name) && !taken.has(type.name) && !SHADOWING.has(type.name)) {
      view.alias = type.name;
      taken.add(type.name);
    }
    scalarViews.push(view);
  }
  scalarViews.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));

  return {
    clientImport: config.clientImport ?? "arkitekt-next",
    abi: GENERATED_CODE_ABI,
    file,
    scalars: scalarViews,
    fragments: fragmentViews,
    operations: operationViews,
  };
}

/** Where our layer starts (after the imports and graphql-codegen's two helper types). */
export const LAYER_HEADING =
  "// ------------------------------------------------------------------------------------------------\n" +
  "// One typed function per operation (arkitekt-next's layer), then the scalar and fragment types.\n\n";

/** Where the stock plugins' output starts (after our layer). */
export const STOCK_SEPARATOR =
  "// ------------------------------------------------------------------------------------------------\n" +
  "// The operations' and schema's types and documents (stock typescript-operations and\n" +
  "// typed-document-node output) follow.\n";

/** A graphql-codegen plugin object rendering the given compiled template. */
export function createClientPlugin(render: (view: ClientViewModel) => string): { plugin: PluginFunction<ArkitektPluginConfig> } {
  return {
    plugin: async (schema, documents, config, info) => {
      const view = await buildViewModel(schema, documents, config, info?.outputFile ?? "");
      const hasSubscriptions = view.operations.some((op) => op.isSubscription);
      const hasRequests = view.operations.some((op) => !op.isSubscription);
      const names = ["GraphQLClient", ...(hasRequests ? ["RequestOptions"] : []), ...(hasSubscriptions ? ["SubscribeOptions"] : [])];
      // Our layer goes first, right under the imports, and the stock types after it: graphql-codegen
      // puts every prepend (sorted: comments, then imports) before all plugins' content, and the
      // rendered layer starts with a doc comment. TypeScript types and the document constants may
      // be declared after the functions that use them.
      const layer = `${LAYER_HEADING}${render(view).trim()}\n\n${STOCK_SEPARATOR}`;
      return {
        prepend: [...(view.operations.length > 0 ? [`import type { ${names.join(", ")} } from ${JSON.stringify(view.clientImport)};`] : []), layer],
        content: "",
      };
    },
  };
}
