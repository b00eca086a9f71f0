/**
 * The state area's GraphQL fields: the queries over states, definitions, sessions and their
 * history, the nested fields of those rows, and the subscriptions (watchState, watchAgent,
 * stateUpdateEvents, latestPatches). Every lookup checks the row's organisation against the viewer's.
 */
import type { Resolvers, SessionOrder } from "../../../../generated/server/resolvers.js";
import type { Subscribers } from "../../graphql/area.js";
import type { ResolverContext } from "../../graphql/context.js";
import { idList, parseId } from "../../graphql/ids.js";
import { PlatformError } from "../../platform.js";
import { JSON_PATCH_OPS, type JsonPatchOp } from "./json-patch.js";
import type { PatchRow, SessionOrdering, SnapshotRow, StateRow } from "./records.js";
import type { StateArea } from "./service.js";

const iso = (ms: number): string => new Date(ms).toISOString();
const isoOrNull = (ms: number | null): string | null => (ms === null ? null : iso(ms));
const parsed = (text: string | null) => (text === null ? null : JSON.parse(text));
const area = (ctx: ResolverContext): StateArea => ctx.platform.areas.state;

/** A count argument within 0..maxPageSize, or refused naming it. */
function bounded(ctx: ResolverContext, name: string, value: number): number {
  const max = ctx.platform.options.maxPageSize;
  if (!Number.isInteger(value) || value < 0 || value > max) throw new PlatformError(`${name}: must be 0..${max} (the server's maxPageSize), got ${value}; page through with a later revision`, "BAD_USER_INPUT");
  return value;
}

/** `SessionOrder` entries (one field each, @oneOf) as columns of the session table. */
function sessionOrder(ordering: ReadonlyArray<SessionOrder> | null | undefined): SessionOrdering[] {
  return (ordering ?? []).flatMap((o): SessionOrdering[] => {
    if (o.startedAt) return [{ column: "started_at", direction: o.startedAt }];
    if (o.endedAt) return [{ column: "ended_at", direction: o.endedAt }];
    return [];
  });
}

function notFound(what: string, id: unknown, ctx: ResolverContext): never {
  throw new PlatformError(`${what} ${String(id)} not found in organisation "${ctx.me.org}"`, "NOT_FOUND");
}

/** The state a watch names: by id, or by agent + interface. */
function watchedState(ctx: ResolverContext, stateId: string | null | undefined, agentId: string | null | undefined, iface: string | null | undefined): StateRow {
  if (stateId !== null && stateId !== undefined) return area(ctx).stateInOrg(ctx.me.org, stateId);
  if (agentId === null || agentId === undefined || iface === null || iface === undefined) {
    throw new PlatformError("watchState: pass stateId, or agentId and interface", "BAD_USER_INPUT");
  }
  const agent = ctx.platform.agentInOrg(ctx.me, agentId);
  const state = area(ctx).records.stateByInterface(agent.id, iface);
  if (!state) throw new PlatformError(`Agent ${agent.id} has no state "${iface}" in organisation "${ctx.me.org}"`, "NOT_FOUND");
  return state;
}

const patchEvent = (patch: PatchRow) => ({
  __typename: "StatePatchEvent" as const,
  stateId: String(patch.state_id),
  agentId: String(patch.agent_id),
  interface: patch.interface,
  op: patch.op,
  path: patch.path,
  value: parsed(patch.value),
  globalRevision: patch.global_future_revision,
  sessionId: patch.session_key,
  timestamp: iso(patch.timestamp),
});

const snapshotEvent = (state: StateRow, sessionId: string, globalRevision: number, timestamp: number) => ({
  __typename: "StateSnapshotEvent" as const,
  stateId: String(state.id),
  agentId: String(state.agent_id),
  interface: state.interface,
  value: parsed(state.value),
  globalRevision,
  sessionId,
  timestamp: iso(timestamp),
});

/** Whether a live payload is already part of a replayed snapshot (same session, not newer). */
function carried(payload: object, session: string, revision: number): boolean {
  return "sessionId" in payload && payload.sessionId === session && "globalRevision" in payload && typeof payload.globalRevision === "number" && payload.globalRevision <= revision;
}

export const stateResolvers: Omit<Resolvers, "Subscription"> = {
  Query: {
    state: (_p, a, ctx) => area(ctx).stateInOrg(ctx.me.org, a.id),
    states: (_p, _a, ctx) => area(ctx).records.statesOfOrg(ctx.me.org),
    stateFor: (_p, a, ctx) => {
      const agent = ctx.platform.agentInOrg(ctx.me, a.agent);
      const states = area(ctx).records.statesOfAgent(agent.id);
      const hashOf = (s: StateRow) => area(ctx).records.definition(s.definition_id)?.hash;
      let found: StateRow | undefined;
      if (a.demand) {
        const d = a.demand;
        if ((d.matches && d.matches.length > 0) || (d.protocols && d.protocols.length > 0)) {
          throw new PlatformError("demand.matches / demand.protocols: the embedded server matches states by hash, key and app only; drop them or demand by key", "BAD_USER_INPUT");
        }
        found = states.find((s) => (d.hash == null || hashOf(s) === d.hash) && (d.key == null || s.key === d.key) && (d.app == null || s.app_identifier === d.app));
      } else if (typeof a.stateHash === "string") {
        found = states.find((s) => hashOf(s) === a.stateHash);
      } else {
        throw new PlatformError("stateFor: pass stateHash or demand", "BAD_USER_INPUT");
      }
      if (!found) throw new PlatformError(`Agent ${agent.id} has no matching state in organisation "${ctx.me.org}"`, "NOT_FOUND");
      return found;
    },
    stateDefinitions: (_p, _a, ctx) => area(ctx).records.definitionsOfOrg(ctx.me.org),
    stateDefinition: (_p, a, ctx) => {
      const id = parseId(a.id);
      const row = id === null ? undefined : area(ctx).records.definition(id);
      return row && row.org === ctx.me.org ? row : notFound("StateDefinition", a.id, ctx);
    },
    sessions: (_p, a, ctx) => {
      const f = a.filters ?? {};
      if (f.AND || f.OR || f.NOT) throw new PlatformError("filters.AND / OR / NOT: not supported for sessions; combine ids and agent instead", "BAD_USER_INPUT");
      const order = sessionOrder(a.ordering);
      const agent = f.agent === null || f.agent === undefined ? null : (parseId(f.agent) ?? -1);
      const ids = idList(f.ids);
      return area(ctx).records.listSessions(ctx.me.org, {
        ids: ids === null ? null : [...ids],
        agent,
        order,
        limit: a.pagination?.limit ?? ctx.platform.options.defaultPageSize,
        offset: a.pagination?.offset ?? 0,
      });
    },
    session: (_p, a, ctx) => {
      const id = parseId(a.id);
      const row = id === null ? undefined : area(ctx).records.session(id);
      return row && row.org === ctx.me.org ? row : notFound("Session", a.id, ctx);
    },
    stateAtGlobalRev: (_p, a, ctx) => rebuildAll(ctx, a.globalRevision, false, a.stateId, a.sessionId),
    stateAtLocalRev: (_p, a, ctx) => rebuildAll(ctx, a.revision, true, a.stateId, a.sessionId),
    forwardEventsAfterRev: (_p, a, ctx) => {
      const state = a.stateId == null ? null : area(ctx).stateInOrg(ctx.me.org, a.stateId).id;
      return area(ctx).records.forwardAfter(ctx.me.org, a.globalRevision, state, area(ctx).sessionsNamed(ctx.me.org, a.sessionId), bounded(ctx, "count", a.count));
    },
    patchEventsBetweenGlobalRevs: (_p, a, ctx) => {
      if (a.toGlobalRevision < a.fromGlobalRevision) return [];
      const max = ctx.platform.options.maxPageSize;
      const ids = idList(a.stateIds);
      const rows = area(ctx).records.between(ctx.me.org, a.fromGlobalRevision, a.toGlobalRevision, ids === null ? null : [...ids], area(ctx).sessionsNamed(ctx.me.org, a.sessionId), max + 1);
      if (rows.length > max) {
        throw new PlatformError(`fromGlobalRevision..toGlobalRevision: more than ${max} patches (the server's maxPageSize) in ${a.fromGlobalRevision}..${a.toGlobalRevision}; ask for a narrower range`, "BAD_USER_INPUT");
      }
      return rows;
    },
    snapshotsAroundRev: (_p, a, ctx) => {
      const before = bounded(ctx, "before", a.before);
      const after = bounded(ctx, "after", a.after);
      const sessions = area(ctx).sessionsNamed(ctx.me.org, a.sessionId);
      const states = a.stateId == null ? area(ctx).records.stateIdsOfSessions(ctx.me.org, sessions) : [area(ctx).stateInOrg(ctx.me.org, a.stateId).id];
      return states.flatMap((id) => area(ctx).records.snapshotsAround(id, sessions, a.revision, before, after));
    },
    checkout: (_p, a, ctx) => {
      const state = area(ctx).stateInOrg(ctx.me.org, a.state);
      const counts = { forward: bounded(ctx, "forwardPatchCount", a.forwardPatchCount), backward: bounded(ctx, "backwardPatchCount", a.backwardPatchCount) };
      const result = area(ctx).checkout(state.agent_id, state, { org: ctx.me.org, sessionId: a.sessionId, globalRevision: a.globalRevision, timestamp: a.timestamp, ...counts });
      const own = result.values[0];
      return { stateId: String(state.id), value: own?.value ?? {}, globalRevision: own?.globalRevision ?? null, forwardPatches: result.forward, backwardPatches: result.backward };
    },
    checkoutAgent: (_p, a, ctx) => {
      const agent = ctx.platform.agentInOrg(ctx.me, a.agent);
      const counts = { forward: bounded(ctx, "forwardPatchCount", a.forwardPatchCount), backward: bounded(ctx, "backwardPatchCount", a.backwardPatchCount) };
      const result = area(ctx).checkout(agent.id, null, { org: ctx.me.org, sessionId: a.sessionId, globalRevision: a.globalRevision, timestamp: a.timestamp, ...counts });
      return {
        agentId: String(agent.id),
        values: Object.fromEntries(result.values.map((v) => [v.state.interface, v.value])),
        globalRevision: result.globalRevision ?? 0,
        forwardPatches: result.forward,
        backwardPatches: result.backward,
      };
    },
    taskBoundaries: (_p, a, ctx) => {
      const state = a.stateId == null ? null : area(ctx).stateInOrg(ctx.me.org, a.stateId).id;
      const b = area(ctx).records.taskBoundary(ctx.me.org, a.correlationId, state);
      if (b.start_global_revision === null) return null;
      return { correlationId: a.correlationId, startGlobalRevision: b.start_global_revision, endGlobalRevision: b.end_global_revision, startTime: isoOrNull(b.start_time), endTime: isoOrNull(b.end_time) };
    },
    sessionBoundaries: (_p, a, ctx) => {
      const state = a.stateId == null ? null : area(ctx).stateInOrg(ctx.me.org, a.stateId).id;
      const sessions = area(ctx).records.sessionRefs(ctx.me.org, a.sessionId);
      if (sessions.length === 0) return null;
      const b = area(ctx).records.sessionBoundary(ctx.me.org, sessions, state);
      if (b.start_global_revision === null) return null;
      return { sessionId: a.sessionId, startGlobalRevision: b.start_global_revision, endGlobalRevision: b.end_global_revision, startTime: isoOrNull(b.start_time), endTime: isoOrNull(b.end_time) };
    },
  },
  Agent: {
    states: (agent, _a, ctx) => (agent.org === ctx.me.org ? area(ctx).records.statesOfAgent(agent.id) : []),
    sessions: (agent, a, ctx) =>
      agent.org === ctx.me.org
        ? area(ctx).records.listSessions(ctx.me.org, {
            ids: a.filters?.ids ? [...(idList(a.filters.ids) ?? [])] : null,
            agent: agent.id,
            order: sessionOrder(a.ordering),
            limit: a.pagination?.limit ?? ctx.platform.options.defaultPageSize,
            offset: a.pagination?.offset ?? 0,
          })
        : [],
  },
  State: {
    definition: (s, _a, ctx) => {
      const row = area(ctx).records.definition(s.definition_id);
      return row && row.org === ctx.me.org ? row : notFound("StateDefinition", s.definition_id, ctx);
    },
    agent: (s, _a, ctx) => ctx.platform.agentInOrg(ctx.me, s.agent_id),
    appIdentifier: (s) => s.app_identifier,
    createdAt: (s) => iso(s.created_at),
    updatedAt: (s) => iso(s.updated_at),
  },
  StateDefinition: {
    ports: (d) => JSON.parse(d.ports),
  },
  Session: {
    agent: (s, _a, ctx) => ctx.platform.agentInOrg(ctx.me, s.agent_id),
    startedAt: (s) => iso(s.started_at),
    endedAt: (s) => isoOrNull(s.ended_at),
    snapshots: (s, _a, ctx) => (s.org === ctx.me.org ? area(ctx).records.snapshotsOfSession(s.id) : []),
    patches: (s, _a, ctx) => (s.org === ctx.me.org ? area(ctx).records.patchesOfSession(s.id) : []),
  },
  Snapshot: {
    value: (s) => JSON.parse(s.value),
    timestamp: (s) => iso(s.timestamp),
    globalRevision: (s) => s.global_revision,
    sessionId: (s) => s.session_key,
    state: (s, _a, ctx) => area(ctx).stateInOrg(ctx.me.org, String(s.state_id)),
  },
  Patch: {
    value: (p) => parsed(p.value) ?? {},
    timestamp: (p) => iso(p.timestamp),
    currentRevision: (p) => p.current_revision,
    futureRevision: (p) => p.future_revision,
    globalCurrentRevision: (p) => p.global_current_revision,
    globalFutureRevision: (p) => p.global_future_revision,
    sessionId: (p) => p.session_key,
    task: (p, _a, ctx) => {
      const task = p.task_id === null ? undefined : ctx.platform.store.task(p.task_id);
      return task && task.org === ctx.me.org ? task : null;
    },
    state: (p, _a, ctx) => area(ctx).stateInOrg(ctx.me.org, String(p.state_id)),
    patch: (p) => ({ op: jsonPatchOp(p.op), path: p.path, value: parsed(p.value) ?? {} }),
  },
};

/** The stored op as the schema's enum (only the six JSON Patch operations are ever stored: others do not apply). */
function jsonPatchOp(op: string): JsonPatchOp {
  return JSON_PATCH_OPS.find((known) => known === op) ?? "replace";
}

function rebuildAll(ctx: ResolverContext, revision: number, local: boolean, stateId: string | null | undefined, sessionId: string | null | undefined): SnapshotRow[] {
  const a = area(ctx);
  const sessions = a.sessionsNamed(ctx.me.org, sessionId);
  const states = stateId == null ? a.records.stateIdsOfSessions(ctx.me.org, sessions).map((id) => a.records.state(id)!) : [a.stateInOrg(ctx.me.org, stateId)];
  return states.flatMap((state) => {
    const rebuilt = a.rebuild(state, revision, local, sessions);
    return rebuilt ? [rebuilt] : [];
  });
}

export const stateSubscriptions: Subscribers = {
  watchState: (args, ctx) => {
    const state = watchedState(ctx, args.stateId, args.agentId, args.interface);
    let seenRevision = -1;
    let seenSession = "";
    return {
      select: (event) => {
        if (event.type === "statePatch" && event.patch.state_id === state.id) return patchEvent(event.patch);
        if (event.type === "stateSnapshot" && event.agentId === state.agent_id) {
          const row = event.states.find((s) => s.id === state.id);
          return row ? snapshotEvent(row, event.sessionId, event.globalRevision, event.timestamp) : undefined;
        }
        return undefined;
      },
      replay: () => {
        const now = area(ctx).records.state(state.id);
        if (!now) return { items: [], replayed: () => false };
        seenRevision = now.global_rev;
        seenSession = area(ctx).sessionKey(now);
        return {
          items: [snapshotEvent(now, seenSession, now.global_rev, now.updated_at)],
          // what the snapshot already holds: patches and snapshots of its session up to its revision
          replayed: (payload) => carried(payload, seenSession, seenRevision),
        };
      },
    };
  },
  watchAgent: (args, ctx) => {
    const agent = ctx.platform.agentInOrg(ctx.me, args.agentId);
    const agentSnapshot = (sessionId: string, globalRevision: number, timestamp: number) => {
      const states = area(ctx).records.statesOfAgent(agent.id);
      return {
        __typename: "AgentSnapshotEvent" as const,
        agentId: String(agent.id),
        values: Object.fromEntries(states.map((s) => [s.interface, parsed(s.value)])),
        globalRevision,
        sessionId,
        timestamp: iso(timestamp),
      };
    };
    let seenRevision = -1;
    let seenSession = "";
    return {
      select: (event) => {
        if (event.type === "statePatch" && event.patch.agent_id === agent.id) return patchEvent(event.patch);
        if (event.type === "stateSnapshot" && event.agentId === agent.id) return agentSnapshot(event.sessionId, event.globalRevision, event.timestamp);
        return undefined;
      },
      replay: () => {
        const states = area(ctx).records.statesOfAgent(agent.id);
        const session = area(ctx).latestSession(agent.id);
        seenSession = session?.session_id ?? "";
        seenRevision = Math.max(-1, ...states.filter((s) => s.session_ref === (session?.id ?? null)).map((s) => s.global_rev));
        const updated = Math.max(session?.started_at ?? 0, ...states.map((s) => s.updated_at));
        return {
          items: [agentSnapshot(seenSession, Math.max(0, seenRevision), updated || Date.now())],
          replayed: (payload) => carried(payload, seenSession, seenRevision),
        };
      },
    };
  },
  stateUpdateEvents: (args, ctx) => {
    const state = area(ctx).stateInOrg(ctx.me.org, args.stateId);
    return (event) => (event.type === "stateUpdate" && event.state.id === state.id ? event.state : undefined);
  },
  latestPatches: (args, ctx) => {
    if (args.state != null) {
      const state = area(ctx).stateInOrg(ctx.me.org, args.state);
      return (event) => (event.type === "statePatch" && event.patch.state_id === state.id ? event.patch : undefined);
    }
    if (args.agent != null) {
      const agent = ctx.platform.agentInOrg(ctx.me, args.agent);
      return (event) => (event.type === "statePatch" && event.patch.agent_id === agent.id ? event.patch : undefined);
    }
    throw new PlatformError("latestPatches: pass state or agent", "BAD_USER_INPUT");
  },
};
