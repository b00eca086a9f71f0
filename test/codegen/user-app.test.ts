/**
 * The package installed into someone else's project: `npm pack` the repo, unpack it into a
 * temporary app's node_modules (its own dependencies resolve from this repo's node_modules, so
 * nothing is installed again), run the installed `arkitekt-next gen`, compile with tsc --strict,
 * and run the generated registry.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, realpathSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { beforeAll, describe, expect, it } from "vitest";
import { REPO } from "./helpers.js";

let app: string;

const appFiles: Record<string, string> = {
  "package.json": JSON.stringify({ name: "user-app", private: true, type: "module", dependencies: { "arkitekt-next": "*" } }, null, 2),
  "tsconfig.json": JSON.stringify(
    {
      compilerOptions: {
        target: "ES2022",
        module: "NodeNext",
        moduleResolution: "NodeNext",
        strict: true,
        skipLibCheck: true,
        noEmit: true,
        types: ["node"],
        typeRoots: ["./node_modules/arkitekt-next/node_modules/@types"],
      },
      include: ["src/**/*.ts", "generated/**/*.ts"],
    },
    null,
    2,
  ),
  "src/volume.ts": `import { register, type Int, type Structure } from "arkitekt-next";

export class Volume implements Structure<string> {
  static identifier = "@user/volume";
  constructor(readonly id: string) {}
  shrink(): string { return this.id; }
  static expand(ref: string): Volume { return new Volume(ref); }
}

export enum Axis { X = "x", Y = "y", Z = "z" }

/**
 * Project a volume along an axis.
 * @param volume The volume
 * @param axis Along which axis
 */
export const project = register(function project(volume: Volume, axis: Axis = Axis.Z, slices: Int[] = []): Volume {
  return new Volume(volume.id + ":" + axis + slices.join(","));
});
`,
  // The app also calls the platform through its own generated GraphQL client, which imports the
  // transport from the installed package ("arkitekt-next", the default clientImport).
  "codegen.yml": `schema: node_modules/arkitekt-next/schemas/rekuest.graphql
documents: graphql/*.graphql
generates:
  generated/api/rekuest.ts:
    plugins: [typescript-operations, typed-document-node, arkitekt-next]
`,
  "graphql/agents.graphql": `query MyAgents {
  agents {
    id
    name
    connected
  }
}
`,
  "src/platform.ts": `import { createGraphQLClient } from "arkitekt-next";
import { myAgents } from "../generated/api/rekuest.js";

export async function agentNames(url: string, token: string): Promise<string[]> {
  const agents = await myAgents(createGraphQLClient({ url, token }));
  return agents.map((agent) => agent.name);
}
`,
  "run.ts": `import { registry } from "./generated/registry.js";
const entry = registry.entries["project"]!;
const args = await entry.expandArgs(entry.parseArgs({ volume: { __identifier: "@user/volume", object: "v1" }, axis: "Y" }));
const out = await entry.shrinkReturns(await (entry.fn as (...a: unknown[]) => unknown)(...args));
console.log(JSON.stringify(out));
`,
};

beforeAll(() => {
  const root = realpathSync(mkdtempSync(join(tmpdir(), "ark-user-app-")));
  const packed = JSON.parse(
    execFileSync("npm", ["pack", "--ignore-scripts", "--json", "--pack-destination", root], { cwd: REPO, encoding: "utf8" }),
  ) as Array<{ filename: string }>;
  app = join(root, "app");
  const pkg = join(app, "node_modules", "arkitekt-next");
  mkdirSync(pkg, { recursive: true });
  execFileSync("tar", ["-xzf", join(root, packed[0]!.filename), "-C", pkg, "--strip-components=1"]);
  symlinkSync(join(REPO, "node_modules"), join(pkg, "node_modules"), "dir");
  for (const [path, content] of Object.entries(appFiles)) {
    mkdirSync(join(app, path, ".."), { recursive: true });
    writeFileSync(join(app, path), content);
  }
}, 120_000);

describe("a user app with arkitekt-next installed", () => {
  it("runs the installed gen, compiles strict, and serves through the generated registry", () => {
    const gen = spawnSync(process.execPath, [join(app, "node_modules/arkitekt-next/bin/arkitekt-next.js"), "gen"], { cwd: app, encoding: "utf8" });
    expect(gen.stderr).toBe("");
    expect(gen.status).toBe(0);
    expect(gen.stdout).toContain("wrote generated/registry.ts");
    expect(existsSync(join(app, "generated/definitions.json"))).toBe(true);
    expect(gen.stdout).toContain("wrote generated/api/rekuest.ts");

    const tsc = spawnSync(process.execPath, [join(REPO, "node_modules/typescript/bin/tsc"), "-p", join(app, "tsconfig.json")], { encoding: "utf8" });
    expect(`${tsc.stdout}${tsc.stderr}`).toBe("");
    expect(tsc.status).toBe(0);

    const run = spawnSync(process.execPath, ["--import", pathToFileURL(join(REPO, "node_modules/tsx/dist/loader.mjs")).href, "run.ts"], {
      cwd: app,
      encoding: "utf8",
    });
    expect(run.stderr).toBe("");
    expect(JSON.parse(run.stdout)).toEqual({ return0: { __identifier: "@user/volume", object: "v1:y" } });
  });
});
