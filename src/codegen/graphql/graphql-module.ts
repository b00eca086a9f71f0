/**
 * The one `graphql` instance of this stage. graphql-js refuses schema objects from another copy
 * of itself ("from another module or realm"), and the codegen plugins load `graphql` through
 * Node's resolution (the CommonJS entry). Loading it with `require` here gives the same instance
 * under plain Node and under bundling test runners, which would otherwise pick `index.mjs`.
 */
import { createRequire } from "node:module";

type GraphQLModule = typeof import("graphql");

let cached: GraphQLModule | undefined;

export function graphqlModule(): GraphQLModule {
  cached ??= createRequire(import.meta.url)("graphql") as GraphQLModule;
  return cached;
}
