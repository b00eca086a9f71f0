/**
 * Publishes the registry's states (`defineState`, see ../state.ts) on the agent socket:
 *
 * - the first INIT of the agent: SESSION_INIT with every state's value (the session's revision 0);
 * - every later INIT (a reconnect, same session id): STATE_SNAPSHOT with every state's value at the
 *   session's current global revision, so what changed while disconnected reaches the platform;
 * - each change while live: one STATE_PATCH per operation, the session's global revision counting
 *   up by one per operation across all states (as rekuest-next counts). A change while not live
 *   is not sent (the next snapshot carries it) but still counts;
 * - every `snapshotEvery` operations (default 60, rekuest-next's `snapshot_interval`): a
 *   STATE_SNAPSHOT after the patch, so the platform can rebuild past values from a recent
 *   snapshot once it has pruned old patches (its `statePatchesKept`).
 *
 * State frames are not reports: they are never held in the outbox nor resent.
 */
import { encodeSessionInit, encodeStatePatch, encodeStateSnapshot } from "../../protocol/index.js";
import type { Logger } from "../../shared/logger.js";
import type { RegistryState, StateChange } from "../state.js";

export interface StatePublisherOptions {
  states: readonly RegistryState[];
  sessionId: string;
  logger: Logger;
  /** Writes a frame when the socket is registered and open; false when it is not. */
  write(text: string): boolean;
  /** A STATE_SNAPSHOT after every this many STATE_PATCH operations; 0 = only on reconnects. Default 60. */
  snapshotEvery?: number;
}

/** rekuest-next's `snapshot_interval`. */
export const DEFAULT_STATE_SNAPSHOT_EVERY = 60;

export class StatePublisher {
  #globalRev = 0;
  #initSent = false;
  readonly #unsubscribe: Array<() => void> = [];

  readonly #snapshotEvery: number;

  constructor(private readonly options: StatePublisherOptions) {
    const every = options.snapshotEvery ?? DEFAULT_STATE_SNAPSHOT_EVERY;
    if (!Number.isInteger(every) || every < 0) throw new RangeError(`stateSnapshotEvery must be an integer >= 0 (0 = only on reconnects), got ${String(options.snapshotEvery)}`);
    this.#snapshotEvery = every;
  }

  get globalRevision(): number {
    return this.#globalRev;
  }

  /** Starts listening to the states' changes. */
  start(): void {
    if (this.#unsubscribe.length > 0) return;
    for (const { state } of this.options.states) this.#unsubscribe.push(state.subscribe((change) => this.#onChange(change)));
  }

  stop(): void {
    for (const off of this.#unsubscribe.splice(0)) off();
  }

  /** After each INIT: SESSION_INIT the first time, STATE_SNAPSHOT after that. */
  onInit(): void {
    if (this.options.states.length === 0) return;
    if (!this.#initSent) {
      const values = Object.fromEntries(this.options.states.map(({ state }) => [state.name, state.get()]));
      if (this.options.write(encodeSessionInit({ session_id: this.options.sessionId, states: values }))) this.#initSent = true;
      // the session starts at revision 0: changes made before it are part of the initial values
      this.#globalRev = 0;
      return;
    }
    this.#snapshot();
  }

  #snapshot(): boolean {
    const values = Object.fromEntries(this.options.states.map(({ state }) => [state.name, state.get()]));
    return this.options.write(encodeStateSnapshot({ session_id: this.options.sessionId, global_rev: this.#globalRev, snapshots: values }));
  }

  #onChange(change: StateChange): void {
    let due = false;
    for (const op of change.ops) {
      this.#globalRev++;
      if (!this.#initSent) continue;
      const text = encodeStatePatch({
        session_id: this.options.sessionId,
        global_rev: this.#globalRev,
        state_name: change.state,
        ts: change.at / 1000,
        op: op.op,
        path: op.path,
        ...(op.op === "remove" ? {} : { value: op.value }),
        task_id: change.taskId,
      });
      if (!this.options.write(text)) {
        this.options.logger.debug(`state "${change.state}" changed while disconnected; the snapshot after the reconnect carries it`);
        continue;
      }
      if (this.#snapshotEvery > 0 && this.#globalRev % this.#snapshotEvery === 0) due = true;
    }
    // after the change's last patch: the value already holds all of them (a snapshot before one of
    // them would have the platform apply that patch twice)
    if (due) this.#snapshot();
  }
}
