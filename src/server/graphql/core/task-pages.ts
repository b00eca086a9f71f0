/**
 * The nested lists of a page of tasks read once for the whole page (issue 18): `Task.events` and
 * `Task.instructs` of a list of 100 tasks asked the store 100 times each, ~20 µs a read at 1,000,000
 * stored tasks (the web UI's MyTasks, the Python client's `requests`). A page remembers its rows
 * (`rememberTaskPage`, called by `listTasks`); the first task of the page whose field runs reads the
 * field for every task of the page, and the others take theirs from that read.
 *
 * The answer is the one the per-task reads give:
 * - each task's events are bounded as the field bounds them (its page: `LIMIT` and `OFFSET` per task,
 *   store.eventsOfTasks), so one task with many events reads no more than before;
 * - only tasks of the viewer's organisation are read (the resolvers check each task again);
 * - only queries share a read: a mutation may write between two of its fields, so it reads per task;
 * - a read that would return more items than the operation's cost budget still allows is not made
 *   (the answer will be refused): the tasks then read their own, and the budget stops them as before.
 * Filtered events (`filters: {ids, kind}`) are read per task.
 *
 * Rows are read per request (store.query builds new objects each time), so a page never outlives
 * the request that listed it.
 */
import type { GraphQLResolveInfo } from "graphql";
import type { TaskEventRow, TaskRow } from "../../store/store.js";
import type { RowPage } from "../../store/task-list.js";
import type { ResolverContext } from "../context.js";

interface TaskPage {
  readonly rows: readonly TaskRow[];
  /** The events of each task, per order and page of `Task.events` (`null`: over the budget, read per task). */
  readonly events: Map<string, Map<number, TaskEventRow[]> | null>;
  /** The control events of each task (`Task.instructs`). */
  controls?: Map<number, TaskEventRow[]> | null;
}

const pageOfTask = new WeakMap<TaskRow, TaskPage>();

/** Remembers the rows of a page of tasks, so their nested lists are read for the whole page at once. */
export function rememberTaskPage(rows: readonly TaskRow[]): void {
  if (rows.length < 2) return;
  const page: TaskPage = { rows, events: new Map() };
  for (const row of rows) pageOfTask.set(row, page);
}

/** The page `task` was listed in, when its nested lists may be read for the whole page. */
function pageOf(task: TaskRow, info: GraphQLResolveInfo): TaskPage | undefined {
  return info.operation.operation === "query" ? pageOfTask.get(task) : undefined;
}

const idsIn = (page: TaskPage, ctx: ResolverContext): number[] => {
  const org = ctx.me.org;
  return page.rows.filter((row) => row.org === org).map((row) => row.id);
};
const itemsLeft = (ctx: ResolverContext, info: GraphQLResolveInfo): number => (ctx.cost ? ctx.cost.itemsLeft(info) : Number.POSITIVE_INFINITY);

/** `task`'s events (no filters) from its page's read, or undefined when the task reads its own. */
export function eventsFromPage(ctx: ResolverContext, task: TaskRow, newestFirst: boolean, page: RowPage, info: GraphQLResolveInfo): TaskEventRow[] | undefined {
  const listed = pageOf(task, info);
  if (!listed) return undefined;
  const key = `${newestFirst ? "desc" : "asc"} ${page.limit} ${page.offset}`;
  let read = listed.events.get(key);
  if (read === undefined) {
    read = ctx.platform.store.eventsOfTasks(idsIn(listed, ctx), newestFirst, page.limit, page.offset, itemsLeft(ctx, info)) ?? null;
    listed.events.set(key, read);
  }
  return read ? (read.get(task.id) ?? []) : undefined;
}

/** `task`'s control events from its page's read, or undefined when the task reads its own. */
export function controlEventsFromPage(ctx: ResolverContext, task: TaskRow, info: GraphQLResolveInfo): TaskEventRow[] | undefined {
  const listed = pageOf(task, info);
  if (!listed) return undefined;
  if (listed.controls === undefined) listed.controls = ctx.platform.store.controlEventsOfTasks(idsIn(listed, ctx), itemsLeft(ctx, info)) ?? null;
  return listed.controls ? (listed.controls.get(task.id) ?? []) : undefined;
}

/** Marks a task that was not listed in a page of a query: it reads its own row. */
export const NOT_LISTED = Symbol("not listed");

/** A row about each task (at most one per task, e.g. its dependencies) read once per page (`pageSlot`). */
export interface PageSlot<V> {
  /**
   * `task`'s row: `read` gets the ids of the page's tasks (the viewer's organisation's) and returns the
   * rows found by task id. Undefined when the task has none; NOT_LISTED when the task reads its own.
   */
  rowOf(ctx: ResolverContext, task: TaskRow, info: GraphQLResolveInfo, read: (taskIds: number[]) => Map<number, V>): V | undefined | typeof NOT_LISTED;
}

/** A slot for one kind of row about the tasks of a page (each page reads it at most once). */
export function pageSlot<V>(): PageSlot<V> {
  const byPage = new WeakMap<TaskPage, Map<number, V>>();
  return {
    rowOf(ctx, task, info, read) {
      const listed = pageOf(task, info);
      if (!listed) return NOT_LISTED;
      let rows = byPage.get(listed);
      if (!rows) byPage.set(listed, (rows = read(idsIn(listed, ctx))));
      return rows.get(task.id);
    },
  };
}
