// Issue 10 #2: a structure reference means the same thing in every process it travels to. The
// example app's demo (a caller with typed stubs, in its own process) against `run dev` (the agent,
// in another): the references the agent returns expand in the caller, and the caller's objects go
// back to the agent as references it expands. Since issue 14 through the platform's media store:
// an Image is a PNG there, and its reference is the media store id.
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { root, startRunDev, type RunDev } from "./run-dev.js";

describe("issue 10 #2: structures across processes", () => {
  let runDev: RunDev;
  let dataDir: string;

  beforeAll(async () => {
    runDev = await startRunDev("arkitekt-structures-");
    dataDir = runDev.dataDir;
  });

  afterAll(() => runDev?.stop());

  it("issue 10 #2, issue 14: the example app's demo in its own process round-trips images (PNGs in the media store) through `run dev` in another", () => {
    const { url, token } = JSON.parse(readFileSync(join(dataDir, "dev-token.json"), "utf8")) as { url: string; token: string };
    const result = spawnSync(process.execPath, ["--import", "tsx", join(root, "test/fixtures/structures/demo-main.ts")], {
      cwd: root,
      encoding: "utf8",
      env: { ...process.env, ARKITEKT_URL: url, ARKITEKT_TOKEN: token, NO_COLOR: "1" },
      timeout: 60_000,
    });
    expect(result.stderr).toBe("");
    expect(result.status).toBe(0);
    const printed = new Map(
      result.stdout
        .trim()
        .split("\n")
        .filter((line) => line.includes("\t"))
        .map((line) => [line.slice(0, line.indexOf("\t")), JSON.parse(line.slice(line.indexOf("\t") + 1)) as unknown]),
    );
    // gradient: made and shrunk (uploaded as a PNG) by the agent, downloaded and decoded here.
    const image = printed.get("gradient(6, 4)") as { id: string; width: number; height: number; pixels: number[] };
    expect(image).toMatchObject({ width: 6, height: 4 });
    expect(image.id).toMatch(/^ms_[A-Za-z0-9_-]{22}$/);
    expect(image.pixels).toHaveLength(24);
    expect(image.pixels[0]).toBe(0);
    expect(image.pixels[23]).toBe(1);
    expect(image.pixels[1]).toBeCloseTo(1 / 8, 4); // 16-bit grey levels
    // threshold(image): the caller's reference expanded by the agent, a new image back.
    const binary = printed.get("threshold(image, 0.5, Below)") as { id: string; pixels: number[] };
    expect(binary.id).not.toBe(image.id);
    expect(new Set(binary.pixels)).toEqual(new Set([0, 1]));
    expect(printed.get("measure(thresholded)")).toMatchObject({ min: 0, max: 1, count: 24 });
    expect(printed.get("tile(image, 3) yields")).toBe(4);
    expect((printed.get("annotate(image, 7)") as { image: { id: string } }).image.id).toBe(image.id);
    expect(result.stdout).toContain("DEMO DONE");
  });
});
