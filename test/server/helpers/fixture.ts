/**
 * The common fixture, built through GraphQL exactly as platform-api.md shapes it: `ensureAgent`, then
 * `implementAgent` with `ImplementationInput {interface, definition: DefinitionInput, effect}`; plus
 * the task operations the scenarios use (assign, cancel, pause, resume, interrupt, task, tasks).
 */
import type { AgentSocket, Frame } from "./agent-socket.js";
import type { Variables } from "./graphql.js";

/** Anything that sends GraphQL as a token: the in-process TestServer or the CLI child process. */
export interface GraphQLTarget {
  gql<T>(token: string, query: string, variables?: Variables): Promise<T>;
  gqlErrors(token: string | undefined, query: string, variables?: Variables): Promise<string[]>;
}

export interface PortInput {
  key: string;
  kind: string;
  nullable?: boolean;
  label?: string;
  choices?: Array<{ value: unknown; label: string; description?: string }>;
  children?: PortInput[];
  identifier?: string;
  default?: unknown;
  /** Any other ArgPortInput / ReturnPortInput field (widget, validators, effects, requires, ...), sent as given. */
  [field: string]: unknown;
}

export interface ImplementationInput {
  interface: string;
  effect?: "NONE" | "PHYSICAL";
  dependencies?: unknown[];
  definition: {
    key: string;
    version: string;
    name: string;
    kind: "FUNCTION" | "GENERATOR";
    description?: string;
    collections: string[];
    stateful?: boolean;
    pure?: boolean;
    idempotent?: boolean;
    isDev?: boolean;
    portGroups?: unknown[];
    args: PortInput[];
    returns: PortInput[];
    isTestFor?: unknown[];
  };
}

function definition(key: string, name: string, args: PortInput[], returns: PortInput[], extra: Partial<ImplementationInput["definition"]> = {}): ImplementationInput["definition"] {
  return { key, version: "1", name, kind: "FUNCTION", description: `${name} (acceptance fixture)`, collections: [], args, returns, ...extra };
}

/** `add(a: INT, b: INT) -> INT`, effect NONE. */
export const ADD: ImplementationInput = {
  interface: "add",
  effect: "NONE",
  definition: definition("add", "Add", [{ key: "a", kind: "INT", nullable: false }, { key: "b", kind: "INT", nullable: false }], [{ key: "return0", kind: "INT", nullable: false }]),
};

/** A no-arg action, effect NONE. */
export const PING: ImplementationInput = {
  interface: "ping",
  effect: "NONE",
  definition: definition("ping", "Ping", [], []),
};

/** A no-arg action whose implementation has a PHYSICAL effect (lost work is CRITICAL). */
export const MOVE_STAGE: ImplementationInput = {
  interface: "move_stage",
  effect: "PHYSICAL",
  definition: definition("move_stage", "Move Stage", [], []),
};

/** A no-arg idempotent action, effect NONE (lost work is re-queued). */
export const REFRESH: ImplementationInput = {
  interface: "refresh",
  effect: "NONE",
  definition: definition("refresh", "Refresh", [], [], { idempotent: true }),
};

/** An action with a choices port and a nullable port, for argument validation. */
export const CONFIGURE: ImplementationInput = {
  interface: "configure",
  effect: "NONE",
  definition: definition(
    "configure",
    "Configure",
    [
      { key: "count", kind: "INT", nullable: false },
      {
        key: "mode",
        kind: "STRING",
        nullable: false,
        choices: [
          { value: "fast", label: "fast" },
          { value: "slow", label: "slow" },
        ],
      },
      { key: "note", kind: "STRING", nullable: true },
    ],
    [],
  ),
};

export const DEFAULT_IMPLEMENTATIONS: readonly ImplementationInput[] = [ADD, PING, MOVE_STAGE, REFRESH, CONFIGURE];

export interface ImplementationRef {
  id: string;
  interface: string;
  actionId: string;
  actionHash: string;
}

export interface AgentFixture {
  agentId: string;
  /** Implementations by interface. */
  impl: Record<string, ImplementationRef>;
}

const ENSURE_AGENT = /* GraphQL */ `
  mutation EnsureAgent($input: AgentInput!) {
    ensureAgent(input: $input) { id name connected }
  }
`;

const IMPLEMENT_AGENT = /* GraphQL */ `
  mutation ImplementAgent($input: ImplementAgentInput!) {
    implementAgent(input: $input) {
      id
      implementations { id interface action { id hash } }
    }
  }
`;

export async function ensureAgent(server: GraphQLTarget, token: string, name = "acceptance agent"): Promise<string> {
  const data = await server.gql<{ ensureAgent: { id: string } }>(token, ENSURE_AGENT, { input: { name } });
  return data.ensureAgent.id;
}

export async function implementAgent(server: GraphQLTarget, token: string, implementations: readonly ImplementationInput[]): Promise<AgentFixture> {
  const data = await server.gql<{
    implementAgent: { id: string; implementations: Array<{ id: string; interface: string; action: { id: string; hash: string } }> };
  }>(token, IMPLEMENT_AGENT, { input: { implementations } });
  const impl: Record<string, ImplementationRef> = {};
  for (const i of data.implementAgent.implementations) {
    impl[i.interface] = { id: i.id, interface: i.interface, actionId: i.action.id, actionHash: i.action.hash };
  }
  return { agentId: data.implementAgent.id, impl };
}

/** ensureAgent + implementAgent for `token`; returns the agent id and its implementations by interface. */
export async function setupAgent(server: GraphQLTarget, token: string, implementations: readonly ImplementationInput[] = DEFAULT_IMPLEMENTATIONS): Promise<AgentFixture> {
  const agentId = await ensureAgent(server, token);
  const fixture = await implementAgent(server, token, implementations);
  if (fixture.agentId !== agentId) throw new Error(`implementAgent returned agent ${fixture.agentId}, ensureAgent ${agentId}`);
  for (const i of implementations) {
    if (!fixture.impl[i.interface]) throw new Error(`implementAgent did not return an implementation for ${i.interface}`);
  }
  return fixture;
}

/** Looks up an implementation in a fixture, failing clearly when it is missing. */
export function implOf(fixture: AgentFixture, iface: string): ImplementationRef {
  const ref = fixture.impl[iface];
  if (!ref) throw new Error(`the fixture has no implementation ${iface}`);
  return ref;
}

export interface TaskSummary {
  id: string;
  reference: string | null;
  isDone: boolean;
  latestEventKind: string;
  latestInstructKind: string;
  finishedAt: string | null;
}

export interface TaskEventSummary {
  id: string;
  kind: string;
  message: string | null;
  progress: number | null;
  returns: unknown;
}

export interface TaskDetail extends TaskSummary {
  events: TaskEventSummary[];
}

const TASK_FIELDS = "id reference isDone latestEventKind latestInstructKind finishedAt";

export const ASSIGN = /* GraphQL */ `
  mutation Assign($input: AssignInput!) {
    assign(input: $input) { ${TASK_FIELDS} }
  }
`;

/** `assign(input)` with `token`; returns the created task (throws on GraphQL errors). */
export async function assign(server: GraphQLTarget, token: string, input: Record<string, unknown>): Promise<TaskSummary> {
  const data = await server.gql<{ assign: TaskSummary }>(token, ASSIGN, { input });
  return data.assign;
}

/** `assign(input)` that must fail; returns the error messages. */
export function assignErrors(server: GraphQLTarget, token: string, input: Record<string, unknown>): Promise<string[]> {
  return server.gqlErrors(token, ASSIGN, { input });
}

export type ControlMutation = "cancel" | "pause" | "resume" | "interrupt";

export function controlMutation(kind: ControlMutation): string {
  const inputType = { cancel: "CancelInput", pause: "PauseInput", resume: "ResumeInput", interrupt: "InterruptInput" }[kind];
  return `mutation Control($input: ${inputType}!) { ${kind}(input: $input) { ${TASK_FIELDS} } }`;
}

/** cancel / pause / resume / interrupt over GraphQL; returns the task. */
export async function control(server: GraphQLTarget, token: string, kind: ControlMutation, input: Record<string, unknown>): Promise<TaskSummary> {
  const data = await server.gql<Record<string, TaskSummary>>(token, controlMutation(kind), { input });
  const task = data[kind];
  if (!task) throw new Error(`${kind} returned no task`);
  return task;
}

export const TASK = /* GraphQL */ `
  query Task($id: ID!) {
    task(id: $id) { ${TASK_FIELDS} events { id kind message progress returns } }
  }
`;

export async function getTask(server: GraphQLTarget, token: string, id: string): Promise<TaskDetail> {
  const data = await server.gql<{ task: TaskDetail }>(token, TASK, { id });
  return data.task;
}

/** The ids of every task `token` can see (org-scoped `tasks`). */
export async function listTaskIds(server: GraphQLTarget, token: string): Promise<string[]> {
  const data = await server.gql<{ tasks: Array<{ id: string }> }>(token, "query Tasks { tasks { id } }");
  return data.tasks.map((t) => t.id);
}

export interface AgentState {
  id: string;
  connected: boolean;
  active: boolean;
  blocked: boolean;
}

export async function getAgent(server: GraphQLTarget, token: string, id: string): Promise<AgentState> {
  const data = await server.gql<{ agent: AgentState }>(token, "query Agent($id: ID!) { agent(id: $id) { id connected active blocked } }", { id });
  return data.agent;
}

/** Event kinds of a task, in the order the server lists them. */
export function kinds(task: TaskDetail): string[] {
  return task.events.map((e) => e.kind);
}

/**
 * Assigns `implementation` as `callerToken`, waits for the executor's ASSIGN of that task and answers it with
 * STARTED (acknowledged), so the task is in flight. Returns the task summary and the ASSIGN frame.
 */
export async function startTask(
  server: GraphQLTarget,
  executor: AgentSocket,
  callerToken: string,
  implementation: string,
  args: Record<string, unknown> = {},
): Promise<{ task: TaskSummary; assign: Frame }> {
  const task = await assign(server, callerToken, { implementation, args });
  const frame = await executor.next((f) => f.type === "ASSIGN" && f.task === task.id);
  await executor.reportAcked("STARTED", task.id);
  return { task, assign: frame };
}

/**
 * An action with one port of each structured kind (wire formats of definitions-and-values.md). Port keys are
 * words an error message would not contain by chance, so "the error names the port" is a real check.
 */
export const INSPECT: ImplementationInput = {
  interface: "inspect",
  effect: "NONE",
  definition: definition(
    "inspect",
    "Inspect",
    [
      { key: "samples", kind: "LIST", nullable: false, children: [{ key: "item", kind: "INT", nullable: false }] },
      { key: "weights", kind: "DICT", nullable: false, children: [{ key: "value", kind: "FLOAT", nullable: false }] },
      {
        key: "either",
        kind: "UNION",
        nullable: false,
        children: [
          { key: "number", kind: "INT", nullable: false },
          { key: "text", kind: "STRING", nullable: false },
        ],
      },
      {
        key: "origin",
        kind: "MODEL",
        identifier: "point",
        nullable: false,
        children: [
          { key: "x", kind: "FLOAT", nullable: false },
          { key: "y", kind: "FLOAT", nullable: false },
        ],
      },
      { key: "image", kind: "STRUCTURE", identifier: "@mikro/image", nullable: false },
      { key: "taken_at", kind: "DATE", nullable: false },
      { key: "enabled", kind: "BOOL", nullable: false },
    ],
    [],
  ),
};

/** Args that fit INSPECT's ports. */
export const INSPECT_ARGS = {
  samples: [1, 2, 3],
  weights: { a: 1.5, b: 2 },
  either: { __use: 1, __value: "text" },
  origin: { __identifier: "point", x: 1, y: 2.5 },
  image: { __identifier: "@mikro/image", object: "img-1" },
  taken_at: "2024-01-01T12:00:00Z",
  enabled: true,
} as const;
