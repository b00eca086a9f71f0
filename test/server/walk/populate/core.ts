/**
 * The core rows of one organisation for the schema walk: an agent connected on /agi with the
 * fixture implementations, and a finished task with LOG, PROGRESS, YIELD and COMPLETED events.
 */
import { assign, setupAgent, implOf, type ImplementationInput } from "../../helpers/fixture.js";
import type { TestServer } from "../../helpers/server.js";
import type { WalkOrg } from "./types.js";

const VALIDATOR = { function: "(v) => v > 0", dependencies: [], label: "positive", errorMessage: "must be positive" };
const effects = (org: string) => [
  { kind: "HIDE", function: "(v) => !v", dependencies: ["flag"], fade: true },
  { kind: "MESSAGE", function: "(v) => true", dependencies: ["flag"], message: `message ${org}` },
  { kind: "CUSTOM", function: "(v) => true", dependencies: [], hook: "hook", ward: "ward" },
];
const CHOICES = [
  { value: "fast", label: "fast", description: "quick" },
  { value: "slow", label: "slow" },
];

/** An action whose ports carry every form hint the schema has (widgets, effects, validators, groups, requires/provides). */
export function showcase(org: string): ImplementationInput {
  const widget = (kind: string, extra: Record<string, unknown> = {}) => ({ kind, ...extra });
  return {
    interface: "showcase",
    effect: "NONE",
    definition: {
      key: "showcase",
      version: "1",
      name: `Showcase ${org}`,
      kind: "FUNCTION",
      description: "every form hint",
      collections: [`walk collection ${org}`],
      portGroups: [{ key: "group", title: "Group", description: "grouped", effects: effects(org), ports: ["slider", "text"] }],
      args: [
        { key: "flag", kind: "BOOL", nullable: false, default: true },
        { key: "slider", kind: "FLOAT", nullable: false, validators: [VALIDATOR], effects: effects(org), widget: widget("SLIDER", { min: 0, max: 10, step: 1 }) },
        { key: "choice", kind: "STRING", nullable: false, choices: CHOICES, widget: widget("CHOICE", { choices: CHOICES }) },
        { key: "text", kind: "STRING", nullable: true, widget: widget("STRING", { placeholder: "type", asParagraph: true }) },
        { key: "search", kind: "STRING", nullable: true, widget: widget("SEARCH", { query: "query { x }", ward: "rekuest" }) },
        { key: "statechoice", kind: "STRING", nullable: true, widget: widget("STATE_CHOICE", { stateChoices: "positions" }) },
        { key: "proxy", kind: "STRING", nullable: true, widget: widget("PROXY", { followValue: "text" }) },
        { key: "custom", kind: "STRING", nullable: true, widget: widget("CUSTOM", { hook: "hook", ward: "ward" }) },
        { key: "items", kind: "LIST", nullable: true, children: [{ key: "item", kind: "INT", nullable: false }] },
        { key: "image", kind: "STRUCTURE", identifier: "@walk/image", nullable: true, requires: [{ key: "dims", operator: "EXISTS", value: true }] },
        { key: "voltage", kind: "QUANTITY", nullable: true, referenceUnit: "volt", proposedUnits: ["mV", "V"], dimension: "[mass]" },
      ],
      returns: [
        { key: "picked", kind: "STRING", nullable: false, choices: CHOICES, widget: { kind: "CHOICE", choices: CHOICES } },
        { key: "shown", kind: "STRING", nullable: true, widget: { kind: "CUSTOM", hook: "hook", ward: "ward" } },
        { key: "out", kind: "STRUCTURE", identifier: "@walk/image", nullable: true, provides: [{ key: "dims", operator: "EXISTS", value: true }] },
      ],
    },
  };
}

export async function populateCore(server: TestServer, token: string, org: string): Promise<WalkOrg> {
  const fixture = await setupAgent(server, token);
  await server.gql(token, `mutation($input: UpdateAgentInput!) { updateAgent(input: $input) { id } }`, { input: { id: fixture.agentId, name: `walk agent ${org}` } });
  const created = await server.gql<{ createImplementation: { id: string; action: { id: string; hash: string } } }>(
    token,
    `mutation($input: CreateImplementationInput!) { createImplementation(input: $input) { id action { id hash } } }`,
    { input: { implementation: showcase(org) } },
  );
  fixture.impl.showcase = { id: created.createImplementation.id, interface: "showcase", actionId: created.createImplementation.action.id, actionHash: created.createImplementation.action.hash };
  const { socket } = await server.connectAgent(token);
  const task = await assign(server, token, { implementation: implOf(fixture, "add").id, args: { a: 1, b: 2 }, reference: `walk task ${org}` });
  await socket.next((f) => f.type === "ASSIGN" && f.task === task.id);
  await socket.reportAcked("STARTED", task.id);
  socket.report("LOG", task.id, { message: `log ${org}` });
  socket.report("PROGRESS", task.id, { progress: 50, message: `half ${org}` });
  socket.report("YIELD", task.id, { returns: { return0: 3 } });
  await socket.reportAcked("COMPLETED", task.id);
  // a second task, cancelled while it runs: its control shows in Task.instructs
  const cancelled = await assign(server, token, { implementation: implOf(fixture, "add").id, args: { a: 2, b: 3 }, reference: `walk cancelled ${org}` });
  await socket.next((f) => f.type === "ASSIGN" && f.task === cancelled.id);
  await socket.reportAcked("STARTED", cancelled.id);
  await server.gql(token, `mutation($input: CancelInput!) { cancel(input: $input) { id } }`, { input: { task: cancelled.id } });
  await socket.next((f) => f.type === "CANCEL" && f.task === cancelled.id);
  await socket.reportAcked("CANCELLED", cancelled.id);
  return {
    server,
    token,
    org,
    gql: (query, variables) => server.gql(token, query, variables),
    agent: { id: fixture.agentId, socket, impl: fixture.impl },
    taskId: task.id,
  };
}
