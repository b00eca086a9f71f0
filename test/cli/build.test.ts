// `arkitekt-next build` as a child process: the Dockerfile and .dockerignore it writes, parsed with
// dockerfile-ast (the parser of dockerfile-utils) and linted with dockerfile-utils' validate. No
// Docker engine runs here.
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, posix } from "node:path";
import { DockerfileParser, type Instruction } from "dockerfile-ast";
import { validate } from "dockerfile-utils";
import { afterAll, describe, expect, it } from "vitest";
import { bin } from "./run-dev.js";

const work = mkdtempSync(join(tmpdir(), "ark-build-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function cli(args: string[]) {
  const result = spawnSync(process.execPath, [bin, ...args], { encoding: "utf8", timeout: 30_000, env: { ...process.env, NO_COLOR: "1" } });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

let counter = 0;
/** An app folder with package.json (arkitekt-next from `spec`), a lockfile, and a fake tarball beside it. */
function makeApp(spec: string, extra: { lock?: boolean; build?: boolean } = {}): string {
  const base = join(work, `case-${counter++}`);
  const dir = join(base, "apps", "my-app");
  mkdirSync(dir, { recursive: true });
  mkdirSync(join(base, "pkg"));
  writeFileSync(join(base, "pkg", "arkitekt-next-0.1.0.tgz"), "not really a tarball, but bytes to copy\n");
  const pkg = {
    name: "@lab/My_App",
    type: "module",
    scripts: extra.build === false ? {} : { build: "tsc -p tsconfig.json" },
    dependencies: { "arkitekt-next": spec, typescript: "~6.0.3" },
  };
  writeFileSync(join(dir, "package.json"), JSON.stringify(pkg, null, 2));
  if (extra.lock !== false) writeFileSync(join(dir, "package-lock.json"), "{}\n");
  return dir;
}

/** The instructions of each stage, by stage name (the initial ARGs under ""). */
function stages(text: string): Map<string, Instruction[]> {
  const out = new Map<string, Instruction[]>([["", []]]);
  let current = "";
  for (const instruction of DockerfileParser.parse(text).getInstructions()) {
    if (instruction.getKeyword() === "FROM") {
      const args = instruction.getArguments().map((a) => a.getValue());
      current = args[2] ?? `#${out.size}`;
      out.set(current, []);
    }
    out.get(current)!.push(instruction);
  }
  return out;
}

const args = (i: Instruction): string[] => i.getArguments().map((a) => a.getValue());
const flags = (i: Instruction): string[] => ((i as unknown as { getFlags(): Array<{ getName(): string; getValue(): string | null }> }).getFlags?.() ?? []).map((f) => `${f.getName()}=${f.getValue()}`);
const json = (i: Instruction): string[] => (i as unknown as { getJSONStrings(): Array<{ getJSONValue(): string }> }).getJSONStrings().map((s) => s.getJSONValue());
const line = (i: Instruction): string => `${i.getKeyword()} ${args(i).join(" ")}`;

describe("build", () => {
  it("issue 12: build --help explains the stages, the base image argument and vendoring, with an example", () => {
    const result = cli(["build", "--help"]);
    expect(result.status).toBe(0);
    expect(result.stdout).toContain("node:22-bookworm-slim");
    expect(result.stdout).toContain("vendor/");
    expect(result.stdout).toContain("Examples:");
  });

  it("issue 12: build writes a multi-stage Dockerfile (base image ARG, compilers only in the build stages, npm ci --omit=dev, compiled app, non-root user, HEALTHCHECK, run prod entry point) with no lint findings", () => {
    const dir = makeApp("file:../../pkg/arkitekt-next-0.1.0.tgz");
    const result = cli(["build", "--cwd", dir]);
    expect(result.stderr).toBe("");
    expect(result.status).toBe(0);
    expect(result.stdout).toContain("wrote Dockerfile");
    expect(result.stdout).toContain("docker build -t my_app .");
    const text = readFileSync(join(dir, "Dockerfile"), "utf8");
    expect(validate(text)).toEqual([]);

    const byStage = stages(text);
    expect([...byStage.keys()]).toEqual(["", "deps", "build", "prod"]);
    // The base image is a build argument with a Node LTS slim default, used by the first and last stage.
    expect(byStage.get("")!.map(line)).toEqual(["ARG NODE_IMAGE=node:22-bookworm-slim"]);
    const from = (stage: string): string => args(byStage.get(stage)![0]!)[0]!;
    expect([from("deps"), from("build"), from("prod")]).toEqual(["${NODE_IMAGE}", "deps", "${NODE_IMAGE}"]);

    const deps = byStage.get("deps")!;
    const install = deps.find((i) => i.getKeyword() === "RUN" && args(i).includes("apt-get"));
    expect(install && args(install)).toEqual(expect.arrayContaining(["python3", "make", "g++"]));
    expect(deps.map(line)).toContain("RUN npm ci --omit=dev");

    const build = byStage.get("build")!.map(line);
    expect(build).toEqual(expect.arrayContaining(["RUN npm ci", "COPY . .", "RUN npm run build"]));
    expect(build.indexOf("COPY . .")).toBeLessThan(build.indexOf("RUN npm run build"));

    const prod = byStage.get("prod")!;
    expect(prod.some((i) => i.getKeyword() === "RUN" && /apt-get|npm/.test(args(i).join(" ")))).toBe(false);
    const copies = prod.filter((i) => i.getKeyword() === "COPY").map((i) => [...flags(i), ...args(i)].join(" "));
    expect(copies).toEqual(["from=deps /app/node_modules ./node_modules", ". .", "from=build /app/dist ./dist"]);
    const users = prod.filter((i) => i.getKeyword() === "USER").map((i) => args(i)[0]);
    expect(users).toEqual(["node"]);
    const health = prod.find((i) => i.getKeyword() === "HEALTHCHECK")!;
    expect(args(health)[0]).toBe("CMD");
    expect(args(health).join(" ")).toContain('"node_modules/arkitekt-next/bin/arkitekt-next.js", "health"]');
    expect(flags(health)).toEqual(expect.arrayContaining(["interval=15s", "start-period=60s"]));
    const entry = prod.filter((i) => i.getKeyword() === "ENTRYPOINT");
    expect(entry.map(json)).toEqual([["node", "node_modules/arkitekt-next/bin/arkitekt-next.js", "run", "prod"]]);
    // USER comes before the entry point: the agent never runs as root.
    expect(prod.indexOf(prod.find((i) => i.getKeyword() === "USER")!)).toBeLessThan(prod.indexOf(entry[0]!));

    const ignore = readFileSync(join(dir, ".dockerignore"), "utf8").split("\n").filter((l) => l && !l.startsWith("#"));
    expect(ignore).toEqual(expect.arrayContaining(["node_modules", "dist", ".arkitekt", ".git"]));
    // Nothing run prod compares (sources, generated/) and not the vendored tarball.
    expect(ignore.filter((l) => /^(src|generated|vendor|\*)/.test(l))).toEqual([]);
  });

  it("issue 12: build vendors a tarball outside the app and copies it to where the file: spec resolves inside the image", () => {
    const spec = "../../pkg/arkitekt-next-0.1.0.tgz";
    const dir = makeApp(`file:${spec}`);
    expect(cli(["build", "--cwd", dir]).status).toBe(0);
    expect(readFileSync(join(dir, "vendor", "arkitekt-next-0.1.0.tgz"), "utf8")).toBe(readFileSync(join(dir, spec), "utf8"));
    // package.json keeps its spec (its bytes are an input of gen, and the lockfile's integrity stays valid).
    expect(JSON.parse(readFileSync(join(dir, "package.json"), "utf8")).dependencies["arkitekt-next"]).toBe(`file:${spec}`);
    const deps = stages(readFileSync(join(dir, "Dockerfile"), "utf8")).get("deps")!;
    const workdir = args(deps.find((i) => i.getKeyword() === "WORKDIR")!)[0]!;
    const copies = deps.filter((i) => i.getKeyword() === "COPY").map(args);
    // npm resolves `file:<spec>` against WORKDIR: the tarball is there before `npm ci` runs.
    expect(copies[0]).toEqual(["vendor/arkitekt-next-0.1.0.tgz", posix.resolve(workdir, spec)]);
    expect(copies[1]).toEqual(["package.json", "package-lock.json", "./"]);
  });

  it("issue 12: build copies a tarball inside the app from its own path, and a registry spec needs no tarball", () => {
    const inside = makeApp("file:arkitekt-next-0.1.0.tgz");
    writeFileSync(join(inside, "arkitekt-next-0.1.0.tgz"), "bytes\n");
    expect(cli(["build", "--cwd", inside]).status).toBe(0);
    expect(existsSync(join(inside, "vendor"))).toBe(false);
    const copy = stages(readFileSync(join(inside, "Dockerfile"), "utf8")).get("deps")!.filter((i) => i.getKeyword() === "COPY").map(args)[0];
    expect(copy).toEqual(["arkitekt-next-0.1.0.tgz", "/app/arkitekt-next-0.1.0.tgz"]);

    const registry = makeApp("^0.1.0");
    const result = cli(["build", "--cwd", registry, "--node-image", "node:20-bookworm-slim"]);
    expect(result.status).toBe(0);
    const text = readFileSync(join(registry, "Dockerfile"), "utf8");
    expect(text).not.toContain(".tgz");
    expect(stages(text).get("")!.map(line)).toEqual(["ARG NODE_IMAGE=node:20-bookworm-slim"]);
    expect(validate(text)).toEqual([]);
  });

  it("issue 12: build refuses to overwrite an existing Dockerfile unless --force", () => {
    const dir = makeApp("^0.1.0");
    writeFileSync(join(dir, "Dockerfile"), "FROM scratch\n");
    const refused = cli(["build", "--cwd", dir]);
    expect(refused.status).toBe(1);
    expect(refused.stderr).toContain("Dockerfile already exists");
    expect(refused.stderr).toContain("pass --force");
    expect(readFileSync(join(dir, "Dockerfile"), "utf8")).toBe("FROM scratch\n");
    expect(existsSync(join(dir, ".dockerignore"))).toBe(false);
    expect(cli(["build", "--cwd", dir, "--force"]).status).toBe(0);
    expect(readFileSync(join(dir, "Dockerfile"), "utf8")).toContain("run\", \"prod\"]");
  });

  it("issue 12: build refuses a linked folder, a missing tarball, a missing lockfile and a missing build script, each with what to do", () => {
    const folder = cli(["build", "--cwd", makeApp("file:../../pkg")]);
    expect(folder.status).toBe(1);
    expect(folder.stderr).toContain("a Docker build cannot reach a linked folder");
    expect(folder.stderr).toContain("npm pack");
    const missing = cli(["build", "--cwd", makeApp("file:../nowhere.tgz")]);
    expect(missing.status).toBe(1);
    expect(missing.stderr).toContain("does not exist");
    const noLock = cli(["build", "--cwd", makeApp("^0.1.0", { lock: false })]);
    expect(noLock.status).toBe(1);
    expect(noLock.stderr).toContain("no package-lock.json");
    expect(noLock.stderr).toContain("npm install");
    const noBuild = cli(["build", "--cwd", makeApp("^0.1.0", { build: false })]);
    expect(noBuild.status).toBe(1);
    expect(noBuild.stderr).toContain('has no "build" script');
  });
});
