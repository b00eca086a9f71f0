/**
 * Delivery to agents, in order, once committed, paced by the socket.
 *
 * A task's ASSIGN is not an outbox entry: the task row says whether it waits for an answer
 * (`assign_pending`, store migration 16). While an agent is connected its new tasks' frames are
 * handed over in memory (`queueAssign`), each sent once its task is committed; when a link starts
 * (after INIT), or after anything that may have lost a handed-over frame, the link's pending
 * ASSIGNs are written from the rows instead (`replay`). CANCEL, INTERRUPT, PAUSE and RESUME (and
 * other frames) are outbox entries in SQLite, sent after the ASSIGNs in their order.
 */
import { keptUntilAnswered } from "../../protocol/index.js";
import type { Store, TaskRow } from "../store/store.js";
import type { Platform } from "./index.js";
import type { AgentLink } from "./model.js";

/** A new task's ASSIGN, handed over in memory; `batch` is the group transaction that wrote the task. */
interface LiveAssign {
  taskId: number;
  frame: string;
  batch: number;
}

/** Pending ASSIGNs read per statement when a link's are written from the rows. */
const REPLAY_PAGE = 256;
/** Frames held in memory for one agent (its socket is backlogged); past it they are written from the rows later. */
const LIVE_LIMIT = 1_000;

export class Outbox {
  private readonly store: Store;
  private readonly flushQueued = new Set<number>();
  private readonly live = new Map<number, LiveAssign[]>();
  /**
   * Per link: the task id after which its pending ASSIGNs are still to be written from the rows,
   * or null once they all were (new tasks then arrive through `live`). A link not in the map has
   * not been served yet: everything from the start.
   */
  private readonly replayAfter = new WeakMap<AgentLink, number | null>();

  constructor(private readonly p: Platform) {
    this.store = p.store;
    p.store.onRollback(() => this.rolledBack());
  }

  /** Hands a new task's ASSIGN frame to the agent's link; it goes out after the task's commit (`flush`). */
  queueAssign(agentId: number, taskId: number, frame: string): void {
    let queue = this.live.get(agentId);
    if (!queue) this.live.set(agentId, (queue = []));
    queue.push({ taskId, frame, batch: this.store.openBatch ?? -1 });
    if (queue.length > LIVE_LIMIT) this.dropLive(agentId, this.committed);
  }

  /** The task's ASSIGN waits again (re-queued after its agent was lost): the link writes it from the rows. */
  requeued(agentId: number, taskId: number): void {
    const link = this.p.leases.links.get(agentId);
    if (link) this.replayFrom(link, taskId - 1);
  }

  /** Delivers what the agent has waiting once what was written so far is committed. */
  flush(agentId: number): void {
    if (this.flushQueued.has(agentId)) return;
    this.flushQueued.add(agentId);
    this.store.afterCommit(
      () => {
        this.flushQueued.delete(agentId);
        this.flushNow(agentId);
      },
      // the entries of a failed commit are gone; the flag must not outlive it, or the agent never hears again
      () => this.flushQueued.delete(agentId),
    );
  }

  /** Sends the agent's current link its pending ASSIGNs, then every outbox entry it has not seen yet, in order. */
  private flushNow(agentId: number): void {
    const link = this.p.leases.links.get(agentId);
    if (!link) {
      // no one to hand them to: the rows keep them for the next link
      this.dropLive(agentId, this.committed);
      return;
    }
    if (this.sendAssigns(link) && this.sendEntries(link)) {
      // the agent starts on its tasks while the rest of the commit's work (responses, events) runs
      link.flushWrites?.();
    }
  }

  /** False when the socket backlogged first (a drain flushes again). */
  private sendAssigns(link: AgentLink): boolean {
    const agentId = link.agentId;
    let after = this.replayPoint(link);
    while (after !== null) {
      const rows = this.store.pendingAssignsOfAgent(agentId, after, REPLAY_PAGE);
      for (const task of rows) {
        if (this.backlogged(link)) {
          this.replayAfter.set(link, after);
          return false;
        }
        const frame = this.frameOf(task);
        if (frame) link.send(frame);
        after = task.id;
      }
      if (rows.length < REPLAY_PAGE) {
        // every committed task is in the rows just read: what was handed over for them is sent
        after = null;
        this.dropLive(agentId, this.committed, false);
      }
    }
    this.replayAfter.set(link, null);
    const queue = this.live.get(agentId);
    if (!queue) return true;
    let sent = 0;
    let drained = true;
    for (const entry of queue) {
      // written by a transaction still open (a commit's callback assigned again): it goes out after its own commit
      if (!this.committed(entry)) break;
      if (this.backlogged(link)) {
        drained = false;
        break;
      }
      sent++;
      // ended or answered before it went out (cancelled before delivery), or moved to another agent
      const task = this.store.task(entry.taskId);
      if (task && !task.is_done && task.assign_pending === 1 && task.agent_id === agentId) link.send(entry.frame);
    }
    if (sent === queue.length) this.live.delete(agentId);
    else queue.splice(0, sent);
    return drained;
  }

  private sendEntries(link: AgentLink): boolean {
    for (const entry of this.store.outboxOfAfter(link.agentId, link.lastOutboxId)) {
      if (this.backlogged(link)) return false;
      link.lastOutboxId = entry.id;
      link.send(entry.payload);
      if (entry.task_id === null || !keptUntilAnswered(entry.kind)) {
        this.store.deleteOutbox(entry);
      }
    }
    return true;
  }

  /** A large backlog goes out as the reader takes it, not in one burst the slow-reader bound would punish. */
  private backlogged(link: AgentLink): boolean {
    if (!link.backlogged?.()) return false;
    link.whenDrained?.(() => this.flush(link.agentId));
    return true;
  }

  /** The ASSIGN frame of a pending task, from its row; none when its implementation is gone. */
  private frameOf(task: TaskRow): string | undefined {
    const impl = task.implementation_id === null ? undefined : this.store.implementation(task.implementation_id);
    const action = this.store.action(task.action_id);
    return impl && action ? this.p.tasks.assignFrame(task, impl, action) : undefined;
  }

  /** Where the link's writing from the rows stands (`replayAfter`): a link not served yet starts at the beginning. */
  private replayPoint(link: AgentLink): number | null {
    const after = this.replayAfter.get(link);
    return after === undefined ? 0 : after;
  }

  /** True for a frame whose task's transaction has committed (the open one's wait for their commit). */
  private readonly committed = (entry: LiveAssign): boolean => entry.batch !== this.store.openBatch;

  /** The link writes its pending ASSIGNs from the rows again, from after task `taskId` (or from earlier). */
  private replayFrom(link: AgentLink, taskId: number): void {
    const current = this.replayPoint(link);
    this.replayAfter.set(link, current === null ? taskId : Math.min(current, taskId));
  }

  /**
   * Drops the agent's handed-over frames that `which` selects; their tasks' rows still say the
   * ASSIGN is pending, so a link that has not yet sent them writes them from the rows.
   */
  private dropLive(agentId: number, which: (entry: LiveAssign) => boolean, replay = true): void {
    const queue = this.live.get(agentId);
    if (!queue) return;
    const dropped = queue.filter(which);
    if (dropped.length === 0) return;
    const kept = queue.filter((entry) => !which(entry));
    if (kept.length === 0) this.live.delete(agentId);
    else this.live.set(agentId, kept);
    const link = replay ? this.p.leases.links.get(agentId) : undefined;
    if (link) this.replayFrom(link, Math.min(...dropped.map((entry) => entry.taskId)) - 1);
  }

  /**
   * A rollback may have undone tasks whose frames were handed over in this batch, or kept some:
   * both are settled by the rows, so those frames are dropped and written from the rows instead.
   */
  private rolledBack(): void {
    const batch = this.store.openBatch ?? this.store.lastBatch;
    for (const agentId of [...this.live.keys()]) this.dropLive(agentId, (entry) => entry.batch === batch);
  }
}
