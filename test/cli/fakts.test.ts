/**
 * Issue 17, the CLI side, in separate processes: `call` and `inspect` given only a deployment URL
 * log in with fakts. The deployment is a FAKE (fakts + OAuth2 only, nothing auto-approved unless
 * the test says so) whose rekuest instance is a real embedded server, served by an agent that
 * logged in the same way.
 */
import { spawn } from "node:child_process";
import { mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connect, type AgentHandle } from "../../src/runtime/agent/index.js";
import { registry } from "../fixtures/runtime/registry.js";
import { startRuntimeServer, type RuntimeServer } from "../fixtures/runtime/harness.js";
import { fakeTokens, startFakeDeployment, type Decision, type FakeDeployment } from "../fixtures/fakts/fake-deployment.js";
import { bin, root } from "./run-dev.js";

const AGENT_APP = { identifier: "fakts-agent", version: "1.0.0" };

let server: RuntimeServer;
let deployment: FakeDeployment;
let agent: AgentHandle;
let project: string;
let decision: Decision = "approve";
let addHash = "";

interface Finished {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** The CLI in a child process (async: the fake and the server live in this process). */
function cli(args: string[], env: Record<string, string> = {}): Promise<Finished> {
  const child = spawn(process.execPath, [bin, ...args], {
    cwd: project,
    env: { ...process.env, ARKITEKT_URL: "", ARKITEKT_TOKEN: "", ARKITEKT_REDEEM_TOKEN: "", FAKTS_TOKEN: "", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const timer = setTimeout(() => child.kill("SIGKILL"), 60_000);
  return new Promise((resolve) =>
    child.once("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    }),
  );
}

beforeAll(async () => {
  // arkitekt-next-app: the identity of a project without arkitekt.json or package.json
  server = await startRuntimeServer({ tokens: fakeTokens([AGENT_APP.identifier, "fakts-caller", "arkitekt-next-app"]) as never });
  deployment = await startFakeDeployment({ rekuestUrl: server.url, redeemTokens: ["ci-redeem"], decide: () => decision });
  project = await mkdtemp(join(tmpdir(), "arkitekt-fakts-cli-"));
  await writeFile(join(project, "arkitekt.json"), JSON.stringify({ identifier: "fakts-caller", version: "1.0.0" }));
  agent = await connect({ url: deployment.url, registry, app: AGENT_APP, fakts: { cacheDir: project, headless: true, pollIntervalMs: 20, onApprovalUrl: () => undefined }, devTokenFile: false });
  addHash = agent.implementations.add!.actionHash;
});

afterAll(async () => {
  await agent?.close();
  await deployment?.close();
  await server?.close();
  if (project) await rm(project, { recursive: true, force: true });
});

describe("the CLI logs in to a deployment", () => {
  it("issue 17: `call --url <deployment>` without a TTY prints the approval URL, waits for it, calls; a second run reuses the cache", async () => {
    const starts = deployment.count("/f/start/");
    const first = await cli(["call", addHash.slice(0, 12), "a=40", "--url", deployment.url]);
    expect(first.stderr).toContain(`Approve fakts-caller 1.0.0 on fake deployment: open ${deployment.url}/f/configure/code-`);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toContain("42");
    expect(deployment.count("/f/start/")).toBe(starts + 1);

    const file = join(project, ".arkitekt/fakts/fakts-caller-1.0.0.json");
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    const cached = await readFile(file, "utf8");
    for (const token of deployment.issued) expect(cached).not.toContain(token);

    const second = await cli(["call", addHash.slice(0, 12), "a=1", "b=1", "--url", deployment.url]);
    expect(second.code, second.stderr).toBe(0);
    expect(second.stdout).toContain("2");
    expect(second.stderr).not.toContain("Approve");
    expect(deployment.count("/f/start/")).toBe(starts + 1);
  });

  it("issue 17: a redeem token works headless (`inspect --redeem-token --headless`), no approval", async () => {
    const starts = deployment.count("/f/start/");
    const other = await mkdtemp(join(tmpdir(), "arkitekt-fakts-cli-"));
    try {
      const child = spawn(process.execPath, [bin, "inspect", "agents", "--url", deployment.url, "--redeem-token", "ci-redeem", "--headless", "--cwd", other], {
        cwd: other,
        env: { ...process.env, ARKITEKT_URL: "", ARKITEKT_TOKEN: "" },
        stdio: ["ignore", "pipe", "pipe"],
      });
      let stdout = "";
      let stderr = "";
      child.stdout.on("data", (c: Buffer) => (stdout += c.toString()));
      child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
      const code = await new Promise<number | null>((resolve) => child.once("close", resolve));
      expect(code, stderr).toBe(0);
      expect(stdout).toContain(agent.agentId);
      expect(stderr).not.toContain("Approve");
      expect(deployment.count("/f/start/")).toBe(starts);
      expect(deployment.manifests.at(-1)).toMatchObject({ identifier: "arkitekt-next-app" });
    } finally {
      await rm(other, { recursive: true, force: true });
    }
  });

  it("issue 17: a denied and an expired approval end the command with a clear error and a hint", async () => {
    await rm(join(project, ".arkitekt/fakts"), { recursive: true, force: true });
    decision = "deny";
    const denied = await cli(["call", addHash.slice(0, 12), "a=1", "--url", deployment.url]);
    expect(denied.code).toBe(1);
    expect(denied.stderr).toMatch(/error: the platform URL http:\/\/127\.0\.0\.1:\d+ \(from the --url flag\) has no token(, [^\n]*)?, and logging in there failed: the login of fakts-caller 1\.0\.0 at .* was denied on /);
    expect(denied.stderr).toContain("Approve");
    decision = "expire";
    const expired = await cli(["call", addHash.slice(0, 12), "a=1", "--url", deployment.url]);
    expect(expired.code).toBe(1);
    expect(expired.stderr).toContain("nobody approved the login");
    expect(expired.stderr).toContain("--redeem-token");
    decision = "approve";
  });

  it("issue 17: --help of call, inspect, run dev, run prod and gen documents --redeem-token and --headless with an example", async () => {
    for (const args of [["call"], ["inspect"], ["run", "dev"], ["run", "prod"], ["gen"]]) {
      const help = await cli([...args, "--help"]);
      expect(help.code).toBe(0);
      expect(help.stdout).toContain("--redeem-token <token>");
      expect(help.stdout).toContain("--headless");
      expect(help.stdout).toMatch(/\$ .*lab\.example\.org/);
    }
  });
});
