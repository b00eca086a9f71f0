/**
 * Typed remote stubs (`generated/actions.ts` of an app): the actions stage fetches the selected
 * actions through the generated client into a snapshot and renders one typed function per action;
 * the output is compared to committed golden files (regenerate with
 * `node --import tsx test/fixtures/runtime/write-stubs.ts`), rendered again offline from the
 * snapshot alone, and used by two agents of different identities to call each other. The type
 * check of the stubs is in stubs-typecheck.test.ts (it blocks the event loop for seconds, which
 * would make the agents here miss heartbeats).
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { task as taskQuery } from "../../generated/api/rekuest.js";
import { generateActions } from "../../src/codegen/actions/index.js";
import { silentLogger } from "../../src/shared/logger.js";
import { connect, type AgentHandle } from "../../src/runtime/agent/index.js";
import { createClient, type ArkitektClient } from "../../src/runtime/caller/index.js";
import { createGraphQLClient } from "../../src/runtime/transport/index.js";
import { startRuntimeServer, type RuntimeServer } from "../fixtures/runtime/harness.js";
import { agentRegistry, otherRegistry, peers } from "../fixtures/runtime/peers.js";
import { STUB_CONFIGS, STUBS_CWD } from "../fixtures/runtime/stubs-config.js";
import { AGENT_TOKEN, CALLER_TOKEN, OTHER_TOKEN } from "../fixtures/runtime/tokens.js";

let server: RuntimeServer;
let agentA: AgentHandle;
let agentB: AgentHandle;
let caller: ArkitektClient;

beforeAll(async () => {
  server = await startRuntimeServer();
  agentA = await connect({ url: server.url, token: AGENT_TOKEN, registry: agentRegistry });
  agentB = await connect({ url: server.url, token: OTHER_TOKEN, registry: otherRegistry });
  peers.agentClient = createClient({ url: server.url, token: AGENT_TOKEN });
  peers.otherClient = createClient({ url: server.url, token: OTHER_TOKEN });
  caller = createClient({ url: server.url, token: CALLER_TOKEN });
});

afterAll(async () => {
  await caller?.close();
  await peers.agentClient?.close();
  await peers.otherClient?.close();
  await agentA?.close();
  await agentB?.close();
  await server?.close();
});

describe("typed remote stubs", () => {
  it("fetching from the platform reproduces the committed snapshot and stubs byte for byte", async () => {
    for (const config of Object.values(STUB_CONFIGS)) {
      const result = await generateActions({ cwd: STUBS_CWD, config, refresh: true, logger: silentLogger, url: server.url, token: CALLER_TOKEN });
      expect(result.diagnostics).toEqual([]);
      expect(result.files.map((f) => f.path).sort()).toEqual([config.out, config.snapshot].sort());
      for (const file of result.files) {
        expect(file.content, `${file.path} is stale: run node --import tsx test/fixtures/runtime/write-stubs.ts`).toBe(
          await readFile(join(STUBS_CWD, file.path), "utf8"),
        );
      }
    }
  });

  it("renders offline from the snapshot alone (gen --check needs no platform)", async () => {
    const config = STUB_CONFIGS.agent;
    const result = await generateActions({ cwd: STUBS_CWD, config, refresh: false, logger: silentLogger, url: "http://127.0.0.1:1", token: "none" });
    expect(result.diagnostics).toEqual([]);
    expect(result.files).toHaveLength(1);
    expect(result.files[0]!.content).toBe(await readFile(join(STUBS_CWD, config.out), "utf8"));
  });

  it("a changed selection or a missing snapshot is a diagnostic that says to refresh", async () => {
    const changed = await generateActions({ cwd: STUBS_CWD, config: { ...STUB_CONFIGS.agent, select: [{ app: "elsewhere" }] }, refresh: false, logger: silentLogger });
    expect(changed.diagnostics[0]?.code).toBe("ARK_ACTIONS_STALE_SNAPSHOT");
    expect(changed.diagnostics[0]?.hint).toContain("--refresh-actions");
    const missing = await generateActions({ cwd: STUBS_CWD, config: { ...STUB_CONFIGS.agent, snapshot: "stubs/none.json" }, refresh: false, check: true, logger: silentLogger });
    expect(missing.diagnostics[0]?.code).toBe("ARK_ACTIONS_NO_SNAPSHOT");
    const bad = await generateActions({ cwd: STUBS_CWD, config: { select: [] }, refresh: false, logger: silentLogger });
    expect(bad.diagnostics[0]?.code).toBe("ARK_ACTIONS_CONFIG");
  });

  it("outside --check, a missing snapshot skips the stubs with a warning, so the app can still be generated and served", async () => {
    const warnings: string[] = [];
    const result = await generateActions({
      cwd: STUBS_CWD,
      config: { ...STUB_CONFIGS.agent, snapshot: "stubs/none.json" },
      refresh: false,
      logger: { ...silentLogger, warn: (m: string) => warnings.push(m) },
    });
    expect(result).toEqual({ files: [], diagnostics: [] });
    expect(warnings[0]).toContain("no actions snapshot at stubs/none.json");
    expect(warnings[0]).toContain("--refresh-actions");
  });

  it("two agents of different identities call each other through the stubs; child tasks carry their parent", async () => {
    // Same definition in two apps means the same hash: target each implementation.
    const a = { implementation: agentA.implementations.ask_peer!.implementationId };
    const b = { implementation: agentB.implementations.ask_peer!.implementationId };
    let outerA: string | undefined;
    let outerB: string | undefined;
    await expect(caller.call(a, { a: 2, b: 3 }, { onAssigned: (id) => (outerA = id) })).resolves.toEqual({ return0: 5 });
    await expect(caller.call(b, { a: 10, b: 20 }, { onAssigned: (id) => (outerB = id) })).resolves.toEqual({ return0: 30 });
    expect(peers.childTasks).toHaveLength(2);
    const gql = createGraphQLClient({ url: server.handle.graphqlUrl, token: AGENT_TOKEN });
    try {
      const childOfA = await taskQuery(gql, { id: peers.childTasks[0]! });
      expect(childOfA.parent?.id).toBe(outerA);
      expect(childOfA.agent?.id).toBe(agentB.agentId);
    } finally {
      await gql.close();
    }
    const gqlB = createGraphQLClient({ url: server.handle.graphqlUrl, token: OTHER_TOKEN });
    try {
      const childOfB = await taskQuery(gqlB, { id: peers.childTasks[1]! });
      expect(childOfB.parent?.id).toBe(outerB);
      expect(childOfB.agent?.id).toBe(agentA.agentId);
    } finally {
      await gqlB.close();
    }
  });
});
