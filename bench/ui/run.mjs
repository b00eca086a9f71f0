// The web UI's figures (issue 13): the bundle's size, gzipped, and the time from navigating to an
// action page until its form is drawn, with the embedded server local (chromium, headless).
//   npm run build && node bench/ui/run.mjs [--runs 7]
import { readFileSync } from "node:fs";
import { gzipSync } from "node:zlib";
import { register } from "tsx/esm/api";

const runs = Number(process.argv[process.argv.indexOf("--runs") + 1]) || 7;
const dist = new URL("../../dist/ui/", import.meta.url);
for (const file of ["app.js", "app.css", "index.html"]) {
  const bytes = readFileSync(new URL(file, dist));
  console.log(`${file}: ${bytes.length} bytes, ${gzipSync(bytes, { level: 9 }).length} gzipped`);
}

register();
const { startUiFixture, launchBrowser } = await import("../../test/ui/harness.ts");
const fixture = await startUiFixture();
const browser = await launchBrowser();
const { page } = browser;
try {
  await page.goto(fixture.signIn);
  await page.locator(".card.action").first().waitFor();
  const href = await page.locator('.card.action[data-key="everything"] a').getAttribute("href");
  const times = [];
  for (let i = 0; i < runs; i++) {
    await page.goto("about:blank");
    const start = performance.now();
    await page.goto(`${fixture.server.url}/${href}`);
    await page.locator(".port-form").waitFor();
    times.push(performance.now() - start);
  }
  // Baseline, same run and browser: the server's plain-text /ht answer, i.e. what navigation
  // itself costs here before any script runs.
  const floor = [];
  for (let i = 0; i < runs; i++) {
    await page.goto("about:blank");
    const start = performance.now();
    await page.goto(`${fixture.server.url}/ht`);
    floor.push(performance.now() - start);
  }
  const median = (list) => [...list].sort((a, b) => a - b)[Math.floor(list.length / 2)].toFixed(0);
  console.log(`baseline: navigation to /ht (plain text), ${runs} runs: ${floor.map((t) => t.toFixed(0)).join(", ")} ms; median ${median(floor)} ms`);
  console.log(`action page (14 ports) to drawn form, ${runs} runs: ${times.map((t) => t.toFixed(0)).join(", ")} ms; median ${median(times)} ms`);
} finally {
  await browser.close();
  await fixture.close();
}
