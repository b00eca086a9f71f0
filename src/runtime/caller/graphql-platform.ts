/**
 * `CallerPlatform` over the generated GraphQL client (`generated/api/rekuest.ts`): HTTP for
 * mutations and queries, one graphql-ws socket for the `mytasks` subscription.
 */

import {
  actions as actionsQuery,
  assign as assignMutation,
  cancel as cancelMutation,
  interrupt as interruptMutation,
  taskEvents as taskEventsQuery,
  watchMyTasks,
} from "../../../generated/api/rekuest.js";
import { createGraphQLClient, type TransportLogger } from "../transport/index.js";
import type { CallerPlatform } from "./platform.js";

export interface GraphQLPlatformOptions {
  /** GraphQL HTTP endpoint. */
  graphqlUrl: string;
  token: string | (() => string | Promise<string>);
  logger?: TransportLogger;
}

/** The caller's platform over GraphQL: HTTP for mutations and queries, one graphql-ws socket for `mytasks`. */
export function graphqlPlatform(options: GraphQLPlatformOptions): CallerPlatform {
  const openListeners = new Set<() => void>();
  const closeListeners = new Set<() => void>();
  const gql = createGraphQLClient({
    url: options.graphqlUrl,
    token: options.token,
    // The transport reconnects and resubscribes on its own; its connection events let the caller
    // catch up on what it missed meanwhile, and notice a platform that stays away.
    onConnected: () => {
      for (const listener of openListeners) listener();
    },
    onClosed: () => {
      for (const listener of closeListeners) listener();
    },
    reconnect: { attempts: 1_000_000, initialDelayMs: 100, maxDelayMs: 5_000 },
    ...(options.logger ? { logger: options.logger } : {}),
  });

  return {
    async assign(input) {
      const task = await assignMutation(gql, { input });
      return { id: task.id };
    },
    async cancel(task) {
      await cancelMutation(gql, { task });
    },
    async interrupt(task) {
      await interruptMutation(gql, { task });
    },
    async taskEvents(task) {
      const result = await taskEventsQuery(gql, { task });
      return result.events.map((event) => ({
        id: event.id,
        task: result.id,
        kind: event.kind,
        message: event.message,
        progress: event.progress,
        returns: event.returns as Record<string, unknown> | null,
        level: event.level,
      }));
    },
    async findAction({ app, key, version }) {
      const found = await actionsQuery(gql, { filters: { appIdentifier: app } });
      const matching = found.filter((action) => action.key === key && (version === undefined || action.version === version));
      const action = matching.at(-1);
      if (!action) {
        throw new Error(
          `the platform knows no action ${app}/${key}${version ? ` version ${version}` : ""} (is an agent of app ${app} registered?)`,
        );
      }
      return action.id;
    },
    async *watchMyTasks(signal, onSocketOpen, onSocketClosed) {
      openListeners.add(onSocketOpen);
      if (onSocketClosed) closeListeners.add(onSocketClosed);
      try {
        for await (const change of watchMyTasks(gql, {}, { signal })) {
          yield {
            create: change.create ? { id: change.create.id, reference: change.create.reference } : null,
            event: change.event
              ? {
                  id: change.event.id,
                  task: change.event.task,
                  kind: change.event.kind,
                  message: change.event.message,
                  progress: change.event.progress,
                  returns: change.event.returns as Record<string, unknown> | null,
                }
              : null,
          };
        }
      } finally {
        openListeners.delete(onSocketOpen);
        if (onSocketClosed) closeListeners.delete(onSocketClosed);
      }
    },
    close: () => gql.close(),
  };
}
