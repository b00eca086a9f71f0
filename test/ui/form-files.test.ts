/**
 * Issue 14: File ports in the form's values (src/ui/form-model.ts) without a browser: a picked
 * file's store id is the port's wire value, past args fill the picker again, and a form with an
 * upload still running or failed says so at the field instead of sending.
 */
import { describe, expect, it } from "vitest";
import { FILE_IDENTIFIER, argsOf, formProblems, fromWire, initialDraft, isFilePort, toWire, type Draft, type FormPort } from "../../src/ui/form-model.js";

const file: FormPort = { key: "file", kind: "STRUCTURE", identifier: FILE_IDENTIFIER, nullable: false };
const files: FormPort = { key: "files", kind: "LIST", nullable: false, children: [{ ...file, key: "..." }] };
const image: FormPort = { key: "image", kind: "STRUCTURE", identifier: "@ui/image", nullable: false };
const ref = (id: string) => ({ __identifier: FILE_IDENTIFIER, object: id });

describe("issue 14: File ports in the form", () => {
  it("issue 14: only STRUCTURE ports with identifier @arkitekt/file get a file picker", () => {
    expect(isFilePort(file)).toBe(true);
    expect(isFilePort(image)).toBe(false);
    expect(isFilePort({ kind: "STRING", identifier: FILE_IDENTIFIER })).toBe(false);
    expect(initialDraft(file)).toEqual({ t: "file", id: "" });
    expect(initialDraft(image)).toEqual({ t: "text", text: "" });
  });

  it("issue 14: a picked file's store id is the port's wire value; a past task's value fills the picker again", () => {
    const picked: Draft = { t: "file", id: "ms_abc", name: "cat.png", size: 12 };
    expect(toWire(file, picked)).toEqual(ref("ms_abc"));
    expect(toWire(file, { t: "file", id: "" })).toBeUndefined();
    expect(fromWire(file, ref("ms_abc"))).toEqual({ t: "file", id: "ms_abc" });
    expect(argsOf([file, files], { file: picked, files: { t: "list", items: [fromWire(files.children![0]!, ref("ms_1")), picked] } })).toEqual({
      file: ref("ms_abc"),
      files: [ref("ms_1"), ref("ms_abc")],
    });
  });

  it("issue 14: a form with an upload still running or failed says so at the field", () => {
    expect(formProblems([file], { file: { t: "file", id: "", name: "big.bin", uploading: true } }).get("file")).toEqual(["the file is still uploading: wait for it to finish"]);
    expect(formProblems([files], { files: { t: "list", items: [{ t: "file", id: "", error: "the upload was refused (403 AccessDenied): expired" }] } }).get("files[0]")).toEqual([
      "the upload failed: the upload was refused (403 AccessDenied): expired; pick the file again",
    ]);
    expect(formProblems([file], { file: { t: "file", id: "" } }).get("file")?.join()).toContain("not nullable");
    expect(formProblems([file], { file: { t: "file", id: "ms_abc" } }).size).toBe(0);
  });
});

describe("issue 14: the name of a returned file in the page", () => {
  it("issue 14: a download link is named from the presigned URL's response-content-disposition (filename* wins)", async () => {
    const { fileNameOfDisposition } = await import("../../src/ui/media.js");
    expect(fileNameOfDisposition(`attachment; filename*=UTF-8''reversed-caf%C3%A9%20photo.bin`)).toBe("reversed-café photo.bin");
    expect(fileNameOfDisposition(`attachment; filename="a \\"b\\".txt"; filename*=UTF-8''c.txt`)).toBe("c.txt");
    expect(fileNameOfDisposition(`attachment; filename="plain.txt"`)).toBe("plain.txt");
    expect(fileNameOfDisposition(`attachment; filename*=UTF-8''%E0%A4%A; filename=fallback.txt`)).toBe("fallback.txt");
    expect(fileNameOfDisposition("attachment")).toBeNull();
    expect(fileNameOfDisposition(null)).toBeNull();
  });
});
