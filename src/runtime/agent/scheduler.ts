/**
 * Which of the agent's assigned tasks may run now (issue 16). Three limits hold at once:
 *
 * - the agent-wide `concurrency` (connect option, default 16): tasks running at most;
 * - a function's own `concurrency` (`register(fn, { concurrency })`): its tasks running at most;
 * - locks (`register(fn, { locks: ["camera"] })`): tasks that share a lock run one at a time,
 *   across functions. A task takes all its locks when it starts and releases them when it ends.
 *
 * Waiting tasks start in arrival order, except that a task that cannot start does not hold up a
 * later one that can (another function, other locks). So that a task waiting for several locks
 * is not overtaken for ever, the locks of an earlier waiting task are reserved for it: a later
 * task that wants one of them waits too.
 *
 * The scheduler knows nothing of sockets: the agent passes `onLock` / `onUnlock` to send the
 * LOCK / UNLOCK frames, and `isWaiting` tells it a waiting task was ended meanwhile (a CANCEL of a
 * queued task), which it then drops.
 */

/** What limits one task. */
export interface TaskLimits {
  /** The function the task runs (its interface): the unit of `concurrency`. */
  readonly group: string;
  /** The function's own limit; undefined = only the agent-wide one. */
  readonly concurrency?: number | undefined;
  /** The locks the task holds while it runs. */
  readonly locks?: readonly string[] | undefined;
  /**
   * The task's parent and root (ASSIGN `parent`, `root`). A task that one of them holds a lock for,
   * or whose function one of them runs, goes ahead: its ancestor waits for it (a dependency or a
   * workflow call back into this agent), so waiting would deadlock both.
   */
  readonly ancestors?: readonly string[] | undefined;
}

/** Why a task waits, for the PROGRESS message the agent sends when it queues one. */
export type WaitReason =
  | { kind: "agent"; running: number; limit: number }
  | { kind: "function"; group: string; running: number; limit: number }
  | { kind: "lock"; key: string; heldBy: string | undefined };

export interface SchedulerOptions<T> {
  /** Agent-wide limit. */
  concurrency: number;
  /** Starts the task; the scheduler is told of its end through `release(item)`. */
  start(item: T): void;
  /** False once a waiting task was ended without running (cancelled while queued): it is dropped. */
  isWaiting(item: T): boolean;
  /** A task took a lock (just before `start`). */
  onLock?(key: string, item: T): void;
  /** A task released a lock. */
  onUnlock?(key: string, item: T): void;
}

interface Slot<T> {
  readonly item: T;
  readonly id: string;
  readonly limits: TaskLimits;
}

export class Scheduler<T> {
  readonly #options: SchedulerOptions<T>;
  readonly #waiting: Array<Slot<T>> = [];
  readonly #running = new Map<T, Slot<T>>();
  readonly #perGroup = new Map<string, number>();
  /** Lock key -> the id of the task holding it. */
  readonly #held = new Map<string, string>();

  constructor(options: SchedulerOptions<T>) {
    if (!Number.isInteger(options.concurrency) || options.concurrency < 1) {
      throw new RangeError(`concurrency must be a positive integer, got ${String(options.concurrency)}`);
    }
    this.#options = options;
  }

  /** Tasks running now. */
  get running(): number {
    return this.#running.size;
  }

  /** Tasks waiting to start (ended ones are not counted). */
  get waiting(): number {
    return this.#waiting.filter((slot) => this.#options.isWaiting(slot.item)).length;
  }

  /** The locks held now, with the id of the task holding each. */
  get held(): ReadonlyMap<string, string> {
    return this.#held;
  }

  /** Starts the task now, or queues it and says why it waits. */
  submit(item: T, id: string, limits: TaskLimits): WaitReason | undefined {
    const slot: Slot<T> = { item, id, limits };
    // Earlier waiting tasks come first: a new one starts at once only if none of them could start instead.
    const reserved = this.#reservedLocks();
    const reason = this.#blocker(slot, reserved);
    if (reason === undefined) {
      this.#begin(slot);
      return undefined;
    }
    this.#waiting.push(slot);
    return reason;
  }

  /** The task ended (or was abandoned): its slot and locks free up and waiting tasks start. */
  release(item: T): void {
    const slot = this.#running.get(item);
    if (!slot) {
      const index = this.#waiting.findIndex((s) => s.item === item);
      if (index < 0) return;
      // a waiting task that leaves (cancelled) frees the locks it reserved: later ones may start now
      this.#waiting.splice(index, 1);
      this.pump();
      return;
    }
    this.#running.delete(item);
    const group = slot.limits.group;
    const left = (this.#perGroup.get(group) ?? 1) - 1;
    if (left > 0) this.#perGroup.set(group, left);
    else this.#perGroup.delete(group);
    for (const key of slot.limits.locks ?? []) {
      if (this.#held.get(key) !== slot.id) continue;
      this.#held.delete(key);
      this.#options.onUnlock?.(key, item);
    }
    this.pump();
  }

  /** Starts every waiting task that may run now, in arrival order. */
  pump(): void {
    const reserved = new Set<string>();
    for (let i = 0; i < this.#waiting.length; ) {
      if (this.#running.size >= this.#options.concurrency) return;
      const slot = this.#waiting[i]!;
      if (!this.#options.isWaiting(slot.item)) {
        this.#waiting.splice(i, 1);
        continue;
      }
      if (this.#blocker(slot, reserved) === undefined) {
        this.#waiting.splice(i, 1);
        this.#begin(slot);
        continue;
      }
      for (const key of slot.limits.locks ?? []) reserved.add(key);
      i++;
    }
  }

  /** Forgets every waiting task (the agent stops). Running ones keep their slots until released. */
  clear(): void {
    this.#waiting.length = 0;
  }

  /** The locks earlier waiting tasks want. */
  #reservedLocks(): Set<string> {
    const reserved = new Set<string>();
    for (const slot of this.#waiting) {
      if (!this.#options.isWaiting(slot.item)) continue;
      for (const key of slot.limits.locks ?? []) reserved.add(key);
    }
    return reserved;
  }

  /** Why `slot` cannot start now, or undefined. */
  #blocker(slot: Slot<T>, reserved: ReadonlySet<string>): WaitReason | undefined {
    const limit = this.#options.concurrency;
    if (this.#running.size >= limit) return { kind: "agent", running: this.#running.size, limit };
    const { group, concurrency } = slot.limits;
    if (concurrency !== undefined && !this.#ancestorRuns(slot, group)) {
      const running = this.#perGroup.get(group) ?? 0;
      if (running >= concurrency) return { kind: "function", group, running, limit: concurrency };
    }
    for (const key of slot.limits.locks ?? []) {
      const holder = this.#held.get(key);
      if (holder !== undefined && this.#isAncestor(slot, holder)) continue;
      if (holder !== undefined || reserved.has(key)) return { kind: "lock", key, heldBy: holder };
    }
    return undefined;
  }

  #isAncestor(slot: Slot<T>, id: string): boolean {
    return slot.limits.ancestors?.includes(id) ?? false;
  }

  /** Whether an ancestor of `slot` is running a task of `group` now. */
  #ancestorRuns(slot: Slot<T>, group: string): boolean {
    if (!slot.limits.ancestors?.length) return false;
    for (const running of this.#running.values()) {
      if (running.limits.group === group && this.#isAncestor(slot, running.id)) return true;
    }
    return false;
  }

  #begin(slot: Slot<T>): void {
    this.#running.set(slot.item, slot);
    this.#perGroup.set(slot.limits.group, (this.#perGroup.get(slot.limits.group) ?? 0) + 1);
    for (const key of slot.limits.locks ?? []) {
      // a lock its ancestor holds stays the ancestor's (released when the ancestor ends)
      const holder = this.#held.get(key);
      if (holder !== undefined && this.#isAncestor(slot, holder)) continue;
      this.#held.set(key, slot.id);
      this.#options.onLock?.(key, slot.item);
    }
    this.#options.start(slot.item);
  }
}

/** The PROGRESS message of a queued task. */
export function describeWait(reason: WaitReason, waiting: number): string {
  switch (reason.kind) {
    case "agent":
      return `waiting on the agent (${waiting} queued; ${reason.running} of at most ${reason.limit} running)`;
    case "function":
      return `waiting: ${reason.group} runs at most ${reason.limit} task(s) at a time (${waiting} queued)`;
    case "lock":
      return `waiting for lock "${reason.key}"${reason.heldBy ? ` (held by task ${reason.heldBy})` : ""} (${waiting} queued)`;
  }
}
