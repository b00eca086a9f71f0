/**
 * Issue 13: the embedded server takes form hints in the platform's own fields (the example app's
 * `clip`, as `arkitekt-next gen` wrote it), refuses at assign the args that break a validator or a
 * slider's range (read natively from the definition, never by evaluating its JavaScript), and
 * serves the hints back through GraphQL (`ArgPort.widget`/`validators`/`effects`,
 * `Action.portGroups`) for the web UI.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { ASSIGN, implOf, listTaskIds, setupAgent, type AgentFixture, type ImplementationInput } from "../helpers/fixture.js";
import { useSharedTestServer } from "../helpers/server.js";
import { T1, T2 } from "../helpers/tokens.js";

const MANIFEST = JSON.parse(readFileSync(join(import.meta.dirname, "../../../examples/app/generated/definitions.json"), "utf8")) as ImplementationInput[];
const CLIP = MANIFEST.find((i) => i.interface === "clip")!;
const IMAGE = { __identifier: "@example/image", object: "img-1" };

const ACTION = /* GraphQL */ `
  query Action($id: ID!) {
    action(id: $id) {
      portGroups { key title description ports }
      args {
        key
        validators { function dependencies label errorMessage }
        effects { kind function dependencies ... on HideEffect { fade } }
        widget {
          kind
          ... on SliderAssignWidget { min max step }
          ... on ChoiceAssignWidget { choices { value label description } }
          ... on StringAssignWidget { placeholder asParagraph }
        }
      }
    }
  }
`;

describe("issue 13: form hints on the embedded server", () => {
  const server = useSharedTestServer();
  let fixture: AgentFixture;

  beforeAll(async () => {
    fixture = await setupAgent(server(), T1, [CLIP]);
    await server().connectAgent(T1);
  });

  it("issue 13: assign refuses args that break a validator or a slider's range, naming each port with its message, and creates no task", async () => {
    const before = await listTaskIds(server(), T2);
    const errors = await server().gqlErrors(T2, ASSIGN, {
      input: { implementation: implOf(fixture, "clip").id, args: { image: IMAGE, low: 0.9, high: 0.1, mode: "rescale", gamma: 9 } },
    });
    const message = errors.join(" | ");
    expect(message).toContain('port "low": low must be below high, got the number 0.9');
    expect(message).toContain("port \"gamma\": expected a number between 0.1 and 5 (the slider's range), got the number 9");
    expect(await listTaskIds(server(), T2)).toEqual(before);
  });

  it("issue 13: a validator's own message reaches extensions.ports, so the form shows it at the field", async () => {
    const response = await server().request<unknown>(T2, ASSIGN, {
      input: { implementation: implOf(fixture, "clip").id, args: { image: IMAGE, low: 0.9, high: 0.1, mode: "rescale", gamma: 2 } },
    });
    const error = response.errors?.[0] as { extensions?: { code?: string; ports?: Array<{ path: string; message: string }> } };
    expect(error.extensions?.code).toBe("INVALID_ARGS");
    expect(error.extensions?.ports).toEqual([{ path: "low", message: "low must be below high, got the number 0.9" }]);
  });

  it("issue 13: args within every hint are assigned", async () => {
    const { assign } = await server().gql<{ assign: { id: string } }>(T2, ASSIGN, {
      input: { implementation: implOf(fixture, "clip").id, args: { image: IMAGE, low: 0.1, high: 0.9, mode: "rescale", gamma: 2 } },
    });
    expect(assign.id).toMatch(/^\d+$/);
  });

  it("issue 13: GraphQL serves the hints: widgets by kind, validators, effects and port groups", async () => {
    const { action } = await server().gql<{ action: { portGroups: unknown[]; args: Array<Record<string, unknown>> } }>(T2, ACTION, {
      id: implOf(fixture, "clip").actionId,
    });
    expect(action.portGroups).toEqual([
      { key: "range", title: "Range", description: null, ports: ["low", "high"] },
      { key: "output", title: "Output", description: "What happens after clipping", ports: ["mode", "gamma"] },
    ]);
    const arg = (key: string) => action.args.find((a) => a.key === key)!;
    expect(arg("gamma").widget).toEqual({ kind: "SLIDER", min: 0.1, max: 5, step: 0.1 });
    expect(arg("gamma").effects).toEqual([{ kind: "HIDE", function: '(v, d0) => !(d0 === "rescale")', dependencies: ["mode"], fade: true }]);
    expect(arg("mode").widget).toMatchObject({ kind: "CHOICE", choices: [{ value: "clip", label: "Clip" }, { value: "rescale", label: "Rescale" }] });
    expect(arg("low").validators).toEqual([
      { function: "(v, d0) => v == null || d0 == null || v < d0", dependencies: ["high"], label: 'a number less than the value of "high"', errorMessage: "low must be below high" },
    ]);
    expect(arg("image").widget).toBeNull();
    expect(arg("image").validators).toEqual([]);
  });
});
