/**
 * Review findings on the fakts endpoints (issue 17): an app approving its own device code, clients
 * of an earlier dev identity getting tokens under a static token map, and unbounded client rows.
 * Each test was a reproduction that passed (showed the flaw) before the fix.
 */
import { request as httpRequest } from "node:http";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterEach, beforeEach, expect, it } from "vitest";
import { startServer, type ServerHandle, type ServerOptions } from "../../src/server/index.js";
import type { Logger } from "../../src/shared/logger.js";
import { TEST_TIMING } from "./helpers/server.js";

let dir = "";
const handles: ServerHandle[] = [];
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "arkitekt-fakts-review-"));
});
afterEach(async () => {
  for (const h of handles.splice(0)) await h.close();
  await rm(dir, { recursive: true, force: true });
});

async function start(options: Partial<ServerOptions> = {}): Promise<ServerHandle> {
  const handle = await startServer({ host: "127.0.0.1", port: 0, ...TEST_TIMING, ...options, dataDir: dir });
  handles.push(handle);
  return handle;
}

function raw(url: string, method: string, body: string | undefined, headers: Record<string, string>): Promise<{ status: number; text: string; json: () => any }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (chunk: Buffer) => chunks.push(chunk));
      res.on("end", () => {
        const text = Buffer.concat(chunks).toString("utf8");
        resolve({ status: res.statusCode ?? 0, text, json: () => JSON.parse(text) });
      });
    });
    req.on("error", reject);
    req.end(body);
  });
}
const JSON_HEADERS = { "content-type": "application/json" };
const FORM_HEADERS = { "content-type": "application/x-www-form-urlencoded" };
const postJson = (url: string, body: unknown) => raw(url, "POST", JSON.stringify(body), JSON_HEADERS);
const manifest = (identifier = "py-app", extra: Record<string, unknown> = {}) => ({
  version: "0.1.0",
  identifier,
  scopes: ["openid"],
  requirements: [{ key: "rekuest", service: "live.arkitekt.rekuest", optional: false }],
  node_id: "n1",
  ...extra,
});

it("fakts review: an app cannot approve its own device code; only the approval link the server logs (with its key) can", async () => {
  const lines: string[] = [];
  const logger: Logger = { debug() {}, info: (m: string) => lines.push(m), warn() {}, error() {} };
  const h = await start({ autoApproveLocal: false, logger });
  const code = (await postJson(`${h.url}/f/start/`, { manifest: manifest() })).json().code as string;
  expect((await postJson(`${h.url}/f/challenge/`, { code })).json().status).toBe("pending");

  // what the app can do with the code alone: fetch the page, scrape a hidden field, post it
  const page = await raw(`${h.url}/configure/${code}`, "GET", undefined, {});
  expect(page.status).toBe(403);
  expect(page.text).toContain("Open the link the arkitekt-next server printed");
  expect(page.text).not.toMatch(/name="(csrf|key)" value=/);
  const guessed = await raw(`${h.url}/configure/${code}?key=guess`, "GET", undefined, {});
  expect(guessed.status).toBe(403);
  for (const field of ["csrf", "key"]) {
    const posted = await raw(`${h.url}/configure/${code}`, "POST", new URLSearchParams({ [field]: "", decision: "approve" }).toString(), FORM_HEADERS);
    expect(posted.status).toBe(403);
  }
  expect((await postJson(`${h.url}/f/challenge/`, { code })).json().status).toBe("pending");

  // the operator's link: logged at info, and on the handle
  const logged = lines.find((l) => l.includes(`${h.url}/configure/${code}?key=`));
  expect(logged).toBeTruthy();
  const link = /(http:\/\/\S+\?key=\S+)/.exec(logged!)![1]!;
  expect(h.approvalLinks()).toEqual([link]);
  const own = await raw(link, "GET", undefined, {});
  expect(own.status).toBe(200);
  const key = /name="key" value="([^"]+)"/.exec(own.text)![1]!;
  const approved = await raw(`${h.url}/configure/${code}`, "POST", new URLSearchParams({ key, decision: "approve" }).toString(), FORM_HEADERS);
  expect(approved.status).toBe(303);
  expect((await postJson(`${h.url}/f/challenge/`, { code })).json().status).toBe("granted");
  expect(h.approvalLinks()).toEqual([]);
});

it("fakts review: under a static token map, clients approved for the old dev identity get no tokens and their tokens no longer authenticate", async () => {
  const dev = await startServer({ host: "127.0.0.1", port: 0, ...TEST_TIMING, dataDir: dir });
  const code = (await postJson(`${dev.url}/f/start/`, { manifest: manifest() })).json().code as string;
  const claimToken = (await postJson(`${dev.url}/f/challenge/`, { code })).json().token as string;
  const auth = (await postJson(`${dev.url}/f/claim/`, { token: claimToken })).json().config.auth;
  const form = new URLSearchParams({ grant_type: "client_credentials", client_id: auth.client_id, client_secret: auth.client_secret }).toString();
  const issued = (await raw(`${dev.url}/o/token/`, "POST", form, FORM_HEADERS)).json().access_token as string;
  expect(issued).toBeTruthy();
  await dev.close();

  // the operator locks the server down to a token map
  const locked = await start({ tokens: { "only-this-token": { sub: "alice", active_org: "lab" } } });
  const minted = await raw(`${locked.url}/o/token/`, "POST", form, FORM_HEADERS);
  expect(minted.status).toBe(401);
  expect(minted.json()).toEqual({ error: "invalid_client", error_description: expect.stringContaining("static token map") });
  const query = JSON.stringify({ query: `mutation { ensureAgent(input: {name: "x"}) { id } }` });
  const gql = await raw(locked.graphqlUrl, "POST", query, { ...JSON_HEADERS, authorization: `Bearer ${issued}` });
  expect(gql.status).toBe(403);
});

it("fakts review: a client stored for another dev identity than the current one gets no tokens", async () => {
  const dev = await start();
  const code = (await postJson(`${dev.url}/f/start/`, { manifest: manifest() })).json().code as string;
  const claimToken = (await postJson(`${dev.url}/f/challenge/`, { code })).json().token as string;
  const auth = (await postJson(`${dev.url}/f/claim/`, { token: claimToken })).json().config.auth;
  const form = new URLSearchParams({ grant_type: "client_credentials", client_id: auth.client_id, client_secret: auth.client_secret }).toString();
  const issued = (await raw(`${dev.url}/o/token/`, "POST", form, FORM_HEADERS)).json().access_token as string;
  await dev.close();
  handles.length = 0;
  // the stored owner is another identity's (as after the dev identity changed)
  const db = new Database(join(dir, "rekuest.sqlite3"));
  db.prepare("UPDATE fakts_client SET owner = ?").run(JSON.stringify({ sub: "someone-else", active_org: "other" }));
  db.close();

  const again = await start();
  const minted = await raw(`${again.url}/o/token/`, "POST", form, FORM_HEADERS);
  expect(minted.status).toBe(401);
  expect(minted.json().error_description).toContain("another dev identity");
  const query = JSON.stringify({ query: `mutation { ensureAgent(input: {name: "x"}) { id } }` });
  expect((await raw(again.graphqlUrl, "POST", query, { ...JSON_HEADERS, authorization: `Bearer ${issued}` })).status).toBe(403);
});

it("fakts review: /f/start/ stores only the known manifest fields, and no more clients than maxFaktsClients (re-registering still works)", async () => {
  const h = await start({ maxFaktsClients: 3 });
  const filler = "x".repeat(20_000);
  for (let i = 0; i < 3; i++) {
    const started = (await postJson(`${h.url}/f/start/`, { manifest: manifest(`junk-${i}`, { extra: filler }) })).json();
    expect(started.status).toBe("granted");
  }
  const refused = (await postJson(`${h.url}/f/start/`, { manifest: manifest("junk-3") })).json();
  expect(refused).toEqual({ status: "error", error: expect.stringContaining("maxFaktsClients") });
  // an existing app, version and machine re-registers
  const again = (await postJson(`${h.url}/f/start/`, { manifest: manifest("junk-0") })).json();
  expect(again.status).toBe("granted");
  expect((await postJson(`${h.url}/f/challenge/`, { code: again.code })).json().status).toBe("granted");
  await h.close();
  handles.length = 0;

  const db = new Database(join(dir, "rekuest.sqlite3"), { readonly: true, fileMustExist: true });
  const rows = db.prepare("SELECT manifest FROM fakts_client").all() as { manifest: string }[];
  db.close();
  expect(rows).toHaveLength(3);
  for (const row of rows) {
    expect(row.manifest).not.toContain("extra");
    expect(row.manifest.length).toBeLessThan(1000);
  }
});

it("review: the server's data folder (its store holds client secrets and claim tokens) is entered by its owner only, an existing one tightened too", async () => {
  const { stat, mkdir } = await import("node:fs/promises");
  const parent = await mkdtemp(join(tmpdir(), "arkitekt-data-mode-"));
  const dataDir = join(parent, "data");
  await mkdir(dataDir, { mode: 0o755 });
  const handle = await startServer({ dataDir, port: 0 });
  try {
    expect((await stat(dataDir)).mode & 0o777).toBe(0o700);
  } finally {
    await handle.close();
    await rm(parent, { recursive: true, force: true });
  }
});
