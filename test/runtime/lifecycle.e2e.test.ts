/**
 * Issue 16: lifecycle hooks end to end. The agent (features-agent-main.ts) runs in a child process
 * against the real embedded server, its hooks declared at a module's top level through the
 * package's API: a failing startup hook stops the start with its message; a background task runs
 * once the agent serves and its signal is aborted on stop; shutdown hooks run on stop, and one
 * over its deadline is abandoned without hanging the stop.
 */
import { spawn } from "node:child_process";
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bin, root } from "../cli/run-dev.js";
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

  // The whole path: gen finds the hook in a file without register(), the generated registry imports
  // it, and `arkitekt-next run dev` stops with the hook's message (needs the compiled package: npm run build).
  it("issue 16: arkitekt-next run exits non-zero with the failing startup hook's message (a hook file without register() is loaded)", async () => {
    const app = await mkdtemp(join(tmpdir(), "ark-hooks-app-"));
    try {
      await mkdir(join(app, "src"));
      await mkdir(join(app, "node_modules"));
      await symlink(root, join(app, "node_modules", "arkitekt-next"), "dir");
      await writeFile(join(app, "package.json"), JSON.stringify({ name: "hooks-app", type: "module", private: true }));
      await writeFile(join(app, "arkitekt.json"), JSON.stringify({ identifier: "com.example.hooks", version: "0.1.0" }));
      await writeFile(
        join(app, "tsconfig.json"),
        JSON.stringify({ compilerOptions: { module: "NodeNext", moduleResolution: "NodeNext", target: "ES2022", strict: true, types: [] }, include: ["src"] }),
      );
      await writeFile(join(app, "src/fns.ts"), `import { register } from "arkitekt-next";\n/** Adds. */\nexport const add = register(function add(a: number, b: number): number { return a + b; });\n`);
      await writeFile(
        join(app, "src/hooks.ts"),
        `import { onStartup as atStart } from "arkitekt-next";\natStart(async function openCamera() {\n  throw new Error("camera /dev/video0 not found");\n});\n`,
      );
      const child = spawn(process.execPath, [bin, "run", "dev", "--cwd", app, "--data", join(app, ".arkitekt/dev")], {
        env: { ...process.env, ARKITEKT_URL: "", ARKITEKT_TOKEN: "", NO_COLOR: "1" },
        stdio: ["ignore", "pipe", "pipe"],
      });
      let output = "";
      child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
      child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
      const code = await new Promise<number | null>((resolve) => child.once("exit", (c) => resolve(c)));
      expect(output).toContain("startup hook openCamera (src/hooks.ts:2) failed: camera /dev/video0 not found; the agent did not start");
      expect(code).toBe(1);
      expect(await readFile(join(app, "generated/registry.ts"), "utf8")).toContain('import "../src/hooks.js";');
    } finally {
      await rm(app, { recursive: true, force: true });
    }
  }, 90_000);
});
