/**
 * Issue 16: lifecycle hooks end to end. The agent (features-agent-main.ts) runs in a child process
 * against the real embedded server, its hooks declared at a module's top level through the
 * package's API: a failing startup hook stops the start with its message; a background task runs
 * once the agent serves and its signal is aborted on stop; shutdown hooks run on stop, and one
 * over its deadline is abandoned without hanging the stop.
 */
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { spawnFixture, startRuntimeServer, waitFor, type RuntimeServer } from "../fixtures/runtime/harness.js";
import { AGENT_TOKEN } from "../fixtures/runtime/tokens.js";

let server: RuntimeServer;
let out: string;

beforeAll(async () => {
  server = await startRuntimeServer();
}, 30_000);

afterAll(async () => {
  await server?.close();
});

async function events(): Promise<string[]> {
  return (await readFile(join(out, "events.log"), "utf8").catch(() => "")).split("\n").filter(Boolean);
}

describe("issue 16: lifecycle hooks", () => {
  it("issue 16: a startup hook that throws stops the start with a clear error naming the hook (connect rejects)", async () => {
    out = await mkdtemp(join(tmpdir(), "ark-hooks-"));
    const agent = spawnFixture("features-agent-main.ts", {
      ARKITEKT_URL: server.url,
      ARKITEKT_TOKEN: AGENT_TOKEN,
      FEATURES_HOOKS: "startup-fail",
      FEATURES_OUT: out,
    });
    const error = (await agent.ready.catch((e: unknown) => e)) as Error;
    expect(error).toBeInstanceOf(Error);
    expect(agent.child.exitCode).toBe(3);
    expect(agent.stderr()).toMatch(
      /START FAILED ARKITEKT_AGENT_STARTUP: startup hook openCamera \(test\/fixtures\/runtime\/features-agent-main\.ts:\d+\) failed: camera \/dev\/video0 not found; the agent did not start \(fix what the hook needs/,
    );
    // it stopped before registering anything
    expect(agent.stderr()).not.toMatch(/implemented|registered/);
    await agent.kill();
    await rm(out, { recursive: true, force: true });
  });

  it("issue 16: background task runs while serving and its signal is aborted on stop; shutdown hooks run, one over its deadline is abandoned", async () => {
    out = await mkdtemp(join(tmpdir(), "ark-hooks-"));
    const agent = spawnFixture("features-agent-main.ts", {
      ARKITEKT_URL: server.url,
      ARKITEKT_TOKEN: AGENT_TOKEN,
      FEATURES_HOOKS: "hooks",
      FEATURES_OUT: out,
    });
    await agent.ready;
    await waitFor("the background task", async () => (await events()).includes("background started"));
    expect(await events()).toEqual(["startup", "background started"]);
    await agent.stop(); // SIGTERM: handle.close()
    expect(agent.child.exitCode).toBe(0);
    expect(await events()).toEqual(["startup", "background started", "background aborted", "shutdown", "stuck aborted at its deadline", "after stuck", "closed"]);
    expect(agent.stderr()).toMatch(/shutdown hook stuck \(test\/fixtures\/runtime\/features-agent-main\.ts:\d+\) did not finish within its deadline of 300 ms; abandoned/);
    await rm(out, { recursive: true, force: true });
  });
});
