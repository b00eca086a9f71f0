/**
 * The rules of dependencies and their resolution:
 * - declarations: the `AgentDependencyInput`s of an implementation become `dependency` rows;
 * - resolutions: a named choice of implementations (per action slot of each dependency), made by
 *   hand (`createResolution`, mapped agents) or by `autoResolve` (live agents passing the filters
 *   and offering an implementation for every slot; recursively for their own dependencies);
 * - assign: a task of an implementation with dependencies gets a dependency map (dependency key →
 *   agents → slot → implementation) from the given resolution, `input.dependencies`, or the live
 *   agents of auto-resolvable dependencies; an unresolved dependency refuses the assign naming its
 *   key. A call through a dependency (`dependency` + `method` + `parent`) is routed through the
 *   parent's map to a live agent.
 * - bounds: one resolution (assign's map, autoResolve) builds the nested map (or down-stream
 *   resolution) of each implementation once and reuses it for every slot and path that binds it
 *   (a repeat on the way down is a cycle and stops); the nesting is bounded by maxDependencyDepth,
 *   the entries of an assign's map by maxDependencyMapEntries, the slots of a declared dependency
 *   by maxDependencySlots (LIMIT_EXCEEDED naming the dependency path).
 */
import { randomUUID } from "node:crypto";
import type { Identity } from "../../auth.js";
import type { ImplementationInputLike, Platform } from "../../platform.js";
import { PlatformError } from "../../platform.js";
import type { ActionRow, AgentRow, ImplementationRow, TaskRow } from "../../store/store.js";
import { parseId } from "../../graphql/ids.js";
import { isRecord } from "../inputs.js";
import { actionSatisfies, agentPassesFilters, type ActionSlot } from "./demand.js";
import { DependencyRecords, type DependencyRow, type NewDependency, type NewResolvedDependency, type ResolutionRow } from "./records.js";

/** The implementation one slot (method) of a dependency calls, with the map of its own dependencies. */
export interface MapEntry {
  implementation: string;
  dependencies: DependencyMap;
}
/** One agent bound to a dependency: its implementation per slot (empty: the slots are its interfaces). */
export interface AgentEntry {
  agent: string;
  actions: Record<string, MapEntry>;
}
/** What a task was assigned with (`Task.dependencies`): dependency key → bound agents. */
export type DependencyMap = Record<string, AgentEntry[]>;

/** What `plan` decided for a task, stored with it by `recordTask`. */
export interface TaskPlan {
  dependencies: DependencyMap;
  resolution: number | null;
  dependency: string | null;
  method: string | null;
}

/** The parts of an assign the dependencies area reads. */
export interface DependencyAssign {
  action?: string | null;
  implementation?: string | null;
  dependency?: string | null;
  method?: string | null;
  parent?: string | null;
  resolution?: string | null;
  dependencies?: unknown;
}

interface MappedAgentInput {
  key: string;
  agent: string;
}
interface ResolvedDependencyInput {
  key: string;
  mappedAgents: MappedAgentInput[];
  autoResolve?: boolean | null;
}

/**
 * One resolution's walk down nested dependencies: the nested map of each implementation is built
 * once (per down-stream resolution) and shared by every slot that binds it, so the work is linear
 * in the implementations, not slots^depth; `open` holds the implementations being built (a repeat
 * is a cycle and gets an empty map).
 */
interface Walk {
  org: string;
  now: number;
  root: ImplementationRow;
  memo: Map<string, DependencyMap>;
  open: Set<number>;
  sizes: WeakMap<DependencyMap, { depth: number; entries: number }>;
}

const badInput = (message: string) => new PlatformError(message, "BAD_USER_INPUT");

/** The declared action slots of a dependency row. */
export function slotsOf(dep: DependencyRow): ActionSlot[] {
  const parsed = JSON.parse(dep.action_dependencies) as unknown;
  return Array.isArray(parsed) ? parsed.filter((s): s is ActionSlot => isRecord(s) && typeof s.key === "string") : [];
}

export class DependenciesService {
  private recordsOnce: DependencyRecords | null = null;
  /** Rotates the choice among the live agents of a dependency (BALANCED). */
  private turn = 0;

  constructor(readonly platform: Platform) {}

  /** Built on first use: the platform builds its areas before its store is assigned. */
  get records(): DependencyRecords {
    this.recordsOnce ??= new DependencyRecords(this.platform.store);
    return this.recordsOnce;
  }

  private get store() {
    return this.platform.store;
  }

  // declarations --------------------------------------------------------------------------------

  /** Refuses malformed `dependencies` of an implementation input before anything is written. */
  check(impl: ImplementationInputLike): void {
    const declared = impl.dependencies ?? [];
    const where = `definition "${impl.definition.key}": dependencies`;
    if (!Array.isArray(declared)) throw badInput(`${where}: must be a list of AgentDependencyInput`);
    const keys = new Set<string>();
    declared.forEach((d: unknown, i) => {
      const at = `${where}[${i}]`;
      if (!isRecord(d)) throw badInput(`${at}: must be an AgentDependencyInput object`);
      if (typeof d.key !== "string" || d.key.trim() === "") throw badInput(`${at}.key: must not be empty; name the dependency`);
      if (keys.has(d.key)) throw badInput(`${at}.key: "${d.key}" is declared twice; dependency keys must be unique per implementation`);
      keys.add(d.key);
      for (const field of ["minViableInstances", "maxViableInstances", "preferedInstances"] as const) {
        const v = d[field];
        if (v !== undefined && v !== null && (typeof v !== "number" || !Number.isInteger(v) || v < 0)) throw badInput(`${at}.${field}: must be a whole number >= 0`);
      }
      if (typeof d.minViableInstances === "number" && typeof d.maxViableInstances === "number" && d.minViableInstances > d.maxViableInstances) {
        throw badInput(`${at}.minViableInstances: ${d.minViableInstances} is more than maxViableInstances (${d.maxViableInstances})`);
      }
      const slotCount = (Array.isArray(d.actionDependencies) ? d.actionDependencies.length : 0) + (Array.isArray(d.stateDependencies) ? d.stateDependencies.length : 0);
      const { maxDependencySlots } = this.platform.options;
      if (slotCount > maxDependencySlots) {
        throw new PlatformError(
          `${at}: ${slotCount} slots (actionDependencies + stateDependencies), more than the server's maxDependencySlots (${maxDependencySlots}); split the dependency "${String(d.key)}" or raise maxDependencySlots`,
          "LIMIT_EXCEEDED",
          { dependency: String(d.key) },
        );
      }
      for (const list of ["actionDependencies", "stateDependencies"] as const) {
        const slots = d[list];
        if (slots === undefined || slots === null) continue;
        if (!Array.isArray(slots)) throw badInput(`${at}.${list}: must be a list`);
        const slotKeys = new Set<string>();
        slots.forEach((s: unknown, j) => {
          if (!isRecord(s) || typeof s.key !== "string" || s.key.trim() === "") throw badInput(`${at}.${list}[${j}].key: must not be empty; name the slot callers use as method`);
          if (slotKeys.has(s.key)) throw badInput(`${at}.${list}[${j}].key: "${s.key}" is declared twice in dependency "${String(d.key)}"`);
          slotKeys.add(s.key);
        });
      }
    });
  }

  /** Stores the declared dependencies of an implementation (inside the caller's transaction); returns the row. */
  declare(org: string, row: ImplementationRow, declared: readonly unknown[] | null | undefined): ImplementationRow {
    const now = Date.now();
    const rows: NewDependency[] = (declared ?? []).filter(isRecord).map((d, position) => {
      const int = (v: unknown) => (typeof v === "number" && Number.isInteger(v) ? v : null);
      const text = (v: unknown) => (typeof v === "string" ? v : null);
      return {
        org,
        implementation_id: row.id,
        position,
        key: String(d.key),
        optional: d.optional === true ? 1 : 0,
        description: text(d.description),
        auto_resolvable: d.autoResolvable === true ? 1 : 0,
        app_filter: text(d.app),
        version_filter: text(d.version),
        min_viable_instances: int(d.minViableInstances),
        max_viable_instances: int(d.maxViableInstances),
        prefered_instances: int(d.preferedInstances),
        action_dependencies: JSON.stringify(Array.isArray(d.actionDependencies) ? d.actionDependencies : []),
        state_dependencies: JSON.stringify(Array.isArray(d.stateDependencies) ? d.stateDependencies : []),
        created_at: now,
      };
    });
    this.records.replaceDependencies(row.id, rows);
    return row;
  }

  // lookups in the viewer's organisation -------------------------------------------------------

  implementationInOrg(org: string, id: string, field: string): ImplementationRow {
    const implId = parseId(id);
    const impl = implId === null ? undefined : this.store.implementation(implId);
    const agent = impl ? this.store.agent(impl.agent_id) : undefined;
    if (!impl || !agent || agent.org !== org) throw new PlatformError(`${field}: Implementation ${id} not found in organisation "${org}"`, "NOT_FOUND");
    return impl;
  }

  dependencyInOrg(org: string, id: string): DependencyRow {
    const depId = parseId(id);
    const dep = depId === null ? undefined : this.records.dependency(depId);
    if (!dep || dep.org !== org) throw new PlatformError(`Dependency ${id} not found in organisation "${org}"`, "NOT_FOUND");
    return dep;
  }

  resolutionInOrg(org: string, id: string, field?: string): ResolutionRow {
    const resId = parseId(id);
    const res = resId === null ? undefined : this.records.resolution(resId);
    if (!res || res.org !== org) throw new PlatformError(`${field ? `${field}: ` : ""}Resolution ${id} not found in organisation "${org}"`, "NOT_FOUND");
    return res;
  }

  private describe(impl: ImplementationRow): string {
    return `implementation ${impl.id} ("${impl.interface}")`;
  }

  private live(agent: AgentRow, now: number): boolean {
    return agent.blocked === 0 && this.platform.isLive(agent, now);
  }

  // binding agents to a dependency -------------------------------------------------------------

  /** The implementation per slot an agent offers for `dep`, or why it cannot serve it. */
  private agentEntry(dep: DependencyRow, agent: AgentRow, nested: (impl: ImplementationRow, slot: string) => DependencyMap): AgentEntry | string {
    const actions: Record<string, MapEntry> = {};
    const impls = this.store.implementationsOfAgent(agent.id);
    for (const slot of slotsOf(dep)) {
      const impl = impls.find((i) => {
        const action: ActionRow | undefined = this.store.action(i.action_id);
        return action !== undefined && actionSatisfies(action, slot);
      });
      if (!impl) {
        if (slot.optional) continue;
        return `agent ${agent.id} ("${agent.name}") implements no action for slot "${slot.key}"`;
      }
      actions[slot.key] = { implementation: String(impl.id), dependencies: nested(impl, slot.key) };
    }
    return { agent: String(agent.id), actions };
  }

  /** The live agents of the organisation that can serve `dep`, and why the others cannot. */
  private autoAgents(org: string, dep: DependencyRow, now: number, nested: (impl: ImplementationRow, slot: string) => DependencyMap): { entries: AgentEntry[]; reasons: string[] } {
    const entries: AgentEntry[] = [];
    const reasons: string[] = [];
    for (const agent of this.store.agentsOfOrg(org)) {
      if (!agentPassesFilters(agent, dep.app_filter, dep.version_filter)) continue;
      if (!this.live(agent, now)) {
        reasons.push(`agent ${agent.id} ("${agent.name}") is not connected`);
        continue;
      }
      const entry = this.agentEntry(dep, agent, nested);
      if (typeof entry === "string") reasons.push(entry);
      else entries.push(entry);
    }
    if (entries.length === 0 && reasons.length === 0) {
      reasons.push(`no agent of organisation "${org}"${dep.app_filter ? ` matches app "${dep.app_filter}"` : ""}${dep.version_filter ? ` version "${dep.version_filter}"` : ""}`);
    }
    return { entries, reasons };
  }

  private unresolved(dep: DependencyRow, impl: ImplementationRow, why: string): PlatformError {
    return new PlatformError(
      `Dependency "${dep.key}" of ${this.describe(impl)} is not resolved: ${why}; assign with a resolution (createResolution or autoResolve), pass input.dependencies, or start an agent that serves it`,
      "UNRESOLVED_DEPENDENCY",
      { dependency: dep.key },
    );
  }

  private minOf(dep: DependencyRow): number {
    return dep.min_viable_instances ?? (dep.optional ? 0 : 1);
  }

  /** Levels and entries (one per slot of a bound agent, at every nesting) of a dependency map; shared maps are measured once. */
  private measure(walk: Walk, map: DependencyMap): { depth: number; entries: number } {
    const known = walk.sizes.get(map);
    if (known) return known;
    let depth = 0;
    let entries = 0;
    for (const list of Object.values(map)) {
      for (const entry of list) {
        for (const slot of Object.values(entry.actions)) {
          const below = this.measure(walk, slot.dependencies);
          entries += 1 + below.entries;
          depth = Math.max(depth, 1 + below.depth);
        }
      }
    }
    const size = { depth, entries };
    walk.sizes.set(map, size);
    return size;
  }

  /** Refuses a nesting deeper than maxDependencyDepth, naming the dependency path from the assigned implementation. */
  private tooDeep(root: ImplementationRow, path: readonly string[], impl: ImplementationRow, more: number): PlatformError {
    const { maxDependencyDepth } = this.platform.options;
    return new PlatformError(
      `Dependency path "${path.join(" → ")}" of ${this.describe(root)} nests deeper than the server's maxDependencyDepth (${maxDependencyDepth}): ${this.describe(impl)} at its end has ${more} more level(s) of dependencies; declare a shallower chain of dependencies, assign with input.dependencies, or raise maxDependencyDepth`,
      "LIMIT_EXCEEDED",
      { dependency: path[0]?.split(".")[0] ?? null, path: [...path] },
    );
  }

  /** The nested map of an implementation bound at `path` (auto-bound, or by a down-stream resolution), built once per walk. */
  private nestedOf(walk: Walk, impl: ImplementationRow, resolution: ResolutionRow | null, path: readonly string[]): DependencyMap {
    if (walk.open.has(impl.id)) return {};
    const key = `${resolution ? resolution.id : "auto"}:${impl.id}`;
    const known = walk.memo.get(key);
    if (known) {
      const { depth } = this.measure(walk, known);
      if (path.length + depth > this.platform.options.maxDependencyDepth) throw this.tooDeep(walk.root, path, impl, depth);
      return known;
    }
    const deps = this.records.dependenciesOf(impl.id);
    if (deps.length === 0) return {};
    walk.open.add(impl.id);
    try {
      const map = this.mapFor(walk, impl, deps, resolution, new Map(), path);
      walk.memo.set(key, map);
      return map;
    } finally {
      walk.open.delete(impl.id);
    }
  }

  /** The dependency map of one implementation's dependencies, whose entries sit at `path`. */
  private mapFor(
    walk: Walk,
    impl: ImplementationRow,
    deps: DependencyRow[],
    resolution: ResolutionRow | null,
    overrides: Map<string, { input: ResolvedDependencyInput; at: string }>,
    path: readonly string[],
  ): DependencyMap {
    const { org, now } = walk;
    const { maxDependencyDepth, maxDependencyMapEntries } = this.platform.options;
    if (deps.length > 0 && path.length + 1 > maxDependencyDepth) throw this.tooDeep(walk.root, path, impl, 1);
    const map: DependencyMap = {};
    const resolved = resolution ? this.records.resolvedOf(resolution.id) : [];
    for (const dep of deps) {
      const nested = (bound: ImplementationRow, slot: string) => this.nestedOf(walk, bound, null, [...path, `${dep.key}.${slot}`]);
      const override = overrides.get(dep.key);
      let entries: AgentEntry[] = [];
      let why: string;
      if (override && !override.input.autoResolve) {
        entries = override.input.mappedAgents.map((m, j) => {
          const field = `${override.at}.mappedAgents[${j}].agent`;
          const agent = this.agentInOrg(org, m.agent, field);
          const entry = this.agentEntry(dep, agent, nested);
          if (typeof entry === "string") throw badInput(`${field}: ${entry} of dependency "${dep.key}"`);
          return entry;
        });
        why = "input.dependencies maps no agent to it";
      } else if (!override && resolved.some((r) => r.dependency_key === dep.key)) {
        entries = this.entriesOfResolved(walk, resolved.filter((r) => r.dependency_key === dep.key), path);
        why = `resolution ${resolution!.id} binds it to no existing implementation`;
      } else if (override?.input.autoResolve || dep.auto_resolvable === 1) {
        const auto = this.autoAgents(org, dep, now, nested);
        entries = auto.entries;
        why = auto.reasons.join("; ");
      } else {
        why = resolution ? `resolution ${resolution.id} does not resolve it and it is not autoResolvable` : "it is not autoResolvable and the assign names no resolution";
      }
      if (dep.max_viable_instances !== null) entries = entries.slice(0, dep.max_viable_instances);
      const min = this.minOf(dep);
      if (entries.length < min) {
        throw this.unresolved(dep, impl, entries.length === 0 ? why : `${entries.length} agent(s) serve it, fewer than its minViableInstances (${min})`);
      }
      if (entries.length > 0) map[dep.key] = entries;
    }
    const { entries } = this.measure(walk, map);
    if (entries > maxDependencyMapEntries) {
      const held = path.length > 0 ? `at least ${entries} entries (${entries} below dependency path "${path.join(" → ")}" alone)` : `${entries} entries`;
      throw new PlatformError(
        `The dependency map of ${this.describe(walk.root)} would hold ${held}, more than the server's maxDependencyMapEntries (${maxDependencyMapEntries}); declare fewer slots or a shallower chain of dependencies, map fewer agents (maxViableInstances, input.dependencies), or raise maxDependencyMapEntries`,
        "LIMIT_EXCEEDED",
        { path: [...path] },
      );
    }
    return map;
  }

  /** Resolved-dependency rows grouped by the agent of their implementation. */
  private entriesOfResolved(walk: Walk, rows: ReturnType<DependencyRecords["resolvedOf"]>, path: readonly string[]): AgentEntry[] {
    const byAgent = new Map<number, AgentEntry>();
    for (const row of rows) {
      const impl = this.store.implementation(row.implementation_id);
      if (!impl) continue;
      let entry = byAgent.get(impl.agent_id);
      if (!entry) {
        entry = { agent: String(impl.agent_id), actions: {} };
        byAgent.set(impl.agent_id, entry);
      }
      let dependencies: DependencyMap = {};
      const down = row.down_stream_resolution_id === null ? undefined : this.records.resolution(row.down_stream_resolution_id);
      if (down && down.org === walk.org) dependencies = this.nestedOf(walk, impl, down, [...path, `${row.dependency_key}.${row.method}`]);
      entry.actions[row.method] = { implementation: String(impl.id), dependencies };
    }
    return [...byAgent.values()];
  }

  private agentInOrg(org: string, id: string, field: string): AgentRow {
    const agentId = parseId(id);
    const agent = agentId === null ? undefined : this.store.agent(agentId);
    if (!agent || agent.org !== org) throw new PlatformError(`${field}: Agent ${id} not found in organisation "${org}"`, "NOT_FOUND");
    return agent;
  }

  /** `ResolvedDependencyInput`s by dependency key, checked against the declared dependencies. */
  private overridesOf(value: unknown, field: string, impl: ImplementationRow, deps: DependencyRow[]): Map<string, { input: ResolvedDependencyInput; at: string }> {
    const overrides = new Map<string, { input: ResolvedDependencyInput; at: string }>();
    if (value === undefined || value === null) return overrides;
    if (!Array.isArray(value)) throw badInput(`${field}: must be a list of ResolvedDependencyInput`);
    value.forEach((v: unknown, i) => {
      const at = `${field}[${i}]`;
      if (!isRecord(v) || typeof v.key !== "string") throw badInput(`${at}.key: must name a dependency`);
      if (!deps.some((d) => d.key === v.key)) {
        throw badInput(`${at}.key: ${this.describe(impl)} declares no dependency "${v.key}"; declared: ${deps.map((d) => `"${d.key}"`).join(", ") || "none"}`);
      }
      if (overrides.has(v.key)) throw badInput(`${at}.key: dependency "${v.key}" is given twice`);
      const mapped = Array.isArray(v.mappedAgents) ? v.mappedAgents : [];
      const mappedAgents = mapped.map((m: unknown, j) => {
        if (!isRecord(m) || typeof m.agent !== "string" || typeof m.key !== "string") throw badInput(`${at}.mappedAgents[${j}]: needs key and agent`);
        return { key: m.key, agent: m.agent };
      });
      overrides.set(v.key, { input: { key: v.key, mappedAgents, autoResolve: v.autoResolve === true }, at });
    });
    return overrides;
  }

  // assign --------------------------------------------------------------------------------------

  /**
   * The implementation an assign by `dependency` (+ `method` + `parent`) or by `resolution` goes to.
   * Called by Platform.assign before its own routing.
   */
  route(identity: Identity, input: DependencyAssign, now: number): { impl: ImplementationRow; action: ActionRow } {
    const impl = input.dependency ? this.viaParent(identity, input, now).impl : this.viaResolution(identity, input, now);
    return { impl, action: this.store.action(impl.action_id)! };
  }

  private viaResolution(identity: Identity, input: DependencyAssign, now: number): ImplementationRow {
    const res = this.resolutionInOrg(identity.org, input.resolution!, "input.resolution");
    const impl = this.store.implementation(res.implementation_id)!;
    if (input.implementation && parseId(input.implementation) !== impl.id) {
      throw badInput(`input.resolution: resolution ${res.id} configures implementation ${impl.id}, not ${input.implementation}; assign with its implementation or another resolution`);
    }
    if (input.action && parseId(input.action) !== impl.action_id) {
      throw badInput(`input.resolution: resolution ${res.id} configures implementation ${impl.id} of action ${impl.action_id}, not action ${input.action}; leave input.action out or pick another resolution`);
    }
    const agent = this.store.agent(impl.agent_id)!;
    if (!this.live(agent, now)) {
      throw new PlatformError(`No active implementation found for resolution ${res.id}: its ${this.describe(impl)} runs on agent ${agent.id}, which is not connected`, "NO_ACTIVE_IMPLEMENTATION");
    }
    return impl;
  }

  private parentTask(identity: Identity, input: DependencyAssign): TaskRow {
    const key = input.dependency!;
    if (!input.method) throw badInput(`input.method: required when assigning through dependency "${key}"; name the slot (method) to call`);
    if (!input.parent) throw badInput(`input.parent: required when assigning through dependency "${key}"; the parent task's dependencies are used`);
    const parentId = parseId(input.parent);
    const parent = parentId === null ? undefined : this.store.task(parentId);
    if (!parent || parent.org !== identity.org) throw new PlatformError(`input.parent: Task ${input.parent} not found in organisation "${identity.org}"`, "NOT_FOUND");
    return parent;
  }

  private entriesOfParent(parent: TaskRow, key: string): AgentEntry[] {
    const stored = this.records.taskDependency(parent.id);
    const map = stored ? (JSON.parse(stored.dependencies) as DependencyMap) : {};
    const entries = map[key];
    if (!entries || entries.length === 0) {
      const known = Object.keys(map);
      throw new PlatformError(
        `Dependency "${key}" is not resolved for task ${parent.id}: ${known.length ? `it was assigned with ${known.map((k) => `"${k}"`).join(", ")}` : "it was assigned without resolved dependencies"}; declare "${key}" on its implementation and resolve it (resolution, input.dependencies or autoResolvable)`,
        "UNRESOLVED_DEPENDENCY",
        { dependency: key },
      );
    }
    return entries;
  }

  private viaParent(identity: Identity, input: DependencyAssign, now: number): { impl: ImplementationRow; entry: MapEntry } {
    const parent = this.parentTask(identity, input);
    const key = input.dependency!;
    const method = input.method!;
    const entries = this.entriesOfParent(parent, key);
    const start = this.turn++ % entries.length;
    const methods = new Set<string>();
    const offline: string[] = [];
    for (let i = 0; i < entries.length; i++) {
      const entry = entries[(start + i) % entries.length]!;
      const agent = this.store.agent(Number(entry.agent));
      if (!agent || agent.org !== identity.org) continue;
      const mapped = entry.actions[method];
      Object.keys(entry.actions).forEach((m) => methods.add(m));
      // a dependency without slots calls the bound agent's implementations by interface
      const impl = mapped
        ? this.store.implementation(Number(mapped.implementation))
        : Object.keys(entry.actions).length === 0
          ? this.store.implementationByInterface(agent.id, method)
          : undefined;
      if (!impl || impl.agent_id !== agent.id) continue;
      if (!this.live(agent, now)) {
        offline.push(`agent ${agent.id} ("${agent.name}")`);
        continue;
      }
      return { impl, entry: mapped ?? { implementation: String(impl.id), dependencies: {} } };
    }
    if (offline.length > 0) {
      throw new PlatformError(`No active implementation found for dependency "${key}" (method "${method}") of task ${parent.id}: ${offline.join(", ")} not connected`, "NO_ACTIVE_IMPLEMENTATION", { dependency: key });
    }
    throw badInput(`input.method: dependency "${key}" of task ${parent.id} has no method "${method}"${methods.size ? `; its methods: ${[...methods].map((m) => `"${m}"`).join(", ")}` : ""}`);
  }

  /** What the new task of `impl` is assigned with; null when it has no dependencies and names none. */
  plan(identity: Identity, impl: ImplementationRow, input: DependencyAssign, now: number): TaskPlan | null {
    if (input.dependency) {
      const parent = this.parentTask(identity, input);
      const entry = this.entriesOfParent(parent, input.dependency)
        .map((e) => e.actions[input.method!])
        .find((m) => m !== undefined && Number(m.implementation) === impl.id);
      return { dependencies: entry?.dependencies ?? {}, resolution: null, dependency: input.dependency, method: input.method ?? null };
    }
    const deps = this.records.dependenciesOf(impl.id);
    const resolution = input.resolution ? this.resolutionInOrg(identity.org, input.resolution, "input.resolution") : null;
    if (resolution && resolution.implementation_id !== impl.id) {
      throw badInput(`input.resolution: resolution ${resolution.id} configures implementation ${resolution.implementation_id}, not ${impl.id}`);
    }
    if (deps.length === 0 && !resolution) {
      if (Array.isArray(input.dependencies) && input.dependencies.length > 0) this.overridesOf(input.dependencies, "input.dependencies", impl, deps);
      return null;
    }
    const overrides = this.overridesOf(input.dependencies, "input.dependencies", impl, deps);
    const walk: Walk = { org: identity.org, now, root: impl, memo: new Map(), open: new Set([impl.id]), sizes: new WeakMap() };
    return { dependencies: this.mapFor(walk, impl, deps, resolution, overrides, []), resolution: resolution?.id ?? null, dependency: null, method: null };
  }

  /** Stores what `plan` decided, inside the assign's transaction. */
  recordTask(task: TaskRow, plan: TaskPlan | null): void {
    if (!plan) return;
    this.records.insertTaskDependency({
      task_id: task.id,
      org: task.org,
      dependencies: JSON.stringify(plan.dependencies),
      resolution_id: plan.resolution,
      dependency: plan.dependency,
      dependency_method: plan.method,
    });
  }

  // resolutions ---------------------------------------------------------------------------------

  private checkName(name: string, field: string): string {
    const trimmed = name.trim();
    if (trimmed === "") throw badInput(`${field}: must not be empty; give the resolution a name`);
    if (trimmed.length > 1000) throw badInput(`${field}: ${trimmed.length} characters, at most 1000`);
    return trimmed;
  }

  /** The resolved-dependency rows of `input` (mapped agents, or live agents where autoResolve is set). */
  private rowsOf(org: string, impl: ImplementationRow, value: unknown, field: string, now: number): Array<Omit<NewResolvedDependency, "resolution_id">> {
    const deps = this.records.dependenciesOf(impl.id);
    const overrides = this.overridesOf(value, field, impl, deps);
    const rows: Array<Omit<NewResolvedDependency, "resolution_id">> = [];
    for (const dep of deps) {
      const override = overrides.get(dep.key);
      if (!override) continue;
      let bound: Array<{ entry: AgentEntry; key: string }>;
      if (override.input.autoResolve) {
        const auto = this.autoAgents(org, dep, now, () => ({}));
        if (auto.entries.length < Math.max(1, this.minOf(dep))) throw this.unresolved(dep, impl, auto.reasons.join("; "));
        bound = auto.entries.slice(0, dep.max_viable_instances ?? auto.entries.length).map((entry) => ({ entry, key: randomUUID() }));
      } else {
        bound = override.input.mappedAgents.map((m, j) => {
          const at = `${override.at}.mappedAgents[${j}].agent`;
          const entry = this.agentEntry(dep, this.agentInOrg(org, m.agent, at), () => ({}));
          if (typeof entry === "string") throw badInput(`${at}: ${entry} of dependency "${dep.key}"`);
          return { entry, key: m.key };
        });
      }
      for (const { entry, key } of bound) rows.push(...this.rowsOfEntry(org, dep, entry, key, null));
    }
    return rows;
  }

  /** One row per slot of a bound agent; a dependency without slots binds every implementation of the agent by interface. */
  private rowsOfEntry(org: string, dep: DependencyRow, entry: AgentEntry, resolutionKey: string, down: ((impl: ImplementationRow, method: string) => number | null) | null) {
    const slots = Object.entries(entry.actions).map(([method, m]) => ({ method, impl: this.store.implementation(Number(m.implementation))! }));
    const bound = slots.length > 0 || slotsOf(dep).length > 0 ? slots : this.store.implementationsOfAgent(Number(entry.agent)).map((impl) => ({ method: impl.interface, impl }));
    return bound.map(({ method, impl }) => ({
      org,
      dependency_id: dep.id,
      dependency_key: dep.key,
      method,
      resolution_key: resolutionKey,
      implementation_id: impl.id,
      down_stream_resolution_id: down ? down(impl, method) : null,
    }));
  }

  createResolution(me: Identity, input: { implementation: string; name: string; resolvedDependencies?: unknown }): ResolutionRow {
    const name = this.checkName(input.name, "input.name");
    const impl = this.implementationInOrg(me.org, input.implementation, "input.implementation");
    const rows = this.rowsOf(me.org, impl, input.resolvedDependencies, "input.resolvedDependencies", Date.now());
    return this.store.transaction(() => {
      const res = this.records.insertResolution(me.org, impl.id, name, me.sub);
      for (const row of rows) this.records.insertResolved({ ...row, resolution_id: res.id });
      return res;
    });
  }

  updateResolution(me: Identity, input: { id: string; name: string; resolvedDependencies?: unknown }): ResolutionRow {
    const res = this.resolutionInOrg(me.org, input.id, "input.id");
    const name = this.checkName(input.name, "input.name");
    const impl = this.store.implementation(res.implementation_id)!;
    const rows = input.resolvedDependencies === undefined || input.resolvedDependencies === null ? null : this.rowsOf(me.org, impl, input.resolvedDependencies, "input.resolvedDependencies", Date.now());
    return this.store.transaction(() => {
      this.records.renameResolution(res.id, name);
      if (rows) {
        this.records.clearResolved(res.id);
        for (const row of rows) this.records.insertResolved({ ...row, resolution_id: res.id });
      }
      return this.records.resolution(res.id)!;
    });
  }

  deleteResolution(me: Identity, id: string): string {
    const res = this.resolutionInOrg(me.org, id, "input.id");
    this.store.transaction(() => this.records.deleteResolution(res.id));
    return String(res.id);
  }

  /**
   * A new resolution binding every dependency of the implementation to live agents that pass its
   * filters and offer an implementation for each slot (up to preferedInstances, else
   * maxViableInstances, else one agent); bound implementations with dependencies of their own get
   * a down-stream resolution, recursively. Fails, storing nothing, naming the first dependency it
   * cannot resolve.
   */
  autoResolve(me: Identity, implementation: string): ResolutionRow {
    const impl = this.implementationInOrg(me.org, implementation, "input.implementation");
    const action = this.store.action(impl.action_id);
    const now = Date.now();
    return this.store.transaction(() => {
      const res = this.records.insertResolution(me.org, impl.id, `Auto-resolve for ${action?.name ?? impl.interface}`, me.sub);
      this.autoResolveInto(me, impl, res, { root: impl, now, open: new Set([impl.id]), done: new Map() }, []);
      return res;
    });
  }

  /**
   * Binds the dependencies of `impl` (whose rows sit at `path`) into `res`; returns the levels of
   * rows it and its down-stream resolutions hold. Each bound implementation gets one down-stream
   * resolution per autoResolve, shared by every slot binding it.
   */
  private autoResolveInto(
    me: Identity,
    impl: ImplementationRow,
    res: ResolutionRow,
    walk: { root: ImplementationRow; now: number; open: Set<number>; done: Map<number, { resolution: number; depth: number }> },
    path: readonly string[],
  ): number {
    const { maxDependencyDepth } = this.platform.options;
    let depth = 0;
    for (const dep of this.records.dependenciesOf(impl.id)) {
      const auto = this.autoAgents(me.org, dep, walk.now, () => ({}));
      const wanted = dep.prefered_instances ?? dep.max_viable_instances ?? 1;
      const chosen = auto.entries.slice(0, Math.max(wanted, this.minOf(dep)));
      if (chosen.length < this.minOf(dep)) throw this.unresolved(dep, impl, chosen.length === 0 ? auto.reasons.join("; ") : `${chosen.length} agent(s) serve it, fewer than its minViableInstances (${this.minOf(dep)})`);
      const down = (bound: ImplementationRow, method: string): number | null => {
        if (walk.open.has(bound.id) || this.records.dependenciesOf(bound.id).length === 0) return null;
        const at = [...path, `${dep.key}.${method}`];
        let done = walk.done.get(bound.id);
        if (done) {
          if (at.length + done.depth > maxDependencyDepth) throw this.tooDeep(walk.root, at, bound, done.depth);
        } else {
          if (at.length + 1 > maxDependencyDepth) throw this.tooDeep(walk.root, at, bound, 1);
          const sub = this.records.insertResolution(me.org, bound.id, `Auto-resolve for ${dep.key}.${method} of implementation ${impl.id}`, me.sub);
          walk.open.add(bound.id);
          try {
            done = { resolution: sub.id, depth: this.autoResolveInto(me, bound, sub, walk, at) };
          } finally {
            walk.open.delete(bound.id);
          }
          walk.done.set(bound.id, done);
        }
        depth = Math.max(depth, 1 + done.depth);
        return done.resolution;
      };
      for (const entry of chosen) {
        const rows = this.rowsOfEntry(me.org, dep, entry, randomUUID(), down);
        if (rows.length > 0) depth = Math.max(depth, 1);
        for (const row of rows) this.records.insertResolved({ ...row, resolution_id: res.id });
      }
    }
    return depth;
  }

  /** `resolvedImplementations`: the implementations a resolution binds, optionally of one dependency and slot. */
  resolvedImplementations(me: Identity, resolution: string, dependencyKey: string | null, methodKey: string | null): ImplementationRow[] {
    const res = this.resolutionInOrg(me.org, resolution, "resolution");
    return this.records
      .resolvedFor(res.id, dependencyKey, methodKey)
      .map((r) => this.store.implementation(r.implementation_id))
      .filter((i): i is ImplementationRow => i !== undefined && this.store.agent(i.agent_id)?.org === me.org);
  }
}

/** The parent of `ResolvedAgentDependency`: one dependency key of a task's map. */
export interface ResolvedAgentDependencyValue {
  key: string;
  entries: AgentEntry[];
}
/** The parent of `ImplementationMapping`: one slot of a bound agent. */
export interface ImplementationMappingValue {
  key: string;
  entry: MapEntry;
}
