/**
 * What the core resolvers share: time and JSON of stored columns, organisation scoping of nested
 * fields and the mapping of list arguments to the store's filters.
 *
 * Organisation scoping of nested fields: a parent row always belongs to the viewer's organisation
 * when it was reached through a root field, but every nested field checks again with the viewer's
 * organisation (never the parent's), so one wrong row can never open a path into another one.
 */
import type { Ordering, TaskFilter, TaskOrder } from "../../../../generated/server/resolvers.js";
import { PlatformError } from "../../platform.js";
import type { ImplementationRow, TaskRow } from "../../store/store.js";
import type { RowPage, TaskListFilter, TaskListOrder } from "../../store/task-list.js";
import type { ResolverContext } from "../context.js";
import { parseId } from "../ids.js";
import { rememberTaskPage } from "./task-pages.js";

/** The last timestamps formatted, by their low bits: a task's rows and events share a handful of milliseconds. */
const ISO_MS = new Float64Array(256).fill(Number.NaN);
const ISO_TEXT: string[] = new Array<string>(256).fill("");
const DAY_MS = 86_400_000;
/** 10000-01-01T00:00:00.000Z: from there on toISOString writes a six-digit year with a sign. */
const YEAR_10000_MS = 253_402_300_800_000;
/** The last day formatted (`YYYY-MM-DDT`): the rows of one page mostly share a day. */
let isoDay = Number.NaN;
let isoDayText = "";
const pad2 = (n: number): string => (n < 10 ? `0${n}` : `${n}`);
const pad3 = (n: number): string => (n < 10 ? `00${n}` : n < 100 ? `0${n}` : `${n}`);

/**
 * `new Date(ms).toISOString()`: for a whole millisecond in the years 1970-9999 (every stored
 * timestamp) the day's text is kept and the time of day computed, a tenth of the Date's cost (a page of
 * 100 tasks with their events formats ~500 timestamps; issue 18); anything else goes to the Date.
 */
export function isoText(ms: number): string {
  if (!(Number.isInteger(ms) && ms >= 0 && ms < YEAR_10000_MS)) return new Date(ms).toISOString();
  const day = Math.floor(ms / DAY_MS);
  if (day !== isoDay) {
    isoDayText = new Date(day * DAY_MS).toISOString().slice(0, 11);
    isoDay = day;
  }
  let rest = ms - day * DAY_MS;
  const hours = Math.floor(rest / 3_600_000);
  rest -= hours * 3_600_000;
  const minutes = Math.floor(rest / 60_000);
  rest -= minutes * 60_000;
  const seconds = Math.floor(rest / 1000);
  return `${isoDayText}${pad2(hours)}:${pad2(minutes)}:${pad2(seconds)}.${pad3(rest - seconds * 1000)}Z`;
}

/** A stored timestamp the schema requires. */
export const isoRequired = (ms: number): string => {
  const slot = ms & 255;
  if (ISO_MS[slot] === ms) return ISO_TEXT[slot]!;
  const text = isoText(ms);
  ISO_MS[slot] = ms;
  ISO_TEXT[slot] = text;
  return text;
};
export const iso = (ms: number | null | undefined): string | null => (ms === null || ms === undefined ? null : isoRequired(ms));
export const json = (text: string | null): unknown => (text === null ? null : JSON.parse(text));
export const isDesc = (value: Ordering | null | undefined): boolean => typeof value === "string" && value.startsWith("DESC");

export const viewerOrg = (ctx: ResolverContext): string => ctx.me.org;
export function inViewerOrg<T extends { org: string }>(ctx: ResolverContext, row: T | undefined | null): T | null {
  return row && row.org === viewerOrg(ctx) ? row : null;
}
export function implementationInViewerOrg(ctx: ResolverContext, impl: ImplementationRow | undefined | null): ImplementationRow | null {
  if (!impl) return null;
  return inViewerOrg(ctx, ctx.platform.store.agent(impl.agent_id)) ? impl : null;
}
export function required<T>(row: T | null, what: string, ctx: ResolverContext): T {
  if (row === null) throw new PlatformError(`${what} not found in organisation "${viewerOrg(ctx)}"`, "NOT_FOUND");
  return row;
}

/** The page of a paged list field: schema.ts fills `pagination` in for every paged list (pages.ts). */
export function pageArg(args: object): RowPage {
  const pagination: unknown = Reflect.get(args, "pagination");
  if (pagination === null || typeof pagination !== "object") return { limit: -1, offset: 0 };
  const limit: unknown = Reflect.get(pagination, "limit");
  const offset: unknown = Reflect.get(pagination, "offset");
  return { limit: typeof limit === "number" ? limit : -1, offset: typeof offset === "number" ? offset : 0 };
}

export function paginate<T>(items: T[], page: RowPage): T[] {
  return page.limit < 0 ? items.slice(page.offset) : items.slice(page.offset, page.offset + page.limit);
}

/** Marks a filter that can match nothing (an id argument that is no id). */
const NOTHING = Symbol("nothing");
function idOf(value: string | null | undefined): number | undefined | typeof NOTHING {
  if (value === null || value === undefined) return undefined;
  return parseId(value) ?? NOTHING;
}
const time = (value: string | null | undefined): number | undefined => (typeof value === "string" ? Date.parse(value) : undefined);

/** The store filter of a `TaskFilter` argument, or null when it can match no task. */
export function taskListFilter(org: string, f: TaskFilter | null | undefined, extra: Partial<TaskListFilter> = {}): TaskListFilter | null {
  const filter = f ? fromArgs(org, f) : { org };
  if (filter === null) return null;
  // the parent's condition (Agent.tasks, Task.children, ...) holds too: a filter naming another value matches nothing
  for (const [key, value] of Object.entries(extra)) {
    const had: unknown = Reflect.get(filter, key);
    if (had !== undefined && had !== value) return null;
    Reflect.set(filter, key, value);
  }
  filter.org = org;
  return filter;
}

function fromArgs(org: string, f: TaskFilter): TaskListFilter | null {
  const filter: TaskListFilter = { org };
  const ids: Array<[keyof TaskListFilter & `${string}Id`, string | null | undefined]> = [
    ["agentId", f.agent],
    ["actionId", f.action],
    ["implementationId", f.implementation],
    ["callerId", f.caller],
    ["parentId", f.parent],
    ["rootId", f.root],
  ];
  for (const [key, value] of ids) {
    const id = idOf(value);
    // a value that is no id matches nothing (SQLite would compare " 1" to 1 as equal)
    if (id === NOTHING) return null;
    if (id !== undefined) filter[key] = id;
  }
  if (f.ids) filter.ids = f.ids.map(parseId).filter((id): id is number => id !== null);
  if (typeof f.argsHash === "string") filter.argsHash = f.argsHash;
  if (typeof f.reference === "string") filter.reference = f.reference;
  if (typeof f.isDone === "boolean") filter.isDone = f.isDone;
  if (typeof f.rootIsnull === "boolean") filter.rootIsNull = f.rootIsnull;
  if (f.state && f.state.length > 0) filter.states = f.state;
  const before = time(f.createdBefore);
  const after = time(f.createdAfter);
  if (before !== undefined) filter.createdBefore = before;
  if (after !== undefined) filter.createdAfter = after;
  return filter;
}

export function taskListOrder(ordering: readonly TaskOrder[] | null | undefined): TaskListOrder {
  const order: Array<{ by: "created" | "finished"; desc: boolean }> = [];
  for (const o of ordering ?? []) {
    if (o.createdAt) order.push({ by: "created", desc: isDesc(o.createdAt) });
    const finished = o.finishedAt ?? o.startedAt;
    if (finished) order.push({ by: "finished", desc: isDesc(finished) });
  }
  return order;
}

/** Tasks of the viewer's organisation that match the arguments (and `extra`), one page (its nested lists are read for the whole page: task-pages.ts). */
export function listTasks(
  ctx: ResolverContext,
  args: { filters?: TaskFilter | null; ordering?: readonly TaskOrder[] | null },
  page: RowPage,
  extra: Partial<TaskListFilter> = {},
): TaskRow[] {
  const filter = taskListFilter(viewerOrg(ctx), args.filters, extra);
  if (filter === null) return [];
  const rows = ctx.platform.store.tasksMatching(filter, taskListOrder(args.ordering), page);
  rememberTaskPage(rows);
  return rows;
}
