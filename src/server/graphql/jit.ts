/**
 * Operations run compiled (graphql-jit) instead of interpreted (graphql-js `execute`): a document is
 * compiled once per operation into plain JavaScript that coerces its variables, resolves its fields
 * and completes its values without walking the AST again. Every request and every subscription event
 * of the hot path (a caller's `assign`, its `mytasks` events) ran graphql-js' interpreter, about a
 * quarter of the server's CPU per task (issue 18; figures in BENCHMARKS.md).
 *
 * graphql-js stays the reference for variables: a coercer built once per operation (coerce.ts) takes
 * the valid path, and graphql-js coerces whatever that coercer gives up on (its defaults, its
 * messages); the compiled code receives the coerced values. The compiler's own coercion is left out
 * on purpose: it refuses a missing non-null input field that has a default
 * (`OffsetPaginationInput.offset: Int! = 0`, which the Python client leaves out), and it unrolls
 * recursive filter inputs (`ActionFilter.AND: ActionFilter`) until the heap is exhausted. So each
 * variable is compiled as the identity scalar `JSON`, and the coerced values pass through.
 * A document the compiler cannot compile runs interpreted.
 *
 * Subscriptions are started by graphql-js (graphql-jit 0.8 calls the subscribe resolver with the
 * variables as its arguments); their events run compiled.
 *
 * Queries compile with an action's ports (and a task's action, when it asks for the row's fields
 * only) answered once and spliced into the answer (spliced.ts); when a spliced part gives up, the
 * query runs again compiled unspliced.
 *
 * Compiled operations are cached on the parsed document: the document cache hands out the same
 * DocumentNode for the same text and drops it by bytes, and the WeakMap drops its code with it.
 * Documents reach here validated, against the one schema this executor serves.
 */
import type { DocumentNode, ExecutionArgs, ExecutionResult, GraphQLSchema, OperationDefinitionNode } from "graphql";
import { compileQuery, isCompiledQuery, type CompiledQuery } from "graphql-jit";
import { compileVariableCoercion, type VariableCoercer } from "./coerce.js";
import { graphql } from "./graphql-module.js";
import { compileWithSplicedFields, unsplicedIfGivenUp } from "./spliced.js";

const { Kind, createSourceEventStream, execute, getOperationAST, getVariableValues, subscribe } = graphql;

/** The scalar each variable is compiled as: the server's custom scalars parse as identity. */
const PASS_THROUGH = "JSON";

interface Entry {
  compiled: CompiledQuery;
  operation: OperationDefinitionNode;
  variables: VariableCoercer | undefined;
  /** A query runs with an action's ports spliced (spliced.ts); this compiles it unspliced, for when a part gives up. */
  unspliced?: () => CompiledQuery | null;
}
type Result = ExecutionResult | Promise<ExecutionResult>;

export interface JitExecutor {
  /** Runs a query or mutation (graphql-js' `execute` signature). */
  execute(args: ExecutionArgs): Result;
  /** Starts a subscription (graphql-js' `subscribe` signature); each event runs the compiled selection set. */
  subscribe(args: ExecutionArgs): Promise<AsyncIterableIterator<ExecutionResult> | ExecutionResult>;
}

/** Compiles once, when first asked: the query unspliced (null when it does not compile: it then runs interpreted). */
function unsplicedCompile(compile: () => CompiledQuery | ExecutionResult): () => CompiledQuery | null {
  let compiled: CompiledQuery | null | undefined;
  return () => {
    if (compiled === undefined) {
      try {
        const made = compile();
        compiled = isCompiledQuery(made) ? made : null;
      } catch {
        compiled = null;
      }
    }
    return compiled;
  };
}

const isAsyncIterable = (value: unknown): value is AsyncIterable<unknown> => typeof (value as AsyncIterable<unknown> | null)?.[Symbol.asyncIterator] === "function";

/** The results of running `map` on each event of `source`; returning from it (the subscriber left) returns from the source. */
function mapEvents(source: AsyncIterable<unknown>, map: (event: unknown) => ExecutionResult | Promise<ExecutionResult>): AsyncIterableIterator<ExecutionResult> {
  const iterator = source[Symbol.asyncIterator]();
  const close = async (): Promise<void> => {
    await iterator.return?.();
  };
  const mapped: AsyncIterableIterator<ExecutionResult> = {
    async next() {
      const step = await iterator.next();
      if (step.done) return { value: undefined, done: true };
      try {
        return { value: await map(step.value), done: false };
      } catch (error) {
        await close().catch(() => undefined);
        throw error;
      }
    },
    async return() {
      await close();
      return { value: undefined, done: true };
    },
    async throw(error: unknown) {
      await close();
      throw error;
    },
    [Symbol.asyncIterator]() {
      return mapped;
    },
  };
  return mapped;
}

/** `document` with `operation`'s variables retyped as the pass-through scalar (no defaults: graphql-js applied them). */
function withPassThroughVariables(document: DocumentNode, operation: OperationDefinitionNode): DocumentNode {
  const retyped: OperationDefinitionNode = {
    ...operation,
    variableDefinitions: (operation.variableDefinitions ?? []).map((definition) => ({
      ...definition,
      type: { kind: Kind.NAMED_TYPE, name: { kind: Kind.NAME, value: PASS_THROUGH } },
      defaultValue: undefined,
    })),
  };
  return { ...document, definitions: document.definitions.map((definition) => (definition === operation ? retyped : definition)) };
}

export function createJitExecutor(schema: GraphQLSchema): JitExecutor {
  const cache = new WeakMap<DocumentNode, Map<string, Entry | null>>();
  const usable = graphql.isScalarType(schema.getType(PASS_THROUGH));
  /** The compiled operation, or null when it runs interpreted. */
  const compiled = (args: ExecutionArgs): Entry | null => {
    if (args.schema !== schema || !usable) return null;
    let byName = cache.get(args.document);
    if (!byName) cache.set(args.document, (byName = new Map()));
    const name = args.operationName ?? "";
    let entry = byName.get(name);
    if (entry === undefined) {
      entry = null;
      const operation = getOperationAST(args.document, args.operationName);
      if (operation) {
        try {
          const document = withPassThroughVariables(args.document, operation);
          const compile = () => compileQuery(schema, document, args.operationName ?? undefined);
          const spliced = operation.operation === "query";
          const made = spliced ? compileWithSplicedFields(schema, document, compile) : compile();
          if (isCompiledQuery(made)) {
            entry = { compiled: made, operation, variables: compileVariableCoercion(schema, operation) };
            if (spliced) entry.unspliced = unsplicedCompile(compile);
          }
        } catch {
          // interpreted
        }
      }
      byName.set(name, entry);
    }
    return entry;
  };
  const coerce = (entry: Entry, args: ExecutionArgs): ReturnType<typeof getVariableValues> => {
    const inputs = (args.variableValues ?? {}) as Record<string, unknown>;
    const coerced = entry.variables?.(inputs);
    if (coerced) return { coerced };
    return getVariableValues(schema, entry.operation.variableDefinitions ?? [], inputs, { maxErrors: 50 });
  };
  return {
    execute(args) {
      const entry = compiled(args);
      if (!entry) return execute(args);
      const variables = coerce(entry, args);
      if (variables.errors) return { errors: variables.errors };
      const result = entry.compiled.query(args.rootValue, args.contextValue, variables.coerced);
      const unspliced = entry.unspliced;
      if (!unspliced) return result;
      return unsplicedIfGivenUp(result, args.contextValue, () => unspliced()?.query(args.rootValue, args.contextValue, variables.coerced) ?? execute(args));
    },
    async subscribe(args) {
      const entry = compiled(args);
      if (!entry) return subscribe(args);
      // graphql-js starts the stream: graphql-jit 0.8 hands the subscribe resolver the variables
      // instead of the field's arguments. Each event then runs the compiled selection set.
      const stream = await createSourceEventStream(args);
      if (!isAsyncIterable(stream)) return stream;
      const variables = coerce(entry, args);
      if (variables.errors) return { errors: variables.errors };
      return mapEvents(stream, (event) => entry.compiled.query(event, args.contextValue, variables.coerced));
    },
  };
}
