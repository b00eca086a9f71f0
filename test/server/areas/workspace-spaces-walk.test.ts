/**
 * Issue 15: the walk modules of the workspace and spaces areas (test/server/walk/populate) fill
 * every table for two organisations, and a query selecting every field of every type of the two
 * areas answers without errors, showing only the viewer's organisation's rows.
 */
import { describe, expect, it } from "vitest";
import { useSharedTestServer } from "../helpers/server.js";
import { T1, T3 } from "../helpers/tokens.js";
import { setupAgent } from "../helpers/fixture.js";
import { populate as populateWorkspace } from "../walk/populate/workspace.js";
import { populate as populateSpaces } from "../walk/populate/spaces.js";
import type { WalkOrg } from "../walk/populate/types.js";

const AGENT = `agent { id name }`;
const MATERIALIZED = `id name description createdAt updatedAt blok { id name } agentMappings { id key ${AGENT} materializedBlok { id } createdAt updatedAt }
  dashboardPlacements { id dashboard { id name } blok { id } } placements { id role }`;
const BLOK = `id name description creator { id sub } catalog { id name description } materializedBloks { id name }
  dependencies { id key optional description autoResolvable appFilter versionFilter minViableInstances maxViableInstances singular
    actionDependencies { key description optional demand { key hash app } } stateDependencies { key description optional } }
  components { id component props { key staticValue dynamicValue { literal path } declaresValue agentCall { dependency operation } utilCall { operation } } children { id component } }
  uiComponents demoState`;
const MODEL = `id name description transferFunction dependency { id name } file { id key } createdAt updatedAt`;
const PLACEMENT = `id space { id name } ${AGENT} blok { id name } role affineMatrix model { id name } name`;
/** One query per root list (together they are over the query cost limit). */
const EVERYTHING = [
  `toolboxes { id name description shortcuts { id name } }`,
  `shortcuts { id name description action { id name } implementation { id } toolboxes { id name } savedArgs allowQuick useReturns bindNumber args { key kind } returns { key kind } }`,
  `dashboards { id name placements { id dashboard { id } blok { ${MATERIALIZED} } } }`,
  `bloks { ${BLOK} }`,
  `materializedBloks { ${MATERIALIZED} }`,
  `spaces { id name description creator { id sub } createdAt updatedAt placements { ${PLACEMENT} } }`,
  `placements { ${PLACEMENT} }`,
  `threedModels { ${MODEL} }`,
].map((field) => `query { ${field} }`);

describe("issue 15: walk population of the workspace and spaces areas", () => {
  const server = useSharedTestServer();

  async function walkOrg(token: string, org: string): Promise<WalkOrg> {
    const fixture = await setupAgent(server(), token);
    const { socket } = await server().connectAgent(token);
    return {
      server: server(),
      token,
      org,
      gql: (query, variables) => server().gql(token, query, variables),
      agent: { id: fixture.agentId, socket, impl: fixture.impl },
      taskId: "",
    };
  }

  it("issue 15: every workspace and spaces field answers over populated rows of two organisations, each seeing only its own", async () => {
    for (const [token, org] of [
      [T1, "lab"],
      [T3, "elsewhere"],
    ] as const) {
      const o = await walkOrg(token, org);
      await populateWorkspace(o);
      await populateSpaces(o);
    }
    for (const [token, org, other] of [
      [T1, "lab", "elsewhere"],
      [T3, "elsewhere", "lab"],
    ] as const) {
      for (const query of EVERYTHING) {
        const response = await server().request<Record<string, unknown[]>>(token, query);
        expect(response.errors, query).toBeUndefined();
        const text = JSON.stringify(response.data);
        expect(text).toContain(`${org} `);
        expect(text).not.toContain(`${other} `);
        for (const [field, rows] of Object.entries(response.data!)) expect(rows.length, `${field} of ${org}`).toBeGreaterThan(0);
      }
    }
  });

  it("issue 15: BlokDependency.implementation, which the schema shares with implementations' dependencies, is refused with a clear error", async () => {
    const errors = await server().gqlErrors(T1, `query { bloks { dependencies { implementation { id } } } }`);
    expect(errors[0]).toMatch(/BlokDependency \d+ belongs to a blok, not to an implementation/);
  });
});
