// `run dev` with reload, as a user runs it: a small app in a temporary folder, `run dev` as a child
// process with its embedded platform, saves to the app's source while it runs, and `call` from a
// second process. Issue 12: "run dev with hot reload" and "App identity".
import { spawn, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bin, root, startRunDev, type RunDev } from "./run-dev.js";

function cli(args: string[], cwd = root): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [bin, ...args], {
    cwd,
    encoding: "utf8",
    env: { ...process.env, ARKITEKT_URL: "", ARKITEKT_TOKEN: "", NO_COLOR: "1" },
    timeout: 60_000,
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

const SOURCE = `import { register, type Int } from "arkitekt-next";

declare const console: { log(...values: unknown[]): void };

/** Adds. */
export const add = register(function add(a: Int, b: Int): Int {
  return a + b;
});

/** Says it started, waits, answers which version ran it. */
export const slow = register(async function slow(ms: Int): Promise<string> {
  console.log("slow started");
  await new Promise((resolve) => setTimeout(resolve, ms));
  return "first version";
});

/** Throws. */
export const boom = register(function boom(): string {
  throw new Error("kaboom");
});
`;

/** A temporary app (identifier com.example.reload) that uses this repository's package. */
function makeApp(): string {
  const dir = mkdtempSync(join(tmpdir(), "arkitekt-reload-"));
  mkdirSync(join(dir, "src"));
  mkdirSync(join(dir, "node_modules"));
  symlinkSync(root, join(dir, "node_modules", "arkitekt-next"), "dir");
  writeFileSync(join(dir, "package.json"), JSON.stringify({ name: "reload", type: "module", private: true }));
  writeFileSync(join(dir, "arkitekt.json"), JSON.stringify({ identifier: "com.example.reload", version: "0.3.0" }));
  writeFileSync(
    join(dir, "tsconfig.json"),
    JSON.stringify({ compilerOptions: { module: "NodeNext", moduleResolution: "NodeNext", target: "ES2022", strict: true, types: [] }, include: ["src"] }),
  );
  writeFileSync(join(dir, "src", "fns.ts"), SOURCE);
  return dir;
}

/** Saves the app's source the way many editors do: a temporary file renamed over the original. */
function edit(dir: string, change: (source: string) => string): void {
  const file = join(dir, "src", "fns.ts");
  const next = change(readFileSync(file, "utf8"));
  writeFileSync(`${file}.tmp~`, next);
  spawnSync("mv", [`${file}.tmp~`, file]);
}

async function waitFor(what: string, check: () => boolean, getOutput: () => string, ms = 30_000): Promise<void> {
  const until = Date.now() + ms;
  while (!check()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}:\n${getOutput()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function count(text: string, pattern: RegExp): number {
  return (text.match(new RegExp(pattern.source, `${pattern.flags.replace("g", "")}g`)) ?? []).length;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  const port = (server.address() as { port: number }).port;
  await new Promise((r) => server.close(r));
  return port;
}

function portOf(output: string): string {
  const match = /started the embedded dev platform at http:\/\/127\.0\.0\.1:(\d+)/.exec(output);
  if (!match) throw new Error(`no platform URL in:\n${output}`);
  return match[1]!;
}

describe("run dev reloads the app on every save", () => {
  let dir: string;
  let dataDir: string;
  let runDev: RunDev;
  let reloads = 0;

  const call = (...args: string[]) => cli(["call", "--data", dataDir, ...args]);
  const reloaded = async (): Promise<void> => {
    reloads++;
    await waitFor(`reload ${reloads}`, () => count(runDev.output, /^reloaded \(/m) >= reloads, () => runDev.output);
  };

  let legacyPort: number;

  beforeAll(async () => {
    dir = makeApp();
    dataDir = join(dir, ".arkitekt", "dev");
    // what an older server left behind: its token file, without the app it served
    legacyPort = await freePort();
    mkdirSync(dataDir, { recursive: true });
    writeFileSync(join(dataDir, "dev-token.json"), JSON.stringify({ url: `http://127.0.0.1:${legacyPort}`, token: "dev-legacy-token" }));
    runDev = await startRunDev("unused-", { cwd: dir, dataDir });
  });

  afterAll(async () => {
    await runDev?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("issue 12: the app's arkitekt.json identifier is the app the platform sees (call <identifier>/<key>)", () => {
    expect(runDev.output).toContain("app com.example.reload 0.3.0");
    expect(runDev.output).toContain("call one with: arkitekt-next call com.example.reload/<key>");
    const result = call("com.example.reload/add", "a=1", "b=2");
    expect(result.stderr).toBe("");
    expect(JSON.parse(result.stdout)).toEqual({ return0: 3 });
  });

  it("issue 12: a dev-token.json left by an older server keeps its token and port and takes the app's identity", () => {
    expect(portOf(runDev.output)).toBe(String(legacyPort));
    const file = JSON.parse(readFileSync(join(dataDir, "dev-token.json"), "utf8")) as { token: string; app: unknown };
    expect(file.token).toBe("dev-legacy-token");
    expect(file.app).toEqual({ identifier: "com.example.reload", version: "0.3.0" });
  });

  it("issue 12: a saved body change answers with the new body, on the same platform port", async () => {
    const port = portOf(runDev.output);
    edit(dir, (s) => s.replace("return a + b;", "return a + b + 100;"));
    await reloaded();
    expect(runDev.output).toMatch(/^reloaded \(3 functions, \d+ ms\)$/m);
    expect(JSON.parse(call("com.example.reload/add", "a=1", "b=2").stdout)).toEqual({ return0: 103 });
    expect(count(runDev.output, /started the embedded dev platform/)).toBe(1);
    expect(JSON.parse(readFileSync(join(dataDir, "dev-token.json"), "utf8")).url).toBe(`http://127.0.0.1:${port}`);
  });

  it("issue 12: a signature change re-registers the definition", async () => {
    edit(dir, (s) => s.replace("function add(a: Int, b: Int): Int {\n  return a + b + 100;", "function add(a: Int, b: Int, c: Int): Int {\n  return a + b + c;"));
    await reloaded();
    expect(runDev.output).toMatch(/^reloaded \(3 functions, definitions re-registered, \d+ ms\)$/m);
    const result = call("com.example.reload/add", "a=1", "b=2", "c=30");
    expect(result.stderr).toBe("");
    expect(JSON.parse(result.stdout)).toEqual({ return0: 33 });
  });

  it("issue 12: a generator diagnostic is shown and the last good version keeps answering", async () => {
    const before = count(runDev.output, /the last good version keeps serving/);
    edit(dir, (s) => s.replace("function add(a: Int, b: Int, c: Int)", "function add(a: Int, b: Int, c: any)"));
    await waitFor("the diagnostic", () => count(runDev.output, /the last good version keeps serving/) > before, () => runDev.output);
    expect(runDev.output).toMatch(/src\/fns\.ts:\d+:\d+ - error ARK_ANY/);
    expect(JSON.parse(call("com.example.reload/add", "a=1", "b=2", "c=30").stdout)).toEqual({ return0: 33 });
  });

  it("issue 12: a syntax error is shown and the last good version keeps answering", async () => {
    const before = count(runDev.output, /the last good version keeps serving/);
    edit(dir, (s) => s.replace("c: any)", "c: Int)").replace("return a + b + c;", "return a + b + ;"));
    await waitFor("the load error", () => count(runDev.output, /the last good version keeps serving/) > before, () => runDev.output);
    expect(runDev.output).toMatch(/loading the app failed at src\/fns\.ts:\d+:\d+/);
    expect(JSON.parse(call("com.example.reload/add", "a=1", "b=2", "c=30").stdout)).toEqual({ return0: 33 });
    edit(dir, (s) => s.replace("return a + b + ;", "return a + b + c;"));
    await reloaded();
  });

  it("issue 12: a task in flight when the edit is saved completes on the old version; a task during the handover runs on the new one", async () => {
    const started = count(runDev.output, /slow started/);
    const slow = spawn(process.execPath, [bin, "call", "--data", dataDir, "com.example.reload/slow", "ms=4000"], {
      cwd: root,
      env: { ...process.env, ARKITEKT_URL: "", ARKITEKT_TOKEN: "", NO_COLOR: "1" },
    });
    let out = "";
    slow.stdout.on("data", (c: Buffer) => (out += c.toString()));
    const done = new Promise<number | null>((r) => slow.once("exit", r));
    await waitFor("the slow task to start", () => count(runDev.output, /slow started/) > started, () => runDev.output);
    edit(dir, (s) => s.replace('"first version"', '"second version"'));
    await waitFor("the drain", () => /waiting for in-flight tasks of the old version/.test(runDev.output), () => runDev.output);
    const during = call("com.example.reload/slow", "ms=1");
    expect(await done).toBe(0);
    expect(JSON.parse(out)).toEqual({ return0: "first version" });
    expect(JSON.parse(during.stdout)).toEqual({ return0: "second version" });
    await reloaded();
  });

  it("issue 12: one line per task with key, status and duration; a CRITICAL task's stack in dev mode", async () => {
    expect(runDev.output).toMatch(/^task \d+ add COMPLETED \d+ ms$/m);
    expect(runDev.output).toMatch(/^task \d+ slow COMPLETED \d+ ms$/m);
    const result = call("com.example.reload/boom");
    expect(result.status).not.toBe(0);
    await waitFor("the CRITICAL line", () => /boom CRITICAL/.test(runDev.output), () => runDev.output, 5_000);
    await new Promise((r) => setTimeout(r, 200));
    expect(runDev.output).toMatch(/^task \d+ boom CRITICAL \d+ ms\n {4}Error: kaboom\n {8}at \S*boom \(.*src\/fns\.ts:\d+:\d+\)/m);
  });

  it("issue 12: after a restart run dev serves on the same port (remembered in the data dir)", async () => {
    const port = portOf(runDev.output);
    await runDev.stop();
    runDev = await startRunDev("unused-", { cwd: dir, dataDir });
    reloads = 0;
    expect(portOf(runDev.output)).toBe(port);
    expect(JSON.parse(call("com.example.reload/add", "a=1", "b=1", "c=1").stdout)).toEqual({ return0: 3 });
  });

  it("issue 12: a busy remembered port is reported, naming the port and what to do", async () => {
    const port = Number(portOf(runDev.output));
    await runDev.stop();
    const blocker = createServer();
    await new Promise<void>((r) => blocker.listen(port, "127.0.0.1", () => r()));
    try {
      const result = cli(["run", "dev", "--cwd", dir, "--data", dataDir]);
      expect(result.status).toBe(1);
      expect(result.stderr).toContain(`port ${port}, where this app's dev platform ran last time (remembered in ${join(dataDir, "dev-token.json")}), is in use by another process`);
      expect(result.stderr).toContain("--port 0");
    } finally {
      await new Promise((r) => blocker.close(r));
    }
  });
});

describe("run dev --no-reload", () => {
  it("issue 12: --no-reload serves from one process and does not pick up a save", async () => {
    const dir = makeApp();
    const dataDir = join(dir, ".arkitekt", "dev");
    const runDev = await startRunDev("unused-", { cwd: dir, dataDir, args: ["--no-reload"] });
    try {
      expect(runDev.output).not.toContain("watching");
      edit(dir, (s) => s.replace("return a + b;", "return a + b + 100;"));
      await new Promise((r) => setTimeout(r, 1_500));
      const result = cli(["call", "--data", dataDir, "com.example.reload/add", "a=1", "b=2"]);
      expect(JSON.parse(result.stdout)).toEqual({ return0: 3 });
      expect(runDev.output).not.toContain("reloaded");
    } finally {
      await runDev.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("run dev against a platform another process hosts", () => {
  it("issue 12 review: an app process that dies is started again at once, not on the next save", async () => {
    const dir = makeApp();
    const dataDir = join(dir, "crash-data");
    edit(dir, (source) =>
      `${source}
declare const process: { exit(code: number): never };

/** Exits the app's process. */
export const crash = register(function crash(): Int {
  return process.exit(3);
});
`,
    );
    let runDev: RunDev | undefined;
    try {
      runDev = await startRunDev("unused-", { cwd: dir, dataDir });
      const crashed = cli(["call", "--data", dataDir, "com.example.reload/crash"]);
      expect(crashed.status).toBe(2);
      await waitFor("the restart", () => /starting it again/.test(runDev!.output) && /^reloaded \(/m.test(runDev!.output), () => runDev!.output);
      expect(JSON.parse(cli(["call", "--data", dataDir, "com.example.reload/add", "a=1", "b=2"]).stdout)).toEqual({ return0: 3 });
    } finally {
      await runDev?.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("issue 12 review: run dev --force taking the agent over from a run dev that hosts the platform leaves that platform up", async () => {
    const dir = makeApp();
    const dataDir = join(dir, "shared-data");
    let host: RunDev | undefined;
    let second: RunDev | undefined;
    try {
      host = await startRunDev("unused-", { cwd: dir, dataDir, args: ["--no-reload"] });
      expect(host.output).toContain("started the embedded dev platform");
      const url = JSON.parse(readFileSync(join(dataDir, "dev-token.json"), "utf8")).url as string;
      second = await startRunDev("unused-", { cwd: dir, dataDir, args: ["--force", "--no-reload"] });
      expect(second.output).toContain(`using the platform at ${url}`);
      await waitFor("the host's takeover note", () => /keeps hosting the platform/.test(host!.output), () => host!.output);
      expect(host.child.exitCode).toBe(null);
      expect((await fetch(new URL("/ht", url))).ok).toBe(true);
      expect(JSON.parse(cli(["call", "--data", dataDir, "com.example.reload/add", "a=2", "b=3"]).stdout)).toEqual({ return0: 5 });
    } finally {
      await second?.stop();
      await host?.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("issue 12: `server` in an app folder takes its identity; run dev --force uses that platform and never stops it", async () => {
    const dir = makeApp();
    const dataDir = join(dir, "shared-data");
    const server = spawn(process.execPath, [bin, "server", "--port", "0", "--data", dataDir], {
      cwd: dir,
      env: { ...process.env, NO_COLOR: "1" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let serverOut = "";
    server.stdout.on("data", (c: Buffer) => (serverOut += c.toString()));
    server.stderr.on("data", (c: Buffer) => (serverOut += c.toString()));
    let runDev: RunDev | undefined;
    try {
      await waitFor("the server", () => /Press Ctrl\+C/.test(serverOut), () => serverOut);
      expect(serverOut).toMatch(/App +com\.example\.reload 0\.3\.0/);
      const url = JSON.parse(readFileSync(join(dataDir, "dev-token.json"), "utf8")).url as string;
      runDev = await startRunDev("unused-", { cwd: dir, dataDir, args: ["--force"] });
      expect(runDev.output).toContain(`using the platform at ${url}`);
      expect(runDev.output).not.toContain("started the embedded dev platform");
      expect(runDev.output).not.toContain("was started as app");
      expect(JSON.parse(cli(["call", "--data", dataDir, "com.example.reload/add", "a=2", "b=2"]).stdout)).toEqual({ return0: 4 });
      await runDev.stop();
      runDev = undefined;
      expect(server.exitCode).toBe(null);
      expect((await fetch(new URL("/ht", url))).ok).toBe(true);
    } finally {
      await runDev?.stop();
      const exited = new Promise((r) => server.once("exit", r));
      server.kill("SIGTERM");
      await exited;
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
