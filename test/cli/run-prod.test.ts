// `arkitekt-next run prod` and `arkitekt-next health` as child processes, on a compiled copy of the
// example app (tsc into dist/ as its `npm run build` would), against `arkitekt-next server` in
// another child. Needs the compiled package (`npm run build`).
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { createHash } from "node:crypto";
import { appendFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, utimesSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { checkHealth } from "../../src/cli/status-file.js";
import { compiledLayout, compiledPath, stripJsonc } from "../../src/cli/compiled-layout.js";
import { app, bin, exampleKeys, root } from "./run-dev.js";
import { startFakeDeployment } from "../fixtures/fakts/fake-deployment.js";
import { AGENT_TOKEN, RUNTIME_TOKENS } from "../fixtures/runtime/tokens.js";

const recorder = join(root, "test", "fixtures", "cli", "record-imports.mjs");
const work = mkdtempSync(join(tmpdir(), "ark-run-prod-"));
/** The compiled example app every test copies (never changed itself). */
const built = join(work, "built");

interface Result {
  status: number | null;
  stdout: string;
  stderr: string;
  /** Every module URL the process resolved (through record-imports.mjs). */
  imports: string[];
}

/** Runs the CLI to completion with the import recorder. */
function cli(args: string[], env: Record<string, string> = {}): Result {
  const record = join(work, `imports-${Math.random().toString(36).slice(2)}.txt`);
  const result = spawnSync(process.execPath, ["--import", recorder, bin, ...args], {
    encoding: "utf8",
    timeout: 60_000,
    env: { ...process.env, ARKITEKT_URL: "", ARKITEKT_TOKEN: "", NO_COLOR: "1", RECORD_IMPORTS: record, ...env },
  });
  const imports = existsSync(record) ? readFileSync(record, "utf8").split("\n").filter(Boolean) : [];
  return { status: result.status, stdout: result.stdout, stderr: result.stderr, imports };
}

/** A fresh copy of the compiled app (timestamps kept, so dist/ stays newer than its sources). */
function copyApp(name: string): string {
  const dir = join(work, name);
  cpSync(built, dir, { recursive: true, preserveTimestamps: true, verbatimSymlinks: true });
  return dir;
}

function loadedGenerator(imports: string[]): string[] {
  return imports.filter((url) => /\/ts-morph\/|\/tsx\/|codegen\/functions\/index\.js|@graphql-codegen/.test(url));
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function waitFor<T>(what: string, probe: () => T | undefined, timeoutMs = 30_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

interface Platform {
  child: ChildProcess;
  url: string;
  token: string;
}

/** `arkitekt-next server` in a child, resolved once it wrote its dev-token.json. */
async function startPlatform(name: string): Promise<Platform> {
  const dataDir = join(work, name);
  const child = spawn(process.execPath, [bin, "server", "--port", "0", "--data", dataDir], { stdio: "ignore" });
  const { url, token } = await waitFor("the server's dev-token.json", () => {
    const file = join(dataDir, "dev-token.json");
    try {
      return JSON.parse(readFileSync(file, "utf8")) as { url: string; token: string };
    } catch {
      return undefined; // not written yet, or half written
    }
  }).catch(async (error: unknown) => {
    await stopChild(child);
    throw error;
  });
  return { child, url, token };
}

async function stopChild(child: ChildProcess, signal: NodeJS.Signals = "SIGTERM"): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once("exit", resolve));
  child.kill(signal);
  await exited;
}

interface ProdChild {
  child: ChildProcess;
  readonly output: string;
  exited: Promise<number | null>;
}

/** The CLI in a child without a platform in the environment; `output` collects its stdout and stderr. */
function spawnCli(args: string[], env: Record<string, string> = {}): { child: ChildProcess; readonly output: string } {
  const child = spawn(process.execPath, [bin, ...args], {
    env: { ...process.env, ARKITEKT_URL: "", ARKITEKT_TOKEN: "", NO_COLOR: "1", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout!.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on("data", (chunk: Buffer) => (output += chunk.toString()));
  return {
    child,
    get output() {
      return output;
    },
  };
}

/** `run prod` in a child against `platform`, resolved once it serves. */
async function startProd(dir: string, on: Platform, extra: string[] = [], env: Record<string, string> = {}): Promise<ProdChild> {
  const child = spawn(process.execPath, [bin, "run", "prod", "--cwd", dir, ...extra], {
    env: { ...process.env, ARKITEKT_URL: on.url, ARKITEKT_TOKEN: on.token, NO_COLOR: "1", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout!.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on("data", (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  await waitFor("run prod to serve", () => {
    if (/serving \d+ function\(s\)/.test(output)) return true;
    if (child.exitCode !== null) throw new Error(`run prod exited with ${child.exitCode}:\n${output}`);
    return undefined;
  });
  return {
    child,
    get output() {
      return output;
    },
    exited,
  };
}

let platform: Platform;

/** Runs node with `args` to completion; rejects with its output unless it exits 0. */
function run(args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, NO_COLOR: "1" } });
    let output = "";
    child.stdout!.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.stderr!.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.once("exit", (code) => (code === 0 ? resolve() : reject(new Error(`node ${args.join(" ")} exited with ${code}:\n${output}`))));
  });
}

/** The example app compiled as its `npm run build` would. */
async function buildExample(): Promise<void> {
  mkdirSync(built);
  for (const entry of ["src", "generated", "arkitekt.json", "package.json", "tsconfig.json"]) cpSync(join(app, entry), join(built, entry), { recursive: true });
  mkdirSync(join(built, "node_modules"));
  symlinkSync(root, join(built, "node_modules", "arkitekt-next"));
  // issue 14: the example app's own dependency (its Image is a PNG)
  symlinkSync(join(root, "node_modules", "fast-png"), join(built, "node_modules", "fast-png"));
  await run([join(root, "node_modules", "typescript", "bin", "tsc"), "-p", join(built, "tsconfig.json")]);
}

async function buildSlowApp(): Promise<void> {
  // A small app with a slow function that says when it started (a file), generated and compiled.
  const dir = join(work, "slow");
  mkdirSync(join(dir, "src"), { recursive: true });
  mkdirSync(join(dir, "node_modules"));
  symlinkSync(root, join(dir, "node_modules", "arkitekt-next"));
  const tsconfig = JSON.parse(readFileSync(join(app, "tsconfig.json"), "utf8")) as { compilerOptions: Record<string, unknown> };
  Object.assign(tsconfig.compilerOptions, { types: ["node"], typeRoots: [join(root, "node_modules", "@types")] });
  writeFileSync(join(dir, "tsconfig.json"), JSON.stringify(tsconfig));
  writeFileSync(join(dir, "package.json"), JSON.stringify({ name: "slow-app", private: true, type: "module" }));
  writeFileSync(join(dir, "arkitekt.json"), JSON.stringify({ identifier: "slow-app", version: "0.1.0" }));
  writeFileSync(
    join(dir, "src", "app.ts"),
    [
      'import { appendFileSync, writeFileSync } from "node:fs";',
      'import { onStartup, register, type Int } from "arkitekt-next";',
      "",
      "// counts its runs in STARTUP_LOG, when set",
      "onStartup(function countStart() {",
      '  if (process.env.STARTUP_LOG) appendFileSync(process.env.STARTUP_LOG, "ran\\n");',
      "});",
      "",
      "/** Writes `marker`, waits `ms`, answers `ms`. */",
      "export const slow = register(async function slow(ms: Int, marker: string): Promise<Int> {",
      '  writeFileSync(marker, "started");',
      "  await new Promise((resolve) => setTimeout(resolve, ms));",
      "  return ms;",
      "});",
      "",
    ].join("\n"),
  );
  await run([bin, "gen", "--cwd", dir]);
  await run([join(root, "node_modules", "typescript", "bin", "tsc"), "-p", join(dir, "tsconfig.json")]);
}

beforeAll(async () => {
  // Compiling and generating run side by side with the server's start.
  const started = startPlatform("platform").then((p) => (platform = p));
  // allSettled: the server is known (and stopped by afterAll) even when a build fails.
  const results = await Promise.allSettled([buildExample(), buildSlowApp(), started]);
  for (const result of results) if (result.status === "rejected") throw result.reason;
}, 90_000);

afterAll(async () => {
  if (platform) await stopChild(platform.child);
  rmSync(work, { recursive: true, force: true });
});

describe("run prod", () => {
  it("issue 12: run prod --help names the compiled registry file, the staleness rules and the --connect-timeout default", () => {
    const result = cli(["run", "prod", "--help"]);
    expect(result.status).toBe(0);
    expect(result.stdout).toContain("dist/generated/registry.js");
    expect(result.stdout).toContain("npm run build");
    expect(result.stdout).toContain("retried\nfor --connect-timeout ms (default 60000), then it exits 1");
    expect(result.stdout).toContain("Examples:");
    expect(cli(["health", "--help"]).stdout).toContain("Examples:");
  });

  it("issue 12: run prod serves the compiled registry without the generator; call answers, the status file stays fresh, health exits 0; SIGTERM stops it cleanly", async () => {
    const dir = copyApp("serve");
    const record = join(work, "serve-imports.txt");
    const prod = await startProd(dir, platform, ["--status-interval", "200"], { NODE_OPTIONS: `--import ${recorder}`, RECORD_IMPORTS: record });
    const { child, exited } = prod;
    try {
      expect(prod.output).toContain(`serving ${exampleKeys().length} function(s)`);
      const call = cli(["call", "gradient", "width=2", "height=2"], { ARKITEKT_URL: platform.url, ARKITEKT_TOKEN: platform.token });
      expect(call.stderr).toBe("");
      expect(JSON.parse(call.stdout).return0.__identifier).toBe("@example/image");
      // issue 12 review: one line per task in the production log too
      await waitFor("the task's log line", () => (/^task \d+ gradient COMPLETED \d+ ms$/m.test(prod.output) ? true : undefined));
      const failed = cli(["call", "measure", 'image={"__identifier":"@example/image","object":"missing"}'], { ARKITEKT_URL: platform.url, ARKITEKT_TOKEN: platform.token });
      expect(failed.status).toBe(2);
      await waitFor("the failed task's log line", () => (/^task \d+ measure (FAILED|CRITICAL) \d+ ms\n {4}\S/m.test(prod.output) ? true : undefined));

      const statusFile = join(dir, ".arkitekt", "status.json");
      const first = JSON.parse(readFileSync(statusFile, "utf8")) as { state: string; pid: number; updatedAt: string };
      expect(first.state).toBe("serving");
      expect(first.pid).toBe(child.pid);
      // Refreshed while serving: a later read carries a later time.
      await waitFor("a refresh of the status file", () => {
        const next = JSON.parse(readFileSync(statusFile, "utf8")) as { updatedAt: string };
        return next.updatedAt > first.updatedAt ? true : undefined;
      });
      const health = cli(["health", "--cwd", dir]);
      expect(health.stdout).toMatch(/^healthy: serving as agent \S+ on http/);
      expect(health.status).toBe(0);
      // issue 12 review: a second run prod that cannot serve leaves the first one's status file alone
      const second = cli(["run", "prod", "--cwd", dir], { ARKITEKT_URL: platform.url, ARKITEKT_TOKEN: platform.token });
      expect(second.status).toBe(1);
      expect(second.stderr).toContain(`the process ${child.pid} keeps`);
      expect(JSON.parse(readFileSync(statusFile, "utf8"))).toMatchObject({ state: "serving", pid: child.pid });
      expect(cli(["health", "--cwd", dir]).status).toBe(0);

      child.kill("SIGTERM");
      expect(await exited).toBe(0);
      expect(prod.output).toContain("SIGTERM: stopping");
      expect(JSON.parse(readFileSync(statusFile, "utf8")).state).toBe("stopped");
      const after = cli(["health", "--cwd", dir]);
      expect(after.status).toBe(1);
      expect(after.stderr).toMatch(/^unhealthy: /);

      const imports = readFileSync(record, "utf8").split("\n").filter(Boolean);
      expect(imports.some((url) => url.endsWith("/dist/generated/registry.js"))).toBe(true);
      expect(loadedGenerator(imports)).toEqual([]);
    } finally {
      if (child.exitCode === null) child.kill("SIGKILL");
    }
  }, 60_000);

  it("issue 12: run prod on SIGTERM lets an in-flight task finish, then exits 0", async () => {
    const dir = join(work, "slow");
    const prod = await startProd(dir, platform);
    const marker = join(dir, "started.txt");
    const call = spawn(process.execPath, [bin, "call", "slow", "ms=1500", `marker=${marker}`], {
      env: { ...process.env, ARKITEKT_URL: platform.url, ARKITEKT_TOKEN: platform.token, NO_COLOR: "1" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let callOut = "";
    call.stdout!.on("data", (chunk: Buffer) => (callOut += chunk.toString()));
    call.stderr!.on("data", (chunk: Buffer) => (callOut += chunk.toString()));
    const callExit = new Promise<number | null>((resolve) => call.once("exit", (code) => resolve(code)));
    try {
      await waitFor("the task to start", () => {
        if (existsSync(marker)) return true;
        if (call.exitCode !== null) throw new Error(`call exited with ${call.exitCode}: ${callOut}\n${prod.output}`);
        return undefined;
      });
      prod.child.kill("SIGTERM");
      expect(await prod.exited).toBe(0);
      expect(await callExit).toBe(0);
      expect(JSON.parse(callOut)).toEqual({ return0: 1500 });
      expect(prod.output).toContain("SIGTERM: stopping; in-flight tasks finish");
    } finally {
      await stopChild(call, "SIGKILL");
      await stopChild(prod.child, "SIGKILL");
    }
  }, 60_000);

  it("issue 12: run prod exits 1 when the platform stays unreachable for --connect-timeout after the connection dropped; meanwhile the status says connecting", async () => {
    const own = await startPlatform("dropping-platform");
    const dir = copyApp("dropped");
    const prod = await startProd(dir, own, ["--connect-timeout", "1500", "--status-interval", "100"]);
    try {
      await stopChild(own.child, "SIGKILL");
      const statusFile = join(dir, ".arkitekt", "status.json");
      await waitFor("the status connecting", () => (JSON.parse(readFileSync(statusFile, "utf8")).state === "connecting" ? true : undefined));
      expect((await checkHealth(statusFile, 10_000)).healthy).toBe(false);
      expect(await prod.exited).toBe(1);
      expect(prod.output).toContain(`the platform at ${own.url} stayed unreachable for 1500 ms (--connect-timeout) after the connection dropped`);
    } finally {
      await stopChild(prod.child, "SIGKILL");
      await stopChild(own.child, "SIGKILL");
    }
  }, 60_000);

  it("issue 12: run prod refuses a stale generated/ at once, naming the changed source, without loading ts-morph", () => {
    const dir = copyApp("stale-source");
    appendFileSync(join(dir, "src", "filters.ts"), "\n// edited after gen\n");
    // A platform that is not there: refusing must come before any connection attempt.
    const result = cli(["run", "prod", "--cwd", dir, "--url", "http://127.0.0.1:9", "--token", "t", "--connect-timeout", "0"]);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain("generated/ is stale: src/filters.ts (changed since the last gen)");
    expect(result.stderr).toContain("run `arkitekt-next gen` and rebuild");
    expect(result.stderr).not.toContain("retrying");
    // The recorder worked (the freshness check was loaded) and nothing of the generator was.
    expect(result.imports.some((url) => url.endsWith("/codegen/freshness.js"))).toBe(true);
    expect(loadedGenerator(result.imports)).toEqual([]);
  });

  it("issue 12: run prod counts a new source file and a deleted one as stale", () => {
    const dir = copyApp("stale-new");
    writeFileSync(join(dir, "src", "extra.ts"), "export const x = 1;\n");
    rmSync(join(dir, "src", "demo.ts"));
    // A data file the app writes at run time is not a source.
    writeFileSync(join(dir, "results.json"), "{}\n");
    const result = cli(["run", "prod", "--cwd", dir, "--url", "http://127.0.0.1:9", "--token", "t"]);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain("src/demo.ts (deleted since the last gen), src/extra.ts (new since the last gen)");
    expect(result.stderr).not.toContain("results.json");
  });

  it("issue 12: run prod refuses a generated file edited by hand", () => {
    const dir = copyApp("stale-edited");
    appendFileSync(join(dir, "generated", "registry.ts"), "\n");
    const result = cli(["run", "prod", "--cwd", dir, "--url", "http://127.0.0.1:9", "--token", "t"]);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain("generated/registry.ts (edited by hand since gen wrote it)");
  });

  it("issue 12: run prod refuses a compiled app older than its sources (dist/ not rebuilt)", () => {
    const dir = copyApp("stale-dist");
    const later = new Date(Date.now() + 60_000);
    utimesSync(join(dir, "src", "notes.ts"), later, later);
    const result = cli(["run", "prod", "--cwd", dir, "--url", "http://127.0.0.1:9", "--token", "t"]);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain("dist/src/notes.js is older than src/notes.ts");
    expect(result.stderr).toContain("run `npm run build`");
  });

  it("issue 12: run prod without the compiled registry names the file and says to run npm run build", () => {
    const dir = copyApp("no-dist");
    rmSync(join(dir, "dist"), { recursive: true });
    const result = cli(["run", "prod", "--cwd", dir, "--url", "http://127.0.0.1:9", "--token", "t"]);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('no compiled registry at dist/generated/registry.js (outDir "dist", rootDir "." in tsconfig.json)');
    expect(result.stderr).toContain("run `npm run build`");
  });

  it("issue 12: run prod exits 1 when the platform stays unreachable past --connect-timeout", async () => {
    const dir = copyApp("unreachable");
    const port = await freePort();
    const result = cli(["run", "prod", "--cwd", dir, "--url", `http://127.0.0.1:${port}`, "--token", "t", "--connect-timeout", "800"]);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain(`the platform stayed unreachable for 800 ms (--connect-timeout): could not reach the platform at http://127.0.0.1:${port}`);
    expect(result.stderr).toContain("retrying in");
    expect(JSON.parse(readFileSync(join(dir, ".arkitekt", "status.json"), "utf8")).state).toBe("stopped");
  });

  it("run prod runs the startup hooks once while it waits for an unreachable platform (they ran once per retry)", async () => {
    const dir = join(work, "slow-startup");
    cpSync(join(work, "slow"), dir, { recursive: true, preserveTimestamps: true, verbatimSymlinks: true });
    const log = join(work, "startup-runs.txt");
    const tokens = join(work, "startup-tokens.json");
    writeFileSync(tokens, JSON.stringify(RUNTIME_TOKENS));
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const prod = spawnCli(["run", "prod", "--cwd", dir, "--url", url, "--token", AGENT_TOKEN, "--connect-timeout", "0"], { STARTUP_LOG: log });
    let server: ChildProcess | undefined;
    try {
      await waitFor("three retries", () => ((prod.output.match(/retrying in/g) ?? []).length >= 3 ? true : undefined));
      expect(existsSync(log) ? readFileSync(log, "utf8") : "").toBe("");
      server = spawn(process.execPath, [bin, "server", "--port", String(port), "--data", join(work, "startup-platform"), "--tokens", tokens], { stdio: "ignore" });
      await waitFor("run prod to serve", () => (/serving \d+ function\(s\)/.test(prod.output) ? true : undefined));
      expect(readFileSync(log, "utf8")).toBe("ran\n");
    } finally {
      await stopChild(prod.child);
      if (server) await stopChild(server);
    }
  }, 60_000);

  it("run prod stops at once on Ctrl+C while a fakts login waits for approval (it kept polling until the approval expired)", async () => {
    const deployment = await startFakeDeployment({ rekuestUrl: platform.url, decide: () => "wait" });
    try {
      const dir = copyApp("login-waits");
      const prod = spawnCli(["run", "prod", "--cwd", dir, "--url", deployment.url, "--headless"], { ARKITEKT_REDEEM_TOKEN: "", FAKTS_TOKEN: "" });
      let code: number | null | undefined;
      prod.child.once("exit", (exitCode) => (code = exitCode));
      await waitFor("the approval URL", () => (prod.output.includes(`${deployment.url}/f/configure/`) ? true : undefined));
      prod.child.kill("SIGINT");
      await waitFor("run prod to stop", () => (code !== undefined ? true : undefined), 10_000).catch((error: Error) => {
        prod.child.kill("SIGKILL");
        throw error;
      });
      expect(code, prod.output).toBe(0);
      expect(prod.output).toContain("SIGINT while connecting: stopped");
    } finally {
      await deployment.close();
    }
  });

  it("issue 12: run prod never starts an embedded server: with no platform configured it says where it looked", () => {
    const dir = copyApp("no-platform");
    const result = cli(["run", "prod", "--cwd", dir]);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain("no platform URL and token");
    expect(result.imports.some((url) => url.includes("/server/"))).toBe(false);
  });
});

describe("gen's input hashes", () => {
  it("issue 12: gen records the sha256 of every input file of a stage in generated/.arkitekt-gen.json", () => {
    const manifest = JSON.parse(readFileSync(join(app, "generated", ".arkitekt-gen.json"), "utf8")) as {
      stages: Record<string, { inputs?: Record<string, string | null> }>;
    };
    const inputs = manifest.stages.functions!.inputs!;
    expect(inputs["src/filters.ts"]).toBe(createHash("sha256").update(readFileSync(join(app, "src", "filters.ts"))).digest("hex"));
    expect(Object.keys(inputs)).toEqual(expect.arrayContaining(["src/notes.ts", "tsconfig.json", "package.json"]));
    // The stage's own outputs are not its inputs.
    expect(Object.keys(inputs).filter((path) => path.startsWith("generated/registry"))).toEqual([]);
  });
});

describe("health", () => {
  it("issue 12: health is unhealthy without a status file, with an old one, or one that does not say serving", async () => {
    const dir = mkdtempSync(join(work, "health-"));
    const file = join(dir, "status.json");
    expect((await checkHealth(file, 1000)).reason).toContain(`no status file at ${file}`);
    const now = Date.now();
    writeFileSync(file, JSON.stringify({ state: "serving", pid: process.pid, updatedAt: new Date(now - 5_000).toISOString() }));
    expect(await checkHealth(file, 1000, now)).toMatchObject({ healthy: false, reason: expect.stringContaining("more than 1000 ms") });
    expect(await checkHealth(file, 10_000, now)).toMatchObject({ healthy: true });
    writeFileSync(file, JSON.stringify({ state: "connecting", pid: process.pid, updatedAt: new Date(now).toISOString(), detail: "reconnecting" }));
    expect(await checkHealth(file, 10_000, now)).toMatchObject({ healthy: false, reason: "the agent is connecting (reconnecting)" });
    const cliResult = cli(["health", "--cwd", dir, "--status-file", "missing.json"]);
    expect(cliResult.status).toBe(1);
    expect(cliResult.stderr).toContain("unhealthy: no status file");
  });
});

describe("compiled layout", () => {
  it("issue 12: outDir and rootDir come from the tsconfig (JSONC, extends) without TypeScript", () => {
    const dir = mkdtempSync(join(work, "layout-"));
    writeFileSync(join(dir, "base.json"), `{ /* base */ "compilerOptions": { "outDir": "build/out", }, }`);
    writeFileSync(join(dir, "tsconfig.json"), `// app\n{ "extends": "./base.json", "compilerOptions": { "rootDir": "./", "types": ["a//b"] } }`);
    const layout = compiledLayout(dir, "tsconfig.json", []);
    expect(compiledPath(layout, dir, "generated/registry.ts")).toBe(join(dir, "build", "out", "generated", "registry.js"));
    expect(compiledPath(layout, dir, "src/x.d.ts")).toBeUndefined();
    expect(JSON.parse(stripJsonc(`{"a": "// not a comment", "b": [1,],}`))).toEqual({ a: "// not a comment", b: [1] });
    // No rootDir: the sources' common folder, as tsc does.
    writeFileSync(join(dir, "tsconfig.json"), `{ "compilerOptions": { "outDir": "dist" } }`);
    const common = compiledLayout(dir, "tsconfig.json", ["src/a.ts", "src/lib/b.ts"]);
    expect(compiledPath(common, dir, "src/lib/b.ts")).toBe(join(dir, "dist", "lib", "b.js"));
  });
});
