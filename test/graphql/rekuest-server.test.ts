/**
 * The generated rekuest client (generated/api/rekuest.ts) against the embedded dev platform
 * (`startServer`): the calls the runtime, CLI and web UI make, over HTTP and graphql-ws.
 */
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  actions,
  agent,
  agents,
  block,
  ensureAgent,
  implementAgent,
  implementations,
  tasks,
  unblock,
  watchAgents,
  type Agent,
} from "../../generated/api/rekuest.js";
import { startServer, type ServerHandle } from "../../src/server/index.js";
import { createGraphQLClient, GraphQLRequestError, type GraphQLClient } from "../../src/runtime/transport/index.js";

let server: ServerHandle;
let dataDir: string;
let client: GraphQLClient;

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(os.tmpdir(), "ark-rekuest-client-"));
  server = await startServer({ dataDir });
  client = createGraphQLClient({ url: server.graphqlUrl, wsUrl: server.graphqlWsUrl, token: server.devToken ?? "" });
});

afterAll(async () => {
  await client?.close();
  await server?.close();
  await rm(dataDir, { recursive: true, force: true });
});

describe("the generated rekuest client against the embedded server", () => {
  let registered: Agent;

  it("ensures and implements an agent, then finds its action and implementation", async () => {
    registered = await ensureAgent(client, { input: { name: "codegen test agent" } });
    expect(registered).toMatchObject({ name: "codegen test agent", kind: "WEBSOCKET", blocked: false });

    const implemented = await implementAgent(client, {
      input: {
        implementations: [
          {
            interface: "add",
            definition: {
              key: "add",
              name: "Add",
              version: "1",
              kind: "FUNCTION",
              description: "Add two integers.",
              args: [
                { key: "a", kind: "INT", nullable: false },
                { key: "b", kind: "INT", nullable: false },
              ],
              returns: [{ key: "return0", kind: "INT", nullable: false }],
            },
            // only fields the platform's HEAD server still accepts (platform-api.md); the rest default
            needsToken: false,
          },
        ],
      },
    });
    expect(implemented.implementations.map((i) => i.interface)).toEqual(["add"]);
    const hash = implemented.implementations[0]!.action.hash;

    const found = await actions(client, { filters: { search: "Add" } });
    expect(found.map((a) => a.hash)).toContain(hash);
    const impls = await implementations(client, { filters: { actionHash: hash } });
    expect(impls[0]).toMatchObject({ interface: "add", agent: { id: registered.id } });
    expect(impls[0]!.action.args.map((p) => [p.key, p.kind])).toEqual([["a", "INT"], ["b", "INT"]]);

    const detail = await agent(client, { id: registered.id });
    expect(detail.implementations.map((i) => i.action.hash)).toEqual([hash]);
    expect((await agents(client)).map((a) => a.id)).toContain(registered.id);
    expect(await tasks(client, { filters: { agent: registered.id } })).toEqual([]);
  });

  it("streams agent changes over graphql-ws while blocking and unblocking", async () => {
    const controller = new AbortController();
    const seen: boolean[] = [];
    let done = false;
    const stream = (async () => {
      for await (const change of watchAgents(client, {}, { signal: controller.signal })) {
        if (!change.update) continue;
        seen.push(change.update.blocked);
        // a block followed by an unblock: both arrived in order
        if (seen.at(-2) === true && seen.at(-1) === false) controller.abort();
      }
      done = true;
    })();
    // graphql-ws has no "subscribed" acknowledgement: repeat the pair until the stream has seen one
    for (let round = 0; round < 100 && !done; round++) {
      expect((await block(client, { agent: registered.id, reason: "maintenance" })).blocked).toBe(true);
      expect((await unblock(client, { agent: registered.id })).blocked).toBe(false);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    await stream;
    expect(seen.slice(-2)).toEqual([true, false]);
  });

  it("surfaces the server's GraphQL errors with the operation name", async () => {
    const error = await agent(client, { id: "999999" }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GraphQLRequestError);
    expect((error as GraphQLRequestError).operationName).toBe("Agent");
  });
});
