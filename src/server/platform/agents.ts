/**
 * Agents and their implementations: ensureAgent / implementAgent / createImplementation (the
 * definitions are stored as actions of the agent's app), block, kick, bounce, rename, delete.
 */
import type { Areas } from "../areas/index.js";
import { randomUUID } from "node:crypto";
import { hashDefinitions } from "../../definition/hash.js";
import { CloseCode, encodeBounce, encodeKick } from "../../protocol/index.js";
import type { Identity } from "../auth.js";
import type { AgentKind, AgentRow, ImplementationRow } from "../store/store.js";
import { PlatformError } from "./errors.js";
import { toId, type ImplementationInputLike, type PortInputLike } from "./model.js";
import type { Store } from "../store/store.js";
import type { Logger } from "../../shared/logger.js";
import type { Platform } from "./index.js";

export class Agents {
  private readonly store: Store;
  private readonly log: Logger;

  constructor(private readonly p: Platform) {
    this.store = p.store;
    this.log = p.log;
  }


  agentInOrg(identity: Identity, id: string | number): AgentRow {
    const agentId = toId(id);
    const agent = agentId === null ? undefined : this.store.agent(agentId);
    if (!agent || agent.org !== identity.org) throw new PlatformError(`Agent ${String(id)} not found in organisation "${identity.org}"`, "NOT_FOUND");
    return agent;
  }

  /** A new agent row for the identity (client, user, org), with its app and release. */
  private createAgentFor(identity: Identity, name: string, kind: AgentKind, hookUrl: string | null, hookUrlSecret: string | null = null): AgentRow {
    this.p.areas.agents.clientSeen(identity);
    return this.store.createAgent({
      org: identity.org,
      client_id: identity.clientId,
      user_sub: identity.sub,
      iss: identity.iss,
      username: identity.username,
      app: identity.app,
      release: identity.release,
      name,
      kind,
      hook_url: hookUrl,
      hook_url_secret: hookUrlSecret,
    });
  }

  /** get_or_create on (client, user, org); the agent's memory shelve is created and emptied (areas/memory). */
  ensureAgent(identity: Identity, input: { name?: string | null; kind?: AgentKind | null; hookUrl?: string | null; hookUrlSecret?: string | null }): AgentRow {
    return this.p.areas.memory.agentEnsured(this.ensureAgentRow(identity, input));
  }

  private ensureAgentRow(identity: Identity, input: { name?: string | null; kind?: AgentKind | null; hookUrl?: string | null; hookUrlSecret?: string | null }): AgentRow {
    this.p.checkStoredInput(input, "ensureAgent input");
    const existing = this.store.agentByIdentity(identity);
    if (existing && existing.app === identity.app && existing.release === identity.release) return existing;
    if (existing) {
      // The token now names another app or release (arkitekt.json's identifier or version
      // changed): the agent follows it, and its definitions must be registered under the new
      // app, so the stored definitions hash no longer holds (the client then implements again).
      this.store.updateAgent(existing.id, { app: identity.app, release: identity.release, hash: null });
      this.p.areas.agents.clientSeen(identity);
      const moved = this.store.agent(existing.id)!;
      this.log.info(`agent ${moved.id} now stands for ${identity.app} ${identity.release} (was ${existing.app} ${existing.release})`);
      this.p.publish({ type: "agentUpdate", agent: moved });
      return moved;
    }
    const agent = this.createAgentFor(identity, input.name ?? identity.clientId, input.kind ?? "WEBSOCKET", input.hookUrl ?? null, input.hookUrlSecret ?? null);
    this.log.debug(`agent ${agent.id} created for ${identity.clientId}@${identity.org}`);
    this.p.publish({ type: "agentCreate", agent });
    return agent;
  }

  implementAgent(
    identity: Identity,
    input: {
      name?: string | null;
      hash?: string | null;
      implementations?: readonly ImplementationInputLike[] | null;
      locks?: Parameters<Areas["agents"]["declareLocks"]>[1];
      states?: Parameters<Areas["state"]["implement"]>[2];
      bloks?: Parameters<Areas["workspace"]["implementBloks"]>[1] | null;
    },
  ): AgentRow {
    const impls = input.implementations ?? [];
    this.p.checkStoredInput(input.name, "implementAgent name");
    this.p.checkStoredInput(input.hash, "implementAgent hash");
    impls.forEach((impl, i) => this.p.checkStoredInput(impl, `implementAgent: implementations[${i}]`));
    const seen = new Set<string>();
    for (const impl of impls) {
      const iface = impl.interface ?? impl.definition?.key;
      if (!iface) throw new PlatformError("every implementation needs an interface (or a definition key)");
      if (seen.has(iface)) throw new PlatformError(`interface "${iface}" is declared twice; interfaces must be unique per agent`);
      seen.add(iface);
      this.checkDefinition(impl);
    }
    // the tasks of the implementations this registration drops are detached first, alone (Store.runAlone)
    const known = this.store.agentByIdentity(identity);
    if (known) for (const old of this.store.implementationsOfAgent(known.id)) if (!seen.has(old.interface)) this.store.detachTasksOfImplementation(old.id);
    const agent = this.store.transaction(() => {
      let agent = this.store.agentByIdentity(identity);
      if (!agent) {
        agent = this.createAgentFor(identity, input.name ?? identity.clientId, "WEBSOCKET", null);
      }
      this.store.updateAgent(agent.id, { name: input.name ?? identity.clientId, hash: input.hash ?? randomUUID(), app: identity.app, release: identity.release });
      this.p.areas.agents.declareLocks(agent, input.locks);
      const keep = new Set<number>();
      for (const impl of impls) keep.add(this.upsertImplementation(identity, agent.id, impl).id);
      for (const old of this.store.implementationsOfAgent(agent.id)) if (!keep.has(old.id)) this.dropImplementation(old, identity.org);
      this.p.areas.state.implement(identity, agent, "states" in input ? input.states : undefined);
      if (input.bloks) this.p.areas.workspace.implementBloks(identity, input.bloks);
      return this.store.agent(agent.id)!;
    });
    this.p.publish({ type: "agentUpdate", agent });
    return agent;
  }

  createImplementation(identity: Identity, impl: ImplementationInputLike): ImplementationRow {
    this.p.checkStoredInput(impl, "createImplementation: implementation");
    this.checkDefinition(impl);
    return this.store.transaction(() => {
      const agent = this.store.agentByIdentity(identity);
      if (!agent) throw new PlatformError("no agent for this token: call ensureAgent first", "NOT_FOUND");
      return this.upsertImplementation(identity, agent.id, impl);
    });
  }

  private checkDefinition(impl: ImplementationInputLike): void {
    const d = impl.definition;
    if (!d || typeof d.key !== "string") throw new PlatformError("implementation.definition.key is required");
    if (d.pure && impl.effect === "PHYSICAL") throw new PlatformError(`definition "${d.key}": a pure action cannot have a PHYSICAL effect`);
    if (d.pure && d.stateful) throw new PlatformError(`definition "${d.key}": a pure action cannot be stateful`);
    const checkPorts = (ports: readonly PortInputLike[] | null | undefined, where: string): void => {
      for (const p of ports ?? []) {
        if (p.kind === "LIST" && (p.children ?? []).length !== 1) {
          throw new PlatformError(`definition "${d.key}": ${where} port "${p.key}" of kind LIST needs exactly one child`);
        }
        checkPorts(p.children, where);
      }
    };
    checkPorts(d.args, "arg");
    checkPorts(d.returns, "return");
    this.p.areas.dependencies.check(impl);
  }

  private upsertImplementation(identity: Identity, agentId: number, impl: ImplementationInputLike): ImplementationRow {
    const d = impl.definition;
    const version = d.version ?? "1";
    const pure = d.pure ?? false;
    const definition = {
      key: d.key,
      version,
      name: d.name,
      kind: d.kind,
      description: d.description ?? null,
      collections: d.collections ?? [],
      stateful: d.stateful ?? false,
      pure,
      idempotent: pure || (d.idempotent ?? false),
      isDev: d.isDev ?? false,
      portGroups: d.portGroups ?? [],
      args: d.args ?? [],
      returns: d.returns ?? [],
      isTestFor: d.isTestFor ?? [],
      // served as Action.logo / Action.interfaces; kept only when declared, so older definitions store the same text
      ...(typeof d.logo === "string" ? { logo: d.logo } : {}),
      ...(d.interfaces && d.interfaces.length > 0 ? { interfaces: d.interfaces } : {}),
    };
    const hash = hashDefinitions({
      name: definition.name,
      description: definition.description,
      args: definition.args,
      returns: definition.returns,
      stateful: definition.stateful,
      is_test_for: definition.isTestFor,
      collections: definition.collections,
      key: definition.key,
      version,
    });
    const now = Date.now();
    const fields = {
      hash,
      name: definition.name,
      kind: definition.kind,
      description: definition.description ?? null,
      stateful: definition.stateful ? 1 : 0,
      pure: pure ? 1 : 0,
      idempotent: definition.idempotent ? 1 : 0,
      is_dev: definition.isDev ? 1 : 0,
      definition: JSON.stringify(definition),
    };
    let action = this.store.actionByKey(identity.org, identity.app, d.key, version);
    if (!action) {
      action = this.store.insertAction({ org: identity.org, app: identity.app, key: d.key, version, defined_at: now, ...fields });
      this.p.areas.agents.actionSaved(action, true);
    } else {
      const changed = action.hash !== hash;
      this.store.updateAction({ id: action.id, ...fields });
      this.p.tasks.definitionCache.delete(action.id);
      if (changed) this.p.areas.agents.actionSaved(this.store.action(action.id)!, false);
    }
    this.p.areas.catalog.onActionDefined(action, d);
    this.p.areas.testing.onActionDefined(action, d);
    const iface = impl.interface ?? d.key;
    const row = {
      action_id: action.id,
      params: impl.params === undefined || impl.params === null ? null : JSON.stringify(impl.params),
      effect: impl.effect ?? "NONE",
      needs_token: impl.needsToken === false ? 0 : 1,
      dependencies: JSON.stringify(impl.dependencies ?? []),
      provenance_audience: impl.provenanceAudience ? JSON.stringify(impl.provenanceAudience) : null,
    };
    const existing = this.store.implementationByInterface(agentId, iface);
    if (existing) {
      this.store.updateImplementation({ id: existing.id, ...row });
      const updated = this.p.areas.dependencies.declare(identity.org, this.store.implementation(existing.id)!, impl.dependencies);
      this.p.areas.agents.implementationSaved(updated, false, identity.org);
      return updated;
    }
    const created = this.p.areas.dependencies.declare(identity.org, this.store.insertImplementation({ agent_id: agentId, interface: iface, created_at: now, ...row }), impl.dependencies);
    this.p.areas.agents.implementationSaved(created, true, identity.org);
    return created;
  }

  /** Deletes an implementation (not inside a transaction: its tasks are detached alone first) and tells its subscribers. */
  deleteImplementationRow(impl: ImplementationRow, org: string): void {
    this.store.detachTasksOfImplementation(impl.id);
    this.store.transaction(() => this.dropImplementation(impl, org));
  }

  /** Deletes an implementation whose tasks are detached and tells its subscribers (the agents area). */
  private dropImplementation(impl: ImplementationRow, org: string): void {
    this.store.deleteImplementation(impl.id);
    this.p.areas.agents.implementationDeleted(impl, org);
  }

  setBlocked(identity: Identity, agentId: string, blocked: boolean, reason?: string | null): AgentRow {
    const agent = this.agentInOrg(identity, agentId);
    this.store.updateAgent(agent.id, { blocked: blocked ? 1 : 0 });
    if (blocked) {
      const link = this.p.leases.links.get(agent.id);
      if (link) {
        link.send(encodeKick({ reason: reason ?? "blocked" }));
        link.close(CloseCode.Blocked, "agent is blocked");
      }
    }
    const updated = this.store.agent(agent.id)!;
    this.p.publish({ type: "agentUpdate", agent: updated });
    return updated;
  }

  kick(identity: Identity, agentId: string, reason?: string | null): AgentRow {
    const agent = this.agentInOrg(identity, agentId);
    this.p.leases.links.get(agent.id)?.send(encodeKick({ reason: reason ?? null }));
    return agent;
  }

  bounce(identity: Identity, agentId: string, duration?: number | null): AgentRow {
    const agent = this.agentInOrg(identity, agentId);
    this.p.leases.links.get(agent.id)?.send(encodeBounce({ duration: duration ?? null }));
    return agent;
  }

  /**
   * Deletes the agent. Its open tasks end first, as for cancel before delivery: a task whose ASSIGN
   * was never answered is CANCELLED, one it was running is CRITICAL (its outcome is unknown), so
   * no task is left open without an executor.
   */
  deleteAgent(identity: Identity, agentId: string): string {
    const agent = this.agentInOrg(identity, agentId);
    const now = Date.now();
    this.store.transaction(() => {
      for (const task of this.store.openTasksOfAgent(agent.id)) {
        if (task.assign_pending === 1) {
          this.store.setTaskInstruct(task.id, "CANCEL", now);
          this.p.tasks.finish(this.store.task(task.id)!, "CANCELLED", `Agent ${agent.id} was deleted before it received this task`, now);
        } else {
          this.p.tasks.finish(this.store.task(task.id)!, "CRITICAL", `Agent ${agent.id} was deleted while running this task; its outcome is unknown`, now);
        }
      }
      for (const impl of this.store.implementationsOfAgent(agent.id)) this.p.areas.agents.implementationDeleted(impl, agent.org);
    });
    this.store.deleteAgent(agent.id);
    this.p.leases.links.get(agent.id)?.close(CloseCode.Replaced, "agent deleted");
    this.p.publish({ type: "agentDelete", agent });
    return String(agent.id);
  }

  renameAgent(identity: Identity, agentId: string, name: string): AgentRow {
    this.p.checkStoredInput(name, "updateAgent name");
    const agent = this.agentInOrg(identity, agentId);
    this.store.updateAgent(agent.id, { name });
    const updated = this.store.agent(agent.id)!;
    this.p.publish({ type: "agentUpdate", agent: updated });
    return updated;
  }
}
