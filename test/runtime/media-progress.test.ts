// Issue 14: transfers over 4 MiB inside a task report progress on it (the e2e test sees them on a real task).
import { Readable, Writable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { describe, expect, it } from "vitest";
import type { TaskContext } from "../../src/runtime/context.js";
import { ProgressCounter } from "../../src/runtime/media/progress.js";
import { MEDIA_DEFAULTS } from "../../src/runtime/media/options.js";

const MiB = 1024 * 1024;

function recordingContext(): { ctx: TaskContext; reports: Array<[number, string | undefined]> } {
  const reports: Array<[number, string | undefined]> = [];
  const ctx = { progress: (percent: number, message?: string) => reports.push([percent, message]) } as unknown as TaskContext;
  return { ctx, reports };
}

async function pass(counter: ProgressCounter, bytes: number): Promise<void> {
  const chunks = Array.from({ length: Math.ceil(bytes / (256 * 1024)) }, (_, i) => Buffer.alloc(Math.min(256 * 1024, bytes - i * 256 * 1024)));
  await pipeline(Readable.from(chunks), counter, new Writable({ write: (_c, _e, cb) => cb() }));
}

describe("issue 14: transfer progress on the task", () => {
  it("issue 14: a transfer over 4 MiB reports whole percents up to 100, at most once each", async () => {
    expect(MEDIA_DEFAULTS.progressAboveBytes).toBe(4 * MiB);
    const { ctx, reports } = recordingContext();
    const counter = new ProgressCounter("downloaded", "big.bin", 10 * MiB, MEDIA_DEFAULTS.progressAboveBytes, ctx);
    await pass(counter, 10 * MiB);
    const percents = reports.map(([p]) => p);
    expect(percents.at(-1)).toBe(100);
    expect(new Set(percents).size).toBe(percents.length);
    expect(percents).toEqual([...percents].sort((a, b) => a - b));
    expect(reports.at(-1)![1]).toBe("big.bin: 10.0 MiB of 10.0 MiB downloaded");
  });

  it("issue 14: a transfer of 4 MiB or less reports nothing, nor one outside a task", async () => {
    const { ctx, reports } = recordingContext();
    await pass(new ProgressCounter("uploaded", "small.bin", 4 * MiB, MEDIA_DEFAULTS.progressAboveBytes, ctx), 4 * MiB);
    expect(reports).toEqual([]);
    const outside = new ProgressCounter("uploaded", "big.bin", 8 * MiB, MEDIA_DEFAULTS.progressAboveBytes, undefined);
    await pass(outside, 8 * MiB);
    expect(outside.bytes).toBe(8 * MiB);
  });

  it("issue 14: a transfer of unknown size reports once per MiB past 4 MiB, keeping the task's last percent", async () => {
    const { ctx, reports } = recordingContext();
    await pass(new ProgressCounter("downloaded", "known.bin", 6 * MiB, MEDIA_DEFAULTS.progressAboveBytes, ctx), 3 * MiB); // half: 50%
    reports.length = 0;
    await pass(new ProgressCounter("uploaded", "derived.bin", undefined, MEDIA_DEFAULTS.progressAboveBytes, ctx), 7 * MiB);
    expect(reports.map(([, m]) => m)).toEqual([
      "derived.bin: 4.3 MiB uploaded",
      "derived.bin: 5.0 MiB uploaded",
      "derived.bin: 6.0 MiB uploaded",
      "derived.bin: 7.0 MiB uploaded",
    ]);
    expect(new Set(reports.map(([p]) => p))).toEqual(new Set([50]));
  });
});
