/**
 * Issue 10 #6: a wrong URL or token is the user's mistake, not our bug. Every CLI path that talks
 * to the platform (call by key and by app/key, run dev, gen --refresh-actions) exits 1 with a
 * message naming the URL or token that failed and where it came from (flag, environment,
 * dev-token file), never "internal error" with a stack (exit 70). The binary runs as a child
 * process (needs `npm run build`); the wrong-token cases run against a real embedded server.
 */
import { execFile } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../server/helpers/server.js";
import { T1 } from "../server/helpers/tokens.js";

const root = resolve(import.meta.dirname, "..", "..");
const bin = join(root, "bin", "arkitekt-next.js");
const app = join(root, "examples", "app");

interface Result {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the CLI without blocking this process (the in-process server must keep answering). */
function cli(args: string[], env: NodeJS.ProcessEnv = {}, cwd = root): Promise<Result> {
  return new Promise((resolveRun) => {
    execFile(
      process.execPath,
      [bin, ...args],
      { cwd, encoding: "utf8", timeout: 30_000, env: { ...process.env, ARKITEKT_URL: "", ARKITEKT_TOKEN: "", NO_COLOR: "1", ...env } },
      (error, stdout, stderr) => {
        const status = error ? (typeof error.code === "number" ? error.code : null) : 0;
        resolveRun({ status, stdout, stderr });
      },
    );
  });
}

/** A user error: exit 1, an `error:` line and a hint, no stack, no "internal error". */
function expectUserError(result: Result, message: string | RegExp): void {
  expect(result.stderr).not.toContain("internal error");
  expect(result.stderr).not.toMatch(/\n\s+at /);
  if (typeof message === "string") expect(result.stderr).toContain(`error: ${message}`);
  else expect(result.stderr).toMatch(message);
  expect(result.stderr).toContain("hint: ");
  expect(result.status).toBe(1);
}

/** A port nothing listens on: bound, then released. */
async function refusedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
  const { port } = server.address() as { port: number };
  await new Promise<void>((done) => server.close(() => done()));
  return port;
}

let dir: string;
let refusedUrl: string;
let server: TestServer;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "arkitekt-cli-net-"));
  refusedUrl = `http://127.0.0.1:${await refusedPort()}`;
  server = await startTestServer();
});

afterAll(async () => {
  await server?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("issue 10 #6: call with a wrong URL or token is a user error naming it", () => {
  it("a refused --url names the URL and the flag (key lookup and app/key assign)", async () => {
    const byKey = await cli(["call", "--url", refusedUrl, "--token", "t", "add", "a=1"]);
    expectUserError(byKey, `could not reach the platform at ${refusedUrl} (URL from the --url flag): connection refused (ECONNREFUSED)`);
    const byApp = await cli(["call", "--url", refusedUrl, "--token", "t", "app/add", "a=1"]);
    expectUserError(byApp, `could not reach the platform at ${refusedUrl} (URL from the --url flag): connection refused (ECONNREFUSED)`);
  });

  it("issue 18: a port fetch would refuse (http://127.0.0.1:9) is tried, and nothing listening there is a user error", async () => {
    const result = await cli(["call", "--url", "http://127.0.0.1:9", "--token", "t", "add", "a=1"]);
    expectUserError(result, "could not reach the platform at http://127.0.0.1:9 (URL from the --url flag): connection refused (ECONNREFUSED)");
  });

  it("an unknown host name from ARKITEKT_URL names the variable", async () => {
    const result = await cli(["call", "app/add", "a=1"], { ARKITEKT_URL: "http://no-such-host.invalid:8080", ARKITEKT_TOKEN: "t" });
    expectUserError(result, /error: could not reach the platform at http:\/\/no-such-host\.invalid:8080 \(URL from ARKITEKT_URL\): (no such host|the host name could not be looked up)/);
  });

  it("a token the platform refuses names the token's origin (401 from a real server)", async () => {
    const byFlag = await cli(["call", "--url", server.url, "--token", "wrong", "add", "a=1"]);
    expectUserError(byFlag, `the platform at ${server.url} refused the token from the --token flag: Authentication required`);
    expect(byFlag.stderr).toContain("hint: pass a valid token with --token or ARKITEKT_TOKEN");
    const byEnv = await cli(["call", "--url", server.url, "app-one/add", "a=1"], { ARKITEKT_TOKEN: "wrong" });
    expectUserError(byEnv, `the platform at ${server.url} refused the token from ARKITEKT_TOKEN`);
  });

  it("a URL that is not a platform says so", async () => {
    const result = await cli(["call", "--url", `${server.url}/elsewhere`, "--token", T1, "app-one/add", "a=1"]);
    expectUserError(result, `${server.url}/elsewhere (URL from the --url flag) does not answer like an arkitekt platform: HTTP 404`);
  });

  it("a dev-token file whose server stopped says the dev server is not running", async () => {
    const data = join(dir, "stale");
    mkdirSync(data);
    writeFileSync(join(data, "dev-token.json"), JSON.stringify({ url: refusedUrl, token: "dev-x" }));
    const result = await cli(["call", "--data", data, "add", "a=1"]);
    const file = join(data, "dev-token.json");
    expectUserError(result, `could not reach the platform at ${refusedUrl} (URL from ${file}): connection refused`);
    expect(result.stderr).toContain(`hint: the dev server that wrote ${file} is not running`);
  });

  it("a partial configuration names what is missing and where the other half came from", async () => {
    const data = join(dir, "other");
    mkdirSync(data);
    writeFileSync(join(data, "dev-token.json"), JSON.stringify({ url: "http://127.0.0.1:4567", token: "dev-x" }));
    const urlOnly = await cli(["call", "--data", data, "--url", refusedUrl, "add"]);
    expectUserError(
      urlOnly,
      `the platform URL ${refusedUrl} (from the --url flag) has no token; ${join(data, "dev-token.json")} holds the token of http://127.0.0.1:4567`,
    );
    const tokenOnly = await cli(["call", "--data", data, "add"], { ARKITEKT_TOKEN: "t" });
    expectUserError(tokenOnly, "a token was given (from ARKITEKT_TOKEN) but no platform URL");
  });
});

describe("issue 10 #6: run dev and gen with a wrong URL or token", () => {
  it("run dev with a refused --url names the URL and the flag", async () => {
    const result = await cli(["run", "dev", "--cwd", app, "--no-gen", "--data", join(dir, "run-data"), "--url", refusedUrl, "--token", "t"]);
    expectUserError(result, `could not reach the platform at ${refusedUrl} (URL from the --url flag): connection refused`);
  });

  it("run dev with a refused token names the token's origin", async () => {
    const result = await cli(["run", "dev", "--cwd", app, "--no-gen", "--data", join(dir, "run-data"), "--url", server.url], { ARKITEKT_TOKEN: "wrong" });
    expectUserError(result, `the platform at ${server.url} refused the token from ARKITEKT_TOKEN`);
  });

  it("gen --refresh-actions with a refused ARKITEKT_URL or a refused token names it", async () => {
    const project = join(dir, "project");
    mkdirSync(project);
    writeFileSync(join(project, "arkitekt.json"), JSON.stringify({ functions: false, graphql: false, actions: { select: [{ app: "app-one" }] } }));
    const unreachable = await cli(["gen", "--refresh-actions", "--cwd", project], { ARKITEKT_URL: refusedUrl, ARKITEKT_TOKEN: "t" });
    expect(unreachable.status).toBe(1);
    expect(unreachable.stderr).not.toContain("internal error");
    expect(unreachable.stderr).toContain(`cannot refresh the actions: could not reach the platform at ${refusedUrl} (URL from ARKITEKT_URL): connection refused`);
    const wrongToken = await cli(["gen", "--refresh-actions", "--cwd", project], { ARKITEKT_URL: server.url, ARKITEKT_TOKEN: "wrong" });
    expect(wrongToken.status).toBe(1);
    expect(wrongToken.stderr).toContain(`cannot refresh the actions: the platform at ${server.url} refused the token from ARKITEKT_TOKEN`);
    const partial = await cli(["gen", "--refresh-actions", "--cwd", project], { ARKITEKT_URL: server.url });
    expect(partial.status).toBe(1);
    expect(partial.stderr).toContain(`cannot refresh the actions: the platform URL ${server.url} (from ARKITEKT_URL) has no token`);
  });

  it("gen with a codegen.yml schema URL that refuses names the URL", async () => {
    const project = join(dir, "schema-project");
    mkdirSync(project);
    mkdirSync(join(project, "graphql"));
    writeFileSync(join(project, "graphql", "q.graphql"), "query Q { __typename }\n");
    writeFileSync(
      join(project, "codegen.yml"),
      `schema: ${refusedUrl}/graphql\ndocuments: graphql/*.graphql\ngenerates:\n  generated/api/q.ts:\n    plugins: [typescript-operations, typed-document-node, arkitekt-next]\n`,
    );
    const result = await cli(["gen", "--cwd", project]);
    expect(result.status).toBe(1);
    expect(result.stderr).not.toContain("internal error");
    expect(result.stderr).toContain(`could not load the schema from ${refusedUrl}/graphql: ECONNREFUSED`);
  });
});
