// A sandbox outside the repository where the packed tarball is installed like a user installs it.
// Installs run with the npm cache that `npm ci` warmed (prefer-offline) and with install scripts
// off; the one native module, better-sqlite3, gets the repository's compiled build when the
// versions match (else it is rebuilt), so no test pays a minute of C++ per install.
import { spawn, type ChildProcess } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync } from "node:fs";
import { join, resolve } from "node:path";

export const repoRoot = resolve(import.meta.dirname, "..", "..");

/** Environment for every command in the sandbox: the user's, minus our platform settings. */
export function sandboxEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const key of Object.keys(env)) if (key.startsWith("ARKITEKT_") || key.startsWith("VITEST") || key === "NODE_OPTIONS") delete env[key];
  return {
    ...env,
    NO_COLOR: "1",
    npm_config_ignore_scripts: "true",
    npm_config_prefer_offline: "true",
    npm_config_audit: "false",
    npm_config_fund: "false",
    npm_config_update_notifier: "false",
    npm_config_loglevel: "error",
  };
}

export interface Ran {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs one shell command line to its end. */
export function runLine(command: string, cwd: string, timeoutMs = 240_000): Promise<Ran> {
  return new Promise((resolveRun) => {
    const child = spawn("bash", ["-c", command], { cwd, env: sandboxEnv(), stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolveRun({ code, stdout, stderr });
    });
  });
}

export interface Background {
  child: ChildProcess;
  readonly output: string;
  stop(): Promise<void>;
}

/** Starts a long-running command and resolves once its output matches `ready`. */
export async function startLine(command: string, cwd: string, ready: RegExp, timeoutMs = 120_000): Promise<Background> {
  const child = spawn("bash", ["-c", `exec ${command}`], { cwd, env: sandboxEnv(), stdio: ["ignore", "pipe", "pipe"], detached: true });
  let output = "";
  child.stdout!.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on("data", (chunk: Buffer) => (output += chunk.toString()));
  const handle: Background = {
    child,
    get output() {
      return output;
    },
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((r) => child.once("exit", r));
      // npm run starts a shell and node below it: the whole group goes.
      process.kill(-child.pid!, "SIGTERM");
      const timer = setTimeout(() => process.kill(-child.pid!, "SIGKILL"), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
  await new Promise<void>((resolveReady, reject) => {
    const timer = setTimeout(() => reject(new Error(`\`${command}\` did not get ready in ${timeoutMs} ms:\n${output}`)), timeoutMs);
    const poll = setInterval(() => {
      if (ready.test(output)) {
        clearInterval(poll);
        clearTimeout(timer);
        resolveReady();
      }
    }, 50);
    child.once("exit", (code) => {
      clearInterval(poll);
      clearTimeout(timer);
      reject(new Error(`\`${command}\` exited with ${code} before it was ready:\n${output}`));
    });
  });
  return handle;
}

/** Gives each app under `dir` whose better-sqlite3 was installed without its build the repository's build. */
export async function provideNativeBuild(dir: string): Promise<void> {
  const ours = JSON.parse(readFileSync(join(repoRoot, "node_modules", "better-sqlite3", "package.json"), "utf8")) as { version: string };
  const built = join(repoRoot, "node_modules", "better-sqlite3", "build", "Release", "better_sqlite3.node");
  for (const entry of [".", ...readdirSync(dir)]) {
    const pkg = join(dir, entry, "node_modules", "better-sqlite3");
    if (!existsSync(join(pkg, "package.json")) || existsSync(join(pkg, "build", "Release", "better_sqlite3.node"))) continue;
    const theirs = JSON.parse(readFileSync(join(pkg, "package.json"), "utf8")) as { version: string };
    if (theirs.version === ours.version) {
      mkdirSync(join(pkg, "build", "Release"), { recursive: true });
      copyFileSync(built, join(pkg, "build", "Release", "better_sqlite3.node"));
    } else {
      const rebuilt = await runLine("npm rebuild better-sqlite3 --ignore-scripts=false", join(dir, entry), 600_000);
      if (rebuilt.code !== 0) throw new Error(`better-sqlite3 ${theirs.version} did not build:\n${rebuilt.stderr}`);
    }
  }
}

/** Packs this repository (already built by `npm test`) into `dir`; returns the tarball's file name. */
export async function packInto(dir: string): Promise<string> {
  if (!existsSync(join(repoRoot, "dist", "src", "index.js"))) throw new Error("dist/ is missing: run `npm run build` first");
  const packed = await runLine(`npm pack --ignore-scripts --pack-destination ${JSON.stringify(dir)}`, repoRoot);
  if (packed.code !== 0) throw new Error(`npm pack failed:\n${packed.stderr}`);
  const name = packed.stdout.trim().split("\n").pop()!;
  if (!existsSync(join(dir, name))) throw new Error(`npm pack did not write ${name}`);
  return name;
}
