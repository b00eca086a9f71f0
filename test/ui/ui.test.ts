/**
 * The web UI in a real browser (issue 13): Debian's chromium, headless, against the real embedded
 * server with the UI fixture app's agent (every port kind and widget, a generator, a long task, a
 * workflow, a description holding `<script>`). Screenshots go to test-results/ui/ (gitignored).
 */
import { mkdirSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Locator, Page } from "playwright-core";
import { CALLER_TOKEN, OTHER_TOKEN } from "../fixtures/runtime/tokens.js";
import { connect } from "../../src/runtime/agent/index.js";
import { otherRegistry } from "../fixtures/ui/registry.js";
import { artefacts, launchBrowser, startUiFixture, type Browser, type UiFixture } from "./harness.js";

let fixture: UiFixture;
let browser: Browser;
let page: Page;

const T = { timeout: 10_000, interval: 50 };
/** Waits until the element's text contains `text`. */
const seeText = (locator: Locator, text: string) => expect.poll(() => locator.innerText(), T).toContain(text);
const seeCount = (locator: Locator, n: number) => expect.poll(() => locator.count(), T).toBe(n);
const seeValue = (locator: Locator, value: string) => expect.poll(() => locator.inputValue(), T).toBe(value);
const seeAttribute = (locator: Locator, name: string, value: string) => expect.poll(() => locator.getAttribute(name), T).toBe(value);
const visible = (locator: Locator) => locator.waitFor({ state: "visible", timeout: 10_000 });
const field = (path: string) => page.locator(`.field[data-path="${path}"]`);
const problemsAt = (path: string) => page.locator(`.problems[data-path="${path}"]`);

async function openAction(name: string): Promise<void> {
  await page.goto(`${fixture.server.url}/#/`);
  await page.getByRole("link", { name, exact: true }).click();
  await page.locator(".port-form").waitFor();
}

async function run(): Promise<string> {
  await page.getByRole("button", { name: "Run" }).click();
  await page.locator(".task-page").waitFor();
  return /#\/task\/(\d+)/.exec(page.url())![1]!;
}

const statusIs = (status: string) => page.locator(`.task-page[data-status="${status}"]`).waitFor({ timeout: 15_000 });

beforeAll(async () => {
  mkdirSync(artefacts, { recursive: true });
  fixture = await startUiFixture();
  browser = await launchBrowser(1280, 800);
  page = browser.page;
  page.setDefaultTimeout(10_000);
});

afterAll(async () => {
  await browser?.close();
  await fixture?.close();
});

describe("issue 13: the web UI in a browser", () => {
  it("issue 13: a wrong token says so", async () => {
    await page.goto(`${fixture.server.url}/#token=not-a-token`);
    await seeText(page.getByRole("alert"), "refused this token");
    await visible(page.getByLabel("Token"));
  });

  it("issue 13: the sign-in link signs in, keeps the token for the tab and removes it from the address bar", async () => {
    await page.goto(fixture.signIn);
    await page.locator(".card.action").first().waitFor();
    expect(page.url()).not.toContain(CALLER_TOKEN);
    expect(page.url()).not.toContain("token=");
    expect(await page.evaluate(() => sessionStorage.getItem("arkitekt-next:token"))).toBe(CALLER_TOKEN);
    // agents with their app, actions with description, collections and ports
    await seeText(page.locator(".card.agent"), "connected");
    await seeText(page.locator(".card.agent"), "runtime-agent");
    const card = page.locator('.card.action[data-key="countdown"]');
    await seeText(card, "Counts down, one yield per step.");
    await seeText(card, "n: int");
    await seeText(card, "ui tests");
    // search
    await page.getByLabel("Search actions").fill("workflow");
    await seeCount(page.locator(".card.action"), 2);
    await page.getByLabel("Search actions").fill("");
  });

  it("issue 13 review: a link with another token asks before switching; the first sign-in does not", async () => {
    const stored = () => page.evaluate(() => sessionStorage.getItem("arkitekt-next:token"));
    const followLink = (token: string) => page.evaluate((t) => (location.hash = `#token=${encodeURIComponent(t)}`), token);
    await page.goto(`${fixture.server.url}/#/`);
    await page.locator(".card.action").first().waitFor();
    expect(await stored()).toBe(CALLER_TOKEN);
    // refused: the page keeps its token, and the link's token leaves the address bar
    let asked = page.waitForEvent("dialog");
    await followLink(OTHER_TOKEN);
    let dialog = await asked;
    expect(dialog.message()).toContain("another token");
    await dialog.dismiss();
    await expect.poll(() => page.url(), T).not.toContain("token=");
    expect(await stored()).toBe(CALLER_TOKEN);
    // accepted: switched
    asked = page.waitForEvent("dialog");
    await followLink(OTHER_TOKEN);
    dialog = await asked;
    await dialog.accept();
    await expect.poll(stored, T).toBe(OTHER_TOKEN);
    // signed out, a link signs in with one click (no dialog: one would be dismissed by default)
    const dialogs: string[] = [];
    const seen = (d: { message(): string }) => dialogs.push(d.message());
    page.on("dialog", seen);
    try {
      await page.getByRole("button", { name: "sign out" }).click();
      await visible(page.getByLabel("Token"));
      await followLink(CALLER_TOKEN);
      await page.locator(".card.action").first().waitFor();
      expect(await stored()).toBe(CALLER_TOKEN);
      // the same token again: nothing to ask
      await followLink(CALLER_TOKEN);
      await expect.poll(() => page.url(), T).not.toContain("token=");
      expect(dialogs).toEqual([]);
    } finally {
      page.off("dialog", seen);
    }
  });

  it("issue 13: an action whose description holds <script> shows it as text", async () => {
    const card = page.locator('.card.action[data-key="scripted"]');
    await expect.poll(() => card.locator(".description").innerText(), T).toBe(`<script>window.__pwned = true</script><img src=x onerror="window.__pwned = true"> is text`);
    await card.getByRole("link").click();
    await seeText(page.locator(".action-page > .description"), "<script>");
    expect(await page.evaluate(() => (window as { __pwned?: boolean }).__pwned)).toBeUndefined();
    expect(await page.locator(".action-page script, .action-page img").count()).toBe(0);
  });

  it("issue 13: a client-side error appears at its field, and nothing is assigned", async () => {
    await openAction("Countdown");
    await field("n").getByLabel("n", { exact: true }).fill("1.5");
    await page.getByRole("button", { name: "Run" }).click();
    await seeText(problemsAt("n"), "integer");
    await expect.poll(() => field("n").getAttribute("class"), T).toMatch(/invalid/);
    await visible(page.locator(".action-page"));
    await openAction("Everything");
    // a dict's key used twice: at the second row's key (issue 13 review)
    for (const key of ["a", "a"]) {
      await page.getByRole("button", { name: "add an entry to Scores" }).click();
      await page.getByLabel(/^key \d$/).last().fill(key);
    }
    await page.getByRole("button", { name: "Run" }).click();
    await seeText(problemsAt("scores[key 2]"), 'the key "a" is already used by entry 1');
    expect(await problemsAt("scores[key 1]").count()).toBe(0);
    // required and empty: at the field, nested ones too
    await seeText(problemsAt("ratio"), "not nullable");
    await seeText(problemsAt("color"), "not nullable");
    await seeText(problemsAt("point.x"), "a finite number");
    // an untouched empty required text field is missing (issue 13 review), not ""
    await seeText(problemsAt("title"), "not nullable");
    expect(page.url()).toContain("#/action/");
  });

  it("issue 13: a server-side refusal appears at its field", async () => {
    await openAction("Countdown");
    await field("n").getByLabel("n", { exact: true }).fill("2");
    // the page checks first; change the request on its way so the server's own check refuses it
    await page.route("**/graphql", async (route) => {
      const body = route.request().postDataJSON() as { operationName?: string; variables?: { input?: { args?: Record<string, unknown> } } };
      if (body?.operationName !== "Assign") return route.continue();
      body.variables!.input!.args!.n = "two";
      await route.continue({ postData: JSON.stringify(body) });
    });
    try {
      await page.getByRole("button", { name: "Run" }).click();
      await seeText(problemsAt("n"), 'the string "two"');
      await visible(page.getByRole("alert").filter({ hasText: "The server refused" }));
    } finally {
      await page.unroute("**/graphql");
    }
  });

  it("issue 13: the form fills every port kind and widget and the task gets exactly those values", async () => {
    await openAction("Everything");
    // defaults are filled in: the slider's 3, the choice widget's M
    await seeValue(field("count").getByLabel("Count"), "3");
    await seeValue(field("size").getByLabel("Size"), "M");
    // the slider's bounds come from the port's widget
    await seeAttribute(field("count").getByLabel("Count"), "max", "10");
    await seeAttribute(field("count").getByLabel("Count"), "type", "range");
    await field("count").getByLabel("Count").fill("7");
    await field("ratio").getByLabel("Ratio").fill("0.25");
    await field("title").getByLabel("Title").fill("a <b>title</b>");
    await seeAttribute(field("notes").locator("textarea"), "placeholder", "write a paragraph");
    await field("notes").getByLabel("Notes").fill("line one\nline two");
    // effects: secret is hidden while flag is false
    await seeCount(field("secret"), 0);
    await field("flag").getByLabel("Flag").check();
    await visible(field("secret"));
    await field("secret").getByLabel("no value").check();
    await field("color").getByLabel("Color").selectOption({ label: "Green" });
    await seeText(field("color"), "the colour of grass");
    await field("when").getByLabel("When").fill("2024-05-06T07:08:09");
    // list: add three, remove the second, move the last up
    for (const text of ["one", "two", "three"]) {
      await page.getByRole("button", { name: "add to Tags" }).click();
      await page.getByLabel(/^Tags item \d$/).last().fill(text);
    }
    await page.getByRole("button", { name: "remove Tags item 2" }).click();
    await page.getByRole("button", { name: "move Tags item 2 up" }).click();
    // dict: two rows
    for (const [key, value] of [["a", "5"], ["b", "-2"]] as const) {
      await page.getByRole("button", { name: "add an entry to Scores" }).click();
      await page.getByLabel(/^key \d$/).last().fill(key);
      await page.getByLabel(`value of ${key}`).fill(value);
    }
    // model
    await field("point.x").getByLabel("x").fill("1.5");
    await field("point.y").getByLabel("y").fill("-2");
    // union: pick the variant, then its input
    await field("either").locator("select").first().selectOption({ label: "a text" });
    await page.getByLabel("Either as a text").fill("seven");
    await field("image").getByLabel("Image").fill("img-1");
    await field("size").getByLabel("Size").selectOption({ label: "Large" });
    // port groups are sections
    await expect.poll(() => page.locator("fieldset.group legend").innerText(), T).toBe("More settings");
    await page.screenshot({ path: join(artefacts, "form.png"), fullPage: true });

    const id = await run();
    await statusIs("COMPLETED");
    const summary = JSON.parse(await page.locator('.returns [data-port="return0"] dd').innerText()) as Record<string, unknown>;
    const when = await page.evaluate(() => new Date(2024, 4, 6, 7, 8, 9).toISOString());
    expect(summary).toEqual({
      count: 7,
      ratio: 0.25,
      title: "a <b>title</b>",
      notes: "line one\nline two",
      flag: true,
      color: "GREEN",
      when,
      tags: ["three", "one"],
      scores: { a: 5, b: -2 },
      point: { x: 1.5, y: -2 },
      either: "seven",
      image: "img-1",
      secret: null,
      size: "L",
    });
    // a structure result is a reference, and is offered next time
    await seeText(page.locator('.returns [data-port="return1"]'), "@ui/image: img-1-copy");
    expect(id).toMatch(/^\d+$/);
    await openAction("Everything");
    await seeCount(field("image").locator("datalist option"), 2);
  });

  it("issue 13: history lists past tasks with their args, and fills the form again to re-run", async () => {
    await openAction("Everything");
    const past = page.locator(".history li").first();
    await seeText(past, '"title":"a <b>title</b>"');
    await past.getByRole("button", { name: "fill the form with these" }).click();
    await seeValue(field("title").getByLabel("Title"), "a <b>title</b>");
    await seeValue(field("count").getByLabel("Count"), "7");
    await seeCount(page.getByLabel(/^Tags item \d$/), 2);
    await seeText(field("secret"), "null");
    await run();
    await statusIs("COMPLETED");
    await seeText(page.locator('.returns [data-port="return0"]'), '"tags":["three","one"]');
  });

  it("issue 13: a generator shows its progress bar, logs with levels and each yield as it arrives", async () => {
    await openAction("Countdown");
    await field("n").getByLabel("n", { exact: true }).fill("4");
    await field("ms").getByLabel("ms", { exact: true }).fill("400");
    await run();
    await seeCount(page.locator(".yield"), 1);
    // running: some yields, not all, and the bar moved
    expect(await page.locator(".yield").count()).toBeLessThan(4);
    const progress = Number(await page.locator("#task-progress").getAttribute("value"));
    expect(progress).toBeGreaterThan(0);
    expect(progress).toBeLessThanOrEqual(75);
    await page.screenshot({ path: join(artefacts, "running-task.png"), fullPage: true });
    await statusIs("COMPLETED");
    await seeCount(page.locator(".yield"), 4);
    await seeText(page.locator(".yield").nth(0), "4");
    await seeText(page.locator(".yield").nth(3), "1");
    await seeAttribute(page.locator("#task-progress"), "value", "100");
    for (const level of ["DEBUG", "INFO", "WARN", "ERROR"]) await seeText(page.locator(`.log .level-${level.toLowerCase()}`).first(), level);
    await seeText(page.locator(".log"), "counting 4");
  });

  it("issue 13: a failed task shows its error", async () => {
    await openAction("Explode");
    await field("message").getByLabel("message", { exact: true }).fill("on purpose");
    await run();
    // the runtime reports an exception in user code as CRITICAL (FAILED is for a refused task)
    await page.locator('.task-page[data-status="FAILED"], .task-page[data-status="CRITICAL"]').waitFor({ timeout: 15_000 });
    await seeText(page.locator(".failure"), "exploded: on purpose");
    await seeAttribute(page.locator(".task-page .badge.status").first(), "class", "badge status bad");
  });

  it("issue 13: an agent that connects appears without a reload (from the agents subscription)", async () => {
    await page.goto(`${fixture.server.url}/#/`);
    await seeCount(page.locator(".card.agent"), 1);
    const second = await connect({ url: fixture.server.url, token: OTHER_TOKEN, registry: otherRegistry, reconnect: { initialDelayMs: 50 } });
    try {
      await seeCount(page.locator(".card.agent"), 2);
      await seeText(page.locator(".agents"), "runtime-other");
      // and its actions
      await visible(page.getByRole("link", { name: "Greet", exact: true }));
    } finally {
      await second.close();
    }
    await expect.poll(() => page.locator(".agents").innerText(), T).toContain("disconnected");
  });

  it("issue 13: the cancel button cancels a long task", async () => {
    await openAction("Sleepy");
    await field("ms").getByLabel("ms", { exact: true }).fill("60000");
    await run();
    await page.getByRole("button", { name: "Cancel" }).click();
    await statusIs("CANCELLED");
    await seeCount(page.getByRole("button", { name: "Cancel" }), 0);
  });

  it("issue 13: a workflow's task tree grows live from the subscription", async () => {
    await openAction("Pipeline");
    await field("n").getByLabel("n", { exact: true }).fill("3");
    const id = await run();
    const nodes = page.locator(".task-tree li");
    await visible(nodes.nth(1));
    const early = await nodes.count();
    await statusIs("COMPLETED");
    // root, countdown, and one double per yield
    await seeCount(nodes, 5);
    expect(early).toBeLessThan(5);
    await seeCount(page.locator(`.tree-node[data-task="${id}"] > ul > li`), 4);
    await seeCount(page.locator(".yield"), 3);
    await seeText(page.locator(".yield").nth(0), "6");
    await page.screenshot({ path: join(artefacts, "finished-workflow.png"), fullPage: true });
    // a child's page shows the same tree
    await nodes.nth(1).getByRole("link").click();
    await seeCount(page.locator(".task-tree li"), 5);
  });

  it("issue 13: works at 375 px wide (nothing wider than the screen)", async () => {
    await page.setViewportSize({ width: 375, height: 800 });
    try {
      await openAction("Everything");
      await page.getByRole("button", { name: "add to Tags" }).click();
      await page.getByRole("button", { name: "add an entry to Scores" }).click();
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(375);
      await page.screenshot({ path: join(artefacts, "narrow-form.png"), fullPage: true });
      await page.goto(`${fixture.server.url}/#/`);
      await page.locator(".card.action").first().waitFor();
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(375);
    } finally {
      await page.setViewportSize({ width: 1280, height: 800 });
    }
  });

  it("issue 13: every input has a label", async () => {
    await openAction("Everything");
    await page.getByRole("button", { name: "add to Tags" }).click();
    await page.getByRole("button", { name: "add an entry to Scores" }).click();
    const unlabelled = await page.evaluate(() =>
      [...document.querySelectorAll("input, select, textarea")]
        .filter((el) => (el as HTMLInputElement).labels?.length === 0 && !el.getAttribute("aria-label"))
        .map((el) => el.outerHTML),
    );
    expect(unlabelled).toEqual([]);
    expect(browser.errors.filter((e) => !/status of 40[013]/.test(e))).toEqual([]);
  });

  it("issue 13: a page from another origin cannot open the WebSocket, the UI's own origin can", async () => {
    const other: Server = createServer((_req, res) => res.writeHead(200, { "content-type": "text/html" }).end("<!doctype html><title>elsewhere</title>"));
    await new Promise<void>((r) => other.listen(0, "127.0.0.1", r));
    const port = (other.address() as { port: number }).port;
    const tryOpen = (url: string) =>
      new Promise<string>((resolve) => {
        const ws = new WebSocket(url, "graphql-transport-ws");
        ws.onopen = () => {
          ws.close();
          resolve("open");
        };
        ws.onerror = () => resolve("refused");
      });
    const wsUrl = `${fixture.server.url.replace("http", "ws")}/graphql`;
    try {
      await page.goto(`http://127.0.0.1:${port}/`);
      expect(await page.evaluate(tryOpen, wsUrl)).toBe("refused");
      await page.goto(`${fixture.server.url}/#/`);
      expect(await page.evaluate(tryOpen, wsUrl)).toBe("open");
    } finally {
      other.closeAllConnections();
      await new Promise((r) => other.close(r));
    }
  });
});
