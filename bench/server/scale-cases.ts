/**
 * The list queries of bench/server/scale.ts as the real clients send them: the documents come from
 * the clients' own files (orkestrator-next 1.67.8 and rekuest-next 2.1.2 in test/fixtures/clients, ours
 * in graphql/rekuest), the variables name rows of a seeded store. The scale bench times them at
 * 1,000,000 tasks; test/server/acceptance/list-answers.test.ts checks their answers on a small store.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parse, print, type DefinitionNode } from "graphql";
import { operationsWithFragments } from "../../test/server/helpers/client-operations.js";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));

/** The rows of the seeded store the queries' variables name (organisation `bench`). */
export interface CaseIds {
  agents: number[];
  actions: number[];
  implementations: number[];
  parentWithChildren: number;
  rareAction: number;
  hotAction: number;
}


/** Operations of a .graphql file by name, each with the fragments it spreads. */
export function operationsOf(file: string): Map<string, string> {
  const definitions = parse(readFileSync(join(ROOT, file), "utf8")).definitions;
  return documentsOf(definitions);
}
function documentsOf(definitions: readonly DefinitionNode[], fragmentPool: readonly DefinitionNode[] = definitions): Map<string, string> {
  return new Map(operationsWithFragments(definitions, fragmentPool).map((op) => [op.name, op.document.definitions.map((d) => print(d)).join("\n")]));
}
export function repoOperations(): Map<string, string> {
  const files = ["task", "ui", "agent", "action", "fragments", "inspect"].map((f) => parse(readFileSync(join(ROOT, "graphql/rekuest", `${f}.graphql`), "utf8")).definitions);
  const all = files.flat();
  return documentsOf(all, all);
}

export interface GqlCase {
  target: "floor" | "tasks" | "myTasks" | "agents" | "actions";
  name: string;
  query: string;
  variables?: Record<string, unknown>;
  token?: string;
}

export function clientCases(b: CaseIds): GqlCase[] {
  const ork = operationsOf("test/fixtures/clients/orkestrator-next-1.67.8.graphql");
  const py = operationsOf("test/fixtures/clients/rekuest-next-2.1.2.graphql");
  const ours = repoOperations();
  const get = (m: Map<string, string>, name: string) => {
    const q = m.get(name);
    if (!q) throw new Error(`no operation ${name}`);
    return q;
  };
  const newest = { ordering: [{ createdAt: "DESC" }], pagination: { limit: 20 } };
  return [
    { target: "floor", name: "floor: `{ __typename }`", query: "{ __typename }" },
    { target: "tasks", name: "orkestrator ListTasks, newest 20", query: get(ork, "ListTasks"), variables: newest },
    { target: "tasks", name: "orkestrator ListTasks, by action (rare), newest 20", query: get(ork, "ListTasks"), variables: { ...newest, filter: { action: String(b.rareAction) } } },
    { target: "tasks", name: "orkestrator ListTasks, by agent, newest 20", query: get(ork, "ListTasks"), variables: { ...newest, filter: { agent: String(b.agents[1]) } } },
    { target: "tasks", name: "orkestrator ListTasks, by implementation, newest 20", query: get(ork, "ListTasks"), variables: { ...newest, filter: { implementation: String(b.implementations[4]) } } },
    { target: "tasks", name: "orkestrator ListTasks, children of a task", query: get(ork, "ListTasks"), variables: { ...newest, filter: { parent: String(b.parentWithChildren) } } },
    { target: "tasks", name: "orkestrator ListTasks, open tasks", query: get(ork, "ListTasks"), variables: { ...newest, filter: { isDone: false } } },
    { target: "tasks", name: "orkestrator ListTasks, state FAILED", query: get(ork, "ListTasks"), variables: { ...newest, filter: { state: ["FAILED"] } } },
    { target: "tasks", name: "orkestrator ListTasks, finished newest first", query: get(ork, "ListTasks"), variables: { ordering: [{ finishedAt: "DESC" }], pagination: { limit: 20 } } },
    { target: "tasks", name: "orkestrator ListTasksDetails (events, ports), newest 20", query: get(ork, "ListTasksDetails"), variables: newest },
    { target: "tasks", name: "our UI Tasks, by action (hot), newest 20", query: get(ours, "Tasks"), variables: { ...newest, filters: { action: String(b.hotAction) } } },
    { target: "tasks", name: "our CLI RecentTasks, newest 20", query: get(ours, "RecentTasks"), variables: { limit: 20 } },
    { target: "tasks", name: "Python `requests` (default page 100, events, instructs)", query: get(py, "requests") },
    { target: "myTasks", name: "orkestrator MyTasks (default page 100, events, ports)", query: get(ork, "MyTasks") },
    { target: "myTasks", name: "`myTasks` with the ListTask fields (default page 100)", query: "query { myTasks { id reference latestEventKind isDone finishedAt createdAt action { id name } implementation { id interface } } }" },
    { target: "agents", name: "orkestrator Agents, page of 20", query: get(ork, "Agents"), variables: { pagination: { limit: 20 } } },
    { target: "agents", name: "orkestrator AgentOptions, search", query: get(ork, "AgentOptions"), variables: { search: "agent 99" } },
    { target: "agents", name: "Python ListAgents (default page)", query: get(py, "ListAgents") },
    { target: "agents", name: "our UI UiAgents (200)", query: get(ours, "UiAgents") },
    { target: "actions", name: "orkestrator AllActions (latestTask), page of 20", query: get(ork, "AllActions"), variables: { pagination: { limit: 20 } } },
    { target: "actions", name: "orkestrator AllActions (latestTask), default page", query: get(ork, "AllActions") },
    { target: "actions", name: "orkestrator GlobalSearch", query: get(ork, "GlobalSearch"), variables: { search: "action 1", noActions: false, noAgents: false, pagination: { limit: 10 } } },
    { target: "actions", name: "Python SearchActions (name iContains)", query: get(py, "SearchActions"), variables: { search: "action 4" } },
    { target: "actions", name: "Python ListActions (default page)", query: get(py, "ListActions") },
    { target: "actions", name: "our UI UiActions (200)", query: get(ours, "UiActions") },
  ];
}
