/**
 * Routes the events of the caller's one shared `mytasks` subscription to the calls waiting for
 * them, as the reference caller does: by task id once known, by reference before that (the
 * subscription's `create` carries both), and buffering events of tasks not yet bound (the
 * subscription can be faster than the `assign` mutation's answer). Events are deduplicated by id,
 * so a catch-up query after a reconnect, or the server's replay of recent events to a new
 * `mytasks` subscription (docs/spec/wire-protocol.md, "mytasks catch-up"), can overlap the live stream
 * safely; events of tasks whose call already ended are dropped, not buffered. While a catch-up
 * reads what the stream missed, the watch's live events are held, then delivered with the fetched
 * ones in event-id order, so a later live event never overtakes the missed ones.
 */

/** One task event as the subscription (`TaskEventChange`) or a catch-up query (`TaskEvent`) gives it. */
export interface TaskEventData {
  /** The TaskEvent id (an integer as a string; increasing). */
  id: string;
  task: string;
  kind: string;
  message?: string | null;
  progress?: number | null;
  returns?: Record<string, unknown> | null;
  level?: string | null;
}

/** The subscription's payload: a task was created, or one of its events happened. */
export interface TaskChangeData {
  create?: { id: string; reference?: string | null } | null;
  event?: TaskEventData | null;
}

export interface TaskWatch {
  readonly reference: string;
  /** Known after `bind` (or after the subscription's `create` named the reference). */
  taskId: string | undefined;
  /** Highest event id delivered, as a number (0 = none yet). */
  lastEventId: number;
}

interface WatchState extends TaskWatch {
  deliver(event: TaskEventData): void;
  seen: Set<string>;
  /** Set by `unwatch`: a late `bind` (the assign answered after the call ended) routes nothing to it. */
  closed: boolean;
  /** Catch-ups in flight (`hold` minus `release`): while above 0, events wait in `held`. */
  holding: number;
  held: TaskEventData[];
}

export interface RouterOptions {
  /** Buffer events of at most this many unknown tasks (oldest evicted). Default 1000. */
  maxBufferedTasks?: number;
  /** Drop buffered events older than this. Default 120000 ms. */
  bufferTtlMs?: number;
  /**
   * Remember this many task ids whose watch ended, and drop their events (a replayed or late event
   * of a finished call must neither reach anyone nor crowd out a pending task's buffer). Default 10000.
   */
  maxEndedTasks?: number;
}

export class TaskEventRouter {
  readonly #byTask = new Map<string, WatchState>();
  readonly #byReference = new Map<string, WatchState>();
  readonly #buffer = new Map<string, { at: number; events: TaskEventData[] }>();
  /** Task ids of ended watches, oldest first (a Set keeps insertion order). */
  readonly #ended = new Set<string>();
  readonly #maxBufferedTasks: number;
  readonly #bufferTtlMs: number;
  readonly #maxEndedTasks: number;

  constructor(options: RouterOptions = {}) {
    this.#maxBufferedTasks = options.maxBufferedTasks ?? 1000;
    this.#bufferTtlMs = options.bufferTtlMs ?? 120_000;
    this.#maxEndedTasks = options.maxEndedTasks ?? 10_000;
  }

  /** Registers interest in the task that will be created with `reference` (call before assigning). */
  watch(reference: string, deliver: (event: TaskEventData) => void): TaskWatch {
    const state: WatchState = { reference, taskId: undefined, lastEventId: 0, deliver, seen: new Set(), closed: false, holding: 0, held: [] };
    this.#byReference.set(reference, state);
    return state;
  }

  /** The assign answered with the task id: route its events, buffered ones first. */
  bind(watch: TaskWatch, taskId: string): void {
    const state = watch as WatchState;
    if (state.closed) {
      this.#end(taskId);
      return;
    }
    if (state.taskId === taskId) return;
    state.taskId = taskId;
    this.#byTask.set(taskId, state);
    const buffered = this.#buffer.get(taskId);
    if (buffered) {
      this.#buffer.delete(taskId);
      for (const event of buffered.events) this.#deliver(state, event);
    }
  }

  /** Stops routing to this watch. */
  unwatch(watch: TaskWatch): void {
    const state = watch as WatchState;
    state.closed = true;
    if (this.#byReference.get(watch.reference) === watch) this.#byReference.delete(watch.reference);
    if (watch.taskId !== undefined) {
      if (this.#byTask.get(watch.taskId) === watch) this.#byTask.delete(watch.taskId);
      this.#end(watch.taskId);
    }
  }

  /** Whether the call of this task ended here (its further events are dropped). */
  hasEnded(taskId: string): boolean {
    return this.#ended.has(taskId);
  }

  #end(taskId: string): void {
    this.#buffer.delete(taskId);
    this.#ended.delete(taskId);
    this.#ended.add(taskId);
    if (this.#ended.size > this.#maxEndedTasks) {
      const oldest = this.#ended.values().next().value;
      if (oldest !== undefined) this.#ended.delete(oldest);
    }
  }

  /** Every watch with a known task id (for a catch-up after a reconnect). */
  boundWatches(): TaskWatch[] {
    return [...this.#byTask.values()];
  }

  /** Feeds one subscription payload (or a catch-up event). */
  dispatch(change: TaskChangeData): void {
    if (change.create) {
      const reference = change.create.reference;
      const state = reference ? this.#byReference.get(reference) : undefined;
      if (state && state.taskId === undefined) this.bind(state, change.create.id);
    }
    const event = change.event;
    if (!event) return;
    const state = this.#byTask.get(event.task);
    if (state) {
      this.#deliver(state, event);
      return;
    }
    if (this.#ended.has(event.task)) return;
    this.#hold(event);
  }

  /** Delivers events fetched by a catch-up query for a bound watch (duplicates are skipped). */
  replay(watch: TaskWatch, events: readonly TaskEventData[]): void {
    const state = watch as WatchState;
    if (state.closed) return;
    for (const event of events) this.#deliver(state, event);
  }

  /**
   * A catch-up of this watch starts: hold its events until the matching `release`, so the events it
   * fetches are delivered before (and in order with) the live ones that arrive meanwhile.
   */
  hold(watch: TaskWatch): void {
    (watch as WatchState).holding++;
  }

  /**
   * A catch-up ended with `events` (none when it failed): once no catch-up of the watch is in
   * flight, every held and fetched event not delivered yet goes out in event-id order.
   */
  release(watch: TaskWatch, events: readonly TaskEventData[] = []): void {
    const state = watch as WatchState;
    state.holding = Math.max(0, state.holding - 1);
    if (state.closed) {
      state.held = [];
      return;
    }
    state.held.push(...events);
    if (state.holding > 0) return;
    const pending = state.held.sort(byEventId);
    state.held = [];
    for (const event of pending) this.#deliver(state, event);
  }

  get bufferedTasks(): number {
    return this.#buffer.size;
  }

  #deliver(state: WatchState, event: TaskEventData): void {
    if (state.closed || state.seen.has(event.id)) return;
    if (state.holding > 0) {
      state.held.push(event);
      return;
    }
    state.seen.add(event.id);
    const numeric = Number(event.id);
    if (Number.isFinite(numeric) && numeric > state.lastEventId) state.lastEventId = numeric;
    state.deliver(event);
  }

  #hold(event: TaskEventData): void {
    const now = Date.now();
    for (const [task, entry] of this.#buffer) {
      if (now - entry.at <= this.#bufferTtlMs) break;
      this.#buffer.delete(task);
    }
    let entry = this.#buffer.get(event.task);
    if (!entry) {
      if (this.#buffer.size >= this.#maxBufferedTasks) {
        const oldest = this.#buffer.keys().next().value;
        if (oldest !== undefined) this.#buffer.delete(oldest);
      }
      entry = { at: now, events: [] };
      this.#buffer.set(event.task, entry);
    }
    if (!entry.events.some((e) => e.id === event.id)) entry.events.push(event);
  }
}

/** Event ids are increasing integers (as strings); ids that are not keep their order. */
function byEventId(a: TaskEventData, b: TaskEventData): number {
  const x = Number(a.id);
  const y = Number(b.id);
  return Number.isFinite(x) && Number.isFinite(y) ? x - y : 0;
}
