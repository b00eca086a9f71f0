/**
 * Issue 15: the bloks an agent declares in `implementAgent` (`ImplementAgentInput.bloks`) are stored
 * by the workspace area as its organisation's bloks, named by their keys. (The implementAgent
 * resolver passes them on through one hook line; this test drives the area's method itself.)
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { Platform } from "../../../src/server/platform.js";
import { Store } from "../../../src/server/store/store.js";
import { compileOptions } from "../../../src/server/options.js";
import { silentLogger } from "../../../src/shared/logger.js";
import type { Identity } from "../../../src/server/auth.js";

const ME: Identity = {
  token: "t",
  org: "lab",
  clientId: "c",
  sub: "1",
  iss: "i",
  username: "one",
  app: "a",
  release: "1",
  device: "d",
  roles: [],
  scope: "",
  key: "k",
};

describe("issue 15: bloks declared by implementAgent", () => {
  let dir: string | undefined;
  let store: Store | undefined;
  afterEach(async () => {
    store?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("issue 15: implementAgent's bloks are stored as the organisation's bloks named by key, with their dependencies, and refused naming the blok's field", async () => {
    dir = await mkdtemp(join(tmpdir(), "arkitekt-h7-bloks-"));
    store = new Store(dir);
    const platform = new Platform(store, compileOptions({ dataDir: dir }), silentLogger);
    const workspace = platform.areas.workspace;
    const [blok] = workspace.implementBloks(ME, [
      {
        key: "stage_panel",
        components: [{ id: "root", component: "Slider" }],
        catalog: "microscope",
        description: "moves",
        demoState: { x: 1 },
        dependencies: [
          {
            key: "stage",
            optional: false,
            autoResolvable: false,
            assignPolicy: "BALANCED",
          },
        ],
      },
    ]);
    await store.committed();
    expect(blok).toMatchObject({
      org: "lab",
      name: "stage_panel",
      description: "moves",
      demo_state: '{"x":1}',
    });
    expect(workspace.records.dependenciesOf(blok!.id).map((d) => d.key)).toEqual(["stage"]);
    expect(workspace.records.catalogs.find(blok!.catalog_id)?.name).toBe("microscope");
    expect(() =>
      workspace.implementBloks(ME, [
        { key: "ok", components: [], dependencies: [] },
        { key: "", components: [], dependencies: [] },
      ]),
    ).toThrow("input.bloks[1].key: must not be empty");
    // all or none
    expect(workspace.records.blokByName("lab", "ok")).toBeUndefined();
  });
});
