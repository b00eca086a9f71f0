// The package as a user gets it: `npm pack`, then the README's tutorial executed line by line in a
// folder outside this repository (init installs the tarball with only the dependencies a user
// installs), then every other command in that app, each as a child process.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { homedir, tmpdir } from "node:os";
import { basename, dirname, join, resolve } from "node:path";
import { packInto, provideNativeBuild, repoRoot, runLine, startLine, type Background, type Ran } from "./installed.js";
import { readTutorial } from "./readme-tutorial.js";

const readme = join(repoRoot, "README.md");
const pkg = JSON.parse(readFileSync(join(repoRoot, "package.json"), "utf8")) as {
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
};

let sandbox: string;
const background: Background[] = [];

beforeAll(async () => {
  sandbox = mkdtempSync(join(tmpdir(), "arkitekt-installed-"));
  const tarball = await packInto(sandbox);
  // The tutorial names the tarball by the name `npm pack` gives it in this version.
  expect(readFileSync(readme, "utf8")).toContain(tarball);
}, 120_000);

afterAll(async () => {
  for (const running of background) await running.stop();
  if (!sandbox) return;
  // `npx <tgz>` installed the tarball into npm's npx cache under a folder of its own: remove it,
  // or every run would leave a copy of the package and its dependencies behind.
  const npxCache = join(process.env.npm_config_cache ?? join(homedir(), ".npm"), "_npx");
  for (const entry of existsSync(npxCache) ? readdirSync(npxCache) : []) {
    const manifest = join(npxCache, entry, "package.json");
    if (existsSync(manifest) && readFileSync(manifest, "utf8").includes(basename(sandbox))) rmSync(join(npxCache, entry), { recursive: true, force: true });
  }
  rmSync(sandbox, { recursive: true, force: true });
});

function failure(what: string, ran: Ran): string {
  return `${what} exited ${ran.code}\n--- stdout\n${ran.stdout}\n--- stderr\n${ran.stderr}`;
}

/** An app file using issue 16's agent features (the startup hook sets the state the function bumps). */
const FEATURES = `import { register, defineState, onStartup, onShutdown, type Int, type MemoryStructure } from "arkitekt-next";

export const tally = defineState("tally", { count: 0 as Int });

onStartup(function warmUp() {
  tally.set({ count: 100 });
});

onShutdown(() => undefined, { deadlineMs: 2000 });

export class Box implements MemoryStructure {
  static identifier = "@myapp/box";
  n = 0;
}

/** Makes a box that stays on the agent. */
export const makeBox = register(function makeBox(): Box {
  return new Box();
});

/** Bumps a box and the tally. */
export const bumpBox = register(
  function bumpBox(box: Box, label: string): Int {
    box.n += 1;
    tally.update((s) => ({ count: s.count + 1 }));
    return label === "tally" ? tally.get().count : box.n;
  },
  { locks: ["box"], concurrency: 1 },
);
`;

describe("installed from the packed tarball", () => {
  it("runs the README tutorial as written: init, run dev, a call from a second terminal, a typed call from code", async () => {
    const steps = readTutorial(readme);
    expect(steps.filter((s) => s.kind === "block").length).toBeGreaterThanOrEqual(2);
    let last: Ran | undefined;
    for (const step of steps) {
      if (step.kind === "file") {
        const file = resolve(sandbox, step.path);
        mkdirSync(dirname(file), { recursive: true });
        writeFileSync(file, step.text);
        continue;
      }
      if (step.kind === "output") {
        expect(last, `README.md:${step.line}: output shown before any command`).toBeDefined();
        const squash = (text: string): string => text.replace(/\s+/g, " ").trim();
        expect(squash(last!.stdout), `README.md:${step.line}: the command before prints this`).toContain(squash(step.text));
        continue;
      }
      // Each block is a fresh terminal in the folder that holds the tarball.
      let cwd = sandbox;
      for (const { command, line, background: keepsRunning } of step.commands) {
        const cd = /^cd\s+(\S+)$/.exec(command);
        if (cd) {
          cwd = resolve(cwd, cd[1]!);
          continue;
        }
        if (keepsRunning) {
          background.push(await startLine(command, cwd, /Press Ctrl\+C to stop/));
          continue;
        }
        last = await runLine(command, cwd);
        expect(last.code, failure(`README.md:${line}: \`${command}\``, last)).toBe(0);
        await provideNativeBuild(sandbox);
      }
    }
  }, 600_000);

  it("serves the compiled app with run prod, and inspect, manifest, health and build work installed", async () => {
    const app = join(sandbox, "myapp");
    expect(existsSync(join(app, "node_modules", "arkitekt-next", "package.json")), "the tutorial made the app").toBe(true);
    // run dev's platform goes; a standalone server takes its place (run prod never starts one).
    for (const running of background.splice(0)) await running.stop();
    const ok = async (command: string): Promise<Ran> => {
      const ran = await runLine(command, app);
      expect(ran.code, failure(`\`${command}\``, ran)).toBe(0);
      return ran;
    };
    background.push(await startLine("npx arkitekt-next server --port 0", app, /Press Ctrl\+C to stop/));
    // issue 16's agent features, installed: a state, lifecycle hooks, a lock, a memory structure
    writeFileSync(join(app, "src", "features.ts"), FEATURES);
    await ok("npx arkitekt-next gen");
    await ok("npm run build");
    expect(existsSync(join(app, "dist", "generated", "registry.js"))).toBe(true);
    background.push(await startLine("npx arkitekt-next run prod --status-interval 500", app, /serving \d+ function\(s\)/));
    expect((await ok("npx arkitekt-next call myapp/add a=20 b=22")).stdout.trim()).toBe('{"return0":42}');
    await ok("npx arkitekt-next health");
    // the memory structure stays on the agent: the reference passed back reaches the same object
    const box = JSON.parse((await ok("npx arkitekt-next call myapp/makeBox")).stdout) as { return0: { __identifier: string; object: string } };
    expect(box.return0.__identifier).toBe("@myapp/box");
    const bump = `npx arkitekt-next call myapp/bumpBox 'box=${JSON.stringify(box.return0.object)}' label=x`;
    expect((await ok(bump)).stdout.trim()).toBe('{"return0":1}');
    expect((await ok(bump)).stdout.trim()).toBe('{"return0":2}');
    // the startup hook ran before serving (it set the state to 100); two bumps since, this is the third
    expect((await ok(bump.replace("label=x", "label=tally"))).stdout.trim()).toBe('{"return0":103}');
    expect((await ok("npx arkitekt-next inspect actions")).stdout).toContain("locks: box; concurrency: at most 1 at a time");

    const report = JSON.parse((await ok("npx arkitekt-next inspect --json")).stdout) as { agents: { app: string }[]; actions: { key: string; app: string }[] };
    expect(report.agents.map((a) => a.app)).toContain("myapp");
    expect(report.actions.filter((a) => a.app === "myapp").map((a) => a.key)).toContain("add");
    expect((await ok("npx arkitekt-next manifest show")).stdout).toContain("myapp");
    await ok("npx arkitekt-next manifest version patch");
    expect(JSON.parse(readFileSync(join(app, "arkitekt.json"), "utf8")).version).toBe("0.1.1");

    await ok("npx arkitekt-next build");
    const dockerfile = readFileSync(join(app, "Dockerfile"), "utf8");
    expect(dockerfile).toMatch(/^ENTRYPOINT .*"run", "prod"\]/m);
    expect(dockerfile).toMatch(/^HEALTHCHECK .*"health"\]/m);
    expect(existsSync(join(app, ".dockerignore"))).toBe(true);
    // While unpublished, the tarball the app depends on is vendored into the build context.
    expect(readFileSync(join(app, "package.json"), "utf8")).toContain(".tgz");
    expect(dockerfile).toContain(".tgz");
  }, 300_000);

  it("leaves no devDependency of the package resolvable from the app", () => {
    const app = join(sandbox, "myapp");
    expect(existsSync(join(app, "node_modules", "arkitekt-next", "package.json"))).toBe(true);
    const lock = JSON.parse(readFileSync(join(app, "package-lock.json"), "utf8")) as {
      packages: Record<string, { dependencies?: Record<string, string>; optionalDependencies?: Record<string, string>; peerDependencies?: Record<string, string> }>;
    };
    const brought = new Set<string>();
    for (const [path, entry] of Object.entries(lock.packages)) {
      if (path === "") continue;
      for (const deps of [entry.dependencies, entry.optionalDependencies, entry.peerDependencies]) for (const name of Object.keys(deps ?? {})) brought.add(name);
    }
    // What the app itself depends on (init writes typescript and @types/node) is the user's choice.
    const own = JSON.parse(readFileSync(join(app, "package.json"), "utf8")) as { dependencies?: Record<string, string>; devDependencies?: Record<string, string> };
    const chosen = new Set([...Object.keys(own.dependencies ?? {}), ...Object.keys(own.devDependencies ?? {})]);
    expect(chosen).toContain("typescript");
    const devOnly = Object.keys(pkg.devDependencies).filter((name) => !chosen.has(name) && !(name in pkg.dependencies));
    expect(devOnly).toEqual(expect.arrayContaining(["vitest", "@graphql-codegen/cli"]));
    expect(Object.keys(pkg.dependencies)).toContain("tsx");
    for (const name of devOnly) {
      if (brought.has(name)) continue; // a dependency of ours depends on it too (esbuild, through tsx)
      const resolvable = execFileSync(
        process.execPath,
        ["--input-type=module", "-e", `try { import.meta.resolve(${JSON.stringify(name)}); console.log("yes") } catch { console.log("no") }`],
        { cwd: app, encoding: "utf8" },
      ).trim();
      expect(resolvable, `${name} is a devDependency but resolves from the installed app`).toBe("no");
    }
  });
});
