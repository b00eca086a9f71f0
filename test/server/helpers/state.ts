/**
 * Agent state through the public API (src/server/areas/state): `implementAgent` with `states`, and
 * the agent frames SESSION_INIT / STATE_SNAPSHOT / STATE_PATCH as plain JSON (wire-protocol.md §2.3).
 */
import type { AgentSocket } from "./agent-socket.js";
import { ADD, ensureAgent, type GraphQLTarget, type ImplementationInput } from "./fixture.js";

export interface StateInput {
  interface: string;
  key?: string;
  app?: string;
  definition: { name: string; ports: Array<{ key: string; kind: string; nullable?: boolean; children?: unknown[] }> };
}

/** `counter: {count: INT, last: STRING?, items: LIST of STRING}`. */
export const COUNTER: StateInput = {
  interface: "counter",
  definition: {
    name: "Counter",
    ports: [
      { key: "count", kind: "INT", nullable: false },
      { key: "last", kind: "STRING", nullable: true },
      { key: "items", kind: "LIST", nullable: false, children: [{ key: "item", kind: "STRING", nullable: false }] },
    ],
  },
};

/** `stage: {x: FLOAT}`. */
export const STAGE: StateInput = { interface: "stage", definition: { name: "Stage", ports: [{ key: "x", kind: "FLOAT", nullable: false }] } };

const IMPLEMENT_WITH_STATES = /* GraphQL */ `
  mutation ImplementWithStates($input: ImplementAgentInput!) {
    implementAgent(input: $input) { id states { id interface key appIdentifier definition { id hash name ports { key kind } } } }
  }
`;

export interface StateRef {
  id: string;
  interface: string;
  key: string | null;
  appIdentifier: string | null;
  definition: { id: string; hash: string; name: string; ports: Array<{ key: string; kind: string }> };
}

/** ensureAgent + implementAgent with `states`; returns the agent id and its states by interface. */
export async function implementStates(
  server: GraphQLTarget,
  token: string,
  states: readonly StateInput[],
  implementations: readonly ImplementationInput[] = [ADD],
): Promise<{ agentId: string; states: Record<string, StateRef> }> {
  await ensureAgent(server, token);
  const data = await server.gql<{ implementAgent: { id: string; states: StateRef[] } }>(token, IMPLEMENT_WITH_STATES, { input: { implementations, states } });
  return { agentId: data.implementAgent.id, states: Object.fromEntries(data.implementAgent.states.map((s) => [s.interface, s])) };
}

export function sessionInit(socket: AgentSocket, sessionId: string, states: Record<string, unknown>): void {
  socket.send({ type: "SESSION_INIT", session_id: sessionId, states });
}

export function stateSnapshot(socket: AgentSocket, sessionId: string, globalRev: number, snapshots: Record<string, unknown>): void {
  socket.send({ type: "STATE_SNAPSHOT", session_id: sessionId, global_rev: globalRev, snapshots });
}

export function statePatch(
  socket: AgentSocket,
  sessionId: string,
  globalRev: number,
  stateName: string,
  patch: { op: string; path: string; value?: unknown; task_id?: string | null },
): void {
  socket.send({ type: "STATE_PATCH", session_id: sessionId, global_rev: globalRev, state_name: stateName, ts: Date.now() / 1000, old_value: null, ...patch });
}
