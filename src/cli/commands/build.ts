/**
 * `arkitekt-next build`: writes a multi-stage `Dockerfile` and a `.dockerignore` for the app (see
 * ../dockerfile.ts for what they hold). While arkitekt-next is not published, an app installs it
 * from a tarball (`"arkitekt-next": "file:../arkitekt-next-0.1.0.tgz"`); a Docker build sees only
 * its context, so a tarball outside the app folder is copied (vendored) to `vendor/`, and the
 * Dockerfile puts it where the `file:` spec resolves inside the image: package.json and the
 * lockfile stay unchanged (their bytes are `gen` inputs, and the lockfile's integrity hash stays
 * valid).
 */
import { copyFileSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { basename, isAbsolute, join, posix, relative, resolve, sep } from "node:path";
import { Command } from "commander";
import { UserError } from "../errors.js";
import { DEFAULT_NODE_IMAGE, IMAGE_WORKDIR, renderDockerfile, renderDockerignore, type DockerfileFacts } from "../dockerfile.js";

export interface BuildOptions {
  cwd?: string;
  force?: boolean;
  nodeImage?: string;
}

export interface BuildResult {
  /** Absolute paths written. */
  written: string[];
  /** The vendored tarball (relative to the app), when one was copied. */
  vendored?: string;
  imageName: string;
}

const PACKAGE = "arkitekt-next";

interface PackageJson {
  name?: string;
  scripts?: Record<string, string>;
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
}

function readPackageJson(cwd: string): PackageJson {
  const file = join(cwd, "package.json");
  if (!existsSync(file)) {
    throw new UserError(`no package.json in ${cwd}`, "run `arkitekt-next build` in the app folder (create one with `arkitekt-next init`)");
  }
  try {
    return JSON.parse(readFileSync(file, "utf8")) as PackageJson;
  } catch (error) {
    throw new UserError(`${file} is not valid JSON: ${(error as Error).message}`, "fix it");
  }
}

/** A name Docker accepts as a repository: lowercase, [a-z0-9._-], no scope. */
function imageName(pkg: PackageJson, cwd: string): string {
  const raw = (pkg.name ?? basename(cwd)).replace(/^@[^/]+\//, "").toLowerCase();
  return raw.replace(/[^a-z0-9._-]+/g, "-").replace(/^[^a-z0-9]+/, "") || "arkitekt-app";
}

/** Where the tarball of a `file:` spec comes from in the context and goes in the image; undefined for a registry spec. */
function tarballPlacement(cwd: string, spec: string | undefined): { source: string; facts: NonNullable<DockerfileFacts["tarball"]>; vendor: boolean } | undefined {
  if (spec === undefined) {
    throw new UserError(`package.json in ${cwd} does not depend on ${PACKAGE}`, `add it (\`npm install ${PACKAGE}\`, or the tarball while it is unpublished)`);
  }
  if (!spec.startsWith("file:")) return undefined;
  const target = spec.slice("file:".length);
  const source = resolve(cwd, target);
  if (!existsSync(source)) {
    throw new UserError(`package.json installs ${PACKAGE} from ${spec}, but ${source} does not exist`, "fix the path, or install it again (`npm install <path to the tarball>`)");
  }
  if (statSync(source).isDirectory()) {
    throw new UserError(
      `package.json installs ${PACKAGE} from the folder ${source} (${spec}): a Docker build cannot reach a linked folder`,
      `pack it (\`npm pack\` in that folder) and install the tarball (\`npm install ${join(relative(cwd, source) || ".", "arkitekt-next-<version>.tgz")}\`), or install it from the registry`,
    );
  }
  // Where npm resolves the spec inside the image (".." stops at "/", as it does on disk).
  const inImage = isAbsolute(target) ? posix.normalize(target.split(sep).join("/")) : posix.resolve(IMAGE_WORKDIR, target.split(sep).join("/"));
  const inside = relative(cwd, source);
  if (!inside.startsWith("..") && !isAbsolute(inside)) {
    const rel = inside.split(sep).join("/");
    return { source, facts: { from: rel, to: inImage }, vendor: false };
  }
  return { source, facts: { from: `vendor/${basename(source)}`, to: inImage }, vendor: true };
}

/** Writes the Dockerfile and .dockerignore (and vendors the tarball); refuses to overwrite without `force`. */
export function buildDockerFiles(options: BuildOptions): BuildResult {
  const cwd = resolve(options.cwd ?? process.cwd());
  const pkg = readPackageJson(cwd);
  if (!pkg.scripts?.build) {
    throw new UserError(`package.json in ${cwd} has no "build" script: the image compiles the app with \`npm run build\``, 'add "build": "tsc -p tsconfig.json" to its scripts');
  }
  if (!existsSync(join(cwd, "package-lock.json"))) {
    throw new UserError(`no package-lock.json in ${cwd}: the image installs the locked versions with \`npm ci\``, "run `npm install` first, and commit package-lock.json");
  }
  const placement = tarballPlacement(cwd, pkg.dependencies?.[PACKAGE] ?? pkg.devDependencies?.[PACKAGE]);
  const dockerfile = join(cwd, "Dockerfile");
  const dockerignore = join(cwd, ".dockerignore");
  const existing = [dockerfile, dockerignore].filter((file) => existsSync(file));
  if (existing.length > 0 && !options.force) {
    throw new UserError(`${existing.map((file) => relative(cwd, file)).join(" and ")} already exist${existing.length === 1 ? "s" : ""} in ${cwd}`, "pass --force to overwrite, or move them away");
  }
  const name = imageName(pkg, cwd);
  const facts: DockerfileFacts = { imageName: name, nodeImage: options.nodeImage ?? DEFAULT_NODE_IMAGE };
  const result: BuildResult = { written: [], imageName: name };
  if (placement) {
    facts.tarball = placement.facts;
    if (placement.vendor) {
      const to = join(cwd, placement.facts.from);
      mkdirSync(join(cwd, "vendor"), { recursive: true });
      copyFileSync(placement.source, to);
      result.vendored = placement.facts.from;
      result.written.push(to);
    }
  }
  writeFileSync(dockerfile, renderDockerfile(facts));
  writeFileSync(dockerignore, renderDockerignore());
  result.written.push(dockerfile, dockerignore);
  return result;
}

export function buildCommand(): Command {
  return new Command("build")
    .description("write a multi-stage Dockerfile and .dockerignore that serve this app with `run prod`")
    .option("--cwd <dir>", "the app directory (default: the current directory)")
    .option("--node-image <image>", "the default of the Dockerfile's NODE_IMAGE build argument", DEFAULT_NODE_IMAGE)
    .option("--force", "overwrite an existing Dockerfile / .dockerignore")
    .addHelpText(
      "after",
      `
The Dockerfile: stage deps (npm ci --omit=dev, with python3/make/g++ for better-sqlite3), stage build
(npm ci, npm run build), and a final stage on the same slim base without compilers, as the user
"node", with ENTRYPOINT \`arkitekt-next run prod\` and a HEALTHCHECK of \`arkitekt-next health\`.
The base image is the build argument NODE_IMAGE (default ${DEFAULT_NODE_IMAGE}).
Needs package-lock.json and a "build" script in package.json.

While arkitekt-next is installed from a tarball ("file:...tgz"), a tarball outside the app folder is
copied to vendor/ and the Dockerfile places it where the spec resolves inside the image.

Examples:
  $ arkitekt-next build && docker build -t myapp .
  $ docker run -e ARKITEKT_URL=https://platform.example -e ARKITEKT_TOKEN=... myapp
  $ arkitekt-next build --force --node-image node:20-bookworm-slim`,
    )
    .action((options: BuildOptions) => {
      const result = buildDockerFiles(options);
      const cwd = resolve(options.cwd ?? process.cwd());
      for (const file of result.written) process.stdout.write(`wrote ${relative(cwd, file)}\n`);
      process.stdout.write(`next: docker build -t ${result.imageName} . && docker run -e ARKITEKT_URL=... -e ARKITEKT_TOKEN=... ${result.imageName}\n`);
    });
}
