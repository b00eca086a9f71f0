/**
 * The `mytasks` catch-up (issue 10 #8, docs/spec/wire-protocol.md "Our decisions"): the released Python caller
 * subscribes only after `assign` has answered, so a fast task may be over before it listens. A new
 * subscription therefore first replays, from the store, the subscriber's tasks created and events
 * written in the last `replayWindowMs`, then continues live.
 *
 * The seam: the live listener is in place before the store is read (after the pending group commit,
 * so nothing rolled back is replayed); a live payload the replay already carried is skipped. Nothing
 * published after the listener was added is lost, and nothing is sent twice.
 */
import { copyTask, type IdentityKey, type Store, type TaskEventRow, type TaskRow } from "../store/store.js";

export interface ReplayLimits {
  replayWindowMs: number;
  maxReplayEvents: number;
}

export interface ReplayRows {
  /** The subscriber's tasks created in the window, and the tasks of replayed events; oldest first. */
  tasks: TaskRow[];
  /** The subscriber's events written in the window (the newest `maxReplayEvents`); oldest first. */
  events: TaskEventRow[];
}

/** Reads what a new `mytasks` subscription of `identity` replays. */
export function readMyTasksReplay(store: Store, identity: IdentityKey, limits: ReplayLimits, now = Date.now()): ReplayRows {
  if (limits.replayWindowMs <= 0) return { tasks: [], events: [] };
  const caller = store.findCaller(identity);
  if (!caller) return { tasks: [], events: [] };
  const since = now - limits.replayWindowMs;
  const events: TaskEventRow[] = [];
  for (const row of store.recentEvents(since)) {
    if (row.caller_id !== caller.id) continue;
    const { caller_id: _caller, ...event } = row;
    events.push(event);
    if (events.length >= limits.maxReplayEvents) break;
  }
  events.reverse();
  const tasks = new Map<number, TaskRow>();
  for (const task of store.recentTasks(since)) {
    if (task.caller_id !== caller.id) continue;
    tasks.set(task.id, task);
    if (tasks.size >= limits.maxReplayEvents) break;
  }
  // a task created before the window whose events are in it: its create lets a client bind them
  for (const event of events) {
    if (tasks.has(event.task_id)) continue;
    const task = store.task(event.task_id);
    if (task) tasks.set(task.id, task);
  }
  return { tasks: [...tasks.values()].sort((a, b) => a.id - b.id), events };
}

/** A task row as it was when created, which is what a live subscriber's `create` carried. */
export function asCreated(task: TaskRow): TaskRow {
  const created = copyTask(task);
  created.is_done = 0;
  created.latest_event_kind = "STARTED";
  created.latest_instruct_kind = "ASSIGN";
  created.status_message = null;
  created.updated_at = task.created_at;
  created.finished_at = null;
  return created;
}

/**
 * Yields `replay` (once it resolves), then the live iterator's values except those `replayed` says
 * the replay already carried. `return()` ends the live iterator at once, even while a `next()` waits.
 */
export function replayThenLive<T>(replay: Promise<{ items: T[]; replayed: (value: T) => boolean }>, live: AsyncIterableIterator<T>): AsyncIterableIterator<T> {
  let queue: T[] | undefined;
  let replayed: (value: T) => boolean = () => false;
  let closed = false;
  const iterator: AsyncIterableIterator<T> = {
    async next(): Promise<IteratorResult<T>> {
      if (queue === undefined) {
        const read = await replay;
        if (closed) return { value: undefined, done: true };
        queue = read.items;
        replayed = read.replayed;
      }
      if (queue.length > 0) return { value: queue.shift()!, done: false };
      for (;;) {
        const result = await live.next();
        if (result.done || !replayed(result.value)) return result;
      }
    },
    return() {
      closed = true;
      queue = [];
      return live.return ? live.return() : Promise.resolve({ value: undefined, done: true });
    },
    throw(error?: unknown) {
      closed = true;
      queue = [];
      return live.throw ? live.throw(error) : Promise.reject(error);
    },
    [Symbol.asyncIterator]() {
      return iterator;
    },
  };
  return iterator;
}
