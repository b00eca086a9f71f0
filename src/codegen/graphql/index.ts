/**
 * The GraphQL stage of `arkitekt-next gen`: reads the project's `codegen.yml`, and for every
 * output loads the schema (once per distinct schema), loads and validates the documents, runs
 * graphql-codegen's `codegen()` in this process with the stock `typescript-operations` and
 * `typed-document-node` plugins plus our function-layer plugin, and formats the result with
 * prettier. It returns files and diagnostics; it never writes (the orchestrator does).
 *
 * Everything heavy (graphql, graphql-codegen, handlebars, prettier) is imported lazily, so a
 * project without a `codegen.yml` pays nothing for this stage.
 */
import { readFile } from "node:fs/promises";
import path from "node:path";
import type { Types } from "@graphql-codegen/plugin-helpers";
import { silentLogger, type Logger } from "../../shared/logger.js";
import type { Diagnostic, GeneratedFile, StageResult } from "../types.js";
import { parseCodegenConfig, type CodegenTarget, type PluginEntry } from "./config.js";
import { loadDocuments, loadSchema, validateDocuments, type LoadedDocument, type LoadedSchema } from "./load.js";
import { createClientPlugin, type ClientViewModel } from "./plugin.js";
import { scalarMappings, usedCustomScalars } from "./scalars.js";
import { graphqlModule } from "./graphql-module.js";
import { GENERATED_CODE_ABI } from "../../definition/abi.js";
import { formatReusing, type FormattedBefore } from "../emit/format.js";
import type { PreviousOutput } from "../stage.js";
import { createHash } from "node:crypto";
import { generatorFingerprint } from "../key.js";
import { expandGlobs } from "./glob.js";
import { compileTemplate } from "../emit/templates.js";

export interface GenerateGraphqlOptions {
  /** The project directory; paths in the config are relative to it. */
  cwd: string;
  /** The codegen config, absolute or relative to `cwd` (usually `codegen.yml`). */
  configPath: string;
  logger?: Logger;
  /** Environment for `${VAR}` expansion and `ARKITEKT_TOKEN`. Default: `process.env`. */
  env?: NodeJS.ProcessEnv;
  /** `fetch` for schema URLs. Default: the global one. */
  fetch?: typeof fetch;
  /**
   * An output as the last gen wrote it (StageContext.previous): kept when its source key is the
   * same, else only its changed pieces are formatted.
   */
  previous?: (path: string) => Promise<PreviousOutput | undefined>;
  /** Formats an output (default: emit/format.ts `formatReusing`); tests pass one that records the unformatted text. */
  format?: typeof formatReusing;
}

interface Templates {
  header: (context: Record<string, string | number | boolean>) => string;
  client: (view: ClientViewModel) => string;
}

/** The two GraphQL templates, through the generator's one template loader (emit/templates.ts). */
function loadTemplates(): Templates {
  return { header: compileTemplate("graphql-header"), client: compileTemplate<ClientViewModel>("graphql-client") };
}

type PluginModule = { plugin: (...args: never[]) => unknown };

async function pluginModule(name: string, templates: Templates): Promise<PluginModule> {
  switch (name) {
    case "typescript":
      return (await import("@graphql-codegen/typescript")) as unknown as PluginModule;
    case "typescript-operations":
      return (await import("@graphql-codegen/typescript-operations")) as unknown as PluginModule;
    case "typed-document-node":
      return (await import("@graphql-codegen/typed-document-node")) as unknown as PluginModule;
    case "typescript-resolvers":
      return (await import("@graphql-codegen/typescript-resolvers")) as unknown as PluginModule;
    default:
      return createClientPlugin(templates.client) as unknown as PluginModule;
  }
}

function describeSchema(target: CodegenTarget): string {
  return target.schema.map((s) => (s.kind === "file" ? s.pattern : s.url)).join(", ");
}

async function generateTarget(
  target: CodegenTarget,
  schema: LoadedSchema,
  documents: LoadedDocument[],
  context: { configFile: string; templates: Templates; logger: Logger; format: typeof formatReusing; before?: FormattedBefore },
): Promise<{ file?: GeneratedFile; diagnostics: Diagnostic[] }> {
  const { configFile, templates, logger, before } = context;
  const graphql = graphqlModule();
  let mark = performance.now();
  const lap = (what: string): void => {
    const now = performance.now();
    logger.debug(`${target.output}: ${what} ${Math.round(now - mark)} ms`);
    mark = now;
  };
  const diagnostics = await validateDocuments(schema.schemaAst, documents);
  lap("validate");
  if (diagnostics.length > 0) return { diagnostics };

  // Scalars: every custom scalar the documents reach must have a mapping.
  const mappings = scalarMappings((target.config as { scalars?: unknown }).scalars);
  const combined = { kind: graphql.Kind.DOCUMENT, definitions: documents.flatMap((d) => d.document.definitions) } as const;
  const used = await usedCustomScalars(schema.schemaAst, combined);
  const lines = new Map(documents.map((d) => [d.location, d.lines]));
  for (const [name, place] of used) {
    if (mappings[name]) continue;
    const diagnostic: Diagnostic = {
      file: place.file || configFile,
      line: place.line,
      column: place.column,
      message: `the custom scalar ${name} has no TypeScript type`,
      hint: `map it in ${configFile}: \`config: { scalars: { ${name}: string } }\` (or \`{ input: ..., output: ... }\`) under the top level or generates["${target.output}"]`,
      code: "ARK_UNMAPPED_SCALAR",
    };
    const sourceLine = lines.get(place.file)?.[place.line - 1];
    if (sourceLine !== undefined) diagnostic.sourceLine = sourceLine;
    diagnostics.push(diagnostic);
  }
  if (diagnostics.length > 0) return { diagnostics };

  const names = target.plugins.map((p) => p.name);
  let plugins: PluginEntry[] = target.plugins;
  if (names.includes("typescript") && names.includes("typescript-operations")) {
    // graphql-codegen 6: typescript-operations emits the enums and input types itself; the
    // typescript plugin would declare them a second time and the file would not compile.
    logger.debug(`${target.output}: skipping the typescript plugin (typescript-operations emits the types it needs)`);
    plugins = plugins.filter((p) => p.name !== "typescript");
  }
  // typescript-operations refers to the `Scalars` type our plugin emits; the typescript plugin
  // declares `Scalars` itself, so it gets the TypeScript types directly (JSON values as unknown).
  const declaresScalars = plugins.some((p) => p.name === "typescript");
  const scalarsConfig: Record<string, { input: string; output: string }> = {};
  for (const type of Object.values(schema.schemaAst.getTypeMap())) {
    if (graphql.isScalarType(type) && !graphql.isSpecifiedScalarType(type) && mappings[type.name]) {
      const m = mappings[type.name]!;
      scalarsConfig[type.name] = declaresScalars
        ? { input: m.input.replaceAll("JsonValue", "unknown"), output: m.output.replaceAll("JsonValue", "unknown") }
        : { input: `Scalars["${type.name}"]["input"]`, output: `Scalars["${type.name}"]["output"]` };
    }
  }
  const functions = plugins.some((p) => p.name === "arkitekt-next");
  const config: Record<string, unknown> = {
    dedupeOperationSuffix: true,
    useTypeImports: true,
    documentMode: "string",
    ...target.config,
    // the function layer sends the operation text as is
    ...(functions ? { documentMode: "string" } : {}),
    scalars: scalarsConfig,
    arkitektScalars: mappings,
  };
  lap("scalars");
  const pluginMap: Record<string, PluginModule> = {};
  for (const plugin of plugins) pluginMap[plugin.name] = await pluginModule(plugin.name, templates);

  const { codegen } = await import("@graphql-codegen/core");
  const codegenDocuments: Types.DocumentFile[] = documents.map((d) => ({ location: d.location, document: d.document }));
  let output: string;
  try {
    output = await codegen({
      filename: target.output,
      schema: schema.schemaDocument ?? (undefined as never),
      schemaAst: schema.schemaAst,
      documents: codegenDocuments,
      config,
      plugins: plugins.map((p) => ({ [p.name]: p.config })),
      pluginMap: pluginMap as never,
      skipDocumentsValidation: true,
    });
  } catch (error) {
    return {
      diagnostics: [{ file: configFile, line: 0, column: 0, message: `graphql-codegen failed for ${target.output}: ${(error as Error).message.split("\n")[0]}`, hint: "check the plugin config of this output", code: "ARK_GRAPHQL_CODEGEN" }],
    };
  }
  lap("codegen");
  // The one runtime-free import of typed-document-node's output: declare the (structural) interface
  // locally, so a generated file needs no package but the one that provides the client types.
  output = output.replace(
    /^import (type )?\{ DocumentTypeDecoration \} from ['"]@graphql-typed-document-node\/core['"];?$/m,
    "/** Structurally the same as `DocumentTypeDecoration` of @graphql-typed-document-node/core. */\n" +
      "export interface DocumentTypeDecoration<TResult, TVariables> {\n  __apiType?: (variables: TVariables) => TResult;\n}",
  );
  const header = templates.header({
    abi: GENERATED_CODE_ABI,
    config: configFile,
    output: target.output,
    schema: describeSchema(target),
    documents: target.documents.join(", ") || "(none)",
    functions,
  });
  // graphql-codegen sorts comment blocks before imports; put the imports right under the header.
  const outputLines = output.split("\n");
  const imports = outputLines.filter((line) => /^import .* from ["'][^"']+["'];?$/.test(line));
  const body = outputLines.filter((line) => !imports.includes(line)).join("\n");
  // Only the pieces that changed since the last gen are formatted (emit/pieces.ts).
  const formatted = await context.format(`${header}\n${imports.join("\n")}\n\n${body}`, before);
  lap(formatted.pieces === undefined ? "format (whole file)" : `format (${formatted.formatted} new pieces)`);
  const file: GeneratedFile = { path: target.output, content: formatted.content };
  if (formatted.pieces !== undefined) file.pieces = formatted.pieces;
  return { file, diagnostics: [] };
}

/**
 * The source key of one output (GeneratedFile.sourceKey): the generator, the config file's name,
 * the target as parsed (plugins, config, env expanded), the bytes of its schema files and the
 * text of its documents. Undefined for a schema from a URL (it cannot be hashed here).
 */
async function targetKey(target: CodegenTarget, configFile: string, documents: readonly LoadedDocument[], cwd: string): Promise<string | undefined> {
  if (target.schema.some((s) => s.kind !== "file")) return undefined;
  const patterns = target.schema.flatMap((s) => (s.kind === "file" ? [s.pattern] : []));
  const schemaFiles = await expandGlobs(patterns, cwd);
  const hash = createHash("sha256").update(`graphql-output 1\0${await generatorFingerprint()}\0${configFile}\0${JSON.stringify(target)}\0`);
  for (const file of schemaFiles) {
    const content = await readFile(path.join(cwd, file)).catch(() => undefined);
    if (content === undefined) return undefined;
    hash.update(`${file}\0`).update(content).update("\0");
  }
  for (const document of documents) hash.update(`${document.location}\0${document.lines.join("\n")}\0`);
  return hash.digest("hex");
}

/**
 * Runs every output of the codegen config. All or nothing: with any diagnostic, no files.
 * Called by `arkitekt-next gen` when the project has a `codegen.yml`.
 */
export async function generateGraphql(options: GenerateGraphqlOptions): Promise<StageResult> {
  const logger = options.logger ?? silentLogger;
  const cwd = path.resolve(options.cwd);
  const configAbsolute = path.resolve(cwd, options.configPath);
  const configFile = path.relative(cwd, configAbsolute).split(path.sep).join("/") || options.configPath;
  const started = performance.now();

  let text: string;
  try {
    text = await readFile(configAbsolute, "utf8");
  } catch {
    return {
      files: [],
      diagnostics: [{ file: configFile, line: 0, column: 0, message: `codegen config ${configFile} does not exist`, hint: "create it (see the package's own codegen.yml) or remove the GraphQL step", code: "ARK_CODEGEN_CONFIG" }],
    };
  }
  const parsed = await parseCodegenConfig(text, configFile, options.env ?? process.env);
  if (!parsed.config) return { files: [], diagnostics: parsed.diagnostics };

  const templates = loadTemplates();
  const schemas = new Map<string, Promise<Awaited<ReturnType<typeof loadSchema>>>>();
  const documentSets = new Map<string, Promise<Awaited<ReturnType<typeof loadDocuments>>>>();
  const files: GeneratedFile[] = [];
  const diagnostics: Diagnostic[] = [];
  const reported = new Set<string>();
  const report = (items: readonly Diagnostic[]): void => {
    for (const item of items) {
      const key = `${item.file}:${item.line}:${item.column}:${item.message}`;
      if (reported.has(key)) continue;
      reported.add(key);
      diagnostics.push(item);
    }
  };

  for (const target of parsed.config.targets) {
    const schemaKey = JSON.stringify(target.schema);
    let schemaPromise = schemas.get(schemaKey);
    if (!schemaPromise) {
      const loadOptions = { cwd, configFile, ...(options.env ? { env: options.env } : {}), ...(options.fetch ? { fetch: options.fetch } : {}) };
      schemaPromise = loadSchema(target.schema, loadOptions);
      schemas.set(schemaKey, schemaPromise);
    }
    const documentsKey = JSON.stringify(target.documents);
    let documentsPromise = documentSets.get(documentsKey);
    if (!documentsPromise) {
      documentsPromise = loadDocuments(target.documents, cwd);
      documentSets.set(documentsKey, documentsPromise);
    }
    const [schema, documents] = await Promise.all([schemaPromise, documentsPromise]);
    logger.debug(`${target.output}: schema and documents loaded ${Math.round(performance.now() - started)} ms since start`);
    report(schema.diagnostics);
    report(documents.diagnostics);
    if (!schema.value || !documents.value) continue;
    // An output whose own inputs did not change (a document edit leaves the resolvers, which read
    // no documents, as they were) keeps the file the last gen wrote: no codegen, no prettier.
    const previous = options.previous ? await options.previous(target.output) : undefined;
    const sourceKey = options.previous ? await targetKey(target, configFile, documents.value, cwd) : undefined;
    if (previous !== undefined && sourceKey !== undefined && previous.sourceKey === sourceKey) {
      files.push({ path: target.output, content: previous.content, sourceKey, ...(previous.pieces !== undefined ? { pieces: previous.pieces } : {}) });
      logger.debug(`${target.output}: its inputs are unchanged, the file is reused (${Math.round(performance.now() - started)} ms since start)`);
      continue;
    }
    const before = previous?.pieces !== undefined ? { content: previous.content, pieces: previous.pieces } : undefined;
    const result = await generateTarget(target, schema.value, documents.value, { configFile, templates, logger, format: options.format ?? formatReusing, ...(before ? { before } : {}) });
    report(result.diagnostics);
    if (result.file) files.push(sourceKey === undefined ? result.file : { ...result.file, sourceKey });
    logger.debug(`${target.output}: ${result.file ? "generated" : "failed"} (${Math.round(performance.now() - started)} ms since start)`);
  }
  return diagnostics.length > 0 ? { files: [], diagnostics } : { files, diagnostics };
}
