/**
 * The agents area's rows for the schema walk: a pin of the agent and of an implementation
 * (agent_pin, implementation_pin), a higher-order link (implementation_higher_order); the
 * organisation's client (agent_client) exists since its agent was created.
 */
import type { Populate } from "./types.js";

export const populate: Populate = async (org) => {
  const impl = (iface: string): string => {
    const ref = org.agent.impl[iface];
    if (!ref) throw new Error(`the walk's agent of ${org.org} has no implementation ${iface}`);
    return ref.id;
  };
  await org.gql("mutation P($input: PinInput!) { pinAgent(input: $input) { id } }", { input: { id: org.agent.id, pin: true } });
  await org.gql("mutation P($input: PinInput!) { pinImplementation(input: $input) { id } }", { input: { id: impl("add"), pin: true } });
  await org.gql("mutation H($input: SetHigherOrderInput!) { setHigherOrder(input: $input) { id } }", {
    input: { implementation: impl("ping"), lowerImplementation: impl("add"), config: { bound: { note: `wrapped in ${org.org}` } } },
  });
};
