/**
 * The browser tests' plumbing: the real embedded server with the UI fixture app's agent (and a
 * caller for its workflow) in this process, and Debian's chromium driven by playwright-core,
 * headless, with a fresh profile and no outbound connections.
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { chromium, type BrowserContext, type Page } from "playwright-core";
import { connect, type AgentHandle } from "../../src/runtime/agent/index.js";
import { createClient, type ArkitektClient } from "../../src/runtime/caller/index.js";
import { startRuntimeServer, type RuntimeServer } from "../fixtures/runtime/harness.js";
import { AGENT_TOKEN, CALLER_TOKEN } from "../fixtures/runtime/tokens.js";
import { registry, workflow } from "../fixtures/ui/registry.js";

export const root = resolve(import.meta.dirname, "..", "..");
/** Screenshots of the browser tests (gitignored). */
export const artefacts = join(root, "test-results", "ui");

export interface UiFixture {
  server: RuntimeServer;
  agent: AgentHandle;
  caller: ArkitektClient;
  /** The sign-in link, `http://127.0.0.1:PORT/#token=TOKEN`. */
  signIn: string;
  close(): Promise<void>;
}

export async function startUiFixture(): Promise<UiFixture> {
  const server = await startRuntimeServer();
  const agent = await connect({ url: server.url, token: AGENT_TOKEN, registry, reconnect: { initialDelayMs: 50 } });
  const caller = createClient({ url: server.url, token: AGENT_TOKEN });
  workflow.client = caller;
  for (const [iface, served] of Object.entries(agent.implementations)) workflow.hashes[iface] = served.actionHash;
  return {
    server,
    agent,
    caller,
    signIn: `${server.url}/#token=${encodeURIComponent(CALLER_TOKEN)}`,
    async close() {
      await caller.close();
      await agent.close();
      await server.close();
    },
  };
}

/** Debian's chromium: CHROMIUM_PATH, else `which chromium` / `chromium-browser`. */
export function chromiumPath(): string {
  const fromEnv = process.env.CHROMIUM_PATH;
  if (fromEnv && existsSync(fromEnv)) return fromEnv;
  for (const name of ["chromium", "chromium-browser"]) {
    try {
      const found = execFileSync("which", [name], { encoding: "utf8" }).trim();
      if (found) return found;
    } catch {
      // not on PATH
    }
  }
  throw new Error("no chromium found: install it (apt-get install chromium) or set CHROMIUM_PATH");
}

export const CHROMIUM_ARGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-dev-shm-usage",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--disable-quic",
];

export interface Browser {
  context: BrowserContext;
  page: Page;
  /** Console errors and page errors seen so far. */
  errors: string[];
  close(): Promise<void>;
}

/** A headless chromium with a fresh profile, one page at `width`×`height`. */
export async function launchBrowser(width = 1280, height = 800): Promise<Browser> {
  const profile = mkdtempSync(join(tmpdir(), "arkitekt-ui-profile-"));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: chromiumPath(),
    headless: true,
    args: CHROMIUM_ARGS,
    viewport: { width, height },
  });
  const page = context.pages()[0] ?? (await context.newPage());
  const errors: string[] = [];
  page.on("pageerror", (error) => errors.push(String(error)));
  page.on("console", (message) => {
    if (message.type() === "error") errors.push(message.text());
  });
  return {
    context,
    page,
    errors,
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
