import { GetObjectCommand, PutObjectCommand } from "@aws-sdk/client-s3";
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterEach, describe, expect, it } from "vitest";
import { collectGarbage, startServer, type ServerHandle, type ServerOptions } from "../../../src/server/index.js";
import { ASSIGN, implOf, setupAgent } from "../helpers/fixture.js";
import { TestServer, TEST_TIMING, useTestServer } from "../helpers/server.js";
import { T1, TOKENS } from "../helpers/tokens.js";
import { finishUpload, requestAccess, requestUpload, KEEP_FILE, s3ErrorCode, s3For } from "./helpers.js";

const BIN = fileURLToPath(new URL("../../../bin/arkitekt-next.js", import.meta.url));
const put = (grant: { bucket: string; key: string }, body: string) => new PutObjectCommand({ Bucket: grant.bucket, Key: grant.key, Body: body });
const read = async (s: { url: string }, grant: { bucket: string; key: string; accessKey: string; secretKey: string; sessionToken: string }) =>
  (await s3For(s, grant).send(new GetObjectCommand({ Bucket: grant.bucket, Key: grant.key }))).Body!.transformToString();
const ACCESS = "mutation ($id: String!) { requestMediaAccess(input: {storeId: $id}) { key } }";

describe("issue 14: finishing, discarding and pending stores", () => {
  const server = useTestServer();

  it("issue 14: finishMediaUpload(valid: false) discards the store and deletes its object", async () => {
    const s = server();
    const grant = await requestUpload(s, T1);
    await s3For(s, grant).send(put(grant, "unwanted"));
    const objects = join(s.dataDir, "media", "objects");
    expect(await readdir(objects)).toContain(grant.key);
    await finishUpload(s, T1, grant.store, false);
    expect(await readdir(objects)).not.toContain(grant.key);
    expect((await s.gqlErrors(T1, ACCESS, { id: grant.store }))[0]).toContain("not found");
    // its grant is gone with it
    expect(await s3ErrorCode(s3For(s, grant).send(put(grant, "again")))).toBe("InvalidAccessKeyId");
  });

  it("issue 14: a pending store whose object never arrived is never served as valid", async () => {
    const s = server();
    const grant = await requestUpload(s, T1);
    expect((await s.gqlErrors(T1, ACCESS, { id: grant.store }))[0]).toContain("never uploaded");
    expect((await s.gqlErrors(T1, "mutation ($id: String!) { finishMediaUpload(input: {storeId: $id}) { id } }", { id: grant.store }))[0]).toContain("never uploaded");
    const presign = await fetch(`${s.url}/api/media/presign`, { method: "POST", headers: { authorization: `Bearer ${T1}` }, body: JSON.stringify({ storeId: grant.store, method: "GET" }) });
    expect(presign.status).toBe(400);
    // a half-sent body leaves nothing behind either
    expect(await readdir(join(s.dataDir, "media", "objects"))).toEqual([]);
  });
});

describe("issue 14: durability and garbage", () => {
  const dirs: string[] = [];
  const handles: ServerHandle[] = [];
  afterEach(async () => {
    await Promise.allSettled(handles.splice(0).map((h) => h.close()));
    await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
  });
  const start = async (dataDir: string, extra: Partial<ServerOptions> = {}): Promise<TestServer> => {
    const handle = await startServer({ host: "127.0.0.1", port: 0, tokens: TOKENS, ...TEST_TIMING, ...extra, dataDir });
    handles.push(handle);
    return new TestServer(handle, dataDir, {});
  };
  const tempDir = async (): Promise<string> => {
    const dir = await mkdtemp(join(tmpdir(), "arkitekt-media-"));
    dirs.push(dir);
    return dir;
  };

  it("issue 14: a server restart keeps every finished object (and its store)", async () => {
    const dataDir = await tempDir();
    const first = await start(dataDir);
    const finished = await requestUpload(first, T1, { originalFileName: "kept.txt" });
    await s3For(first, finished).send(put(finished, "still here"));
    await finishUpload(first, T1, finished.store);
    const firstUse = await requestUpload(first, T1);
    await s3For(first, firstUse).send(put(firstUse, "never finished, but uploaded"));
    await first.handle.close();

    const second = await start(dataDir);
    expect(await read(second, await requestAccess(second, T1, finished.store))).toBe("still here");
    expect(await read(second, await requestAccess(second, T1, firstUse.store))).toBe("never finished, but uploaded");
  });

  it("issue 14: garbage collection removes unreferenced, discarded and never-finished stores and keeps one an unfinished task refers to", async () => {
    const dataDir = await tempDir();
    const s = await start(dataDir);
    const upload = async (body: string | null) => {
      const grant = await requestUpload(s, T1);
      if (body !== null) await s3For(s, grant).send(put(grant, body));
      return grant;
    };
    const unreferenced = await upload("nobody needs me");
    await finishUpload(s, T1, unreferenced.store);
    const needed = await upload("a running task needs me");
    const discarded = await upload("discard me");
    await finishUpload(s, T1, discarded.store, false);
    const neverUploaded = await upload(null);
    const fixture = await setupAgent(s, T1, [KEEP_FILE]);
    await s.connectAgent(T1);
    await s.gql(T1, ASSIGN, { input: { implementation: implOf(fixture, "keep_file").id, args: { file: { __identifier: "@arkitekt/file", object: needed.store } } } });
    await s.handle.close();

    // grants are live for an hour: judge them later, as a dry run first
    const later = Date.now() + 2 * 3600_000;
    const dry = await collectGarbage({ dataDir, dryRun: true, now: later });
    expect(dry.stores.map((x) => x.id).sort()).toEqual([unreferenced.store, discarded.store, neverUploaded.store].sort());
    expect(dry.keptForOpenTasks).toEqual([needed.store]);
    expect(dry.bytes).toBe("nobody needs me".length);
    const objects = join(dataDir, "media", "objects");
    expect((await readdir(objects)).sort()).toEqual([unreferenced.key, needed.key].sort());

    const real = await collectGarbage({ dataDir, now: later });
    expect(real.stores.map((x) => x.reason).sort()).toEqual(["discarded", "never finished, and its upload grant expired", "no task refers to it"]);
    expect(real.expiredGrants).toBeGreaterThan(0);
    expect(await readdir(objects)).toEqual([needed.key]);

    // the kept store still serves its object; the collected ones are gone
    const again = await start(dataDir);
    expect(await read(again, await requestAccess(again, T1, needed.store))).toBe("a running task needs me");
    expect((await again.gqlErrors(T1, ACCESS, { id: unreferenced.store }))[0]).toContain("not found");
  });

  it("issue 14: arkitekt-next server --gc [--dry-run] runs the collection on --data and refuses while a server runs there", async () => {
    const dataDir = await tempDir();
    const s = await start(dataDir, { mediaGrantSeconds: 1 });
    const grant = await requestUpload(s, T1);
    await s3For(s, grant).send(put(grant, "collect me"));
    await finishUpload(s, T1, grant.store);
    const run = (args: string[]) => promisify(execFile)(process.execPath, [BIN, "server", ...args], { env: { ...process.env, NO_COLOR: "1" } });
    const busy = await run(["--gc", "--data", dataDir]).then(
      () => null,
      (error: { stderr: string; code: number }) => error,
    );
    expect(busy?.code).toBe(1);
    expect(busy?.stderr).toContain("a server is running on this data folder");
    await s.handle.close();
    await new Promise((resolve) => setTimeout(resolve, 1_100));

    const dry = await run(["--gc", "--dry-run", "--data", dataDir]);
    expect(dry.stdout).toContain("(dry run: nothing removed): would remove 1 store(s)");
    expect(dry.stdout).toContain(`${grant.store}  lab  finished  10 bytes  (no task refers to it)`);
    expect(existsSync(join(dataDir, "media", "objects", grant.key))).toBe(true);
    const real = await run(["--gc", "--data", dataDir]);
    expect(real.stdout).toContain("removed 1 store(s)");
    expect(existsSync(join(dataDir, "media", "objects", grant.key))).toBe(false);
  });
});
