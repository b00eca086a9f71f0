/**
 * Loading: schema sources (files or introspection over HTTP) and operation documents, each
 * parsed once, and validation of the documents against the schema with positions in the
 * user's files. Problems are returned as diagnostics, never thrown at the user as stacks.
 */
import { readFile } from "node:fs/promises";
import path from "node:path";
import type { DocumentNode, GraphQLError, GraphQLSchema } from "graphql";
import type { Diagnostic } from "../types.js";
import type { SchemaSource } from "./config.js";
import { expandGlobs } from "./glob.js";
import { graphqlModule } from "./graphql-module.js";

export interface LoadedSchema {
  schemaAst: GraphQLSchema;
  /** Present when the schema came from SDL files (saves codegen a print + parse). */
  schemaDocument?: DocumentNode;
}

export interface LoadedDocument {
  /** Path relative to the project directory, posix separators. */
  location: string;
  document: DocumentNode;
  /** The file's lines, for diagnostics with a caret. */
  lines: string[];
}

export type Loaded<T> = { value: T; diagnostics: Diagnostic[] } | { value?: undefined; diagnostics: Diagnostic[] };

function relativeTo(cwd: string, file: string): string {
  const rel = path.relative(cwd, file);
  return (rel.startsWith("..") ? file : rel).split(path.sep).join("/");
}

function graphqlErrorDiagnostic(
  error: GraphQLError,
  fallbackFile: string,
  code: string,
  hint: string,
  linesOf: (file: string) => string[] | undefined,
): Diagnostic {
  const node = error.nodes?.[0];
  const file = node?.loc?.source.name ?? error.source?.name ?? fallbackFile;
  const location = error.locations?.[0];
  const diagnostic: Diagnostic = {
    file,
    line: location?.line ?? 0,
    column: location?.column ?? 0,
    message: error.message,
    hint,
    code,
  };
  const sourceLine = location ? linesOf(file)?.[location.line - 1] : undefined;
  if (sourceLine !== undefined) diagnostic.sourceLine = sourceLine;
  return diagnostic;
}

/** A short reason for a failed fetch, without a stack: `ECONNREFUSED 127.0.0.1:9`, `HTTP 401 Unauthorized`. */
function describeFetchFailure(error: unknown): string {
  if (error instanceof Error) {
    const cause = (error as Error & { cause?: unknown }).cause;
    if (cause instanceof Error) {
      const code = (cause as Error & { code?: string }).code;
      return code ? `${code}: ${cause.message}` : cause.message;
    }
    if (error.name === "TimeoutError" || error.name === "AbortError") return "timed out";
    return error.message;
  }
  return String(error);
}

async function introspect(
  source: Extract<SchemaSource, { kind: "url" }>,
  configFile: string,
  env: NodeJS.ProcessEnv,
  fetchImpl: typeof fetch,
  timeoutMs: number,
): Promise<Loaded<GraphQLSchema>> {
  const { getIntrospectionQuery, buildClientSchema } = graphqlModule();
  const token = source.token ?? env.ARKITEKT_TOKEN;
  const headers: Record<string, string> = { "content-type": "application/json", accept: "application/json", ...source.headers };
  if (token && !Object.keys(headers).some((key) => key.toLowerCase() === "authorization")) {
    headers.authorization = `Bearer ${token}`;
  }
  const fail = (message: string, hint: string): Loaded<GraphQLSchema> => ({
    diagnostics: [{ file: configFile, line: 0, column: 0, message, hint, code: "ARK_SCHEMA_UNREACHABLE" }],
  });
  let response: Response;
  try {
    response = await fetchImpl(source.url, {
      method: "POST",
      headers,
      body: JSON.stringify({ query: getIntrospectionQuery({ oneOf: true }), operationName: "IntrospectionQuery" }),
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (error) {
    return fail(
      `could not load the schema from ${source.url}: ${describeFetchFailure(error)}`,
      "start the service (or `arkitekt-next server`), check the URL, or point `schema:` at a saved .graphql file",
    );
  }
  const text = await response.text().catch(() => "");
  if (!response.ok) {
    const auth = response.status === 401 || response.status === 403;
    return fail(
      `could not load the schema from ${source.url}: HTTP ${response.status} ${response.statusText}`.trimEnd(),
      auth
        ? "set ARKITEKT_TOKEN (or `token:` on the schema entry) to a valid token"
        : "check that the URL is the service's GraphQL endpoint",
    );
  }
  let body: { data?: unknown; errors?: Array<{ message?: string }> };
  try {
    body = JSON.parse(text) as typeof body;
  } catch {
    return fail(`${source.url} did not answer with JSON`, "check that the URL is the service's GraphQL endpoint");
  }
  if (!body.data || (body.errors && body.errors.length > 0)) {
    const message = body.errors?.map((error) => error.message).join("; ") ?? "no data";
    return fail(`introspection of ${source.url} failed: ${message}`, "check the token and that introspection is enabled");
  }
  try {
    return { value: buildClientSchema(body.data as Parameters<typeof buildClientSchema>[0]), diagnostics: [] };
  } catch (error) {
    return fail(`introspection result of ${source.url} is not a schema: ${describeFetchFailure(error)}`, "check the URL");
  }
}

export interface LoadSchemaOptions {
  cwd: string;
  configFile: string;
  env?: NodeJS.ProcessEnv;
  fetch?: typeof fetch;
  timeoutMs?: number;
}

/** Loads and builds one schema from its sources (SDL files are concatenated, URLs introspected). */
export async function loadSchema(sources: readonly SchemaSource[], options: LoadSchemaOptions): Promise<Loaded<LoadedSchema>> {
  const { cwd, configFile } = options;
  const env = options.env ?? process.env;
  const diagnostics: Diagnostic[] = [];
  const filePatterns = sources.filter((s): s is Extract<SchemaSource, { kind: "file" }> => s.kind === "file").map((s) => s.pattern);
  const urls = sources.filter((s): s is Extract<SchemaSource, { kind: "url" }> => s.kind === "url");
  const graphql = graphqlModule();

  const sdlDefinitions: DocumentNode["definitions"][number][] = [];
  const files = await expandGlobs(filePatterns, cwd);
  if (filePatterns.length > 0 && files.length === 0) {
    diagnostics.push({ file: configFile, line: 0, column: 0, message: `no schema file matches ${filePatterns.join(", ")}`, hint: "check the `schema:` path", code: "ARK_SCHEMA_MISSING" });
  }
  for (const file of files) {
    let text: string;
    try {
      text = await readFile(path.resolve(cwd, file), "utf8");
    } catch {
      diagnostics.push({ file: configFile, line: 0, column: 0, message: `schema file ${file} does not exist`, hint: "check the `schema:` path in the codegen config", code: "ARK_SCHEMA_MISSING" });
      continue;
    }
    if (file.endsWith(".json")) {
      // a saved introspection result ({ data: { __schema } } or { __schema })
      try {
        const json = JSON.parse(text) as { data?: unknown; __schema?: unknown };
        const introspection = (json.__schema ? json : json.data) as Parameters<typeof graphql.buildClientSchema>[0];
        const printed = graphql.printSchema(graphql.buildClientSchema(introspection));
        sdlDefinitions.push(...graphql.parse(printed, { noLocation: true }).definitions);
      } catch (error) {
        diagnostics.push({ file, line: 0, column: 0, message: `not an introspection result: ${(error as Error).message}`, hint: "save the schema as SDL (.graphql) or as the JSON of an introspection query", code: "ARK_SCHEMA_INVALID" });
      }
      continue;
    }
    try {
      sdlDefinitions.push(...graphql.parse(new graphql.Source(text, file), { noLocation: true }).definitions);
    } catch (error) {
      const lines = text.split(/\r?\n/);
      diagnostics.push(graphqlErrorDiagnostic(error as GraphQLError, file, "ARK_SCHEMA_SYNTAX", "fix the schema file or copy it again from the service", () => lines));
    }
  }
  for (const url of urls) {
    const result = await introspect(url, configFile, env, options.fetch ?? fetch, options.timeoutMs ?? 15_000);
    diagnostics.push(...result.diagnostics);
    if (result.value && sources.length === 1) return { value: { schemaAst: result.value }, diagnostics };
    if (result.value) {
      sdlDefinitions.push(...graphql.parse(graphql.printSchema(result.value), { noLocation: true }).definitions);
    }
  }
  if (diagnostics.length > 0) return { diagnostics };

  const schemaDocument: DocumentNode = { kind: graphql.Kind.DOCUMENT, definitions: sdlDefinitions };
  try {
    const schemaAst = graphql.buildASTSchema(schemaDocument, { assumeValidSDL: false });
    const errors = graphql.validateSchema(schemaAst);
    if (errors.length > 0) {
      return {
        diagnostics: errors.map((error) => ({ file: files[0] ?? configFile, line: 0, column: 0, message: `invalid schema: ${error.message}`, hint: "fix the schema or copy it again from the service", code: "ARK_SCHEMA_INVALID" })),
      };
    }
    return { value: { schemaAst, schemaDocument }, diagnostics: [] };
  } catch (error) {
    return {
      diagnostics: [{ file: files[0] ?? configFile, line: 0, column: 0, message: `invalid schema: ${(error as Error).message}`, hint: "fix the schema or copy it again from the service", code: "ARK_SCHEMA_INVALID" }],
    };
  }
}

/** Reads and parses the documents matched by the patterns. Syntax errors become diagnostics. */
export async function loadDocuments(patterns: readonly string[], cwd: string): Promise<Loaded<LoadedDocument[]>> {
  const graphql = graphqlModule();
  const diagnostics: Diagnostic[] = [];
  const documents: LoadedDocument[] = [];
  const files = await expandGlobs(patterns, cwd);
  for (const file of files) {
    let text: string;
    try {
      text = await readFile(path.resolve(cwd, file), "utf8");
    } catch {
      diagnostics.push({ file, line: 0, column: 0, message: `document ${file} does not exist`, hint: "check the `documents:` patterns in the codegen config", code: "ARK_DOCUMENT_MISSING" });
      continue;
    }
    const location = relativeTo(cwd, path.resolve(cwd, file));
    const lines = text.split(/\r?\n/);
    try {
      const document = graphql.parse(new graphql.Source(text, location));
      if (document.definitions.length > 0) documents.push({ location, document, lines });
    } catch (error) {
      diagnostics.push(graphqlErrorDiagnostic(error as GraphQLError, location, "ARK_GRAPHQL_SYNTAX", "fix the GraphQL syntax", () => lines));
    }
  }
  return diagnostics.length > 0 ? { diagnostics } : { value: documents, diagnostics };
}

/**
 * Validates all documents of a target together (fragments are shared across files) with
 * graphql-js's specified rules, except that a fragment unused by this target is fine.
 */
export async function validateDocuments(schema: GraphQLSchema, documents: readonly LoadedDocument[]): Promise<Diagnostic[]> {
  const graphql = graphqlModule();
  const rules = graphql.specifiedRules.filter((rule) => rule !== graphql.NoUnusedFragmentsRule);
  const combined: DocumentNode = { kind: graphql.Kind.DOCUMENT, definitions: documents.flatMap((d) => d.document.definitions) };
  const byFile = new Map(documents.map((d) => [d.location, d.lines]));
  return graphql
    .validate(schema, combined, rules)
    .map((error) =>
      graphqlErrorDiagnostic(error, documents[0]?.location ?? "", "ARK_GRAPHQL_INVALID", "fix the operation so it matches the schema (or update the schema copy)", (file) => byFile.get(file)),
    );
}
