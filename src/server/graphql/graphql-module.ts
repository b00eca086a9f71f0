/**
 * The one `graphql` instance of the server. graphql-js refuses schema objects and errors from
 * another copy of itself ("from another module or realm"); graphql-yoga and graphql-ws load
 * `graphql` through Node's resolution (its CommonJS entry), while bundling test runners would
 * give our ESM imports `index.mjs`. Loading it with `require` here gives the same instance in both.
 * Import only types from "graphql" elsewhere in the server; take values from here.
 */
import { createRequire } from "node:module";

export type GraphQLModule = typeof import("graphql");

export const graphql: GraphQLModule = createRequire(import.meta.url)("graphql") as GraphQLModule;
