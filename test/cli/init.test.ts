// `arkitekt-next init` as a user runs it: the CLI as a child process in temporary folders, with
// stdin a pipe (not a terminal) unless the test gives it a pseudo-terminal. npm is never the real
// one here: a stand-in on PATH links this repository as the app's arkitekt-next (the coordinator's
// tarball test installs for real).
import { spawn, spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { bin, root, startRunDev } from "./run-dev.js";
import { installedFromTarball } from "../../src/cli/commands/init.js";

const base = mkdtempSync(join(tmpdir(), "arkitekt-init-"));
afterAll(() => rmSync(base, { recursive: true, force: true }));
let count = 0;
/** A new folder under the test's temporary folder (not created). */
const newDir = (name = "app"): string => join(base, `${++count}`, name);

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

function cli(args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Run {
  const result = spawnSync(process.execPath, [bin, ...args], {
    cwd: options.cwd ?? base,
    encoding: "utf8",
    env: { ...process.env, NO_COLOR: "1", ...options.env },
    input: "", // stdin is a pipe: not a terminal
    timeout: 120_000,
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

const read = (dir: string, file: string): string => readFileSync(join(dir, file), "utf8");
const readJson = (dir: string, file: string): Record<string, unknown> => JSON.parse(read(dir, file)) as Record<string, unknown>;

/** The app's node_modules as an install would leave it: this repository, its TypeScript and Node's types. */
function linkDependencies(dir: string): void {
  mkdirSync(join(dir, "node_modules", "@types"), { recursive: true });
  symlinkSync(root, join(dir, "node_modules", "arkitekt-next"), "dir");
  symlinkSync(join(root, "node_modules", "typescript"), join(dir, "node_modules", "typescript"), "dir");
  symlinkSync(join(root, "node_modules", "@types", "node"), join(dir, "node_modules", "@types", "node"), "dir");
}

/** A folder with an `npm` on PATH that runs `script` (sh) instead of the real npm. */
function fakeNpm(script: string): NodeJS.ProcessEnv {
  const binDir = join(base, `npm-${++count}`);
  mkdirSync(binDir, { recursive: true });
  writeFileSync(join(binDir, "npm"), `#!/bin/sh\n${script}\n`);
  chmodSync(join(binDir, "npm"), 0o755);
  return { PATH: `${binDir}${delimiter}${process.env.PATH ?? ""}` };
}

function typecheck(dir: string): Run {
  const result = spawnSync(process.execPath, [join(dir, "node_modules", "typescript", "bin", "tsc"), "-p", "tsconfig.json", "--noEmit"], {
    cwd: dir,
    encoding: "utf8",
    timeout: 120_000,
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe("arkitekt-next init", () => {
  it("issue 12: init --yes --no-install writes an ESM app: package.json, tsconfig, arkitekt.json, src/app.ts, .gitignore, README", () => {
    const dir = newDir("my-app");
    const result = cli(["init", dir, "--yes", "--no-install", "--package", `file:${root}`, "--description", "Adds numbers", "--author", "Ada", "--scopes", "read, write"]);
    expect(result.stderr).toBe("");
    expect(result.status).toBe(0);

    const pkg = readJson(dir, "package.json");
    expect(pkg).toMatchObject({
      name: "my-app",
      version: "0.1.0",
      type: "module",
      description: "Adds numbers",
      scripts: { gen: "arkitekt-next gen", dev: "arkitekt-next run dev", build: "tsc -p tsconfig.json", start: "arkitekt-next run prod" },
      dependencies: { "arkitekt-next": `file:${root}`, typescript: "~6.0.3" },
      devDependencies: { "@types/node": "^20.19.0" },
    });
    expect(readJson(dir, "arkitekt.json")).toEqual({ identifier: "my-app", version: "0.1.0", description: "Adds numbers", author: "Ada", scopes: ["read", "write"] });
    const tsconfig = readJson(dir, "tsconfig.json") as { compilerOptions: Record<string, unknown>; include: string[] };
    expect(tsconfig.compilerOptions).toMatchObject({ strict: true, module: "NodeNext", moduleResolution: "NodeNext", rootDir: ".", outDir: "dist", types: ["node"] });
    expect(tsconfig.include).toEqual(["src/**/*.ts", "generated/**/*.ts"]);
    expect(read(dir, ".gitignore").split("\n")).toEqual(expect.arrayContaining(["node_modules/", "dist/", ".arkitekt/"]));
    expect(read(dir, "src/app.ts")).toContain("export const add = register(");
    expect(read(dir, "README.md")).toMatch(/^# my-app\n\nAdds numbers\n/);
    expect(read(dir, "README.md")).toContain("npx arkitekt-next call my-app/add a=1 b=2");
    // The next steps: where to go, what to run, and a call from a second terminal.
    expect(result.stdout).toContain(`  cd ${join(`${count}`, "my-app")}\n  npm install && npm run gen\n  npm run dev`);
    expect(result.stdout).toContain("npx arkitekt-next call my-app/add a=1 b=2");
  });

  it("issue 12: the arkitekt-next dependency is ^ the CLI's version by default, and a .tgz path becomes an absolute file: spec", () => {
    const own = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { version: string };
    const byDefault = newDir();
    expect(cli(["init", byDefault, "--yes", "--no-install"]).status).toBe(0);
    expect(readJson(byDefault, "package.json").dependencies).toMatchObject({ "arkitekt-next": `^${own.version}` });

    const tarball = join(base, "arkitekt-next-9.9.9.tgz");
    writeFileSync(tarball, "");
    const fromTarball = newDir();
    expect(cli(["init", fromTarball, "--yes", "--no-install", "--package", "arkitekt-next-9.9.9.tgz"], { cwd: base }).status).toBe(0);
    expect(readJson(fromTarball, "package.json").dependencies).toMatchObject({ "arkitekt-next": `file:${tarball}` });

    const missing = cli(["init", newDir(), "--yes", "--no-install", "--package", "./nope.tgz"]);
    expect(missing.status).toBe(1);
    expect(missing.stderr).toContain(`error: --package ./nope.tgz: ${join(base, "nope.tgz")} does not exist`);
  });

  it("issue 12: run from a tarball install (npx ./arkitekt-next-x.tgz), the default dependency is that tarball", () => {
    // The layout npm leaves: node_modules/.package-lock.json records the tarball relative to the install root
    // (for npx, ~/.npm/_npx/<hash>/).
    const installRoot = join(base, `npx-${++count}`);
    const packageDir = join(installRoot, "node_modules", "arkitekt-next");
    mkdirSync(packageDir, { recursive: true });
    const tarball = join(base, "packs", "arkitekt-next-0.1.0.tgz");
    mkdirSync(join(base, "packs"), { recursive: true });
    writeFileSync(
      join(installRoot, "node_modules", ".package-lock.json"),
      JSON.stringify({ packages: { "node_modules/arkitekt-next": { version: "0.1.0", resolved: "file:../packs/arkitekt-next-0.1.0.tgz" } } }),
    );
    expect(installedFromTarball(packageDir)).toBeUndefined(); // the tarball is gone: fall back to ^version
    writeFileSync(tarball, "");
    expect(installedFromTarball(packageDir)).toBe(`file:${tarball}`);
    expect(installedFromTarball(root)).toBeUndefined(); // a checkout, not an install
  });

  it("issue 12: with stdin not a terminal and no --yes, init asks nothing, takes the defaults and says which", () => {
    const dir = newDir("quiet-app");
    const result = cli(["init", dir, "--no-install", "--template", "structures"]);
    expect(result.status).toBe(0);
    expect(result.stdout).toContain(
      "stdin is not a terminal: not asking; using the defaults for identifier, version, description, author, scopes (pass --yes to say so, or a flag for each)",
    );
    expect(readJson(dir, "arkitekt.json")).toEqual({ identifier: "quiet-app", version: "0.1.0", description: "", author: "", scopes: [] });
    expect(read(dir, "src/app.ts")).toContain('static identifier = "@quiet-app/series"');
  });

  it("issue 12: without a terminal, a folder name that makes no identifier is an error naming --identifier", () => {
    const result = cli(["init", newDir("___"), "--no-install"]);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('error: cannot make an app identifier from the folder name "___"');
    expect(result.stderr).toContain("hint: pass --identifier <id>");
    // With the flag it works, and the folder name is lowercased when it can be.
    const upper = newDir("My_App");
    expect(cli(["init", upper, "--yes", "--no-install"]).status).toBe(0);
    expect(readJson(upper, "arkitekt.json").identifier).toBe("my-app");
  });

  it("issue 12: flags are validated before anything is written", () => {
    const dir = newDir();
    const badId = cli(["init", dir, "--yes", "--no-install", "--identifier", "My App"]);
    expect(badId.status).toBe(1);
    expect(badId.stderr).toContain('error: --identifier: "My App" is not an app identifier');
    const badVersion = cli(["init", dir, "--yes", "--no-install", "--app-version", "1.0"]);
    expect(badVersion.status).toBe(1);
    expect(badVersion.stderr).toContain('error: --app-version: "1.0" is not a semver version');
    const badTemplate = cli(["init", dir, "--yes", "--no-install", "--template", "fancy"]);
    expect(badTemplate.status).toBe(1);
    expect(badTemplate.stderr).toContain("choose one of: simple, structures");
    expect(existsSync(dir)).toBe(false);
  });

  it("issue 12: init --yes in a non-empty dir refuses without --force", () => {
    const dir = newDir();
    mkdirSync(join(dir, ".git"), { recursive: true });
    writeFileSync(join(dir, "README.md"), "mine\n");
    const result = cli(["init", dir, "--yes", "--no-install"]);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain(`error: ${dir} is not empty (README.md)`);
    expect(result.stderr).toContain("hint: init a new or empty directory, or pass --force");
    expect(existsSync(join(dir, "package.json"))).toBe(false);
    // .git alone does not count.
    const gitOnly = newDir();
    mkdirSync(join(gitOnly, ".git"), { recursive: true });
    expect(cli(["init", gitOnly, "--yes", "--no-install"]).status).toBe(0);
  });

  it("issue 12: init --force keeps and lists existing files that differ; --overwrite replaces and lists them", () => {
    const dir = newDir("kept");
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, "README.md"), "mine\n");
    writeFileSync(join(dir, ".gitignore"), "node_modules/\ndist/\n.arkitekt/\n"); // same as the template's
    const forced = cli(["init", dir, "--yes", "--no-install", "--force"]);
    expect(forced.status).toBe(0);
    expect(forced.stdout).toContain("kept your README.md (they differ from the template; --overwrite replaces them)");
    expect(forced.stdout).toContain("unchanged .gitignore");
    expect(read(dir, "README.md")).toBe("mine\n");
    expect(existsSync(join(dir, "src", "app.ts"))).toBe(true);

    const overwritten = cli(["init", dir, "--yes", "--no-install", "--overwrite", "--description", "new"]);
    expect(overwritten.status).toBe(0);
    expect(overwritten.stdout).toMatch(/overwrote \(--overwrite\) .*README\.md/);
    expect(read(dir, "README.md")).toMatch(/^# kept\n\nnew\n/);
  });

  /** The package.json `npm init -y` writes (npm 11), with the user's own additions. */
  const npmInitPackage = (name: string, extra: Record<string, unknown> = {}): Record<string, unknown> => ({
    name,
    version: "1.0.0",
    description: "",
    main: "index.js",
    scripts: { test: 'echo "Error: no test specified" && exit 1' },
    keywords: [],
    author: "",
    license: "ISC",
    type: "commonjs",
    ...extra,
  });

  it("issue 12 review: init --force in an `npm init -y` project merges type module, the dependencies and the scripts into its package.json, keeping the user's fields", async () => {
    const dir = newDir("npm-app");
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, "package.json"), `${JSON.stringify(npmInitPackage("npm-app", { dependencies: { lodash: "^4.17.21" } }), null, 2)}\n`);
    const tarball = join(base, `arkitekt-next-${++count}.tgz`);
    writeFileSync(tarball, "");
    const result = cli(["init", dir, "--yes", "--force", "--no-install", "--package", tarball]);
    expect(result.stderr).toBe("");
    expect(result.status).toBe(0);

    const pkg = readJson(dir, "package.json");
    expect(pkg).toEqual({
      // the user's fields, in their order
      name: "npm-app",
      version: "1.0.0",
      description: "",
      main: "index.js",
      scripts: {
        test: 'echo "Error: no test specified" && exit 1',
        gen: "arkitekt-next gen",
        dev: "arkitekt-next run dev",
        build: "tsc -p tsconfig.json",
        start: "arkitekt-next run prod",
      },
      keywords: [],
      author: "",
      license: "ISC",
      type: "module",
      dependencies: { lodash: "^4.17.21", "arkitekt-next": `file:${tarball}`, typescript: "~6.0.3" },
      devDependencies: { "@types/node": "^20.19.0" },
    });
    expect(result.stdout).toContain(
      `merged into your package.json: "type": "module" (was "commonjs"; your .js files are ES modules now: rename CommonJS ones to .cjs), dependencies.arkitekt-next file:${tarball}, dependencies.typescript ~6.0.3, devDependencies.@types/node ^20.19.0, scripts.gen, scripts.dev, scripts.build, scripts.start`,
    );
    expect(result.stdout).not.toContain("kept your package.json");
    expect(result.stdout).toContain("Ready: npm-app (simple template). Next:");
    expect(result.stdout).toContain("npm install && npm run gen\n  npm run dev");

    // Init again: nothing left to merge.
    const again = cli(["init", dir, "--yes", "--force", "--no-install", "--package", tarball]);
    expect(again.status).toBe(0);
    expect(again.stdout).toMatch(/unchanged package\.json/);
    expect(again.stdout).not.toContain("merged into your package.json");

    // The next steps work: the app loads and serves under run dev (before, Node failed with "Cannot require() ES Module ... in a cycle").
    linkDependencies(dir);
    const dev = await startRunDev("arkitekt-init-merge-", { cwd: dir });
    try {
      expect(dev.output).toMatch(/serving 4 function\(s\)/);
    } finally {
      await dev.stop();
    }
  }, 90_000);

  it("issue 12 review: init --force keeps and lists a package.json script or dependency of the user's that differs; --overwrite replaces it and keeps the rest", () => {
    const dir = newDir("mine");
    mkdirSync(dir, { recursive: true });
    const theirs = npmInitPackage("mine", { scripts: { test: "vitest", build: "tsc", dev: "nodemon" }, devDependencies: { typescript: "^5.0.0" } });
    delete theirs.type; // missing means CommonJS too
    writeFileSync(join(dir, "package.json"), JSON.stringify(theirs, null, 4));
    const forced = cli(["init", dir, "--yes", "--force", "--no-install", "--package", `file:${root}`]);
    expect(forced.status).toBe(0);
    const pkg = readJson(dir, "package.json") as { type: string; scripts: Record<string, string>; dependencies: Record<string, string>; devDependencies: Record<string, string> };
    expect(pkg.type).toBe("module");
    expect(pkg.scripts).toEqual({ test: "vitest", build: "tsc", dev: "nodemon", gen: "arkitekt-next gen", start: "arkitekt-next run prod" });
    expect(pkg.dependencies).toEqual({ "arkitekt-next": `file:${root}` }); // typescript is already a devDependency
    expect(pkg.devDependencies).toEqual({ typescript: "^5.0.0", "@types/node": "^20.19.0" });
    expect(read(dir, "package.json")).toMatch(/^\{\n {4}"name": "mine"/); // the file's indentation
    expect(forced.stdout).toContain('"type": "module" (was missing;');
    expect(forced.stdout).toContain(
      'kept in your package.json: devDependencies.typescript "^5.0.0" (init\'s: ~6.0.3), scripts.dev "nodemon" (init\'s: "arkitekt-next run dev"), scripts.build "tsc" (init\'s: "tsc -p tsconfig.json") (they differ from init\'s; --overwrite replaces them)',
    );
    // The user's dev script is not ours: the next steps call the CLI.
    expect(forced.stdout).toContain("npm install && npm run gen\n  npx arkitekt-next run dev # serves src/app.ts");

    const overwritten = cli(["init", dir, "--yes", "--overwrite", "--no-install", "--package", `file:${root}`]);
    expect(overwritten.status).toBe(0);
    const replaced = readJson(dir, "package.json") as typeof pkg & Record<string, unknown>;
    expect(replaced.scripts).toMatchObject({ build: "tsc -p tsconfig.json", dev: "arkitekt-next run dev", test: "vitest" });
    expect(replaced.devDependencies.typescript).toBe("~6.0.3");
    expect(replaced).toMatchObject({ name: "mine", version: "1.0.0", main: "index.js", license: "ISC" });
    expect(overwritten.stdout).toContain('replaced in your package.json (--overwrite): devDependencies.typescript ~6.0.3 (was "^5.0.0"), scripts.dev "arkitekt-next run dev" (was "nodemon"), scripts.build "tsc -p tsconfig.json" (was "tsc")');
  });

  it("issue 12 review: init --force with a package.json that is not valid JSON stops before writing anything", () => {
    const dir = newDir();
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, "package.json"), "{ not json");
    const result = cli(["init", dir, "--yes", "--force", "--no-install"]);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain(`error: ${join(dir, "package.json")} is not valid JSON`);
    expect(result.stderr).toContain("nothing was written");
    expect(existsSync(join(dir, "src"))).toBe(false);
    expect(read(dir, "package.json")).toBe("{ not json");
  });

  it("issue 12: an npm install that fails is a clear error, with the files written", () => {
    const dir = newDir();
    const result = cli(["init", dir, "--yes"], { env: fakeNpm('echo "npm ERR! stand-in failure" >&2; exit 3') });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain("npm ERR! stand-in failure"); // npm's own output streams through
    expect(result.stderr).toContain(`error: npm install failed in ${dir} (exit 3); the app's files are written`);
    expect(result.stderr).toContain("hint: fix what npm printed above, then run `npm install && npm run gen`");
    expect(existsSync(join(dir, "package.json"))).toBe(true);
  });

  it("issue 12: the simple template installs, runs gen and type-checks under strict", () => {
    const dir = newDir("simple-app");
    const npm = fakeNpm(
      `echo "stand-in npm $*"; mkdir -p node_modules/@types && ln -s "${root}" node_modules/arkitekt-next && ln -s "${join(root, "node_modules", "typescript")}" node_modules/typescript && ln -s "${join(root, "node_modules", "@types", "node")}" node_modules/@types/node`,
    );
    const result = cli(["init", dir, "--yes", "--template", "simple", "--package", `file:${root}`], { env: npm });
    expect(result.stderr).toBe("");
    expect(result.status).toBe(0);
    expect(result.stdout).toContain("stand-in npm install");
    expect(result.stdout).toMatch(/gen generated \d+ of \d+ files \(4 functions, stages: functions\)/);
    expect(result.stdout).not.toContain("npm install && npm run gen");
    const definitions = JSON.parse(read(dir, "generated/definitions.json")) as Array<{ definition: { key: string } }>;
    expect(definitions.map((d) => d.definition.key).sort()).toEqual(["add", "greet", "mean", "shout"]);
    const tsc = typecheck(dir);
    expect(tsc.stdout + tsc.stderr).toBe("");
    expect(tsc.status).toBe(0);
  });

  it("issue 12: the structures template runs gen (a structure, a generator) and type-checks under strict", () => {
    const dir = newDir("struct-app");
    expect(cli(["init", dir, "--yes", "--no-install", "--template", "structures", "--package", `file:${root}`]).status).toBe(0);
    linkDependencies(dir);
    const gen = cli(["gen", "--cwd", dir]);
    expect(gen.stderr).toBe("");
    expect(gen.status).toBe(0);
    const definitions = JSON.parse(read(dir, "generated/definitions.json")) as Array<{
      definition: { key: string; kind: string; returns: Array<{ kind: string; identifier?: string }> };
    }>;
    const makeSeries = definitions.find((d) => d.definition.key === "makeSeries")?.definition;
    expect(makeSeries?.kind).toBe("GENERATOR");
    expect(makeSeries?.returns[0]).toMatchObject({ kind: "STRUCTURE", identifier: "@struct-app/series" });
    expect(definitions.find((d) => d.definition.key === "summarize")?.definition.returns[0]?.kind).toBe("MODEL");
    const tsc = typecheck(dir);
    expect(tsc.stdout + tsc.stderr).toBe("");
    expect(tsc.status).toBe(0);
  });

  it("issue 12: init --help explains the questions, the overwrite rule and gives examples", () => {
    const result = cli(["init", "--help"]);
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/^Usage: arkitekt-next init \[options\] \[dir\]/);
    for (const flag of ["--identifier", "--app-version", "--description", "--author", "--template", "--scopes", "--yes", "--package", "--no-install", "--force", "--overwrite"]) {
      expect(result.stdout).toContain(flag);
    }
    expect(result.stdout).toContain("When stdin is\nnot a terminal");
    expect(result.stdout).toContain("$ arkitekt-next init myapp");
  });
});

// The wizard through a pseudo-terminal (util-linux `script`): each answer is typed once its question shows.
const hasScript = spawnSync("script", ["--version"], { encoding: "utf8" }).status === 0;
describe.runIf(hasScript)("the init wizard on a terminal", () => {
  it("issue 12: init on a terminal asks each question no flag answers, Enter taking the default", async () => {
    const dir = newDir("wizard-app");
    const command = [process.execPath, bin, "init", dir, "--no-install", "--package", `file:${root}`, "--author", "Ada"]
      .map((a) => `'${a.replace(/'/g, "'\\''")}'`)
      .join(" ");
    // A pseudo-terminal without a size is 0 columns wide (clack would wrap every character): give it one.
    const child = spawn("script", ["-qfec", `stty cols 120 rows 40; ${command}`, "/dev/null"], { cwd: base, env: { ...process.env, NO_COLOR: "1", TERM: "xterm" } });
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise<number | null>((resolveExit) => child.once("exit", resolveExit));
    const waitFor = async (text: string): Promise<void> => {
      const deadline = Date.now() + 30_000;
      while (!output.includes(text)) {
        if (Date.now() > deadline || child.exitCode !== null) throw new Error(`no "${text}" in:\n${output}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    };
    const answer = async (question: string, keys: string): Promise<void> => {
      await waitFor(question);
      await new Promise((r) => setTimeout(r, 100));
      child.stdin.write(keys);
    };
    await answer("App identifier", "com.example.wizard\r");
    await answer("Version", "\r"); // the default
    await answer("Description", "Made by the wizard\r");
    await answer("Template", "\u001b[B\r"); // arrow down: structures
    await answer("Scopes", "read,write\r");
    expect(await exited).toBe(0);
    expect(output).not.toContain("Author"); // --author answered it
    expect(readJson(dir, "arkitekt.json")).toEqual({
      identifier: "com.example.wizard",
      version: "0.1.0",
      description: "Made by the wizard",
      author: "Ada",
      scopes: ["read", "write"],
    });
    expect(read(dir, "src/app.ts")).toContain('static identifier = "@com.example.wizard/series"');
  }, 60_000);
});
