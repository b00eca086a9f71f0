/**
 * Issue 17 end to end against the embedded server's own fakts endpoints: an agent logs in with
 * connect() (device code, approved at once for a local CLI), the CLI in a separate process logs in
 * from the bare URL and calls it, a second run reuses its cache, tokens that expire mid-run (the
 * server's `accessTokenSeconds`) are replaced, and the printed redeem token works headless.
 */
import { spawn } from "node:child_process";
import { mkdtemp, readdir, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startServer, type ServerHandle } from "../../src/server/index.js";
import { connect, type AgentHandle } from "../../src/runtime/agent/index.js";
import { createClient } from "../../src/runtime/caller/index.js";
import { registry } from "../fixtures/runtime/registry.js";
import { app as exampleApp, bin } from "./run-dev.js";

let server: ServerHandle;
let dataDir: string;
let project: string;
let agent: AgentHandle;

function cli(args: string[], cwd: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [bin, ...args], {
    cwd,
    env: { ...process.env, ARKITEKT_URL: "", ARKITEKT_TOKEN: "", ARKITEKT_REDEEM_TOKEN: "", FAKTS_TOKEN: "" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (c: Buffer) => (stdout += c.toString()));
  child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
  const timer = setTimeout(() => child.kill("SIGKILL"), 60_000);
  return new Promise((resolve) =>
    child.once("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    }),
  );
}

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), "arkitekt-fakts-embedded-"));
  project = await mkdtemp(join(tmpdir(), "arkitekt-fakts-app-"));
  await writeFile(join(project, "arkitekt.json"), JSON.stringify({ identifier: "fakts-caller", version: "1.0.0" }));
  server = await startServer({ host: "127.0.0.1", port: 0, dataDir, accessTokenSeconds: 2, heartbeatIntervalMs: 300, heartbeatTimeoutMs: 1000 });
  agent = await connect({
    url: server.url,
    registry,
    app: { identifier: "fakts-agent", version: "1.0.0" },
    fakts: { cacheDir: project, headless: true, pollIntervalMs: 50, onApprovalUrl: () => undefined },
    devTokenFile: false,
  });
});

afterAll(async () => {
  await agent?.close();
  await server?.close();
  for (const dir of [dataDir, project]) if (dir) await rm(dir, { recursive: true, force: true });
});

describe("fakts against the embedded server", () => {
  it("issue 17: the CLI goes from the bare URL through the (locally auto-approved) device code to a call; a second run reuses the cache", async () => {
    const hash = agent.implementations.add!.actionHash.slice(0, 12);
    const first = await cli(["call", hash, "a=40", "--url", server.url], project);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toContain("42");
    // approved at once by the local server: nothing to approve, so no approval URL is printed
    expect(first.stderr).not.toContain("/configure/");
    const cache = join(project, ".arkitekt/fakts");
    const claimed = (await readdir(cache)).filter((f) => f.endsWith(".json") && !f.startsWith("fakts-agent-"));
    expect(claimed).toHaveLength(1);
    const written = (await stat(join(cache, claimed[0]!))).mtimeMs;
    const second = await cli(["call", hash, "a=1", "b=1", "--url", server.url], project);
    expect(second.code, second.stderr).toBe(0);
    expect(second.stdout).toContain("2");
    expect(second.stderr).not.toContain("/configure/");
    expect((await stat(join(cache, claimed[0]!))).mtimeMs).toBe(written);
  });

  it("issue 17: tokens of the embedded server that expire mid-run are replaced", async () => {
    const client = createClient({
      url: server.url,
      app: { identifier: "fakts-caller", version: "1.0.0" },
      fakts: { cacheDir: project, headless: true },
      devTokenFile: false,
    });
    try {
      const hash = agent.implementations.add!.actionHash;
      await expect(client.call(hash, { a: 1 })).resolves.toEqual({ return0: 3 });
      await new Promise((resolve) => setTimeout(resolve, 2500));
      await expect(client.call(hash, { a: 2 })).resolves.toEqual({ return0: 4 });
      expect(agent.connected).toBe(true);
    } finally {
      await client.close();
    }
  });

  it("issue 17: the redeem token the server prints works headless", async () => {
    expect(server.redeemToken).toBeTruthy();
    const other = await mkdtemp(join(tmpdir(), "arkitekt-fakts-app-"));
    try {
      const result = await cli(["inspect", "agents", "--url", server.url, "--redeem-token", server.redeemToken!, "--headless"], other);
      expect(result.code, result.stderr).toBe(0);
      expect(result.stdout).toContain(agent.agentId);
      expect(result.stderr).not.toContain("/configure/");
    } finally {
      await rm(other, { recursive: true, force: true });
    }
  });

  it("issue 17: `run dev --url <deployment>` serves through a fakts login (its app process logs in from the cached claim)", async () => {
    const data = await mkdtemp(join(tmpdir(), "arkitekt-fakts-dev-"));
    const cache = join(exampleApp, ".arkitekt/fakts/com.example.imaging-0.1.0.json");
    const child = spawn(process.execPath, [bin, "run", "dev", "--cwd", exampleApp, "--no-gen", "--url", server.url, "--headless", "--data", data], {
      env: { ...process.env, ARKITEKT_URL: "", ARKITEKT_TOKEN: "", ARKITEKT_REDEEM_TOKEN: "", FAKTS_TOKEN: "", NO_COLOR: "1" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout.on("data", (c: Buffer) => (output += c.toString()));
    child.stderr.on("data", (c: Buffer) => (output += c.toString()));
    const exited = new Promise((resolve) => child.once("exit", resolve));
    try {
      const deadline = Date.now() + 40_000;
      while (!/serving \d+ function\(s\) as agent/.test(output) && child.exitCode === null && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      expect(output).toMatch(/serving \d+ function\(s\) as agent \S+ on http:\/\/127\.0\.0\.1:\d+/);
      expect(output).toMatch(/logged in/);
      expect(output).not.toContain("/configure/");
      const prefix = /^ {2}gradient +([0-9a-f]{12})$/m.exec(output)?.[1];
      expect(prefix).toBeDefined();
      const called = await cli(["call", prefix!, "width=2", "height=2", "--url", server.url], project);
      expect(called.code, called.stderr).toBe(0);
      expect(called.stdout).toContain("@example/image");
    } finally {
      if (child.exitCode === null) child.kill("SIGTERM");
      await exited;
      await rm(data, { recursive: true, force: true });
      await rm(cache, { force: true });
    }
  });
});
