// Issue 14: how `call` reads `@path` args against the action's ports, and how it names the files
// it writes into --out (pure parts; the end-to-end test is call-files-e2e.test.ts).
import { mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { FILE_IDENTIFIER, createUniqueFile, filesIn, findFileArgs, fileArgHint, hasAtString, outputFolder, readLocalFile, safeFileName, type PortShape } from "../../src/cli/call-files.js";
import { UserError } from "../../src/cli/errors.js";

const file: PortShape = { key: "image", kind: "STRUCTURE", identifier: FILE_IDENTIFIER, nullable: false };
const ports: PortShape[] = [
  file,
  { key: "name", kind: "STRING", nullable: false },
  { key: "other", kind: "STRUCTURE", identifier: "@example/image", nullable: false },
  { key: "maybe", kind: "STRUCTURE", identifier: FILE_IDENTIFIER, nullable: true },
  { key: "many", kind: "LIST", nullable: false, children: [{ ...file, key: "..." }] },
  { key: "named", kind: "DICT", nullable: false, children: [{ ...file, key: "..." }] },
  { key: "settings", kind: "MODEL", nullable: false, children: [{ ...file, key: "mask" }, { key: "label", kind: "STRING", nullable: false }] },
  { key: "either", kind: "UNION", nullable: false, children: [{ key: "0", kind: "STRING", nullable: false }, { ...file, key: "1" }] },
];

const ref = (id: string) => ({ __identifier: FILE_IDENTIFIER, object: id });

describe("issue 14: call reads @path only at File ports", () => {
  it("issue 14: @path at a File port names a file to upload; at a STRING port @bob stays the string \"@bob\"", () => {
    const args: Record<string, unknown> = { image: "@pics/a.png", name: "@bob", other: "@x" };
    const found = findFileArgs(ports, args);
    expect(found.map((f) => [f.port, f.file])).toEqual([["image", "pics/a.png"]]);
    found[0]!.replace(ref("ms_1"));
    expect(args).toEqual({ image: ref("ms_1"), name: "@bob", other: "@x" });
  });

  it("issue 14: @path is read inside lists, dicts, models, unions and nullable File ports", () => {
    const args: Record<string, unknown> = {
      maybe: "@m.bin",
      many: ["@a.bin", ref("ms_kept"), "@b.bin"],
      named: { first: "@c.bin" },
      settings: { mask: "@d.bin", label: "@not-a-file" },
      either: { __use: 1, __value: "@e.bin" },
    };
    const found = findFileArgs(ports, args);
    expect(found.map((f) => [f.port, f.file])).toEqual([
      ["maybe", "m.bin"],
      ["many[0]", "a.bin"],
      ["many[2]", "b.bin"],
      ["named.first", "c.bin"],
      ["settings.mask", "d.bin"],
      ["either.__value", "e.bin"],
    ]);
    found.forEach((f, i) => f.replace(ref(`ms_${i}`)));
    expect(args).toEqual({
      maybe: ref("ms_0"),
      many: [ref("ms_1"), ref("ms_kept"), ref("ms_2")],
      named: { first: ref("ms_3") },
      settings: { mask: ref("ms_4"), label: "@not-a-file" },
      either: { __use: 1, __value: ref("ms_5") },
    });
    // a union whose chosen variant is a STRING keeps its @ text
    expect(findFileArgs(ports, { either: { __use: 0, __value: "@text" } })).toEqual([]);
  });

  it("issue 14: only args with an @ string make call read the action's ports", () => {
    expect(hasAtString({ a: 1, b: "x", c: [{ d: "e" }] })).toBe(false);
    expect(hasAtString({ a: [{ d: "@e" }] })).toBe(true);
    expect(hasAtString({ a: "me@example.org" })).toBe(false);
  });

  it("issue 14: a missing file is a user error naming the port and the path", async () => {
    const dir = mkdtempSync(join(tmpdir(), "arkitekt-call-files-"));
    try {
      const missing = readLocalFile({ port: "many[1]", file: "nope/b.png" }, dir);
      await expect(missing).rejects.toBeInstanceOf(UserError);
      await expect(missing).rejects.toThrow(`port "many[1]": no file at ${join(dir, "nope/b.png")} (from @nope/b.png)`);
      await expect(missing).rejects.toMatchObject({ hint: expect.stringContaining(`relative to the current directory (${dir})`) });
      await expect(readLocalFile({ port: "image", file: "" }, dir)).rejects.toThrow('port "image": "@" names no file');
      await expect(readLocalFile({ port: "image", file: "." }, dir)).rejects.toThrow(`port "image": ${dir} (from @.) is not a file`);
      writeFileSync(join(dir, "a.bin"), "12345");
      await expect(readLocalFile({ port: "image", file: "a.bin" }, dir)).resolves.toEqual({ path: join(dir, "a.bin"), size: 5 });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("issue 14: call --out names returned files safely", () => {
  const out = mkdtempSync(join(tmpdir(), "arkitekt-call-out-"));
  afterAll(() => rmSync(out, { recursive: true, force: true }));

  it("issue 14: every File reference in a yield is found with its return port path", () => {
    expect(
      filesIn({
        return0: ref("ms_a"),
        return1: [ref("ms_b"), null, { __use: 1, __value: ref("ms_c") }],
        return2: "ms_not_a_ref",
        return3: { __identifier: "@example/image", object: "img-1" },
      }),
    ).toEqual([
      { port: "return0", id: "ms_a" },
      { port: "return1[0]", id: "ms_b" },
      { port: "return1[2].__value", id: "ms_c" },
    ]);
  });

  it("issue 14: a returned file's name never leaves the output folder", () => {
    expect(safeFileName("result.png", "x")).toBe("result.png");
    expect(safeFileName("../../etc/passwd", "x")).toBe("passwd");
    expect(safeFileName("C:\\Users\\me\\evil.txt", "x")).toBe("evil.txt");
    expect(safeFileName("..", "fallback")).toBe("fallback");
    expect(safeFileName(".bashrc", "x")).toBe("bashrc");
    expect(safeFileName("a\u0000b\nc<d>.txt", "x")).toBe("a_b_c_d_.txt");
    expect(safeFileName("", "ms_1")).toBe("ms_1");
    expect(safeFileName(null, "ms_1")).toBe("ms_1");
    expect(safeFileName("con.txt", "x")).toBe("_con.txt");
    const long = safeFileName(`${"é".repeat(300)}.tar`, "x");
    expect(Buffer.byteLength(long)).toBeLessThanOrEqual(200);
    expect(long.endsWith(".tar")).toBe(true);
  });

  it("issue 14: a name that exists in the output folder gets a numbered suffix; nothing is overwritten", async () => {
    writeFileSync(join(out, "result.png"), "old");
    const first = await createUniqueFile(out, "result.png");
    await first.handle.close();
    const second = await createUniqueFile(out, "result.png");
    await second.handle.close();
    expect([first.path, second.path]).toEqual([join(out, "result-1.png"), join(out, "result-2.png")]);
    expect(readFileSync(join(out, "result.png"), "utf8")).toBe("old");
  });

  it("issue 14: an --out folder that cannot be made is a user error naming --out and the folder (not an internal error)", async () => {
    writeFileSync(join(out, "plain.txt"), "a file, not a folder");
    const error = await outputFolder("plain.txt/sub", out).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UserError);
    expect((error as UserError).message).toContain(`--out plain.txt/sub: cannot make the folder ${join(out, "plain.txt", "sub")}`);
    expect((error as UserError).hint).toMatch(/folder you can write to/);
  });

  it("issue 14: a returned file that cannot be created in --out is a user error naming the file", async () => {
    const error = await createUniqueFile(join(out, "no-such-folder"), "result.png").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UserError);
    expect((error as UserError).message).toContain(`cannot write ${join(out, "no-such-folder", "result.png")}`);
  });

  it("issue 14: a symlink in the output folder is never written through", async () => {
    const elsewhere = join(out, "elsewhere");
    mkdirSync(elsewhere);
    writeFileSync(join(elsewhere, "target.txt"), "keep");
    symlinkSync(join(elsewhere, "target.txt"), join(out, "link.txt"));
    const created = await createUniqueFile(out, "link.txt");
    await created.handle.writeFile("new");
    await created.handle.close();
    expect(created.path).toBe(join(out, "link-1.txt"));
    expect(readFileSync(join(elsewhere, "target.txt"), "utf8")).toBe("keep");
    expect(readdirSync(out).sort()).toContain("link-1.txt");
  });
});

describe("issue 14: call's hints when args do not fit File ports", () => {
  it("issue 14: a plain path at a File port is answered with the @path form", () => {
    const hint = fileArgHint('Invalid args for action "shout": port "text": expected a structure reference {"__identifier": "@arkitekt/file", "object": "<reference>"}, got the string "hello.txt"');
    expect(hint).toContain("text=@hello.txt");
  });

  it("issue 14: @path at a port that is not a File port says @ works only at File ports (a list of files is a JSON list)", () => {
    expect(fileArgHint('Invalid args for action "add": port "a": expected an integer between -(2^53 - 1) and 2^53 - 1, got the string "@hello.txt"')).toMatch(/only at File ports/);
    expect(fileArgHint('Invalid args for action "countAll": port "files": expected a list, got the string "@hello.txt"')).toContain(`files='["@hello.txt"]'`);
  });

  it("issue 14: other assign errors get no file hint", () => {
    expect(fileArgHint('Invalid args for action "add": port "a": expected an integer, got the string "x"')).toBeUndefined();
  });
});
