/**
 * Issue 13: the server only serves the UI's built files (src/server/ui.ts): the page and its assets
 * with a Content-Security-Policy and nosniff, nothing outside the folder, and a page that says to
 * build when the files are missing.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { serveUi } from "../../../src/server/ui.js";
import { useSharedTestServer } from "../helpers/server.js";

let dir: string;
let built: Server;
let missing: Server;
const base = (server: Server) => `http://127.0.0.1:${(server.address() as { port: number }).port}`;

function serve(assets: string | null): Promise<Server> {
  const server = createServer((req, res) => {
    if (!serveUi(req, res, (req.url ?? "/").split("?")[0]!, assets)) res.writeHead(418).end("not the UI's");
  });
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve(server)));
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "arkitekt-ui-assets-"));
  writeFileSync(join(dir, "index.html"), "<!doctype html><title>ui</title>");
  writeFileSync(join(dir, "app.js"), "console.log('app')");
  writeFileSync(join(dir, "app.css"), "body{}");
  writeFileSync(join(dir, ".secret"), "no");
  mkdirSync(join(dir, "chunk.js"));
  built = await serve(dir);
  missing = await serve(null);
});

afterAll(async () => {
  for (const server of [built, missing]) {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  }
  rmSync(dir, { recursive: true, force: true });
});

describe("issue 13: serving the web UI", () => {
  it("issue 13: the page and its assets come with a Content-Security-Policy and nosniff", async () => {
    const page = await fetch(`${base(built)}/`);
    expect(page.status).toBe(200);
    expect(page.headers.get("content-type")).toBe("text/html; charset=utf-8");
    expect(await page.text()).toContain("<title>ui</title>");
    const csp = page.headers.get("content-security-policy") ?? "";
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain("unsafe-inline");
    expect(csp).not.toContain("unsafe-eval");
    expect(csp).toContain("connect-src 'self' ws: wss:");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(page.headers.get("x-content-type-options")).toBe("nosniff");
    const js = await fetch(`${base(built)}/ui/app.js`);
    expect(js.headers.get("content-type")).toBe("text/javascript; charset=utf-8");
    expect(await js.text()).toBe("console.log('app')");
    expect((await fetch(`${base(built)}/ui/app.css`)).headers.get("content-type")).toBe("text/css; charset=utf-8");
  });

  it("issue 13: nothing outside the built folder is served (dot-files, subfolders, traversal)", async () => {
    for (const path of ["/ui/.secret", "/ui/..%2Fpackage.json", "/ui/a/b.js", "/ui/nothing.js"]) {
      const res = await fetch(`${base(built)}${path}`);
      expect(res.status, path).toBe(404);
      await res.arrayBuffer();
    }
    // other paths and methods are routed on
    expect((await fetch(`${base(built)}/graphql`)).status).toBe(418);
    expect((await fetch(`${base(built)}/`, { method: "POST" })).status).toBe(418);
  });

  it("issue 13: without the built files the page says to run npm run build", async () => {
    const res = await fetch(`${base(missing)}/`);
    expect(res.status).toBe(200);
    expect(await res.text()).toContain("npm run build");
    expect(res.headers.get("content-security-policy")).toContain("default-src 'self'");
    expect((await fetch(`${base(missing)}/ui/app.js`)).status).toBe(404);
  });
});

describe("issue 13 review: serving the web UI", () => {
  it("issue 13 review: a folder named like an asset, or a file gone mid-rebuild, answers 404 and the server keeps serving", async () => {
    const folder = await fetch(`${base(built)}/ui/chunk.js`);
    expect(folder.status).toBe(404);
    expect(await folder.text()).toContain("not found: /ui/chunk.js");
    // a folder where the page should be (a rebuild half done)
    const half = mkdtempSync(join(tmpdir(), "arkitekt-ui-half-"));
    mkdirSync(join(half, "index.html"));
    const server = await serve(half);
    try {
      const page = await fetch(`${base(server)}/`);
      expect(page.status).toBe(404);
      await page.arrayBuffer();
    } finally {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
      rmSync(half, { recursive: true, force: true });
    }
    const js = await fetch(`${base(built)}/ui/app.js`);
    expect(js.status).toBe(200);
    expect(await js.text()).toBe("console.log('app')");
  });
});

describe("issue 13: the embedded server serves the UI at /", () => {
  const server = useSharedTestServer();
  it("issue 13: / answers with the UI's page (or the build hint) under the Content-Security-Policy", async () => {
    const res = await fetch(`${server().url}/`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-security-policy")).toContain("default-src 'self'");
    expect(await res.text()).toMatch(/\/ui\/app\.js|npm run build/);
  });
});
