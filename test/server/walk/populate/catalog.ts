/**
 * Walk population of the catalog area: two definitions registered through `createImplementation`
 * (the agent's fixture implementations stay) fill every catalog table: a structure package,
 * a structure and an interface named by ports, port usages, a declared interface
 * (action_interface) and an inferred protocol (protocol, action_protocol: one BOOL return).
 */
import type { WalkOrg } from "./types.js";

const CREATE = `mutation ($input: CreateImplementationInput!) { createImplementation(input: $input) { id } }`;

export async function populate(org: WalkOrg): Promise<void> {
  const pkg = `@walk-${org.org}`;
  const image = { key: "image", kind: "STRUCTURE", identifier: `${pkg}/image`, nullable: false };
  const definition = (key: string, returns: unknown[], interfaces: string[]) => ({
    key: `catalog_${org.org}_${key}`,
    version: "1",
    name: `Catalog ${key} of ${org.org}`,
    kind: "FUNCTION",
    description: `catalog walk row of ${org.org}`,
    collections: [],
    args: [{ key: "masks", kind: "LIST", nullable: false, children: [image] }],
    returns,
    interfaces,
  });
  await org.gql(CREATE, {
    input: {
      implementation: {
        interface: `catalog_${org.org}_render`,
        definition: definition("render", [{ key: "return0", kind: "INTERFACE", identifier: `${pkg}/renderable`, nullable: false }], [`${pkg}/viewer`]),
      },
    },
  });
  await org.gql(CREATE, {
    input: { implementation: { interface: `catalog_${org.org}_is_big`, definition: definition("is_big", [{ key: "return0", kind: "BOOL", nullable: false }], []) } },
  });
}
