// `npm start` is the README's first command: it must run the whole loop and exit 0.
import { spawnSync } from "node:child_process";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";

const root = resolve(import.meta.dirname, "..", "..");

describe("npm start (scripts/main-job.mjs)", () => {
  it("generates, serves the example app, calls every function and exits 0", () => {
    const result = spawnSync(process.execPath, [join(root, "scripts", "main-job.mjs")], {
      cwd: root,
      encoding: "utf8",
      env: { ...process.env, ARKITEKT_URL: "", ARKITEKT_TOKEN: "", NO_COLOR: "1" },
      timeout: 180_000,
    });
    expect(result.stderr).not.toContain("main job failed");
    expect(result.status).toBe(0);
    const out = result.stdout;
    expect(out).toMatch(/functions\s+\["gradient","threshold","measure","average","tile","clip","label_images","annotate","tile_stats"\]/);
    expect(out).toMatch(/measure\(thresholded\)\s+\{"min":0,"max":1,/);
    expect(out).toMatch(/tile\(image, 3\) yields\s+4/);
    expect(out).toMatch(/tile progress\s+\[25,50,75,100\]/);
    expect(out).toMatch(/gradient\(6, 4\)\s+"<Image ms_[A-Za-z0-9_-]{22}>"/);
    expect(out).toMatch(/labelImages\(\.\.\.\)\s+\{"labels":\["lab-a cells \[keep\]","lab-b nuclei \[keep\]"\],"count":2\}/);
    expect(out).toMatch(/annotate\(image, 7\)\s+\{"image":"<Image ms_[A-Za-z0-9_-]{22}>","takenAt":"\d{4}-.*Z","label":7,"tags":\["demo"\]\}/);
    expect(out).toMatch(/average\(\[\]\) fails\s+"CRITICAL: Error: average needs at least one image/);
    expect(out).toContain("main job done");
  });
});
