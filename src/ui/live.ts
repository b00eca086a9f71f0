/**
 * The page's live view of tasks: one `tasks` subscription (every task of the organisation,
 * children of workflows included, with their events) feeds a map of tasks; pages read it and
 * re-render on change. Nothing polls: a page that opens a task reads it once (`task` with its
 * events) and the subscription brings the rest. LOG levels are not in the subscription's payload:
 * each new LOG event's level is read once, by id.
 */
import type { GraphQLClient } from "../runtime/transport/index.js";
import { task as readTask, taskEvents, watchTasks, type Task, type TaskChange, type TaskEventChange, type TaskEventKind } from "../../generated/api/rekuest.js";

export interface LiveEvent {
  id: string;
  kind: TaskEventKind;
  message: string | null;
  progress: number | null;
  returns: unknown;
  level: string | null;
  createdAt: string;
}

export interface LiveTask {
  id: string;
  action: string;
  actionName?: string;
  parent: string | null;
  root: string | null;
  status: TaskEventKind;
  isDone: boolean;
  createdAt: string;
  args?: unknown;
  events: LiveEvent[];
}

/** How many tasks the page keeps (the oldest finished ones go first); a page open for days stays small. */
export const MAX_LIVE_TASKS = 2_000;

export const DONE_KINDS: ReadonlySet<string> = new Set(["COMPLETED", "FAILED", "CANCELLED", "CRITICAL", "INTERRUPTED"]);

export class LiveTasks {
  readonly tasks = new Map<string, LiveTask>();
  /** Action names by id (subscription payloads carry only the id), filled from the action lists the pages read. */
  readonly actionNames = new Map<string, string>();
  #listeners = new Set<() => void>();
  #stop = new AbortController();
  #pendingLevels = new Map<string, Set<string>>();
  #levelTimer: ReturnType<typeof setTimeout> | undefined;
  #notifyQueued = false;
  /** Set when the subscription failed for good (e.g. the token was refused). */
  failure: unknown = null;

  constructor(private readonly client: GraphQLClient) {}

  start(): void {
    void (async () => {
      try {
        for await (const change of watchTasks(this.client, {}, { signal: this.#stop.signal })) {
          if (change.create) this.#upsertChange(change.create);
          if (change.event) this.#addEvent(change.event);
        }
      } catch (error) {
        this.failure = error;
        this.#notify();
      }
    })();
  }

  stop(): void {
    this.#stop.abort();
    clearTimeout(this.#levelTimer);
  }

  subscribe(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Reads one task with its events (when a page opens it) and merges it. */
  async load(id: string): Promise<LiveTask | undefined> {
    const full = await readTask(this.client, { id });
    if (!full) return undefined;
    const live = this.upsertTask(full);
    for (const e of full.events) this.#mergeEvent(live, { ...e, returns: e.returns, level: e.level ?? null });
    this.#notify();
    return live;
  }

  /** Merges a task read over HTTP (assign, history). */
  upsertTask(task: Task): LiveTask {
    const live = this.#ensure(task.id, task.action.id);
    live.actionName = task.action.name;
    live.parent = task.parent?.id ?? null;
    live.root = task.root?.id ?? null;
    live.args = task.args;
    live.createdAt = task.createdAt;
    if (!live.isDone) {
      live.status = task.latestEventKind;
      live.isDone = task.isDone || DONE_KINDS.has(task.latestEventKind);
    }
    this.#notify();
    return live;
  }

  nameActions(actions: ReadonlyArray<{ id: string; name: string }>): void {
    for (const a of actions) this.actionNames.set(a.id, a.name);
    this.#notify();
  }

  /** What to call a task's action: its name when known. */
  actionName(task: LiveTask): string {
    return task.actionName ?? this.actionNames.get(task.action) ?? `action ${task.action}`;
  }

  children(id: string): LiveTask[] {
    return [...this.tasks.values()].filter((t) => t.parent === id).sort((a, b) => a.createdAt.localeCompare(b.createdAt) || Number(a.id) - Number(b.id));
  }

  #ensure(id: string, action: string): LiveTask {
    let live = this.tasks.get(id);
    if (!live) {
      live = { id, action, parent: null, root: null, status: "QUEUED", isDone: false, createdAt: new Date().toISOString(), events: [] };
      this.tasks.set(id, live);
      if (this.tasks.size > MAX_LIVE_TASKS) this.#evict();
    }
    return live;
  }

  /** Drops the oldest finished tasks (insertion order) down to 90% of the limit. */
  #evict(): void {
    let excess = this.tasks.size - Math.floor(MAX_LIVE_TASKS * 0.9);
    for (const [id, task] of this.tasks) {
      if (excess <= 0) break;
      if (!task.isDone) continue;
      this.tasks.delete(id);
      excess--;
    }
  }

  /** After the subscription socket came back (a restarted server): read every unfinished task again. */
  resync(): void {
    for (const task of [...this.tasks.values()]) if (!task.isDone) void this.load(task.id).catch(() => undefined);
  }

  #upsertChange(change: TaskChange): void {
    const live = this.#ensure(change.id, change.action);
    live.parent = change.parent ?? null;
    live.root = change.root ?? null;
    live.createdAt = change.createdAt;
    if (!live.isDone) {
      live.status = change.latestEventKind;
      live.isDone = change.isDone || DONE_KINDS.has(change.latestEventKind);
    }
    this.#notify();
  }

  #addEvent(event: TaskEventChange): void {
    const live = this.tasks.get(event.task);
    if (!live) {
      // a task created before this page subscribed: read it once, with its events
      void this.load(event.task).catch(() => undefined);
      return;
    }
    this.#mergeEvent(live, { ...event, level: null });
    if (event.kind === "LOG") this.#readLevel(event.task, event.id);
    this.#notify();
  }

  #mergeEvent(live: LiveTask, event: LiveEvent): void {
    const existing = live.events.find((e) => e.id === event.id);
    if (existing) {
      if (event.level) existing.level = event.level;
      return;
    }
    live.events.push(event);
    live.events.sort((a, b) => Number(a.id) - Number(b.id));
    if (event.kind !== "LOG" && event.kind !== "PROGRESS" && event.kind !== "YIELD") live.status = event.kind;
    if (DONE_KINDS.has(event.kind)) live.isDone = true;
  }

  #readLevel(task: string, event: string): void {
    let ids = this.#pendingLevels.get(task);
    if (!ids) this.#pendingLevels.set(task, (ids = new Set()));
    ids.add(event);
    this.#levelTimer ??= setTimeout(() => {
      this.#levelTimer = undefined;
      const pending = [...this.#pendingLevels];
      this.#pendingLevels.clear();
      for (const [taskId, eventIds] of pending) {
        void taskEvents(this.client, { task: taskId, filters: { ids: [...eventIds] } })
          .then((read) => {
            const live = this.tasks.get(taskId);
            if (!read || !live) return;
            for (const e of read.events) this.#mergeEvent(live, { ...e, level: e.level ?? null });
            this.#notify();
          })
          .catch(() => undefined);
      }
    }, 50);
  }

  #notify(): void {
    if (this.#notifyQueued) return;
    this.#notifyQueued = true;
    queueMicrotask(() => {
      this.#notifyQueued = false;
      for (const listener of [...this.#listeners]) listener();
    });
  }
}

/** The progress of a task in percent (its last PROGRESS or event with progress), or null. */
export function progressOf(task: LiveTask): number | null {
  if (task.status === "COMPLETED") return 100;
  for (let i = task.events.length - 1; i >= 0; i--) {
    const p = task.events[i]!.progress;
    if (typeof p === "number") return Math.max(0, Math.min(100, p));
  }
  return null;
}
