/**
 * Memory structures: memory shelves and drawers (shelveInMemoryDrawer, unshelveMemoryDrawer,
 * memoryShelve(s), memoryDrawer(s), Agent.memoryShelve, collect).
 *
 * An agent keeps objects that cannot travel (a Python object of a plain class, a TypeScript
 * instance) in its own memory and hands out a reference: the id of a drawer on its shelve. The
 * platform only stores the drawers: which agent holds what (`identifier`, `resourceId`, `label`).
 * `collect` asks the holding agents (a COLLECT frame) to drop objects; an agent then unshelves the
 * drawer. `ensureAgent` gives every agent its shelve and empties it (a new agent process holds
 * nothing yet).
 */
import type { Area } from "../../graphql/area.js";
import { parseId } from "../../graphql/ids.js";
import { PlatformError, type Platform } from "../../platform.js";
import type { Identity } from "../../auth.js";
import type { AgentRow } from "../../store/store.js";
import { encodeCollect } from "../../../protocol/index.js";
import { MAX_DRAWER_KEY_LENGTH } from "./options.js";
import { MemoryRecords, type MemoryDrawerRow, type MemoryShelveRow } from "./records.js";
import { memoryResolvers } from "./resolvers.js";

export interface ShelveInput {
  identifier: string;
  resourceId: string;
  label?: string | null;
  description?: string | null;
}

/** The length of `text` in characters (code points) when it is over `limit`, else null. */
function tooLong(text: string, limit: number): number | null {
  if (text.length <= limit) return null; // never fewer UTF-16 units than code points
  let count = 0;
  for (const _ of text) count++;
  return count > limit ? count : null;
}

/** The area's service: its rules, over its records. Reached as `platform.areas.memory`. */
export class MemoryArea {
  private recordsOnce: MemoryRecords | undefined;

  constructor(readonly platform: Platform) {}

  /** The rows (prepared on first use: the platform builds its areas before anything is served). */
  get records(): MemoryRecords {
    return (this.recordsOnce ??= new MemoryRecords(this.platform.store));
  }

  /** The agent's shelve, made when it has none (agents made before the memory area, or without ensureAgent). */
  private shelveFor(agent: AgentRow, now: number): MemoryShelveRow {
    return (
      this.records.shelveOfAgent(agent.id) ??
      this.records.insertShelve({ org: agent.org, agent_id: agent.id, name: `${agent.name} memory shelve`, description: null, creator_sub: agent.user_sub, created_at: now })
    );
  }

  /**
   * The ensureAgent hook (docs/spec/platform-api.md): the agent gets its shelve, and the shelve is emptied, as
   * the platform does: the agent process that calls ensureAgent holds no object yet. Returns the agent.
   */
  agentEnsured(agent: AgentRow): AgentRow {
    this.platform.store.transaction(() => {
      const shelve = this.shelveFor(agent, Date.now());
      this.records.deleteDrawersOfShelve(shelve.id);
    });
    return agent;
  }

  /** The caller's own agent: drawers are always shelved on (and unshelved from) the token's agent. */
  private ownAgent(me: Identity, what: string): AgentRow {
    const agent = this.platform.store.agentByIdentity(me);
    if (!agent) throw new PlatformError(`${what}: this token has no agent in organisation "${me.org}"; call ensureAgent first (drawers live on the agent's own shelve)`, "NOT_FOUND");
    return agent;
  }

  private checkText(field: string, value: string, limit: number, option: string | null, required: boolean): void {
    if (required && value.trim() === "") throw new PlatformError(`${field}: must not be empty; pass the ${field.split(".").pop()} of the object the agent keeps`, "BAD_USER_INPUT");
    const length = tooLong(value, limit);
    if (length !== null) {
      const raise = option ? ` or raise the server's ${option}` : "";
      throw new PlatformError(`${field}: ${length} characters, more than ${limit}${option ? ` (the server's ${option})` : ""}; shorten it${raise}`, "BAD_USER_INPUT");
    }
  }

  /**
   * `shelveInMemoryDrawer`: a drawer on the caller's agent's shelve for the object `resourceId`
   * (re-shelving the same `resourceId` updates its drawer, as the platform's update_or_create).
   */
  shelve(me: Identity, input: ShelveInput): MemoryDrawerRow {
    const { maxDrawerLabelLength, maxDrawerDescriptionLength, maxDrawersPerShelve } = this.platform.options;
    this.checkText("input.identifier", input.identifier, MAX_DRAWER_KEY_LENGTH, null, true);
    this.checkText("input.resourceId", input.resourceId, MAX_DRAWER_KEY_LENGTH, null, true);
    if (typeof input.label === "string") this.checkText("input.label", input.label, maxDrawerLabelLength, "maxDrawerLabelLength", false);
    if (typeof input.description === "string") this.checkText("input.description", input.description, maxDrawerDescriptionLength, "maxDrawerDescriptionLength", false);
    const agent = this.ownAgent(me, "shelveInMemoryDrawer");
    return this.platform.store.transaction(() => {
      const now = Date.now();
      const shelve = this.shelveFor(agent, now);
      const fields = { identifier: input.identifier, label: input.label ?? null, description: input.description ?? null };
      const existing = this.records.drawerByResource(shelve.id, input.resourceId);
      this.records.touchShelve(shelve.id, now);
      if (existing) return this.records.updateDrawer({ id: existing.id, ...fields });
      if (this.records.countDrawers(shelve.id) >= maxDrawersPerShelve) {
        throw new PlatformError(
          `shelveInMemoryDrawer: the memory shelve of agent ${agent.id} already holds ${maxDrawersPerShelve} drawers (the server's maxDrawersPerShelve); unshelve or collect drawers that are no longer needed, or raise the limit`,
          "LIMIT_EXCEEDED",
        );
      }
      return this.records.insertDrawer({ org: agent.org, shelve_id: shelve.id, resource_id: input.resourceId, created_at: now, ...fields });
    });
  }

  /** `unshelveMemoryDrawer`: removes a drawer of the caller's own agent; answers its id. */
  unshelve(me: Identity, id: string): string {
    const drawer = this.drawerInOrg(me, id);
    const agent = this.ownAgent(me, "unshelveMemoryDrawer");
    const shelve = this.records.shelve(drawer.shelve_id);
    if (!shelve || shelve.agent_id !== agent.id) {
      throw new PlatformError(
        `input.id: MemoryDrawer ${drawer.id} is on the shelve of agent ${shelve?.agent_id ?? "?"}, not of this token's agent ${agent.id}; only the agent that holds the object may unshelve it (others ask for it with collect)`,
        "FORBIDDEN",
      );
    }
    this.platform.store.transaction(() => this.records.deleteDrawer(drawer.id));
    return String(drawer.id);
  }

  /**
   * `collect`: sends each live agent holding some of the drawers one COLLECT frame with its drawer
   * ids (the agent drops the objects and unshelves the drawers). Answers the ids of the drawers found
   * in the organisation, in the order asked; other ids (unknown, gone, another organisation's) are
   * left out of the answer. An agent that is not connected misses its COLLECT, as on the platform.
   */
  collect(me: Identity, drawers: readonly string[]): string[] {
    const ids: number[] = [];
    drawers.forEach((raw, index) => {
      const id = parseId(raw);
      if (id === null) throw new PlatformError(`input.drawers[${index}]: ${JSON.stringify(raw)} is no drawer id; pass the ids shelveInMemoryDrawer answered`, "BAD_USER_INPUT");
      ids.push(id);
    });
    const found = this.records.drawersWithAgent(me.org, ids);
    const byAgent = new Map<number, string[]>();
    for (const drawer of found) {
      const list = byAgent.get(drawer.agent_id) ?? [];
      list.push(String(drawer.id));
      byAgent.set(drawer.agent_id, list);
    }
    for (const [agentId, list] of byAgent) this.platform.linkOf(agentId)?.send(encodeCollect({ drawers: list }));
    const foundIds = new Set(found.map((d) => d.id));
    return [...new Set(ids)].filter((id) => foundIds.has(id)).map(String);
  }

  /** A drawer of the viewer's organisation, else NOT_FOUND. */
  drawerInOrg(me: Identity, id: unknown): MemoryDrawerRow {
    const drawerId = parseId(id);
    const drawer = drawerId === null ? undefined : this.records.drawer(drawerId);
    if (!drawer || drawer.org !== me.org) throw new PlatformError(`MemoryDrawer ${String(id)} not found in organisation "${me.org}"`, "NOT_FOUND");
    return drawer;
  }

  /** A shelve of the viewer's organisation, else NOT_FOUND. */
  shelveInOrg(me: Identity, id: unknown): MemoryShelveRow {
    const shelveId = parseId(id);
    const shelve = shelveId === null ? undefined : this.records.shelve(shelveId);
    if (!shelve || shelve.org !== me.org) throw new PlatformError(`MemoryShelve ${String(id)} not found in organisation "${me.org}"`, "NOT_FOUND");
    return shelve;
  }
}

export const memoryArea: Area = { name: "memory", resolvers: memoryResolvers() };
