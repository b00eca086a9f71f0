// Issue 12: `call` streams every yield, speaks --json (failures too) and exits 0/1/2/130; `inspect`
// shows agents, actions with port tables and recent tasks; `gen` says what it looked for. All as
// child processes against real platforms: `run dev` of the example app, and an in-process server
// with the runtime fixture agent (slow and ticking functions) for cancelling and streaming.
import { spawn, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bin, exampleKeys, root, startRunDev, type RunDev } from "./run-dev.js";
import { spawnFixture, startRuntimeServer, type ChildHandle, type RuntimeServer } from "../fixtures/runtime/harness.js";
import { AGENT_TOKEN, CALLER_TOKEN, OTHER_TOKEN } from "../fixtures/runtime/tokens.js";
import { ensureAgent, implementAgent, type ImplementationInput } from "../server/helpers/fixture.js";
import { graphqlData, graphqlErrors } from "../server/helpers/graphql.js";

const ENV = { ARKITEKT_URL: "", ARKITEKT_TOKEN: "", NO_COLOR: "1" };

interface Finished {
  status: number | null;
  stdout: string;
  stderr: string;
  /** stdout as the chunks arrived. */
  chunks: string[];
}

/** Runs the CLI and waits (blocking this process: not for the in-process server's platform). */
function cli(args: string[], env: NodeJS.ProcessEnv = {}): Finished {
  const result = spawnSync(process.execPath, [bin, ...args], { cwd: root, encoding: "utf8", env: { ...process.env, ...ENV, ...env }, timeout: 60_000 });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr, chunks: [result.stdout] };
}

/** Runs the CLI without blocking; `onStdout` sees each chunk with the child (to signal it). */
function cliAsync(args: string[], onStdout?: (soFar: string, child: ReturnType<typeof spawn>) => void): Promise<Finished> {
  const child = spawn(process.execPath, [bin, ...args], { cwd: root, env: { ...process.env, ...ENV }, stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  const chunks: string[] = [];
  child.stdout.on("data", (chunk: Buffer) => {
    stdout += chunk.toString();
    chunks.push(chunk.toString());
    onStdout?.(stdout, child);
  });
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`arkitekt-next ${args.join(" ")} did not exit:\n${stdout}\n${stderr}`));
    }, 60_000);
    child.once("exit", (status) => {
      clearTimeout(timer);
      resolve({ status, stdout, stderr, chunks });
    });
  });
}

const jsonLines = (text: string) => text.trim().split("\n").map((line) => JSON.parse(line) as Record<string, unknown> & { type: string });

describe("issue 12: call, inspect and gen have --help with examples", () => {
  it("issue 12: call --help documents how actions are named and the exit codes", () => {
    const result = cli(["call", "--help"]);
    expect(result.status).toBe(0);
    for (const text of ["implementation:<id>", "app/key[@version]", "<64 hex digits>", "<6 to 63 hex digits, at least one of them 0-9>", "a hash prefix", "Exit codes:", "  0    the task completed", "  1    the call could not be made", "  2    the task ended without completing", "  130  the task was cancelled", "Examples:", "--json"]) {
      expect(result.stdout).toContain(text);
    }
    expect(result.stdout).not.toContain("--stream");
  });

  it("issue 12 review: call --help says @version is the action's definition version, not the app's release, and whose the examples are", () => {
    const result = cli(["call", "--help"]);
    expect(result.status).toBe(0);
    expect(result.stdout).toContain("<version> is the action's definition\n");
    expect(result.stdout).toMatch(/app\/key@version line, not the app's release version/);
    expect(result.stdout).toContain("The examples name this repository's example app (examples/app, identifier com.example.imaging)");
    expect(result.stdout).toContain("e.g. myapp/add a=1 b=2");
  });

  it("issue 12: inspect --help has examples and says where the URL and token come from", () => {
    const result = cli(["inspect", "--help"]);
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/^Usage: arkitekt-next inspect/);
    expect(result.stdout).toContain("$ arkitekt-next inspect --config");
    expect(result.stdout).toContain("ARKITEKT_URL/ARKITEKT_TOKEN");
  });
});

describe("issue 12: call and inspect against run dev of the example app", () => {
  let runDev: RunDev;
  let image: unknown;
  /** The app the dev platform names the example app's actions after (read from inspect, not assumed). */
  let appName: string;

  beforeAll(async () => {
    runDev = await startRunDev("arkitekt-cli-inspect-");
    const made = cli(["call", "--data", runDev.dataDir, "gradient", "width=4", "height=4"]);
    expect(made.status).toBe(0);
    image = (JSON.parse(made.stdout) as { return0: unknown }).return0;
    // a failed task too, for inspect's list of recent tasks
    expect(cli(["call", "--data", runDev.dataDir, "average", '{"images": []}']).status).toBe(2);
    const agents = cli(["inspect", "agents", "--json", "--data", runDev.dataDir]);
    appName = (JSON.parse(agents.stdout) as { agents: Array<{ app: string }> }).agents[0]!.app;
  });

  afterAll(() => runDev?.stop());

  it("issue 12: a generator call prints each yield as its own JSON line, in order, without --stream", () => {
    const result = cli(["call", "--data", runDev.dataDir, "tile", `image=${JSON.stringify(image)}`, "size=2"]);
    expect(result.stderr).not.toContain("error");
    expect(result.status).toBe(0);
    const yields = result.stdout.trim().split("\n").map((line) => JSON.parse(line) as { return0: { __identifier: string; object: string } });
    expect(yields).toHaveLength(4);
    expect(new Set(yields.map((y) => y.return0.object)).size).toBe(4);
    // Not a terminal: progress comes as plain lines on stderr, one per report, in order.
    expect(result.stderr.match(/progress \d+% tile \d of 4/g)).toEqual(["progress 25% tile 1 of 4", "progress 50% tile 2 of 4", "progress 75% tile 3 of 4", "progress 100% tile 4 of 4"]);
  });

  it("issue 12: call --json prints one JSON object per line: assigned, each yield in order with its progress, done", () => {
    const result = cli(["call", "--json", "--data", runDev.dataDir, "tile", `image=${JSON.stringify(image)}`, "size=2"]);
    expect(result.status).toBe(0);
    const lines = jsonLines(result.stdout);
    expect(lines[0]).toMatchObject({ type: "assigned", task: expect.stringMatching(/^\d+$/) });
    const task = lines[0]!.task;
    expect(lines.every((line) => line.task === task)).toBe(true);
    const sequence = lines.slice(1).map((line) => (line.type === "yield" ? `yield ${line.index}` : line.type === "progress" ? `progress ${line.progress}` : line.type));
    expect(sequence).toEqual(["yield 0", "progress 25", "yield 1", "progress 50", "yield 2", "progress 75", "yield 3", "progress 100", "done"]);
    expect(lines.at(-1)).toEqual({ type: "done", task, yields: 4, exitCode: 0 });
    expect((lines[1]!.returns as { return0: { __identifier: string } }).return0.__identifier).toBe("@example/image");
  });

  it("issue 12: a task that fails exits 2, and --json ends with an error object carrying the remote message", () => {
    const result = cli(["call", "--json", "--data", runDev.dataDir, "average", '{"images": []}']);
    expect(result.status).toBe(2);
    const lines = jsonLines(result.stdout);
    expect(lines[0]!.type).toBe("assigned");
    const error = lines.at(-1)!;
    expect(error).toMatchObject({ type: "error", task: lines[0]!.task, kind: "CRITICAL", exitCode: 2 });
    expect(error.message).toContain("average needs at least one image");
    expect(error.hint).toContain("the function threw");
    // stderr still has the message for people
    expect(result.stderr).toContain("error: task");
  });

  it("issue 12: a call that cannot be made exits 1 with a USER_ERROR object under --json", () => {
    const result = cli(["call", "--json", "--data", runDev.dataDir, "blur", "a=1"]);
    expect(result.status).toBe(1);
    const [error] = jsonLines(result.stdout);
    expect(error).toMatchObject({ type: "error", kind: "USER_ERROR", exitCode: 1, task: null });
    expect(error!.message).toBe('the platform knows no action with the key "blur"');
    expect(error!.hint).toContain(`known keys: ${exampleKeys().slice(0, 3).join(", ")}`);
  });

  it("issue 12: inspect --json lists the app's agent, every action with its ports, and recent tasks", () => {
    const result = cli(["inspect", "--json", "--data", runDev.dataDir]);
    expect(result.stderr).toBe("");
    expect(result.status).toBe(0);
    const report = JSON.parse(result.stdout) as Required<import("../../src/cli/commands/inspect.js").InspectReport>;
    expect(report.platform.urlFrom).toBe(join(runDev.dataDir, "dev-token.json"));
    expect(report.agents).toHaveLength(1);
    const agent = report.agents[0]!;
    expect(agent).toMatchObject({ connected: true, active: true, blocked: false });
    expect(agent.app).toBe(appName);
    expect(agent.app).not.toBe("");
    expect(agent.instance).not.toBe("");
    const keys = report.actions.map((a) => a.key);
    expect(keys).toEqual(exampleKeys());
    for (const action of report.actions) {
      expect(action.app).toBe(appName);
      expect(action.servedBy).toEqual([expect.objectContaining({ agent: agent.name, active: true })]);
      // the hash prefix run dev lists for the key
      expect(runDev.output).toMatch(new RegExp(`^ {2}${action.key} +${action.hash.slice(0, 12)}$`, "m"));
    }
    const gradient = report.actions.find((a) => a.key === "gradient")!;
    expect(gradient.kind).toBe("FUNCTION");
    expect(gradient.args).toEqual([
      { key: "width", label: "width", type: "INT", nullable: true, default: 8, description: "Width in pixels" },
      { key: "height", label: "height", type: "INT", nullable: true, default: 8, description: "Height in pixels" },
    ]);
    expect(gradient.returns).toEqual([expect.objectContaining({ key: "return0", type: "STRUCTURE @example/image", nullable: false })]);
    expect(report.actions.find((a) => a.key === "average")!.args[0]).toMatchObject({ key: "images", type: "LIST<STRUCTURE @example/image>" });
    expect(report.actions.find((a) => a.key === "threshold")!.args[2]).toMatchObject({ key: "mode", type: "ENUM(Above|Below)", default: "Above" });
    // the tasks made so far, newest first
    expect(report.tasks.length).toBeGreaterThanOrEqual(2);
    const ids = report.tasks.map((t) => Number(t.id));
    expect(ids).toEqual([...ids].sort((a, b) => b - a));
    expect(report.tasks.find((t) => t.action === "average")).toMatchObject({ status: "CRITICAL", isDone: true, agent: agent.name });
    expect(report.tasks.find((t) => t.action === "gradient")).toMatchObject({ status: "COMPLETED", isDone: true });
  });

  it("issue 12: inspect prints the agent, a port table per action and the recent tasks", () => {
    const result = cli(["inspect", "--data", runDev.dataDir, "--limit", "2"]);
    expect(result.status).toBe(0);
    const out = result.stdout;
    expect(out).toMatch(/^Agents \(1\)\n {2}id +name +app +version +instance +connected +active +last seen\n {2}\d+ +\S+ +\S+ +\S+ +\S+ +yes +yes /m);
    const gradientHash = /^ {2}gradient +([0-9a-f]{12})$/m.exec(runDev.output)![1]!;
    expect(out).toContain(`  gradient  ${gradientHash}  FUNCTION  ${appName}/gradient@`);
    expect(out).toMatch(/ {6}key +type +nullable +default +description\n {6}width +INT +yes +8 +Width in pixels\n {6}height +INT +yes +8 +Height in pixels\n/);
    expect(out).toMatch(/ {4}yields \(each time\):\n {6}key +type +nullable +description\n {6}return0 +STRUCTURE @example\/image +no/);
    expect(out).toContain("Recent tasks (newest first, at most 2)");
    const taskRows = out.slice(out.indexOf("Recent tasks")).trim().split("\n").slice(2);
    expect(taskRows).toHaveLength(2);
  });

  it("issue 12: inspect --config shows the URL and the token's source with the token masked, without connecting", () => {
    const devToken = (JSON.parse(readFileSync(join(runDev.dataDir, "dev-token.json"), "utf8")) as { token: string }).token;
    const result = cli(["inspect", "--config", "--data", runDev.dataDir]);
    expect(result.status).toBe(0);
    expect(result.stdout).toContain(`from ${join(runDev.dataDir, "dev-token.json")}`);
    expect(result.stdout).toContain(`token  ${devToken.slice(0, 4)}… (${devToken.length} characters)`);
    expect(result.stdout).not.toContain(devToken);
    // Nothing listens on port 9: --config never connects.
    const offline = cli(["inspect", "--config", "--json", "--url", "http://127.0.0.1:9", "--token", "secret-token-0123456789"]);
    expect(offline.status).toBe(0);
    expect(JSON.parse(offline.stdout)).toEqual({
      url: "http://127.0.0.1:9",
      urlFrom: "the --url flag",
      token: "secr… (23 characters)",
      tokenFrom: "the --token flag",
    });
  });
});

describe("inspect --config and a deployment without a token", () => {
  it("inspect --config with a URL and no token names the fakts login and its claim cache, without logging in", () => {
    const project = mkdtempSync(join(tmpdir(), "inspect-config-"));
    try {
      writeFileSync(join(project, "arkitekt.json"), JSON.stringify({ identifier: "labapp", version: "1.2.0" }));
      // nothing listens on port 9: a login would fail to reach it
      const text = cli(["inspect", "--config", "--cwd", project, "--url", "http://127.0.0.1:9"]);
      expect(text.stderr).toBe("");
      expect(text.status).toBe(0);
      expect(text.stdout).toContain("url    http://127.0.0.1:9\n       from the --url flag\ntoken  none given\n");
      expect(text.stdout).toContain(`claim  ${join(project, ".arkitekt/fakts/labapp-1.2.0.json")} (none cached yet: the login asks for approval)`);
      mkdirSync(join(project, ".arkitekt/fakts"), { recursive: true });
      writeFileSync(join(project, ".arkitekt/fakts/labapp-1.2.0.json"), "{}");
      const json = cli(["inspect", "--config", "--json", "--cwd", project], { ARKITEKT_URL: "http://127.0.0.1:9" });
      expect(json.status).toBe(0);
      expect(JSON.parse(json.stdout)).toEqual({
        url: "http://127.0.0.1:9",
        urlFrom: "ARKITEKT_URL",
        token: null,
        tokenFrom: "a fakts login of this deployment, which the other commands run (--config does not)",
        claimCache: join(project, ".arkitekt/fakts/labapp-1.2.0.json"),
        claimCached: true,
      });
    } finally {
      rmSync(project, { recursive: true, force: true });
    }
  });
});

describe("issue 12: streaming and cancelling against the runtime fixture agent", () => {
  let server: RuntimeServer;
  let agent: ChildHandle;
  const callArgs = () => ["--url", server.url, "--token", CALLER_TOKEN];

  beforeAll(async () => {
    server = await startRuntimeServer();
    agent = spawnFixture("agent-main.ts", { ARKITEKT_URL: server.url, ARKITEKT_TOKEN: AGENT_TOKEN });
    await agent.ready;
  }, 60_000);

  afterAll(async () => {
    await agent?.stop();
    await server?.close();
  });

  it("issue 12: each yield is printed when it arrives, not when the generator ends", async () => {
    let firstChunk: string | undefined;
    const result = await cliAsync(["call", ...callArgs(), "runtime-agent/ticker", "n=3", "ms=300"], (soFar) => {
      firstChunk ??= soFar;
    });
    expect(result.stderr).toBe("");
    expect(result.status).toBe(0);
    expect(result.stdout).toBe('{"return0":0}\n{"return0":1}\n{"return0":2}\n');
    // The yields are 300 ms apart: the first one was written (and read) on its own.
    expect(firstChunk).toBe('{"return0":0}\n');
  });

  it("issue 12: when the reader of stdout goes away (| head -1), call cancels the task and exits 0 without a crash", async () => {
    let closed = false;
    const result = await cliAsync(["call", ...callArgs(), "runtime-agent/ticker", "n=100", "ms=50"], (_soFar, child) => {
      if (!closed) {
        closed = true;
        child.stdout!.destroy();
      }
    });
    expect(result.stderr).not.toContain("EPIPE");
    expect(result.stderr).not.toContain("internal error");
    expect(result.status).toBe(0);
    const tasks = await cliAsync(["inspect", "tasks", "--json", "--limit", "1", ...callArgs()]);
    expect((JSON.parse(tasks.stdout) as { tasks: Array<{ action: string; status: string }> }).tasks[0]).toMatchObject({ action: "ticker", status: "CANCELLED" });
  });

  it("issue 12: Ctrl+C (SIGINT) cancels the running task and call exits 130", async () => {
    let signalled = false;
    const result = await cliAsync(["call", "--json", ...callArgs(), "runtime-agent/slow", "ms=60000"], (soFar, child) => {
      if (!signalled && soFar.includes('"type":"assigned"')) {
        signalled = true;
        child.kill("SIGINT");
      }
    });
    expect(signalled).toBe(true);
    expect(result.status).toBe(130);
    const lines = jsonLines(result.stdout);
    expect(lines[0]!.type).toBe("assigned");
    expect(lines.at(-1)).toMatchObject({ type: "error", kind: "CANCELLED", exitCode: 130, task: lines[0]!.task });
    expect(result.stderr).toContain(`cancelling task ${String(lines[0]!.task)} (Ctrl+C again to leave it running)`);
    // The platform has the task as cancelled, not running (async: the server runs in this process).
    const tasks = await cliAsync(["inspect", "tasks", "--json", ...callArgs()]);
    expect(tasks.status).toBe(0);
    const task = (JSON.parse(tasks.stdout) as { tasks: Array<{ id: string; status: string; isDone: boolean }> }).tasks.find((t) => t.id === lines[0]!.task);
    expect(task).toMatchObject({ status: "CANCELLED", isDone: true });
  });
});

describe("issue 12: inspect reads every page", () => {
  let server: RuntimeServer;

  beforeAll(async () => {
    server = await startRuntimeServer({ defaultPageSize: 20, maxPageSize: 50 });
  });

  afterAll(() => server?.close());

  it("issue 12: inspect lists all 130 actions of an agent when the platform serves 20 at a time", async () => {
    const implementations: ImplementationInput[] = Array.from({ length: 130 }, (_, i) => ({
      interface: `op${String(i).padStart(3, "0")}`,
      definition: { key: `op${String(i).padStart(3, "0")}`, version: "1", name: `Op ${i}`, kind: "FUNCTION", collections: [], args: [{ key: "x", kind: "INT", nullable: false }], returns: [] },
    }));
    const target = {
      gql: <T>(token: string, query: string, variables?: Record<string, unknown>) => graphqlData<T>(server.handle.graphqlUrl, token, query, variables),
      gqlErrors: (token: string | undefined, query: string, variables?: Record<string, unknown>) => graphqlErrors(server.handle.graphqlUrl, token, query, variables),
    };
    await ensureAgent(target, OTHER_TOKEN);
    await implementAgent(target, OTHER_TOKEN, implementations);
    const result = await cliAsync(["inspect", "actions", "--json", "--url", server.url, "--token", CALLER_TOKEN]);
    expect(result.stderr).toBe("");
    expect(result.status).toBe(0);
    const report = JSON.parse(result.stdout) as { actions: Array<{ key: string; args: Array<{ key: string; type: string }> }> };
    expect(report.actions.map((a) => a.key)).toEqual(implementations.map((i) => i.interface));
    expect(report.actions[129]!.args).toEqual([expect.objectContaining({ key: "x", type: "INT" })]);
  });
});

describe("issue 12: gen says what it looked for", () => {
  it("issue 12: gen in an empty folder names what it looked for, says to run init, and exits 1", () => {
    const empty = mkdtempSync(join(tmpdir(), "arkitekt-cli-gen-empty-"));
    try {
      const result = cli(["gen", "--cwd", empty]);
      expect(result.status).toBe(1);
      expect(result.stderr).toContain(`nothing to generate in ${empty}. Looked for:`);
      expect(result.stderr).toContain("arkitekt.json: not found");
      expect(result.stderr).toContain("tsconfig.json: not found (the functions stage reads the files it includes for register() calls)");
      expect(result.stderr).toContain("codegen.yml: not found");
      expect(result.stderr).toContain("To start an app here: npx arkitekt-next init");
      // while unpublished, init runs from the tarball
      expect(result.stderr).toContain("while the package is unpublished: npx ./arkitekt-next-<version>.tgz init");
      expect(result.stdout).not.toContain("up to date");
      // nothing is written (no generated/.arkitekt-gen.json), so the suggested init still takes the folder
      expect(readdirSync(empty)).toEqual([]);
      const init = cli(["init", empty, "--yes", "--no-install", "--package", `file:${root}`]);
      expect(init.stderr).toBe("");
      expect(init.status).toBe(0);
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });

  it("issue 12: gen with a tsconfig but no register() call names the files it read and shows how to register a function", () => {
    const dir = mkdtempSync(join(tmpdir(), "arkitekt-cli-gen-none-"));
    try {
      mkdirSync(join(dir, "src"));
      writeFileSync(join(dir, "tsconfig.json"), JSON.stringify({ compilerOptions: { module: "NodeNext", moduleResolution: "NodeNext", strict: true, types: [] }, include: ["src"] }));
      writeFileSync(join(dir, "src", "math.ts"), "export function add(a: number, b: number): number {\n  return a + b;\n}\n");
      const result = cli(["gen", "--cwd", dir]);
      expect(result.status).toBe(0);
      expect(result.stderr).toContain('no registered functions: none of the 1 file(s) tsconfig.json includes (src/math.ts) calls register() imported from "arkitekt-next".');
      expect(result.stderr).toContain("Wrap a function in register() to serve it");
      expect(result.stderr).toContain('import { register, type Int } from "arkitekt-next";');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
