/**
 * Stored levels of live LOG events. The platform's `TaskEventChange` (what `mytasks` delivers) has
 * no `level`, while the stored `TaskEvent` has one (docs/spec/wire-protocol.md: our server stores it), so a
 * caller that asked for logs reads the levels through `task.events(filters: {ids})`: one query per
 * task for all LOG events that arrived in the same turn, in chunks of `MAX_IDS_PER_QUERY`, instead
 * of adding a field to the platform's types.
 */
import type { LogLevel } from "../context.js";
import type { TaskEventData } from "./router.js";

const LEVELS: ReadonlySet<string> = new Set<LogLevel>(["DEBUG", "INFO", "WARN", "ERROR", "CRITICAL"]);

/** How many event ids one query asks for (the platform's filter lists stay small). */
const MAX_IDS_PER_QUERY = 100;

/** A stored level as the runtime's `LogLevel`: anything unknown or missing is INFO, as the server stores it. */
export function toLogLevel(level: string | null | undefined): LogLevel {
  return level && LEVELS.has(level) ? (level as LogLevel) : "INFO";
}

export class LogLevelLoader {
  /** Per task: event id -> the waiters for its level. */
  #pending = new Map<string, Map<string, Array<(level: LogLevel) => void>>>();
  #scheduled = false;

  constructor(
    private readonly read: (task: string, ids: readonly string[]) => Promise<TaskEventData[]>,
    private readonly onError: (task: string, error: unknown) => void,
  ) {}

  /** The stored level of one LOG event; never rejects (INFO when it cannot be read). */
  load(task: string, eventId: string): Promise<LogLevel> {
    return new Promise((resolve) => {
      let ids = this.#pending.get(task);
      if (!ids) this.#pending.set(task, (ids = new Map()));
      const waiters = ids.get(eventId);
      if (waiters) waiters.push(resolve);
      else ids.set(eventId, [resolve]);
      if (!this.#scheduled) {
        this.#scheduled = true;
        setTimeout(() => this.#flush(), 0);
      }
    });
  }

  #flush(): void {
    this.#scheduled = false;
    const pending = this.#pending;
    this.#pending = new Map();
    for (const [task, waiters] of pending) {
      const ids = [...waiters.keys()];
      for (let start = 0; start < ids.length; start += MAX_IDS_PER_QUERY) {
        const chunk = ids.slice(start, start + MAX_IDS_PER_QUERY);
        const answer = (levels: Map<string, string | null | undefined>) => {
          for (const id of chunk) for (const resolve of waiters.get(id) ?? []) resolve(toLogLevel(levels.get(id)));
        };
        this.read(task, chunk).then(
          (events) => answer(new Map(events.map((event) => [event.id, event.level]))),
          (error: unknown) => {
            this.onError(task, error);
            answer(new Map());
          },
        );
      }
    }
  }
}
