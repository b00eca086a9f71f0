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
  type TaskEventFilter,
  type TaskEventKind,
} from "../../../generated/api/rekuest.js";
import { createGraphQLClient, type TransportLogger } from "../transport/index.js";
import { PageSizes, readAllPages } from "../transport/pages.js";
import { explainPlatformFailure, type PlatformConfig, type TokenSource } from "../config.js";
import { graphqlMedia, type MediaPlatform } from "../media/platform.js";
import { graphqlMemory, type MemoryPlatform } from "../memory.js";
import type { CallerPlatform } from "./platform.js";
import type { TaskChangeData } from "./router.js";

export interface GraphQLPlatformOptions {
  /** GraphQL HTTP endpoint. */
  graphqlUrl: string;
  token: TokenSource;
  logger?: TransportLogger;
  /**
   * Where the URL and token came from (`resolvePlatformConfig`): with it, a failure of the URL or
   * the token is explained naming them (`CallerPlatform.explain`).
   */
  config?: Pick<PlatformConfig, "url" | "urlFrom" | "tokenFrom" | "devTokenFile" | "explicit">;
  /** The media store's S3 endpoint (else ARKITEKT_S3_URL, the dev-token file, `/.well-known/s3`: `resolveS3Endpoint`). */
  s3Url?: string | undefined;
  /** The dev server's token file consulted for the S3 endpoint (see `S3EndpointInput.devTokenFile`). */
  devTokenFile?: string | false | undefined;
}

/**
 * The caller's platform over GraphQL: HTTP for mutations and queries, one graphql-ws socket for
 * `mytasks`. Lists (a task's events, an app's actions) are read page by page to their end.
 */
export function graphqlPlatform(options: GraphQLPlatformOptions): CallerPlatform {
  const pageSizes = new PageSizes();
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
      pageSizes.reset(); // the platform may come back restarted, with another maximum page
      for (const listener of closeListeners) listener();
    },
    reconnect: { attempts: 1_000_000, initialDelayMs: 100, maxDelayMs: 5_000 },
    ...(options.logger ? { logger: options.logger } : {}),
  });

  const config = options.config;
  let media: MediaPlatform | undefined;
  let memory: MemoryPlatform | undefined;
  return {
    media() {
      media ??= graphqlMedia({
        gql,
        url: config?.url ?? options.graphqlUrl.replace(/\/graphql\/?$/, ""),
        s3Url: options.s3Url,
        devTokenFile: options.devTokenFile,
      });
      return media;
    },
    memory() {
      memory ??= graphqlMemory(gql);
      return memory;
    },
    ...(config ? { explain: (error: unknown) => explainPlatformFailure(error, config) } : {}),
    async assign(input) {
      const task = await assignMutation(gql, { input });
      return { id: task.id, action: { kind: task.action.kind, returns: task.action.returns.map((port) => port.key) } };
    },
    async cancel(task) {
      await cancelMutation(gql, { task });
    },
    async interrupt(task) {
      await interruptMutation(gql, { task });
    },
    async taskEvents(task, select) {
      const filters: TaskEventFilter = {};
      if (select?.ids) filters.ids = [...select.ids];
      if (select?.kinds) filters.kind = [...select.kinds] as TaskEventKind[];
      const events = await readAllPages(
        async (pagination) => (await taskEventsQuery(gql, { task, pagination, ...(select ? { filters } : {}) })).events,
        { field: "Task.events", sizes: pageSizes, keyOf: (event) => event.id, ...(select?.ids ? { atMost: select.ids.length } : {}) },
      );
      return events.map((event) => ({
        id: event.id,
        task,
        kind: event.kind,
        message: event.message,
        progress: event.progress,
        returns: event.returns as Record<string, unknown> | null,
        level: event.level,
      }));
    },
    async findAction({ app, key, version }) {
      const found = await readAllPages((pagination) => actionsQuery(gql, { filters: { appIdentifier: app }, pagination }), {
        field: "Query.actions",
        sizes: pageSizes,
        keyOf: (action) => action.id,
      });
      const matching = found.filter((action) => action.key === key && (version === undefined || action.version === version));
      const action = matching.at(-1);
      if (!action) {
        throw new Error(
          `the platform knows no action ${app}/${key}${version ? ` version ${version}` : ""} (is an agent of app ${app} registered?)`,
        );
      }
      return action.id;
    },
    async *watchMyTasks(signal, onSocketOpen, onSocketClosed, onProblem) {
      openListeners.add(onSocketOpen);
      if (onSocketClosed) closeListeners.add(onSocketClosed);
      const report = onProblem ?? (() => undefined);
      try {
        const stream = watchMyTasks(gql, {}, { signal, onPartialErrors: (error) => report(`a mytasks payload came with errors: ${error.message}`, undefined) });
        for await (const change of stream) {
          const read = readChange(change);
          if (read.problem) report(read.problem.message, read.problem.task);
          if (read.change) yield read.change;
        }
      } finally {
        openListeners.delete(onSocketOpen);
        if (onSocketClosed) closeListeners.delete(onSocketClosed);
      }
    },
    close: () => gql.close(),
  };
}

const isId = (value: unknown): value is string | number =>
  (typeof value === "string" && value !== "") || (typeof value === "number" && Number.isSafeInteger(value));
const optional = (value: unknown, type: "string" | "number") => value === undefined || value === null || typeof value === type;

/**
 * Checks one `mytasks` payload at run time (the generated types are a promise the server may break):
 * a `create` or an `event` whose fields do not fit is left out and described, naming its task when
 * the task id itself is readable.
 */
export function readChange(raw: unknown): { change?: TaskChangeData; problem?: { message: string; task: string | undefined } } {
  if (typeof raw !== "object" || raw === null) return { problem: { message: `a mytasks payload is ${raw === null ? "null" : typeof raw}, not an object`, task: undefined } };
  const { create, event } = raw as { create?: unknown; event?: unknown };
  const change: TaskChangeData = { create: null, event: null };
  const problems: string[] = [];
  let task: string | undefined;
  if (create !== undefined && create !== null) {
    const c = create as { id?: unknown; reference?: unknown };
    if (typeof create === "object" && isId(c.id) && optional(c.reference, "string")) {
      change.create = { id: String(c.id), reference: (c.reference as string | null | undefined) ?? null };
    } else problems.push(`its create ${JSON.stringify(create)?.slice(0, 200)} has no readable id and reference`);
  }
  if (event !== undefined && event !== null) {
    const e = event as Record<string, unknown>;
    if (typeof event === "object" && isId(e.task)) task = String(e.task);
    const returnsOk = e.returns === undefined || e.returns === null || (typeof e.returns === "object" && !Array.isArray(e.returns));
    const progressOk = e.progress === undefined || e.progress === null || (typeof e.progress === "number" && Number.isFinite(e.progress));
    if (task !== undefined && isId(e.id) && typeof e.kind === "string" && optional(e.message, "string") && progressOk && returnsOk) {
      change.event = {
        id: String(e.id),
        task,
        kind: e.kind,
        message: (e.message as string | null | undefined) ?? null,
        progress: (e.progress as number | null | undefined) ?? null,
        returns: (e.returns as Record<string, unknown> | null | undefined) ?? null,
      };
    } else problems.push(`its event ${JSON.stringify(event)?.slice(0, 200)} does not fit TaskEventChange (id, task, kind, message, progress, returns)`);
  }
  const problem = problems.length > 0 ? { message: `skipped part of a mytasks payload: ${problems.join("; ")}`, task } : undefined;
  return { ...(change.create || change.event ? { change } : {}), ...(problem ? { problem } : {}) };
}
