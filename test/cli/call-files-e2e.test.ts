// Issue 14: `arkitekt-next call` with files, end to end: the CLI and the File fixture agent as
// child processes against the real embedded server (in this process) and its media store.
// `@path` uploads a file for a File port only; --out writes returned files under their original
// names, inside the folder, never overwriting; big transfers show progress on stderr.
import { spawn, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bin } from "./run-dev.js";
import { spawnFixture, startRuntimeServer, type ChildHandle, type RuntimeServer } from "../fixtures/runtime/harness.js";
import { AGENT_TOKEN, CALLER_TOKEN } from "../fixtures/runtime/tokens.js";

/** Heartbeats a busy CI machine keeps up with (the runtime tests' FAST_TIMING is 200/400 ms). */
const RELAXED_HEARTBEATS = { heartbeatIntervalMs: 2_000, heartbeatTimeoutMs: 10_000, staleAfterMs: 30_000 };

const ENV = { ARKITEKT_URL: "", ARKITEKT_TOKEN: "", ARKITEKT_S3_URL: "", NO_COLOR: "1", AWS_EC2_METADATA_DISABLED: "true" };

interface Finished {
  status: number | null;
  stdout: string;
  stderr: string;
}

let server: RuntimeServer;
let agent: ChildHandle;
/** The working directory of every call: files are named relative to it. */
let work: string;

/** Runs `arkitekt-next call` in `work` against the test's server (async: the server is in this process). */
function call(args: string[], cwd = work): Promise<Finished> {
  const child = spawn(process.execPath, [bin, "call", "--url", server.url, "--token", CALLER_TOKEN, ...args], {
    cwd,
    env: { ...process.env, ...ENV },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`call ${args.join(" ")} did not exit:\n${stdout}\n${stderr}`));
    }, 60_000);
    child.once("exit", (status) => {
      clearTimeout(timer);
      resolve({ status, stdout, stderr });
    });
  });
}

const jsonLines = (text: string) => text.trim().split("\n").map((line) => JSON.parse(line) as Record<string, unknown> & { type: string });

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), "arkitekt-call-files-"));
  // the first File loads the AWS SDK in the agent, which can stall a loaded machine's event loop
  // past the fast heartbeats of the other runtime tests: a task would end DISCONNECTED
  server = await startRuntimeServer(RELAXED_HEARTBEATS);
  agent = spawnFixture("../files/agent-main.ts", { ...ENV, ARKITEKT_URL: server.url, ARKITEKT_TOKEN: AGENT_TOKEN });
  await agent.ready;
}, 60_000);

afterAll(async () => {
  await agent?.stop();
  await server?.close();
  if (work) rmSync(work, { recursive: true, force: true });
});

describe("issue 14: call with files", () => {
  it("issue 14: call --help shows how to pass a file (@path) and save returned files (--out), with an example", () => {
    const help = spawnSync(process.execPath, [bin, "call", "--help"], { encoding: "utf8", env: { ...process.env, ...ENV } });
    expect(help.status).toBe(0);
    expect(help.stdout).toContain("--out <dir>");
    expect(help.stdout).toContain("$ arkitekt-next call myapp/thumbnail image=@photos/cat.png --out results/");
    expect(help.stdout).toContain('anywhere else @text stays the string "@text"');
  });

  it("issue 14: call uploads @path for a File port and --out writes the returned file under its original name", async () => {
    const input = randomBytes(100_000);
    writeFileSync(join(work, "input.bin"), input);
    const result = await call(["runtime-agent/reverse", "file=@input.bin", "--out", "results"]);
    expect(result.stderr).not.toContain("internal error");
    expect(result.status, result.stderr).toBe(0);
    const yielded = JSON.parse(result.stdout.trim()) as { return0: { __identifier: string; object: string } };
    expect(yielded.return0.__identifier).toBe("@arkitekt/file");
    const written = join(work, "results", "reversed-input.bin");
    expect(result.stderr).toContain(`uploaded ${join(work, "input.bin")} (100 kB) for file as `);
    expect(result.stderr).toContain(`return0: wrote ${written} (100 kB)`);
    expect(readFileSync(written).equals(Buffer.from(input).reverse())).toBe(true);
  });

  it("issue 14: at a STRING port @bob stays the string \"@bob\", also beside a File port", async () => {
    const echo = await call(["runtime-agent/echo", "text=@bob"]);
    expect(echo.status, echo.stderr).toBe(0);
    expect(echo.stdout).toBe('{"return0":"@bob"}\n');
    writeFileSync(join(work, "seven.txt"), "1234567");
    const tagged = await call(["runtime-agent/tagged", "file=@seven.txt", "label=@bob"]);
    expect(tagged.status, tagged.stderr).toBe(0);
    expect(tagged.stdout).toBe('{"return0":"@bob:seven.txt:7"}\n');
  });

  it("issue 14: @path works inside a list of File ports (a JSON list of @paths)", async () => {
    writeFileSync(join(work, "a.txt"), "a");
    writeFileSync(join(work, "bb.txt"), "bb");
    const result = await call(["runtime-agent/many", 'files=["@a.txt", "@bb.txt"]']);
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout).toBe('{"return0":"a.txt=1,bb.txt=2"}\n');
  });

  it("issue 14: a missing file is a user error naming the port and the path, and no task is made", async () => {
    const before = (await call(["runtime-agent/echo", "text=x", "--json"])).stdout;
    const taskBefore = Number(jsonLines(before)[0]!.task);
    const result = await call(["runtime-agent/many", 'files=["@a.txt", "@missing/nope.bin"]']);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain(`port "files[1]": no file at ${join(work, "missing", "nope.bin")} (from @missing/nope.bin)`);
    expect(result.stderr).toContain("relative to the current directory");
    expect(result.stdout).toBe("");
    const after = jsonLines((await call(["runtime-agent/echo", "text=y", "--json"])).stdout);
    // the failed call assigned nothing: the next task is the very next one
    expect(Number(after[0]!.task)).toBe(taskBefore + 1);
  });

  it("issue 14: without --out a returned file is printed as its reference with a hint naming --out", async () => {
    writeFileSync(join(work, "small.txt"), "small");
    const result = await call(["runtime-agent/reverse", "file=@small.txt"]);
    expect(result.status, result.stderr).toBe(0);
    const yielded = JSON.parse(result.stdout.trim()) as { return0: { object: string } };
    expect(result.stderr).toContain(`return0 is a file (${yielded.return0.object}): pass --out DIR to write returned files into DIR`);
  });

  it("issue 14: --out with a result that holds no file says that nothing was written", async () => {
    const result = await call(["runtime-agent/echo", "text=y", "--out", join(work, "nofiles")]);
    expect(result.status, result.stderr).toBe(0);
    expect(result.stderr).toContain("--out: the result held no file; nothing was written");
  });

  it("issue 14: --out never overwrites: a taken name gets a numbered suffix", async () => {
    writeFileSync(join(work, "same.txt"), "same");
    const out = join(work, "twice");
    for (let i = 0; i < 2; i++) expect((await call(["runtime-agent/reverse", "file=@same.txt", "--out", out])).status).toBe(0);
    expect(readdirSync(out).sort()).toEqual(["reversed-same-1.txt", "reversed-same.txt"]);
    expect(readFileSync(join(out, "reversed-same-1.txt"), "utf8")).toBe("emas");
  });

  it("issue 14: a returned file named ../../escape.txt is written inside --out", async () => {
    const nested = join(work, "deep", "er");
    mkdirSync(nested, { recursive: true });
    const result = await call(["runtime-agent/escape", "--out", "out"], nested);
    expect(result.status, result.stderr).toBe(0);
    expect(readFileSync(join(nested, "out", "escape.txt"), "utf8")).toBe("escaped");
    expect(existsSync(join(work, "deep", "escape.txt"))).toBe(false);
    expect(existsSync(join(work, "escape.txt"))).toBe(false);
  });

  it("issue 14: with --json, uploads and written files are JSON lines too", async () => {
    writeFileSync(join(work, "j.txt"), "json");
    const result = await call(["runtime-agent/reverse", "file=@j.txt", "--out", "json-out", "--json"]);
    expect(result.status, result.stderr).toBe(0);
    const lines = jsonLines(result.stdout);
    expect(lines.map((l) => l.type)).toEqual(["upload", "assigned", "yield", "file", "done"]);
    expect(lines[0]).toMatchObject({ type: "upload", port: "file", path: join(work, "j.txt"), bytes: 4 });
    const ref = (lines[2]!.returns as { return0: { object: string } }).return0.object;
    expect(lines[3]).toMatchObject({ type: "file", port: "return0", file: ref, path: join(work, "json-out", "reversed-j.txt"), bytes: 4 });
  });

  it("issue 14: transfers over 4 MB report progress on stderr", async () => {
    writeFileSync(join(work, "big.bin"), randomBytes(5 * 1024 * 1024));
    const result = await call(["runtime-agent/reverse", "file=@big.bin", "--out", "big-out"]);
    expect(result.status, result.stderr).toBe(0);
    expect(result.stderr).toContain("uploading big.bin (file) 50%");
    expect(result.stderr).toContain("uploading big.bin (file) 100%");
    expect(result.stderr).toContain("downloading reversed-big.bin (return0) 50%");
    expect(readFileSync(join(work, "big-out", "reversed-big.bin")).equals(readFileSync(join(work, "big.bin")).reverse())).toBe(true);
  });
});
