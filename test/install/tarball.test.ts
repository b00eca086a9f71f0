// The package as a user gets it: `npm pack`, then the README's tutorial executed line by line in a
// folder outside this repository (init installs the tarball with only the dependencies a user
// installs), then every other command in that app, each as a child process.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
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
  if (sandbox) rmSync(sandbox, { recursive: true, force: true });
});

function failure(what: string, ran: Ran): string {
  return `${what} exited ${ran.code}\n--- stdout\n${ran.stdout}\n--- stderr\n${ran.stderr}`;
}

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
    // typescript is the one the user installs next to us (init writes it).
    const devOnly = Object.keys(pkg.devDependencies).filter((name) => name !== "typescript" && !(name in pkg.dependencies));
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
