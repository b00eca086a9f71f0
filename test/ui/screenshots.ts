/** The curated screenshots of the web UI (scripts/screenshots.mjs writes them to docs/img/). */
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { launchBrowser, startUiFixture } from "./harness.js";

export async function takeScreenshots(outDir: string): Promise<string[]> {
  mkdirSync(outDir, { recursive: true });
  const fixture = await startUiFixture();
  const browser = await launchBrowser(1280, 800);
  const { page } = browser;
  page.setDefaultTimeout(15_000);
  const written: string[] = [];
  const shot = async (name: string, fullPage = true) => {
    const file = join(outDir, name);
    await page.screenshot({ path: file, fullPage });
    written.push(file);
  };
  const open = async (name: string) => {
    await page.goto(`${fixture.server.url}/#/`);
    await page.getByRole("link", { name, exact: true }).click();
    await page.locator(".port-form").waitFor();
  };
  try {
    await page.goto(fixture.signIn);
    await page.locator(".card.action").first().waitFor();
    await shot("ui-actions.png", false);

    await open("Everything");
    await page.getByLabel("Ratio").fill("0.25");
    await page.getByLabel("Title").fill("first run");
    await page.getByLabel("Color").selectOption({ label: "Green" });
    await page.getByLabel("When").fill("2024-05-06T07:08:09");
    await page.getByRole("button", { name: "add to Tags" }).click();
    await page.getByLabel("Tags item 1", { exact: true }).fill("demo");
    await page.getByLabel("x", { exact: true }).fill("1");
    await page.getByLabel("y", { exact: true }).fill("2");
    await page.getByLabel("Either as a number").fill("7");
    await page.getByLabel("Image").fill("img-1");
    await page.getByRole("button", { name: "Run" }).click();
    await page.locator(".task-page").waitFor();
    await open("Everything");
    // a client-side error at its field
    await page.getByLabel("Ratio").fill("");
    await page.getByRole("button", { name: "Run" }).click();
    await page.locator(".problems").first().waitFor();
    await shot("ui-form.png");

    await open("Countdown");
    await page.getByLabel("n", { exact: true }).fill("6");
    await page.getByLabel("ms", { exact: true }).fill("500");
    await page.getByRole("button", { name: "Run" }).click();
    await page.locator(".yield").nth(2).waitFor();
    await shot("ui-running-task.png");

    await open("Pipeline");
    await page.getByLabel("n", { exact: true }).fill("3");
    await page.getByRole("button", { name: "Run" }).click();
    await page.locator('.task-page[data-status="COMPLETED"]').waitFor();
    await shot("ui-workflow.png");

    await page.setViewportSize({ width: 375, height: 800 });
    await open("Everything");
    await shot("ui-narrow.png", false);
  } finally {
    await browser.close();
    await fixture.close();
  }
  return written;
}
