// Issue 12: what `call` prints for people on a terminal (a progress bar redrawn in place, yields
// printed around it) and the pieces `inspect` renders (port types, masked tokens).
import { PassThrough } from "node:stream";
import { describe, expect, it } from "vitest";
import { ProgressLine, humanCallOutput, jsonCallOutput, renderProgressBar, transferSteps } from "../../src/cli/call-output.js";
import { describeCallFailure } from "../../src/cli/commands/call.js";
import { maskToken, portType, table } from "../../src/cli/commands/inspect.js";
import { UserError } from "../../src/cli/errors.js";
import type { Logger } from "../../src/shared/logger.js";

/** A stream that says it is a terminal of `columns` and records what was written. */
function terminal(columns = 60): NodeJS.WriteStream & { text: () => string } {
  const stream = new PassThrough() as unknown as NodeJS.WriteStream & { text: () => string };
  let text = "";
  stream.write = ((chunk: string) => {
    text += chunk;
    return true;
  }) as NodeJS.WriteStream["write"];
  Object.assign(stream, { isTTY: true, columns, text: () => text });
  return stream;
}

const lines: string[] = [];
const logger: Logger = { debug: () => {}, info: (m) => lines.push(`info ${m}`), warn: (m) => lines.push(`warn ${m}`), error: (m) => lines.push(`error ${m}`) };

describe("issue 12: the progress bar of call on a terminal", () => {
  it("issue 12: renders the percentage as a bar with the message, cut to the terminal's width", () => {
    expect(renderProgressBar(40, "tile 2 of 5", 80)).toBe(`[${"█".repeat(10)}${"░".repeat(14)}]  40% tile 2 of 5`);
    expect(renderProgressBar(undefined, undefined, 80)).toBe(`[${"░".repeat(24)}]   ?%`);
    expect(renderProgressBar(250, "", 80)).toBe(`[${"█".repeat(24)}] 100%`);
    const cut = renderProgressBar(50, "a very long message ".repeat(10), 40);
    expect(cut).toHaveLength(39);
    expect(cut.endsWith("…")).toBe(true);
  });

  it("issue 12: redraws in place, and clears the bar before a yield so the yield line stays whole", () => {
    const stderr = terminal();
    const stdout = terminal();
    const output = humanCallOutput({ logger, stdout, stderr });
    output.assigned("7");
    output.progress(25, "tile 1 of 4");
    output.yielded({ return0: 1 });
    output.progress(50, undefined);
    output.done(1);
    expect(stdout.text()).toBe('{"return0":1}\n');
    const erase = "\r\u001b[2K";
    expect(stderr.text()).toBe(
      `${erase}${renderProgressBar(25, "tile 1 of 4", 60)}` + // drawn
        erase + // cleared for the yield
        `${erase}${renderProgressBar(25, "tile 1 of 4", 60)}` + // drawn again
        `${erase}${renderProgressBar(50, "tile 1 of 4", 60)}` + // the message stays until a new one
        "\n", // the last state stays on its own line
    );
  });

  it("issue 12: draws nothing before the first progress report", () => {
    const stderr = terminal();
    const bar = new ProgressLine(stderr);
    bar.clear();
    bar.redraw();
    bar.finish();
    expect(stderr.text()).toBe("");
  });

  it("issue 12: without a terminal, progress is a plain line per report", () => {
    lines.length = 0;
    const stderr = terminal();
    (stderr as { isTTY: boolean }).isTTY = false;
    const output = humanCallOutput({ logger, stdout: terminal(), stderr });
    output.progress(40, "halfway");
    output.progress(undefined, undefined);
    output.log("WARN", "careful");
    expect(lines).toEqual(["info progress 40% halfway", "info progress ?%", "info log WARN careful"]);
    expect(stderr.text()).toBe("");
  });
});

describe("issue 12: call --json lines", () => {
  it("issue 12: every line names the task once it is assigned; events only with --verbose", () => {
    const out = terminal();
    const output = jsonCallOutput(out);
    output.assigned("3");
    output.event("STARTED", undefined);
    output.yielded({ return0: 1 });
    output.log("INFO", "hi");
    output.error({ kind: "CRITICAL", message: "boom", exitCode: 2 });
    expect(out.text().trim().split("\n").map((l) => JSON.parse(l) as unknown)).toEqual([
      { type: "assigned", task: "3" },
      { type: "yield", task: "3", index: 0, returns: { return0: 1 } },
      { type: "log", task: "3", level: "INFO", message: "hi" },
      { type: "error", task: "3", kind: "CRITICAL", message: "boom", hint: null, exitCode: 2 },
    ]);
    const verbose = terminal();
    jsonCallOutput(verbose, { verbose: true }).event("QUEUED", "waiting");
    expect(JSON.parse(verbose.text())).toEqual({ type: "event", task: null, kind: "QUEUED", message: "waiting" });
  });

  it("issue 12: failures map to exit codes: user errors 1, Ctrl+C before the assign 130, bugs 70", () => {
    expect(describeCallFailure(new UserError("bad", "fix it"), undefined, false)).toEqual({ kind: "USER_ERROR", message: "bad", hint: "fix it", task: undefined, exitCode: 1 });
    expect(describeCallFailure(new DOMException("aborted", "AbortError"), undefined, true)).toMatchObject({ kind: "CANCELLED", exitCode: 130 });
    expect(describeCallFailure(new TypeError("oops"), "4", false)).toEqual({ kind: "INTERNAL", message: "oops", task: "4", exitCode: 70 });
  });
});

describe("issue 12: inspect's port types and masked tokens", () => {
  const port = (kind: string, extra: object = {}) => ({ key: "p", kind, nullable: false, ...extra });

  it("issue 12: a port's type is one expression, children included", () => {
    expect(portType(port("INT"))).toBe("INT");
    expect(portType(port("STRUCTURE", { identifier: "@x/image" }))).toBe("STRUCTURE @x/image");
    expect(portType(port("LIST", { children: [port("DICT", { children: [port("FLOAT")] })] }))).toBe("LIST<DICT<FLOAT>>");
    expect(portType(port("UNION", { children: [port("STRING"), port("INT")] }))).toBe("UNION<STRING | INT>");
    expect(portType(port("ENUM", { choices: [{ label: "A", value: "a" }, { label: "B", value: "b" }] }))).toBe("ENUM(A|B)");
    expect(portType(port("MODEL", { identifier: "point", children: [{ ...port("FLOAT"), key: "x" }, { ...port("FLOAT"), key: "y" }] }))).toBe("MODEL point{x: FLOAT, y: FLOAT}");
  });

  it("issue 12: a token shows only its first 4 characters, and none of a short one", () => {
    expect(maskToken("dev-abcdefghijklmnop")).toBe("dev-… (20 characters)");
    expect(maskToken("short-token")).toBe("… (11 characters)");
  });

  it("issue 12: tables pad every column but the last", () => {
    expect(table(["key", "type", "description"], [["width", "INT", "Width"], ["h", "LIST<FLOAT>", ""]])).toEqual([
      "  key    type         description",
      "  width  INT          Width",
      "  h      LIST<FLOAT>",
    ]);
  });
});

describe("issue 14: progress of file transfers in call", () => {
  const MB = 1024 * 1024;

  it("issue 14: only transfers over 4 MB report, in whole 10% steps, once each", () => {
    const step = transferSteps(10);
    expect(step("up", 3 * MB, 4 * MB)).toBeUndefined(); // small: never
    const reported = [0, 0.05, 0.1, 0.12, 0.5, 0.55, 0.99, 1].map((f) => step("big", Math.round(f * 10 * MB), 10 * MB));
    expect(reported).toEqual([undefined, undefined, 10, undefined, 50, undefined, 90, 100]);
    // unknown size: a line per 4 MB once past it
    expect([3, 5, 6, 9].map((n) => step("stream", n * MB, undefined))).toEqual([undefined, -1, undefined, -1]);
  });

  it("issue 14: without a terminal a big transfer is a line per step; on a terminal a bar of its own, cleared when the file is done", () => {
    lines.length = 0;
    const plain = terminal();
    (plain as { isTTY: boolean }).isTTY = false;
    const output = humanCallOutput({ logger, stdout: terminal(), stderr: plain });
    for (const f of [0.3, 0.6, 1]) output.transfer("upload", "image", "cat.png", f * 10 * MB, 10 * MB);
    output.uploaded("image", "/w/cat.png", "ms_1", 10 * MB);
    expect(lines).toEqual(["info uploading cat.png (image) 30%", "info uploading cat.png (image) 60%", "info uploading cat.png (image) 100%", "info uploaded /w/cat.png (10.5 MB) for image as ms_1"]);
    expect(plain.text()).toBe("");

    const tty = terminal(100);
    const bar = humanCallOutput({ logger, stdout: terminal(), stderr: tty });
    bar.transfer("download", "return0", "out.png", 5 * MB, 10 * MB);
    bar.savedFile("return0", "ms_2", "/w/out/out.png", 10 * MB);
    const erase = "\r\u001b[2K";
    expect(tty.text()).toBe(`${erase}${renderProgressBar(50, "downloading out.png (return0) 5.2 MB of 10.5 MB", 100)}${erase}`);
    expect(lines.at(-1)).toBe("info return0: wrote /w/out/out.png (10.5 MB)");
  });

  it("issue 14: --json reports uploads, written files and transfer steps as lines", () => {
    const out = terminal();
    const output = jsonCallOutput(out);
    output.uploaded("image", "/w/cat.png", "ms_1", 5);
    output.transfer("upload", "image", "cat.png", 2, 5); // small: no line
    output.assigned("7");
    output.yielded({ return0: { __identifier: "@arkitekt/file", object: "ms_2" } });
    output.transfer("download", "return0", "big.bin", 6 * MB, 12 * MB);
    output.savedFile("return0", "ms_2", "/w/out/big.bin", 12 * MB);
    expect(out.text().trim().split("\n").map((l) => JSON.parse(l) as unknown)).toEqual([
      { type: "upload", port: "image", path: "/w/cat.png", file: "ms_1", bytes: 5 },
      { type: "assigned", task: "7" },
      { type: "yield", task: "7", index: 0, returns: { return0: { __identifier: "@arkitekt/file", object: "ms_2" } } },
      { type: "transfer", direction: "download", port: "return0", name: "big.bin", loaded: 6 * MB, total: 12 * MB, percent: 50 },
      { type: "file", task: "7", index: 0, port: "return0", file: "ms_2", path: "/w/out/big.bin", bytes: 12 * MB },
    ]);
  });
});
