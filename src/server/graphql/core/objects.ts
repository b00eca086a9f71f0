/**
 * The fields of the core's object types: Agent, Action, Implementation, Task and TaskEvent (their
 * parents are store rows, the generated mappers). Fields owned by an area (Agent.device,
 * Agent.memoryShelve, Implementation.pinned, Task.dependencies, ...) are resolved there.
 *
 * A field the row holds as it is answered has no resolver (schema.ts reads it inline): `id` too, since
 * the ID scalar writes a row's integer id as its decimal string (issue 18: a page of tasks with their
 * events called `String(p.id)` through the executor's resolver machinery thousands of times).
 */
import type {
  ActionResolvers,
  AgentResolvers,
  ImplementationResolvers,
  TaskEventResolvers,
  TaskInstructKind,
  TaskResolvers,
} from "../../../../generated/server/resolvers.js";
import type { Port } from "../../../definition/model.js";
import { clampProgress, definitionOf } from "../../platform.js";
import type { ResolverContext } from "../context.js";
import { idList } from "../ids.js";
import { splicedJson } from "../spliced.js";
import type { TaskEventRow, TaskRow } from "../../store/store.js";
import { filterImplementations } from "./filters.js";
import { controlEventsFromPage, eventsFromPage } from "./task-pages.js";
import { implementationInViewerOrg, inViewerOrg, isDesc, iso, isoRequired, json, listTasks, pageArg, paginate, required, viewerOrg } from "./scope.js";

const agentOf = (ctx: ResolverContext, id: number | null) => (id === null ? null : inViewerOrg(ctx, ctx.platform.store.agent(id)));
const stringList = (text: string | null): string[] | null => {
  const value = json(text);
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === "string") : null;
};

export const agentResolvers: AgentResolvers = {
  hash: (p) => p.hash ?? "",
  client: (p) => ({
    id: p.client_id,
    name: p.client_id,
    clientId: p.client_id,
    release: { id: `${p.app}@${p.release}`, version: p.release ?? "", app: { id: p.app ?? "", identifier: p.app ?? "" } },
    device: null,
  }),
  user: (p) => ({ id: p.user_sub, sub: p.user_sub }),
  organization: (p) => ({ slug: p.org }),
  lastSeen: (p) => iso(p.last_seen),
  connected: (p) => p.connected === 1,
  active: (p, _a, ctx) => ctx.platform.isLive(p),
  blocked: (p) => p.blocked === 1,
  hookUrl: (p) => p.hook_url,
  // as ensureAgent stored it (the platform serves it to the agent's organisation)
  hookUrlSecret: (p) => p.hook_url_secret ?? null,
  app: (p) => ({ id: p.app ?? "", identifier: p.app ?? "" }),
  release: (p) => ({ id: `${p.app}@${p.release}`, version: p.release ?? "", app: { id: p.app ?? "", identifier: p.app ?? "" } }),
  implementations: (p, a, ctx) =>
    inViewerOrg(ctx, p) ? paginate(filterImplementations(ctx.platform, ctx.platform.store.implementationsOfAgent(p.id), a.filters), pageArg(a)) : [],
  implementation: (p, a, ctx) => (inViewerOrg(ctx, p) ? (ctx.platform.store.implementationByInterface(p.id, a.interface) ?? null) : null),
  tasks: (p, a, ctx) => listTasks(ctx, a, pageArg(a), { agentId: p.id }),
};

export const actionResolvers: ActionResolvers = {
  app: (p) => ({ id: p.app, identifier: p.app }),
  stateful: (p) => p.stateful === 1,
  pure: (p) => p.pure === 1,
  idempotent: (p) => p.idempotent === 1,
  isDev: (p) => p.is_dev === 1,
  definedAt: (p) => isoRequired(p.defined_at),
  collections: (p) => (definitionOf(p).collections ?? []).map((name) => ({ id: name, name })),
  scope: () => "GLOBAL",
  // what the agent declared in its definition (older stored definitions have neither)
  logo: (p) => definitionOf(p).logo ?? null,
  interfaces: (p) => definitionOf(p).interfaces ?? [],
  organization: (p) => ({ slug: p.org }),
  args: (p) => definitionOf(p).args ?? [],
  returns: (p) => definitionOf(p).returns ?? [],
  portGroups: (p) => definitionOf(p).portGroups ?? [],
  // nothing pins an action on this platform (the schema has no pinAction): never pinned
  pinned: () => false,
  implementations: (p, a, ctx) =>
    paginate(
      filterImplementations(
        ctx.platform,
        ctx.platform.store.implementationsOfAction(p.id).filter((impl) => implementationInViewerOrg(ctx, impl) !== null),
        a.filters,
      ),
      pageArg(a),
    ),
  tasks: (p, a, ctx) => listTasks(ctx, a, pageArg(a), { actionId: p.id }),
  // one prepared statement: a page of actions asks once per action (the web UI's AllActions)
  latestTask: (p, _a, ctx) => ctx.platform.store.latestTaskOfAction(viewerOrg(ctx), p.id) ?? null,
  runs: (p, a, ctx) => listTasks(ctx, {}, pageArg(a), { actionId: p.id }),
};

export const implementationResolvers: ImplementationResolvers = {
  agent: (p, _a, ctx) => required(inViewerOrg(ctx, ctx.platform.store.agent(p.agent_id)), `Agent of implementation ${p.id}`, ctx),
  action: (p, _a, ctx) => required(inViewerOrg(ctx, ctx.platform.store.action(p.action_id)), `Action of implementation ${p.id}`, ctx),
  params: (p) => json(p.params) ?? {},
  needsToken: (p) => p.needs_token === 1,
  name: (p, _a, ctx) => `${p.interface}@${ctx.platform.store.agent(p.agent_id)?.name ?? "?"}`,
  provenanceAudience: (p) => stringList(p.provenance_audience),
};

/** The control messages a task received, from its events (CANCELLING, INTERRUPTING, PAUSING, RESUMING: the store's `controlEventsOfTask`). */
const INSTRUCT_OF_EVENT: Record<string, TaskInstructKind> = { CANCELLING: "CANCEL", INTERRUPTING: "INTERRUPT", PAUSING: "PAUSE", RESUMING: "RESUME" };

/**
 * The task of each event row that `Task.events` read, so `TaskEvent.task` and `.reference` of a
 * listed event do not read its task again (a page of 100 tasks with their events read each event's
 * task once per event; issue 18). Rows are read per request, so the map never outlives one.
 */
const taskOfListedEvent = new WeakMap<TaskEventRow, TaskRow>();
const taskOfEvent = (event: TaskEventRow, ctx: ResolverContext): TaskRow | undefined => taskOfListedEvent.get(event) ?? ctx.platform.store.task(event.task_id);

/**
 * `identifier:object` of every structure the args name (STRUCTURE ports at the top and in lists):
 * a structure arg travels as `{"__identifier": ..., "object": "<reference>"}` (docs/spec/definitions-and-values.md).
 */
function actedOn(ports: readonly Port[], args: unknown): string[] {
  if (args === null || typeof args !== "object" || Array.isArray(args)) return [];
  const found: string[] = [];
  const add = (port: Port, value: unknown) => {
    if (port.kind !== "STRUCTURE" || value === null || typeof value !== "object") return;
    const identifier: unknown = Reflect.get(value, "__identifier") ?? port.identifier;
    const object: unknown = Reflect.get(value, "object");
    if (typeof identifier === "string" && (typeof object === "string" || typeof object === "number")) found.push(`${identifier}:${object}`);
  };
  for (const port of ports) {
    const value: unknown = Reflect.get(args, port.key);
    if (port.kind === "LIST" && Array.isArray(value) && port.children?.[0]) for (const item of value) add(port.children[0], item);
    else add(port, value);
  }
  return found;
}

export const taskResolvers: TaskResolvers = {
  isDone: (p) => p.is_done === 1,
  args: (p) => {
    const args = json(p.args);
    return args !== null && typeof args === "object" && !Array.isArray(args) ? { ...args } : {};
  },
  argsHash: (p) => p.args_hash,
  root: (p, _a, ctx) => (p.root_id === null ? null : inViewerOrg(ctx, ctx.platform.store.task(p.root_id))),
  parent: (p, _a, ctx) => (p.parent_id === null ? null : inViewerOrg(ctx, ctx.platform.store.task(p.parent_id))),
  action: (p, _a, ctx) => required(inViewerOrg(ctx, ctx.platform.store.action(p.action_id)), `Action of task ${p.id}`, ctx),
  capture: (p) => p.capture === 1,
  ephemeral: (p) => p.ephemeral === 1,
  implementation: (p, _a, ctx) => (p.implementation_id === null ? null : implementationInViewerOrg(ctx, ctx.platform.store.implementation(p.implementation_id))),
  latestEventKind: (p) => p.latest_event_kind,
  latestInstructKind: (p) => p.latest_instruct_kind,
  caller: (p, _a, ctx) => {
    const c = inViewerOrg(ctx, ctx.platform.store.caller(p.caller_id));
    if (!c) return null;
    return {
      id: String(c.id),
      client: { id: c.client_id, name: c.client_id, clientId: c.client_id, release: null, device: null },
      user: { id: c.user_sub, sub: c.user_sub },
      organization: { slug: c.org },
    };
  },
  createdAt: (p) => isoRequired(p.created_at),
  updatedAt: (p) => isoRequired(p.updated_at),
  finishedAt: (p) => iso(p.finished_at),
  actedOn: (p, _a, ctx) => {
    const action = inViewerOrg(ctx, ctx.platform.store.action(p.action_id));
    return action ? actedOn(definitionOf(action).args ?? [], json(p.args)) : [];
  },
  children: (p, a, ctx) => listTasks(ctx, a, pageArg(a), { parentId: p.id }),
  agent: (p, _a, ctx) => agentOf(ctx, p.agent_id),
  events: (p, a, ctx, info) => {
    if (!inViewerOrg(ctx, p)) return [];
    const ids = idList(a.filters?.ids);
    const kinds = a.filters?.kind ?? null;
    const newestFirst = (a.ordering ?? []).some((o) => isDesc(o.createdAt));
    const page = pageArg(a);
    const events =
      (!ids && !kinds ? eventsFromPage(ctx, p, newestFirst, page, info) : undefined) ??
      ctx.platform.store.eventsOfTaskPage(p.id, { ids: ids ? [...ids] : null, kinds }, newestFirst, page.limit, page.offset);
    for (const event of events) taskOfListedEvent.set(event, p);
    return events;
  },
  instructs: (p, _a, ctx, info) => {
    if (!inViewerOrg(ctx, p)) return [];
    return (controlEventsFromPage(ctx, p, info) ?? ctx.platform.store.controlEventsOfTask(p.id)).map((e) => ({
      id: String(e.id),
      task: p,
      kind: INSTRUCT_OF_EVENT[e.kind] ?? "CANCEL",
      createdAt: isoRequired(e.created_at),
    }));
  },
  arg: (p, a) => {
    // own keys only: "__proto__", "constructor" or "toString" are no args
    const args = json(p.args);
    if (args === null || typeof args !== "object" || Array.isArray(args) || !Object.hasOwn(args, a.key)) return null;
    const value: unknown = Reflect.get(args, a.key);
    return value ?? null;
  },
};

export const taskEventResolvers: TaskEventResolvers = {
  name: (p) => p.kind,
  // stored JSON text sent as is (raw-json.ts), spliced without escaping by the HTTP answers (spliced.ts)
  returns: (p) => splicedJson(p.returns),
  // a percentage (Int): a value stored by an older server outside 0..100 must not break the whole list
  progress: (p) => clampProgress(p.progress),
  task: (p, _a, ctx) => required(inViewerOrg(ctx, taskOfEvent(p, ctx)), `Task of event ${p.id}`, ctx),
  createdAt: (p) => isoRequired(p.created_at),
  reference: (p, _a, ctx) => inViewerOrg(ctx, taskOfEvent(p, ctx))?.reference ?? "",
};

