/**
 * Issue 13, done means: a teammate opens the link `run dev` prints and runs the example app's
 * functions from the browser. The real CLI (`run dev` of examples/app, which starts the embedded
 * server) as a child process, and chromium.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Page } from "playwright-core";
import { startRunDev, type RunDev } from "../cli/run-dev.js";
import { launchBrowser, type Browser } from "./harness.js";

let dev: RunDev;
let browser: Browser;
let page: Page;
const T = { timeout: 15_000, interval: 50 };

/** The sign-in link run dev printed; else the one its dev-token file gives (url + `/#token=`). */
function signInLink(): string {
  const printed = /(https?:\/\/\S+\/#token=\S+)/.exec(dev.output);
  if (printed) return printed[1]!;
  const file = JSON.parse(readFileSync(join(dev.dataDir, "dev-token.json"), "utf8")) as { url: string; token: string };
  return `${file.url}/#token=${encodeURIComponent(file.token)}`;
}

beforeAll(async () => {
  dev = await startRunDev("arkitekt-ui-example-");
  browser = await launchBrowser(1280, 800);
  page = browser.page;
  page.setDefaultTimeout(15_000);
});

afterAll(async () => {
  await browser?.close();
  await dev?.stop();
});

describe("issue 13: the example app from the browser", () => {
  it("issue 13: the run dev link opens the example app's actions; a function, a generator and the workflow run from their forms", async () => {
    await page.goto(signInLink());
    await page.locator(".card.action").first().waitFor();
    expect(page.url()).not.toContain("token=");
    for (const name of ["Gradient", "Threshold", "Measure", "Average", "Tile", "Clip", "Label Images", "Annotate", "Tile Stats"]) {
      await page.getByRole("link", { name, exact: true }).waitFor();
    }
    await expect.poll(() => page.locator(".card.agent").innerText(), T).toContain("connected");

    await page.getByRole("link", { name: "Gradient", exact: true }).click();
    await page.locator(".port-form").waitFor();
    // the defaults from the signature (width = 8) and the doc comment's descriptions
    await expect.poll(() => page.getByLabel("width", { exact: true }).inputValue(), T).toBe("8");
    await expect.poll(() => page.locator('.field[data-path="width"]').innerText(), T).toContain("Width in pixels");
    await page.getByLabel("width", { exact: true }).fill("6");
    await page.getByLabel("height", { exact: true }).fill("4");
    await page.getByRole("button", { name: "Run" }).click();
    await page.locator('.task-page[data-status="COMPLETED"]').waitFor();
    const image = await page.locator(".returns .ref").first().innerText();
    expect(image).toMatch(/^@\S+: \S+/);
    const reference = image.slice(image.indexOf(": ") + 2);

    // the image it made is offered as a choice for Tile's image port
    await page.goto(page.url().replace(/#.*$/, "#/"));
    await page.getByRole("link", { name: "Tile", exact: true }).click();
    await page.locator(".port-form").waitFor();
    await expect.poll(() => page.locator('.field[data-path="image"] datalist option').first().getAttribute("value"), T).toBe(reference);
    await page.getByLabel("image", { exact: true }).fill(reference);
    await page.getByLabel("size", { exact: true }).fill("3");
    await page.getByRole("button", { name: "Run" }).click();
    await page.locator('.task-page[data-status="COMPLETED"]').waitFor();
    // 6x4 in tiles of 3: four yields, each an image reference
    await expect.poll(() => page.locator(".yield").count(), T).toBe(4);
    await expect.poll(() => page.locator("#task-progress").getAttribute("value"), T).toBe("100");

    // the workflow: Tile Stats streams Tile's yields through Measure, a tree of child tasks
    await page.goto(page.url().replace(/#.*$/, "#/"));
    await page.getByRole("link", { name: "Tile Stats", exact: true }).click();
    await page.locator(".port-form").waitFor();
    await page.getByLabel("image", { exact: true }).fill(reference);
    await page.getByLabel("size", { exact: true }).fill("3");
    await page.getByRole("button", { name: "Run" }).click();
    await page.locator('.task-page[data-status="COMPLETED"]').waitFor();
    await expect.poll(() => page.locator(".yield").count(), T).toBe(4);
    // the workflow, its one Tile child and one Measure child per tile
    await expect.poll(() => page.locator(".task-tree li").count(), T).toBe(6);
    expect(browser.errors).toEqual([]);
  });
});
