/** GraphQL transport used by generated clients (`generated/api/*.ts`): HTTP for queries and mutations, graphql-ws for subscriptions. */
export { createGraphQLClient, platformEndpoints } from "./client.js";
export type {
  GraphQLClient,
  GraphQLClientOptions,
  GraphQLOperation,
  ReconnectOptions,
  RequestOptions,
  SubscribeOptions,
  TransportLogger,
} from "./client.js";
export { GraphQLRequestError, GraphQLTransportError } from "./errors.js";
export { PageSizes, readAllPages, type ReadPagesOptions } from "./pages.js";
export type { GraphQLErrorEntry } from "./errors.js";
