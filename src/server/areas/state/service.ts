/**
 * The rules of agent state: declaring states (`implementAgent(input.states)`), the agent's
 * SESSION_INIT / STATE_SNAPSHOT / STATE_PATCH frames (sessions, snapshots, patches, the current value
 * of each state) and rebuilding a value at a past revision.
 */
import { z } from "zod";
import { hashDefinitions } from "../../../definition/hash.js";
import { encodeProtocolError, formatValuePath, valueTooDeepAt, type FromAgentMessage } from "../../../protocol/index.js";
import type { Identity } from "../../auth.js";
import type { AgentLink, Platform } from "../../platform.js";
import { PlatformError } from "../../platform.js";
import type { AgentRow } from "../../store/store.js";
import { applyPatch } from "./json-patch.js";
import { StateRecords, type IdSet, type PatchRow, type SessionRow, type SnapshotRow, type StateRow } from "./records.js";

type StateFrame = Extract<FromAgentMessage, { type: "STATE_PATCH" | "STATE_SNAPSHOT" | "SESSION_INIT" }>;

const portSchema = z.looseObject({ key: z.string().min(1, "must not be empty"), kind: z.string() });
const stateInputSchema = z.array(
  z.looseObject({
    interface: z.string().min(1, "must not be empty"),
    key: z.string().min(1, "must not be empty").nullable().optional(),
    app: z.string().min(1, "must not be empty").nullable().optional(),
    definition: z.looseObject({ name: z.string().min(1, "must not be empty"), ports: z.array(portSchema) }),
  }),
);

const pathOf = (path: ReadonlyArray<PropertyKey>): string =>
  path.map((p, i) => (typeof p === "number" ? `[${p}]` : `${i === 0 ? "" : "."}${String(p)}`)).join("");

/** What a checkout asks for (the schema's arguments; counts already bounded). */
export interface CheckoutArgs {
  org: string;
  sessionId?: string | null;
  globalRevision?: number | null;
  timestamp?: string | null;
  forward: number;
  backward: number;
}

/** A checkout: each state's value (and the revision it is at), the highest of those, and the patches around it. */
export interface CheckoutResult {
  values: Array<{ state: StateRow; value: unknown; globalRevision: number | null }>;
  globalRevision: number | null;
  forward: PatchRow[];
  backward: PatchRow[];
}

export class StateArea {
  private recordsOnce: StateRecords | null = null;

  constructor(readonly platform: Platform) {}

  /** Prepared on first use: the platform builds its areas before its store field is set. */
  get records(): StateRecords {
    return (this.recordsOnce ??= new StateRecords(this.platform.store));
  }

  /**
   * Refuses a value that nests deeper than `maxJsonDepth` or is larger than `maxFrameBytes` as JSON
   * (the limits of agent frames), naming `field`; answers its JSON text.
   */
  checkedJson(value: unknown, field: string): string {
    const { maxJsonDepth, maxFrameBytes } = this.platform.options;
    const deep = valueTooDeepAt(value, maxJsonDepth);
    const at = deep ? formatValuePath(deep, 12) : "";
    if (deep) throw new PlatformError(`${field}${at === "" || at.startsWith("[") ? "" : "."}${at}: nested deeper than ${maxJsonDepth} levels (the server's maxJsonDepth); flatten the value or raise the limit`, "BAD_USER_INPUT");
    const text = JSON.stringify(value ?? null);
    const bytes = Buffer.byteLength(text);
    if (bytes > maxFrameBytes) throw new PlatformError(`${field}: ${bytes} bytes of JSON, more than the server's maxFrameBytes (${maxFrameBytes}); keep state small (pass large data by reference) or raise the limit`, "BAD_USER_INPUT");
    return text;
  }

  // declaring -------------------------------------------------------------------------------------

  /**
   * `implementAgent`'s `input.states` (runs inside its transaction): one definition per distinct
   * port schema of the organisation, one state per agent and interface; states the agent no longer
   * declares are deleted with their history. `undefined`/`null` leaves the states as they are.
   */
  implement(identity: Identity, agent: AgentRow, states: unknown): void {
    if (states === undefined || states === null) return;
    const parsed = stateInputSchema.safeParse(states);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      throw new PlatformError(`input.states${pathOf(issue.path)}: ${issue.message}; send StateImplementationInput {interface, definition: {name, ports}}`, "BAD_USER_INPUT");
    }
    const seen = new Set<string>();
    parsed.data.forEach((s, i) => {
      if (seen.has(s.interface)) throw new PlatformError(`input.states[${i}].interface: "${s.interface}" is declared twice; give each state its own interface`, "BAD_USER_INPUT");
      seen.add(s.interface);
    });
    const now = Date.now();
    const keep = new Set<number>();
    const changed: StateRow[] = [];
    parsed.data.forEach((s, i) => {
      const ports = this.checkedJson(s.definition.ports, `input.states[${i}].definition.ports`);
      const definition = this.records.upsertDefinition(agent.org, hashDefinitions(s.definition.ports), s.definition.name, ports, now);
      const row = this.records.upsertState(
        { org: agent.org, agent_id: agent.id, definition_id: definition.id, interface: s.interface, key: s.key ?? s.interface, app_identifier: s.app ?? identity.app ?? agent.app },
        now,
      );
      keep.add(row.id);
      changed.push(row);
    });
    for (const old of this.records.statesOfAgent(agent.id)) if (!keep.has(old.id)) this.records.deleteState(old.id);
    for (const state of changed) this.platform.publish({ type: "stateUpdate", org: state.org, state });
  }

  // agent frames ----------------------------------------------------------------------------------

  /**
   * SESSION_INIT, STATE_SNAPSHOT and STATE_PATCH of a registered agent. A frame that cannot be
   * applied is answered with PROTOCOL_ERROR naming its field and changes nothing; the socket stays
   * open (state is not worth the agent's tasks).
   */
  onFrame(link: AgentLink, message: StateFrame): void {
    try {
      this.platform.store.transaction(() => {
        if (message.type === "STATE_PATCH") this.patch(link.agentId, message);
        else this.snapshot(link.agentId, message);
      });
    } catch (error) {
      if (!(error instanceof PlatformError)) throw error;
      link.send(encodeProtocolError({ error: error.message, event: message.id }));
    }
  }

  private agentOf(agentId: number): AgentRow {
    const agent = this.platform.store.agent(agentId);
    if (!agent) throw new PlatformError(`agent ${agentId} no longer exists; register again`, "NOT_FOUND");
    return agent;
  }

  private declared(agent: AgentRow, name: string, field: string): StateRow {
    const state = this.records.stateByInterface(agent.id, name);
    if (!state) throw new PlatformError(`${field}: agent ${agent.id} declares no state "${name}"; declare it in implementAgent(input.states) first`, "BAD_USER_INPUT");
    return state;
  }

  private snapshot(agentId: number, message: Extract<StateFrame, { type: "STATE_SNAPSHOT" | "SESSION_INIT" }>): void {
    const agent = this.agentOf(agentId);
    const init = message.type === "SESSION_INIT";
    const values = init ? message.states : message.snapshots;
    const field = init ? "SESSION_INIT.states" : "STATE_SNAPSHOT.snapshots";
    const globalRevision = init ? 0 : message.global_rev;
    // every entry is checked before anything is written
    const entries = Object.entries(values).map(([name, value]) => ({ state: this.declared(agent, name, `${field}.${name}`), text: this.checkedJson(value, `${field}.${name}`) }));
    const now = Date.now();
    const session = this.records.ensureSession(agent.org, agent.id, message.session_id, now, init);
    const updated: StateRow[] = [];
    for (const { state, text } of entries) {
      const revision = !init && state.session_ref === session.id ? state.local_rev : 0;
      this.records.insertSnapshot({
        org: agent.org,
        state_id: state.id,
        session_ref: session.id,
        value: text,
        revision,
        global_revision: globalRevision,
        patch_mark: this.records.lastPatchId(state.id),
        timestamp: now,
      });
      this.records.prune(state.id, this.platform.options.statePatchesKept, this.platform.options.stateSnapshotsKept);
      updated.push(this.records.setCurrent(state.id, { value: text, global_rev: globalRevision, local_rev: revision, session_ref: session.id }, now));
    }
    this.platform.publish({ type: "stateSnapshot", org: agent.org, agentId: agent.id, sessionId: session.session_id, globalRevision, timestamp: now, states: updated });
    for (const state of updated) this.platform.publish({ type: "stateUpdate", org: agent.org, state });
  }

  private patch(agentId: number, message: Extract<StateFrame, { type: "STATE_PATCH" }>): void {
    const agent = this.agentOf(agentId);
    const state = this.declared(agent, message.state_name, "STATE_PATCH.state_name");
    const valueText = message.op === "remove" ? null : this.checkedJson(message.value ?? null, "STATE_PATCH.value");
    const applied = applyPatch(JSON.parse(state.value), { op: message.op, path: message.path, value: message.value ?? null });
    if (!applied.ok) throw new PlatformError(`STATE_PATCH (state "${state.interface}"): ${applied.error}; send a STATE_SNAPSHOT of the whole state to resynchronise`, "BAD_USER_INPUT");
    const current = this.checkedJson(applied.value, `STATE_PATCH: state "${state.interface}" after the patch`);
    const now = Date.now();
    const session = this.records.ensureSession(agent.org, agent.id, message.session_id, now, false);
    const before = state.session_ref === session.id ? state.local_rev : 0;
    const taskId = message.task_id ? Number(message.task_id) : NaN;
    const task = /^\d{1,15}$/.test(message.task_id ?? "") ? this.platform.store.task(taskId) : undefined;
    const patch = this.records.insertPatch({
      org: agent.org,
      state_id: state.id,
      session_ref: session.id,
      task_id: task && task.org === agent.org ? task.id : null,
      correlation: message.task_id ?? null,
      op: message.op,
      path: message.path,
      value: valueText,
      current_revision: before,
      future_revision: before + 1,
      global_current_revision: message.global_rev - 1,
      global_future_revision: message.global_rev,
      timestamp: now,
    });
    this.records.prune(state.id, this.platform.options.statePatchesKept, this.platform.options.stateSnapshotsKept);
    const updated = this.records.setCurrent(state.id, { value: current, global_rev: message.global_rev, local_rev: before + 1, session_ref: session.id }, now);
    this.platform.publish({ type: "statePatch", org: agent.org, patch });
    this.platform.publish({ type: "stateUpdate", org: agent.org, state: updated });
  }

  // reading ---------------------------------------------------------------------------------------

  /** The state `id` of the viewer's organisation, or NOT_FOUND. */
  stateInOrg(org: string, id: unknown): StateRow {
    const stateId = typeof id === "string" && /^\d{1,15}$/.test(id) ? Number(id) : null;
    const state = stateId === null ? undefined : this.records.state(stateId);
    if (!state || state.org !== org) throw new PlatformError(`State ${String(id)} not found in organisation "${org}"`, "NOT_FOUND");
    return state;
  }

  /** The sessions a `sessionId` argument names (the agent's session id or a Session id); null when absent. */
  sessionsNamed(org: string, sessionId: string | null | undefined): IdSet {
    return sessionId === null || sessionId === undefined ? null : this.records.sessionRefs(org, sessionId);
  }

  /** The session of a state's current value, as the agent named it ("" before any). */
  sessionKey(state: StateRow): string {
    return state.session_ref === null ? "" : (this.records.session(state.session_ref)?.session_id ?? "");
  }

  /**
   * The value of a state at a global (`local` = false) or local revision of a session (its current
   * session when none is named): the newest snapshot at or before it plus the patches after, as a
   * Snapshot whose id is the stored snapshot it was rebuilt from. Null when the session holds no
   * snapshot of the state at or before that revision.
   */
  rebuild(state: StateRow, revision: number, local: boolean, sessions: IdSet): SnapshotRow | null {
    const candidates = sessions === null ? (state.session_ref === null ? [] : [state.session_ref]) : sessions;
    for (const sessionRef of [...candidates].sort((a, b) => b - a)) {
      // at or after the current revision of the current session: the current value itself (never pruned)
      if (sessionRef === state.session_ref && revision >= (local ? state.local_rev : state.global_rev)) {
        const newest = this.records.anchor(state.id, sessionRef, -1, -1);
        const session = this.records.session(sessionRef);
        return {
          id: newest?.id ?? 0,
          org: state.org,
          state_id: state.id,
          session_ref: sessionRef,
          value: state.value,
          revision: state.local_rev,
          global_revision: state.global_rev,
          patch_mark: this.records.lastPatchId(state.id),
          timestamp: state.updated_at,
          session_key: session?.session_id ?? "",
        };
      }
      const anchor = this.records.anchor(state.id, sessionRef, local ? -1 : revision, local ? revision : -1);
      if (!anchor) continue;
      if (anchor.patch_mark < state.pruned_through) {
        throw new PlatformError(
          `State ${state.id} at revision ${revision}: the patches after its nearest snapshot were dropped (the server keeps statePatchesKept=${this.platform.options.statePatchesKept} patches per state); ask for a later revision`,
          "BAD_USER_INPUT",
        );
      }
      let value: unknown = JSON.parse(anchor.value);
      let last: SnapshotRow | PatchRow = anchor;
      let rev = anchor.revision;
      let globalRev = anchor.global_revision;
      for (const patch of this.records.patchesAfterMark(state.id, sessionRef, anchor.patch_mark, local ? -1 : revision, local ? revision : -1)) {
        const applied = applyPatch(value, { op: patch.op, path: patch.path, value: patch.value === null ? null : JSON.parse(patch.value) });
        if (applied.ok) value = applied.value;
        last = patch;
        rev = patch.future_revision;
        globalRev = patch.global_future_revision;
      }
      return { ...anchor, value: JSON.stringify(value), revision: rev, global_revision: globalRev, timestamp: last.timestamp };
    }
    return null;
  }

  /**
   * `checkout` (one state) and `checkoutAgent` (all states of the agent, `only` null): the values at
   * `globalRevision` or at `timestamp` (the newest snapshot or patch at or before it; default: the
   * latest) in the session `sessionId` names (default: the state's current session / the agent's
   * newest; a timestamp picks its session when none is named), plus up to `forward` patches after
   * that revision and up to `backward` patches up to it (of that state / of the agent, in that session).
   * A state without a value at that point is left out of an agent checkout; a single state's is refused.
   */
  checkout(agentId: number, only: StateRow | null, args: CheckoutArgs): CheckoutResult {
    const org = args.org;
    const what = only ? `State ${only.id}` : `Agent ${agentId}`;
    if (args.globalRevision != null && args.timestamp != null) {
      throw new PlatformError("globalRevision, timestamp: pass one of them (or neither, for the latest), not both", "BAD_USER_INPUT");
    }
    if (args.globalRevision != null && (!Number.isInteger(args.globalRevision) || args.globalRevision < 0)) {
      throw new PlatformError(`globalRevision: must be 0 or more, got ${args.globalRevision}; omit it for the latest value`, "BAD_USER_INPUT");
    }
    let sessionRef: number | null = null;
    if (args.sessionId != null) {
      const refs = this.records.sessionRefs(org, args.sessionId).filter((ref) => this.records.session(ref)?.agent_id === agentId);
      if (refs.length === 0) throw new PlatformError(`Session ${args.sessionId} not found for agent ${agentId} in organisation "${org}"`, "NOT_FOUND");
      sessionRef = Math.max(...refs);
    }
    let revision = args.globalRevision ?? null;
    let field = "globalRevision";
    if (args.timestamp != null) {
      field = "timestamp";
      const ms = Date.parse(args.timestamp);
      if (Number.isNaN(ms)) throw new PlatformError(`timestamp: "${args.timestamp}" is not a date-time; send ISO 8601 (e.g. 2026-01-31T12:00:00Z)`, "BAD_USER_INPUT");
      const point = this.records.historyAt({ agent: agentId, state: only?.id ?? null, session: sessionRef, ts: ms });
      if (!point) {
        throw new PlatformError(`timestamp: ${what} has no kept history at or before ${new Date(ms).toISOString()}${args.sessionId != null ? ` in session ${args.sessionId}` : ""}; ask for a later time`, "BAD_USER_INPUT");
      }
      sessionRef = point.session_ref;
      revision = point.rev;
    }
    sessionRef ??= only ? only.session_ref : (this.latestSession(agentId)?.id ?? null);
    const states = only ? [only] : this.records.statesOfAgent(agentId);
    if (sessionRef === null) {
      // no session yet: nothing was ever reported, the values are the declared defaults
      if (revision !== null) throw new PlatformError(`${field}: ${what} has no history yet (no session); omit ${field} for the current value`, "BAD_USER_INPUT");
      return { values: states.map((state) => ({ state, value: JSON.parse(state.value), globalRevision: null })), globalRevision: null, forward: [], backward: [] };
    }
    const sessionKey = this.records.session(sessionRef)?.session_id ?? String(sessionRef);
    const values: CheckoutResult["values"] = [];
    for (const state of states) {
      let rebuilt: SnapshotRow | null;
      try {
        rebuilt = this.rebuild(state, revision ?? Number.MAX_SAFE_INTEGER, false, [sessionRef]);
      } catch (error) {
        if (error instanceof PlatformError && error.code === "BAD_USER_INPUT") throw new PlatformError(`${field}: ${error.message}`, "BAD_USER_INPUT");
        throw error;
      }
      if (rebuilt) values.push({ state, value: JSON.parse(rebuilt.value), globalRevision: rebuilt.global_revision });
    }
    if (values.length === 0 && (only || revision !== null)) {
      throw new PlatformError(
        revision === null
          ? `sessionId: ${what} has no value in session ${sessionKey}; name another session or omit sessionId`
          : `${field}: ${what} has no kept snapshot at or before global revision ${revision} in session ${sessionKey} (the server keeps stateSnapshotsKept=${this.platform.options.stateSnapshotsKept} snapshots per state); ask for a later revision`,
        "BAD_USER_INPUT",
      );
    }
    const reached = values.length === 0 ? null : Math.max(...values.map((v) => v.globalRevision ?? 0));
    const at = revision ?? reached ?? 0;
    const query = { session: sessionRef, state: only?.id ?? null, agent: agentId, rev: at };
    return {
      values,
      globalRevision: reached,
      forward: args.forward > 0 ? this.records.checkoutForward({ ...query, n: args.forward }) : [],
      backward: args.backward > 0 ? this.records.checkoutBackward({ ...query, n: args.backward }) : [],
    };
  }

  /** The newest session of an agent (the one its states were last written in). */
  latestSession(agentId: number): SessionRow | undefined {
    return this.records.sessionsOfAgent(agentId).at(-1);
  }
}
