// `arkitekt-next run dev` of the example app as a child process against an embedded platform it
// starts itself in a temporary data folder: what the CLI tests call and the demo runs against.
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

export const root = resolve(import.meta.dirname, "..", "..");
export const bin = join(root, "bin", "arkitekt-next.js");
export const app = join(root, "examples", "app");

export interface RunDev {
  readonly dataDir: string;
  readonly child: ChildProcess;
  /** Everything it printed so far (stdout and stderr). */
  readonly output: string;
  /** Stops it (SIGTERM) and removes the data folder. */
  stop(): Promise<void>;
}

export interface RunDevOptions {
  /** The app folder (default: the example app, with --no-gen). */
  cwd?: string;
  /** Extra arguments (default for the example app: --no-gen). */
  args?: string[];
  /** Reuse this data folder (it is then not removed by `stop`). */
  dataDir?: string;
}

/** Starts `run dev` and resolves once it serves ("Press Ctrl+C to stop"); rejects if it exits first. */
export async function startRunDev(prefix: string, options: RunDevOptions = {}): Promise<RunDev> {
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), prefix));
  const cwd = options.cwd ?? app;
  const args = options.args ?? (options.cwd ? [] : ["--no-gen"]);
  const child = spawn(process.execPath, [bin, "run", "dev", "--cwd", cwd, ...args, "--data", dataDir], {
    env: { ...process.env, ARKITEKT_URL: "", ARKITEKT_TOKEN: "", NO_COLOR: "1" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout!.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on("data", (chunk: Buffer) => (output += chunk.toString()));
  const handle: RunDev = {
    dataDir,
    child,
    get output() {
      return output;
    },
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once("exit", r));
        child.kill("SIGTERM");
        await exited;
      }
      if (!options.dataDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
  await new Promise<void>((resolveReady, reject) => {
    const timer = setTimeout(() => reject(new Error(`run dev did not start serving:\n${output}`)), 50_000);
    const poll = setInterval(() => {
      if (/Press Ctrl\+C to stop/.test(output)) {
        clearInterval(poll);
        clearTimeout(timer);
        resolveReady();
      }
    }, 50);
    child.once("exit", (code) => {
      clearInterval(poll);
      clearTimeout(timer);
      reject(new Error(`run dev exited with ${code}:\n${output}`));
    });
  });
  return handle;
}

/** The example app's action keys as its generated/definitions.json lists them, sorted. */
export function exampleKeys(): string[] {
  const definitions = JSON.parse(readFileSync(join(app, "generated", "definitions.json"), "utf8")) as Array<{ definition: { key: string } }>;
  return definitions.map((d) => d.definition.key).sort();
}
