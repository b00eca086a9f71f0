/**
 * Issue 14: files in the web UI, in Debian's chromium against the real embedded server and its
 * media store, with the File fixture app's agent in this process: a File port's picker uploads
 * through a presigned same-origin URL (requestMediaUpload, POST /api/media/presign, PUT with
 * progress, finishMediaUpload), and a returned file is a download link under its original name
 * whose bytes are the derived file's. The page's bundle holds no AWS SDK.
 */
import { randomBytes } from "node:crypto";
import { mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Page } from "playwright-core";
import { connect, type AgentHandle } from "../../src/runtime/agent/index.js";
import { startRuntimeServer, type RuntimeServer } from "../fixtures/runtime/harness.js";
import { AGENT_TOKEN, CALLER_TOKEN } from "../fixtures/runtime/tokens.js";

/** Heartbeats a busy CI machine keeps up with (the runtime tests' FAST_TIMING is 200/400 ms). */
const RELAXED_HEARTBEATS = { heartbeatIntervalMs: 2_000, heartbeatTimeoutMs: 10_000, staleAfterMs: 30_000 };
import { registry } from "../fixtures/files/registry.js";
import { artefacts, launchBrowser, root, type Browser } from "./harness.js";

let server: RuntimeServer;
let agent: AgentHandle;
let browser: Browser;
let page: Page;

const T = { timeout: 15_000, interval: 50 };

beforeAll(async () => {
  process.env.AWS_EC2_METADATA_DISABLED = "true";
  mkdirSync(artefacts, { recursive: true });
  // the first File loads the AWS SDK in the agent, which can stall a loaded machine's event loop
  // past the fast heartbeats of the other runtime tests: a task would end DISCONNECTED
  server = await startRuntimeServer(RELAXED_HEARTBEATS);
  agent = await connect({ url: server.url, token: AGENT_TOKEN, registry, reconnect: { initialDelayMs: 50 } });
  browser = await launchBrowser(1280, 800);
  page = browser.page;
  page.setDefaultTimeout(15_000);
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await agent?.close();
  await server?.close();
});

describe("issue 14: files in the web UI", () => {
  it("issue 14: a File port's picker uploads with progress, the task runs on it, and the returned file downloads under its original name with the derived bytes", async () => {
    // every upload progress event the page sees (XMLHttpRequest.upload.onprogress)
    await page.addInitScript(() => {
      const seen: Array<{ loaded: number; total: number }> = [];
      (window as unknown as { __uploadProgress: typeof seen }).__uploadProgress = seen;
      const send = XMLHttpRequest.prototype.send;
      XMLHttpRequest.prototype.send = function (this: XMLHttpRequest, body?: Document | XMLHttpRequestBodyInit | null) {
        this.upload.addEventListener("progress", (e) => seen.push({ loaded: e.loaded, total: e.total }));
        return send.call(this, body);
      };
    });
    const requests: string[] = [];
    page.on("request", (request) => {
      const url = new URL(request.url());
      if (url.origin !== new URL(server.url).origin) requests.push(`OTHER ORIGIN ${url.origin}`);
      else if (url.pathname === "/graphql") {
        const op = (request.postDataJSON() as { operationName?: string } | null)?.operationName;
        if (op?.includes("Media")) requests.push(`graphql ${op}`);
      } else if (url.pathname.startsWith("/api/media/")) requests.push(`${request.method()} ${url.pathname} ${(request.postDataJSON() as { method: string }).method}`);
      else if (!url.pathname.startsWith("/ui/") && url.pathname !== "/" && url.pathname !== "/.well-known/s3") requests.push(`${request.method()} media`);
    });

    await page.goto(`${server.url}/#token=${encodeURIComponent(CALLER_TOKEN)}`);
    await page.getByRole("link", { name: "Reverse", exact: true }).click();
    await page.locator(".port-form").waitFor();
    const input = randomBytes(3 * 1024 * 1024);
    await page.getByLabel("File").setInputFiles({ name: "photo.bin", mimeType: "application/octet-stream", buffer: input });
    const value = page.locator('.field[data-path="file"] .file-value');
    await expect.poll(() => value.getAttribute("data-store"), T).toMatch(/\S/);
    const storeId = (await value.getAttribute("data-store"))!;
    expect(await value.innerText()).toContain("photo.bin (3.1 MB)");
    await page.screenshot({ path: join(artefacts, "file-picker.png"), fullPage: true });
    expect(requests).toEqual(["graphql UiRequestMediaUpload", "POST /api/media/presign PUT", "PUT media", "graphql UiFinishMediaUpload"]);
    const progress = await page.evaluate(() => (window as unknown as { __uploadProgress: Array<{ loaded: number; total: number }> }).__uploadProgress);
    expect(progress.length).toBeGreaterThan(0);
    expect(progress.at(-1)).toEqual({ loaded: input.length, total: input.length });

    await page.getByRole("button", { name: "Run" }).click();
    await page.locator(".task-page").waitFor();
    await page.locator('.task-page[data-status="COMPLETED"]').waitFor({ timeout: 15_000 });
    // the task's args show the upload as a download link too
    await expect.poll(() => page.locator(`.args-view .file-link[data-store="${storeId}"] a`).innerText(), T).toBe("photo.bin");
    const link = page.locator('.returns [data-port="return0"] .file-link a');
    await expect.poll(() => link.innerText(), T).toBe("reversed-photo.bin");
    expect(requests.at(-1)).toBe("POST /api/media/presign GET");
    await page.screenshot({ path: join(artefacts, "file-result.png"), fullPage: true });
    const [download] = await Promise.all([page.waitForEvent("download"), link.click()]);
    expect(download.suggestedFilename()).toBe("reversed-photo.bin");
    const bytes = readFileSync((await download.path())!);
    expect(bytes.equals(Buffer.from(input).reverse())).toBe(true);
    expect(requests.filter((r) => r.startsWith("OTHER ORIGIN"))).toEqual([]);
    expect(browser.errors).toEqual([]);
  });

  it("issue 14: a refused upload is said at the File field, the store is discarded, and nothing is assigned", async () => {
    await page.goto(`${server.url}/#/`);
    await page.getByRole("link", { name: "Reverse", exact: true }).click();
    await page.locator(".port-form").waitFor();
    let finished: unknown;
    page.on("request", (request) => {
      if (new URL(request.url()).pathname === "/graphql" && (request.postDataJSON() as { operationName?: string }).operationName === "UiFinishMediaUpload") finished = request.postDataJSON();
    });
    // the S3 endpoint answers the PUT with an S3 error, as it does for an expired URL
    await page.route(/\/media\//, (route) =>
      route.request().method() === "PUT"
        ? route.fulfill({ status: 403, contentType: "application/xml", body: "<Error><Code>AccessDenied</Code><Message>Request has expired: presign the URL again</Message></Error>" })
        : route.continue(),
    );
    try {
      await page.getByLabel("File").setInputFiles({ name: "late.bin", mimeType: "application/octet-stream", buffer: Buffer.from("late") });
      const problems = page.locator('.problems[data-path="file"]');
      await expect.poll(() => page.locator('.field[data-path="file"] .upload-error').innerText(), T).toBe(
        "the upload of late.bin failed: the upload was refused (403 AccessDenied): Request has expired: presign the URL again",
      );
      await page.getByRole("button", { name: "Run" }).click();
      await expect.poll(() => problems.innerText(), T).toContain("the upload failed: the upload was refused (403 AccessDenied): Request has expired: presign the URL again; pick the file again");
      await expect.poll(() => finished, T).toMatchObject({ variables: { input: { valid: false } } });
      expect(page.url()).toContain("#/action/");
    } finally {
      await page.unroute(/\/media\//);
    }
  });

  it("issue 14: the UI bundle holds no AWS SDK (the browser uploads through presigned URLs)", () => {
    const bundle = readFileSync(join(root, "dist", "ui", "app.js"), "utf8");
    for (const marker of ["@aws-sdk", "S3Client", "@smithy", "SignatureV4", "lib-storage", "x-amz-content-sha256"]) expect(bundle).not.toContain(marker);
    // the page's own media code is in it
    expect(bundle).toContain("/api/media/presign");
  });
});
