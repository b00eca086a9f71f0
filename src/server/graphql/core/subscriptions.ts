/** The core's subscriptions: the caller's tasks (with replay), the organisation's tasks and agents, a task's children, an agent's tasks. */
import type { AgentChange, TaskChange, TaskChangeEvent, TaskEventChange } from "../../../../generated/server/resolvers.js";
import { clampProgress, type Platform } from "../../platform.js";
import type { AgentRow, TaskEventRow, TaskRow } from "../../store/store.js";
import type { PayloadOf, Replaying, Subscribers } from "../area.js";
import type { ResolverContext } from "../context.js";
import { rawJson } from "../raw-json.js";
import { asCreated, readMyTasksReplay } from "../replay.js";
import { iso, isoRequired } from "./scope.js";

function taskChange(task: TaskRow): TaskChange {
  return {
    id: String(task.id),
    reference: task.reference,
    isDone: task.is_done === 1,
    latestEventKind: task.latest_event_kind,
    latestInstructKind: task.latest_instruct_kind,
    statusMessage: task.status_message,
    action: String(task.action_id),
    implementation: task.implementation_id === null ? null : String(task.implementation_id),
    agent: task.agent_id === null ? null : String(task.agent_id),
    root: task.root_id === null ? null : String(task.root_id),
    parent: task.parent_id === null ? null : String(task.parent_id),
    createdAt: isoRequired(task.created_at),
    updatedAt: isoRequired(task.updated_at),
    finishedAt: iso(task.finished_at),
  };
}

function eventChange(event: TaskEventRow): TaskEventChange {
  return {
    id: String(event.id),
    task: String(event.task_id),
    kind: event.kind,
    message: event.message,
    progress: clampProgress(event.progress),
    // the stored text as is: a FLOAT port's `2.0` stays `2.0` on every output path (issue 10 #3)
    returns: rawJson(event.returns),
    createdAt: isoRequired(event.created_at),
  };
}

function agentChange(platform: Platform, agent: AgentRow): AgentChange {
  return {
    id: String(agent.id),
    name: agent.name,
    kind: agent.kind,
    latestEvent: platform.isLive(agent) ? "CONNECT" : "DISCONNECT",
    connected: agent.connected === 1,
    blocked: agent.blocked === 1,
    lastSeen: iso(agent.last_seen),
    client: agent.client_id,
    user: agent.user_sub,
    organization: agent.org,
    app: agent.app ?? "",
    release: agent.release ?? "",
  };
}

/** `mytasks`: the subscriber's tasks and events, after a replay of the last `replayWindowMs` (issue 10 #8). */
function myTasksSubscription(ctx: ResolverContext): Replaying<PayloadOf<"mytasks">> {
  return {
    select: (e) => {
      if ((e.type === "taskCreate" || e.type === "taskEvent") && ctx.platform.callerKeyOfTask(e.task) === ctx.me.key) {
        return e.type === "taskCreate" ? { create: taskChange(e.task), event: null } : { create: null, event: eventChange(e.event) };
      }
      return undefined;
    },
    replay: () => {
      const { tasks, events } = readMyTasksReplay(ctx.platform.store, ctx.me, ctx.platform.options);
      const taskIds = new Set(tasks.map((t) => String(t.id)));
      const eventIds = new Set(events.map((e) => String(e.id)));
      // in time order; a task's create before its events
      const timed = [
        ...tasks.map((t) => ({ at: t.created_at, order: 0, id: t.id, payload: { create: taskChange(asCreated(t)), event: null } })),
        ...events.map((e) => ({ at: e.created_at, order: 1, id: e.id, payload: { create: null, event: eventChange(e) } })),
      ].sort((a, b) => a.at - b.at || a.order - b.order || a.id - b.id);
      return {
        items: timed.map((t): TaskChangeEvent => t.payload),
        // a replayed payload arrives live at most once (when it was still being committed): skip it then
        replayed: (payload) => {
          if (payload instanceof Promise) return false;
          if (payload.create?.id) return taskIds.delete(payload.create.id);
          if (payload.event?.id) return eventIds.delete(payload.event.id);
          return false;
        },
      };
    },
  };
}

export const coreSubscriptions: Subscribers = {
  mytasks: (_a, ctx) => myTasksSubscription(ctx),
  tasks: (_a, ctx) => (e) => {
    if ((e.type === "taskCreate" || e.type === "taskEvent") && e.task.org === ctx.me.org) {
      return e.type === "taskCreate" ? { create: taskChange(e.task), event: null } : { create: null, event: eventChange(e.event) };
    }
    return undefined;
  },
  childTasks: (a, ctx) => {
    const parent = ctx.platform.taskInOrg(ctx.me, a.id);
    return (e) => {
      if ((e.type === "taskCreate" || e.type === "taskUpdate") && (e.task.parent_id === parent.id || e.task.root_id === parent.id)) {
        return e.type === "taskCreate" ? { create: taskChange(e.task), update: null } : { create: null, update: taskChange(e.task) };
      }
      return undefined;
    };
  },
  agentTasks: (a, ctx) => {
    const agent = ctx.platform.agentInOrg(ctx.me, a.agent);
    return (e) => {
      if ((e.type === "taskCreate" || e.type === "taskUpdate") && e.task.agent_id === agent.id) {
        return e.type === "taskCreate" ? { create: e.task, update: null } : { create: null, update: e.task };
      }
      return undefined;
    };
  },
  agents: (_a, ctx) => (e) => {
    if (e.type !== "agentCreate" && e.type !== "agentUpdate" && e.type !== "agentDelete") return undefined;
    if (e.agent.org !== ctx.me.org) return undefined;
    if (e.type === "agentDelete") return { create: null, update: null, delete: String(e.agent.id) };
    const change = agentChange(ctx.platform, e.agent);
    return e.type === "agentCreate" ? { create: change, update: null, delete: null } : { create: null, update: change, delete: null };
  },
};
