/**
 * The schema walk's spaces rows (issue 15): a 3D model over an uploaded media object, a space, and
 * the walk agent's placement there with the model and a materialized blok. Every table of the
 * spaces area gets a row of the organisation; names carry the organisation.
 */
import { uploadedMedia } from "../../areas/spaces-helpers.js";
import type { WalkOrg } from "./types.js";

export async function populate(org: WalkOrg): Promise<void> {
  const media = await uploadedMedia(org.server, org.token, `${org.org}-model.glb`);
  const { createThreedModel } = await org.gql<{ createThreedModel: { id: string } }>(`mutation ($input: CreateThreeDModelInput!) { createThreedModel(input: $input) { id } }`, {
    input: { name: `${org.org} stage model`, description: `the stage of ${org.org}`, media },
  });
  const { createSpace } = await org.gql<{ createSpace: { id: string } }>(`mutation ($input: CreateSpaceInput!) { createSpace(input: $input) { id } }`, {
    input: { name: `${org.org} space`, placements: [{ agent: org.agent.id, model: createThreedModel.id, role: `${org.org} stage` }] },
  });
  await org.gql(`mutation ($input: UpdateSpaceInput!) { updateSpace(input: $input) { id } }`, { input: { id: createSpace.id, description: `the space of ${org.org}` } });
  // the placement also shows a materialized blok (its own, so this module needs no other)
  const { createBlok } = await org.gql<{ createBlok: { id: string } }>(`mutation ($input: CreateBlokInput!) { createBlok(input: $input) { id } }`, {
    input: { name: `${org.org} placement blok` },
  });
  const { materializeBlok } = await org.gql<{ materializeBlok: { id: string } }>(`mutation ($input: MaterializeBlokInput!) { materializeBlok(input: $input) { id } }`, {
    input: { blok: createBlok.id },
  });
  await org.gql(`mutation ($input: CreatePlacementInput!) { createPlacement(input: $input) { id } }`, {
    input: {
      space: createSpace.id,
      agent: org.agent.id,
      model: createThreedModel.id,
      materializedBlok: materializeBlok.id,
      role: `${org.org} stage`,
      affineMatrix: [
        [1, 0, 0, 0],
        [0, 1, 0, 0],
        [0, 0, 1, 0],
        [0, 0, 0, 1],
      ],
    },
  });
}
