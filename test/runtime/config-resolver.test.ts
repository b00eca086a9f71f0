/**
 * One rule for where the platform URL and token come from (issue 10, "One rule per concern"):
 * options/flags and the environment combine field by field, arkitekt.json's URL ranks below the
 * environment and never brings a token, the dev-token file supplies both or neither, and anything
 * partial is a PlatformConfigError naming what is missing and where each piece came from. The same
 * rule holds in `createClient()` and `connect()` against the real embedded server.
 */
import { FaktsError } from "../../src/runtime/fakts.js";
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  PlatformConfigError,
  findPlatformConfig,
  resolvePlatformConfig,
  type PlatformConfigInput,
} from "../../src/runtime/config.js";
import { connect, type AgentHandle } from "../../src/runtime/agent/index.js";
import { createClient } from "../../src/runtime/caller/index.js";
import { call, closeDefaultClient } from "../../src/runtime/caller/default-client.js";
import { startServer, type ServerHandle } from "../../src/server/index.js";
import { registry } from "../fixtures/runtime/registry.js";

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "arkitekt-config-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function devTokenFile(name: string, content: unknown): Promise<string> {
  const file = join(dir, `${name}.json`);
  await writeFile(file, typeof content === "string" ? content : JSON.stringify(content));
  return file;
}

async function refused(input: PlatformConfigInput): Promise<PlatformConfigError> {
  const error = await resolvePlatformConfig(input).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(PlatformConfigError);
  return error as PlatformConfigError;
}

describe("the resolver's rules", () => {
  it("combines explicit values and the environment field by field, explicit first", async () => {
    const config = await resolvePlatformConfig({ url: "http://a.example:8080/", env: { ARKITEKT_URL: "http://b.example", ARKITEKT_TOKEN: "env-token" }, devTokenFile: false });
    expect(config).toMatchObject({ url: "http://a.example:8080", token: "env-token", urlFrom: "the url option", tokenFrom: "ARKITEKT_TOKEN" });
    const flags = await resolvePlatformConfig({ token: "flag-token", explicit: "flag", env: { ARKITEKT_URL: "http://b.example", ARKITEKT_TOKEN: "env-token" }, devTokenFile: false });
    expect(flags).toMatchObject({ url: "http://b.example", token: "flag-token", urlFrom: "ARKITEKT_URL", tokenFrom: "the --token flag" });
  });

  it("treats empty values as absent", async () => {
    const config = await resolvePlatformConfig({ url: "", token: "", env: { ARKITEKT_URL: "http://b.example", ARKITEKT_TOKEN: "t" }, devTokenFile: false });
    expect(config).toMatchObject({ urlFrom: "ARKITEKT_URL", tokenFrom: "ARKITEKT_TOKEN" });
  });

  it("ranks arkitekt.json's URL below the environment and never takes a token from it", async () => {
    const configUrl = { url: "http://config.example", from: "actions.url in arkitekt.json" };
    expect(await resolvePlatformConfig({ configUrl, env: { ARKITEKT_URL: "http://env.example", ARKITEKT_TOKEN: "t" }, devTokenFile: false })).toMatchObject({ url: "http://env.example" });
    expect(await resolvePlatformConfig({ configUrl, env: { ARKITEKT_TOKEN: "t" }, devTokenFile: false })).toMatchObject({
      url: "http://config.example",
      urlFrom: "actions.url in arkitekt.json",
    });
    const error = await refused({ configUrl, env: {}, devTokenFile: false });
    expect(error.problem).toBe("NO_TOKEN");
    expect(error.message).toBe("the platform URL http://config.example (from actions.url in arkitekt.json) has no token");
  });

  it("takes both URL and token from the dev-token file when nothing else names a platform", async () => {
    const file = await devTokenFile("both", { url: "http://127.0.0.1:4567", token: "dev-token" });
    const config = await resolvePlatformConfig({ env: {}, devTokenFile: file });
    expect(config).toEqual({ url: "http://127.0.0.1:4567", token: "dev-token", urlFrom: file, tokenFrom: file, devTokenFile: file });
  });

  it("completes a URL from the dev-token file only when the URL is the file's own", async () => {
    const file = await devTokenFile("own", { url: "http://127.0.0.1:4567", token: "dev-token" });
    const same = await resolvePlatformConfig({ env: { ARKITEKT_URL: "http://127.0.0.1:4567/" }, devTokenFile: file });
    expect(same).toMatchObject({ token: "dev-token", urlFrom: "ARKITEKT_URL", tokenFrom: file });
    const error = await refused({ url: "http://lab.example", explicit: "flag", env: {}, devTokenFile: file });
    expect(error.problem).toBe("NO_TOKEN");
    expect(error.message).toBe(
      `the platform URL http://lab.example (from the --url flag) has no token; ${file} holds the token of http://127.0.0.1:4567, which is not sent to another platform`,
    );
    expect(error.hint).toContain("pass --token or set ARKITEKT_TOKEN");
  });

  it("never takes the URL alone from the dev-token file", async () => {
    const file = await devTokenFile("url-only", { url: "http://127.0.0.1:4567", token: "dev-token" });
    const error = await refused({ env: { ARKITEKT_TOKEN: "mine" }, devTokenFile: file });
    expect(error.problem).toBe("NO_URL");
    expect(error.message).toBe("a token was given (from ARKITEKT_TOKEN) but no platform URL");
    expect(error.hint).toContain("pass --url or set ARKITEKT_URL");
  });

  it("refuses a dev-token file without both fields, naming the file", async () => {
    const file = await devTokenFile("half", { url: "http://127.0.0.1:4567" });
    const error = await refused({ env: {}, devTokenFile: file });
    expect(error.problem).toBe("BAD_DEV_TOKEN_FILE");
    expect(error.message).toBe(`the dev-token file ${file} does not hold {"url": ..., "token": ...}`);
    const broken = await refused({ env: {}, devTokenFile: await devTokenFile("broken", "{not json") });
    expect(broken.problem).toBe("BAD_DEV_TOKEN_FILE");
  });

  it("says every place it looked when nothing names a platform", async () => {
    const missing = join(dir, "nowhere", "dev-token.json");
    expect(await findPlatformConfig({ env: {}, devTokenFile: missing })).toBeUndefined();
    const error = await refused({ explicit: "flag", env: {}, devTokenFile: missing });
    expect(error.problem).toBe("NOTHING");
    expect(error.message).toBe(`no platform URL and token: no --url/--token, no ARKITEKT_URL/ARKITEKT_TOKEN, no dev-token file at ${missing}`);
  });

  it("names where a URL that is not http(s) came from", async () => {
    const error = await refused({ env: { ARKITEKT_URL: "127.0.0.1:8080", ARKITEKT_TOKEN: "t" }, devTokenFile: false });
    expect(error.problem).toBe("BAD_URL");
    expect(error.message).toBe('the platform URL "127.0.0.1:8080" (from ARKITEKT_URL) is not an http(s) URL');
  });

  it("loads node:fs only when it reads the dev-token file (so createClient works in a browser)", async () => {
    const source = await readFile(resolve(import.meta.dirname, "../../src/runtime/config.ts"), "utf8");
    const staticImports = [...source.matchAll(/^import\s[^;]*?from\s+"([^"]+)"/gm)].map((m) => m[1]);
    // only the browser-safe kit of src/shared/ (test/shared/kit.test.ts checks it loads no node: module)
    expect(staticImports.filter((specifier) => !specifier?.startsWith("../shared/"))).toEqual([]);
    expect(source).toContain('await import("node:fs/promises")');
  });
});

describe("createClient and connect use the resolver", () => {
  let server: ServerHandle;
  let dataDir: string;
  let file: string;
  let agent: AgentHandle;
  const saved = { url: process.env.ARKITEKT_URL, token: process.env.ARKITEKT_TOKEN };

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), "arkitekt-config-server-"));
    // No tokens: the server makes a dev identity and writes <dataDir>/dev-token.json.
    server = await startServer({ host: "127.0.0.1", port: 0, dataDir, heartbeatIntervalMs: 200, heartbeatTimeoutMs: 400, staleAfterMs: 1500, graceMs: 0 });
    file = join(dataDir, "dev-token.json");
    delete process.env.ARKITEKT_URL;
    delete process.env.ARKITEKT_TOKEN;
    agent = await connect({ registry, devTokenFile: file });
  });

  afterEach(() => {
    delete process.env.ARKITEKT_URL;
    delete process.env.ARKITEKT_TOKEN;
  });

  afterAll(async () => {
    await closeDefaultClient();
    await agent?.close();
    await server?.close();
    await rm(dataDir, { recursive: true, force: true });
    if (saved.url !== undefined) process.env.ARKITEKT_URL = saved.url;
    if (saved.token !== undefined) process.env.ARKITEKT_TOKEN = saved.token;
  });

  const addHash = () => agent.implementations.add!.actionHash;

  it("connect() without url and token registers with the dev server's token file", () => {
    expect(agent.agentId).not.toBe("");
    expect(agent.implementations.add).toBeDefined();
  });

  it("createClient() without options takes ARKITEKT_URL and ARKITEKT_TOKEN (it threw a TypeError)", async () => {
    process.env.ARKITEKT_URL = server.url;
    process.env.ARKITEKT_TOKEN = server.devToken!;
    const client = createClient();
    try {
      await expect(client.call(addHash(), { a: 40 })).resolves.toEqual({ return0: 42 });
    } finally {
      await client.close();
    }
  });

  it("createClient() combines a url option with ARKITEKT_TOKEN", async () => {
    process.env.ARKITEKT_TOKEN = server.devToken!;
    const client = createClient({ url: server.url, devTokenFile: false });
    try {
      await expect(client.call(addHash(), { a: 1, b: 1 })).resolves.toEqual({ return0: 2 });
    } finally {
      await client.close();
    }
  });

  it("createClient() with neither falls back to the dev-token file", async () => {
    const client = createClient({ devTokenFile: file });
    try {
      await expect(client.call(addHash(), { a: 2 })).resolves.toEqual({ return0: 4 });
      const streamed: unknown[] = [];
      for await (const value of client.iterate(addHash(), { a: 3 })) streamed.push(value);
      expect(streamed).toEqual([{ return0: 5 }]);
    } finally {
      await client.close();
    }
  });

  it("createClient() with nothing configured rejects the call with PlatformConfigError, not a TypeError", async () => {
    const client = createClient({ devTokenFile: join(dataDir, "absent.json") });
    try {
      const error = (await client.call(addHash(), { a: 1 }).catch((e: unknown) => e)) as PlatformConfigError;
      expect(error).toBeInstanceOf(PlatformConfigError);
      expect(error.code).toBe("ARKITEKT_PLATFORM_CONFIG");
      expect(error.message).toContain("no platform URL and token");
      const iterated = await (async () => {
        for await (const _ of client.iterate(addHash(), { a: 1 })) void _;
      })().catch((e: unknown) => e);
      expect(iterated).toBeInstanceOf(PlatformConfigError);
    } finally {
      await client.close();
    }
  });

  it("call() without a client uses the same rule (ARKITEKT_URL with the token of the dev server's file at that URL)", async () => {
    await closeDefaultClient();
    process.env.ARKITEKT_URL = server.url;
    const cwd = process.cwd();
    // The default client reads .arkitekt/dev/dev-token.json under the working directory.
    const project = await mkdtemp(join(tmpdir(), "arkitekt-config-project-"));
    try {
      await mkdir(join(project, ".arkitekt", "dev"), { recursive: true });
      await copyFile(file, join(project, ".arkitekt", "dev", "dev-token.json"));
      process.chdir(project);
      await expect(call(addHash(), { a: 5 })).resolves.toEqual({ return0: 7 });
    } finally {
      process.chdir(cwd);
      await closeDefaultClient();
      await rm(project, { recursive: true, force: true });
    }
  });

  it("connect() with only ARKITEKT_URL names the missing token and where the URL came from", async () => {
    process.env.ARKITEKT_URL = "http://127.0.0.1:1";
    // without a fakts login (fakts: false) a URL without a token is the resolver's error
    const error = (await connect({ registry, devTokenFile: false, fakts: false }).catch((e: unknown) => e)) as PlatformConfigError;
    expect(error).toBeInstanceOf(PlatformConfigError);
    expect(error.problem).toBe("NO_TOKEN");
    expect(error.message).toBe("the platform URL http://127.0.0.1:1 (from ARKITEKT_URL) has no token");
    // issue 17: by default it is a deployment to log in to; that failing says both
    const login = (await connect({ registry, devTokenFile: false, fakts: { cacheDir: false } }).catch((e: unknown) => e)) as FaktsError;
    expect(login).toBeInstanceOf(FaktsError);
    expect(login.problem).toBe("UNREACHABLE");
    expect(login.message).toMatch(/^the platform URL http:\/\/127\.0\.0\.1:1 \(from ARKITEKT_URL\) has no token, and logging in there failed: could not reach the deployment at http:\/\/127\.0\.0\.1:1/);
    expect(login.hint).toContain("--token");
  });
});
