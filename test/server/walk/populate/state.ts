/**
 * The state area's rows for the schema walk: a state definition and a state declared on the
 * organisation's agent (implementAgent keeps its fixture implementations), a session with its
 * snapshot (SESSION_INIT) and a patch made by the organisation's task (STATE_PATCH).
 */
import { DEFAULT_IMPLEMENTATIONS } from "../../helpers/fixture.js";
import { implementStates, sessionInit, statePatch, type StateInput } from "../../helpers/state.js";
import { pollUntil } from "../../helpers/wait.js";
import { showcase } from "./core.js";
import type { WalkOrg } from "./types.js";

export async function populate(org: WalkOrg): Promise<void> {
  // implementAgent deletes what it does not declare: keep the core's showcase (this module runs first)
  const implementations = [...DEFAULT_IMPLEMENTATIONS, showcase(org.org)].filter((i) => i.interface in org.agent.impl);
  const missing = Object.keys(org.agent.impl).filter((iface) => !implementations.some((i) => i.interface === iface));
  if (missing.length > 0) throw new Error(`populate/state: the walk's agent has implementations outside DEFAULT_IMPLEMENTATIONS (${missing.join(", ")}); declare them here too`);
  const state: StateInput = {
    interface: `${org.org}_counter`,
    definition: { name: `${org.org} counter`, ports: [{ key: "count", kind: "INT", nullable: false }, { key: "label", kind: "STRING", nullable: true }] },
  };
  const { states } = await implementStates(org.server, org.token, [state], implementations);
  const stateId = states[state.interface]!.id;
  const session = `${org.org}-walk-session`;
  sessionInit(org.agent.socket, session, { [state.interface]: { count: 0, label: org.org } });
  statePatch(org.agent.socket, session, 1, state.interface, { op: "replace", path: "/count", value: 1, task_id: org.taskId });
  await pollUntil(
    () => org.gql<{ state: { id: string }; forwardEventsAfterRev: Array<{ id: string }> }>(`query($id: ID!) { state(id: $id) { id } forwardEventsAfterRev(globalRevision: 0, stateId: $id) { id } }`, { id: stateId }),
    (d) => d.forwardEventsAfterRev.length === 1,
    { what: `the ${org.org} state patch` },
  );
}
