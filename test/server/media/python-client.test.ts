/**
 * The released Python client's media sequence (rekuest-next 2.1.2), replayed at the wire level:
 * its exact RequestMediaUpload document with only `originalFileName`, a plain PutObject signed for
 * region us-west-2 with the grant's credentials, no finishMediaUpload, then the store id as a
 * `@arkitekt/file` structure value, which the agent reads through requestMediaAccess.
 */
import { GetObjectCommand, PutObjectCommand } from "@aws-sdk/client-s3";
import { describe, expect, it } from "vitest";
import { ASSIGN, setupAgent, implOf, type ImplementationInput } from "../helpers/fixture.js";
import { useTestServer } from "../helpers/server.js";
import { T1, T2 } from "../helpers/tokens.js";
import { PYTHON_REQUEST_MEDIA_UPLOAD, requestAccess, requestUpload, s3For, type Grant } from "./helpers.js";

const FILE = { __identifier: "@arkitekt/file" };

/** `describe_file(file: File, more: File[]) -> str`: one File port and one list of them. */
const DESCRIBE_FILE: ImplementationInput = {
  interface: "describe_file",
  effect: "NONE",
  definition: {
    key: "describe_file",
    version: "1",
    name: "Describe File",
    kind: "FUNCTION",
    description: "Describes a file (media fixture)",
    collections: [],
    args: [
      { key: "file", kind: "STRUCTURE", identifier: "@arkitekt/file", nullable: false },
      { key: "more", kind: "LIST", nullable: true, children: [{ key: "...", kind: "STRUCTURE", identifier: "@arkitekt/file", nullable: false }] },
    ],
    returns: [{ key: "return0", kind: "STRING", nullable: false }],
  },
};

interface ErrorEntry {
  message: string;
  extensions?: { code?: string; ports?: Array<{ path: string; message: string }> };
}

describe("issue 14: the released Python client's upload sequence", () => {
  const server = useTestServer();

  it("issue 14: requestMediaUpload (the exact 2.1.2 document), a us-west-2 PutObject and the store as an arg, never finished, works", async () => {
    const s = server();
    const data = await s.gql<{ requestMediaUpload: Grant }>(T1, PYTHON_REQUEST_MEDIA_UPLOAD, { input: { originalFileName: "cells.tif" } });
    const grant = data.requestMediaUpload;
    expect(Object.keys(grant).sort()).toEqual(["accessKey", "bucket", "expiresIn", "key", "maxBytes", "path", "secretKey", "sessionToken", "store"]);
    expect(grant.expiresIn).toBe(3600);
    const bytes = Buffer.from("II*\u0000 a small tiff, as far as this test cares");
    await s3For(s, grant, "us-west-2").send(new PutObjectCommand({ Bucket: grant.bucket, Key: grant.key, Body: bytes }));

    const fixture = await setupAgent(s, T1, [DESCRIBE_FILE]);
    const { socket: executor } = await s.connectAgent(T1);
    const assigned = await s.gql<{ assign: { id: string } }>(T2, ASSIGN, {
      input: { implementation: implOf(fixture, "describe_file").id, args: { file: { ...FILE, object: grant.store }, more: [] } },
    });
    const frame = await executor.next((f) => f.type === "ASSIGN" && f.task === assigned.assign.id);
    expect((frame.args as Record<string, unknown>).file).toEqual({ ...FILE, object: grant.store });

    // the agent's side: read access for the id it received, signed for us-west-2 as well
    const access = await requestAccess(s, T1, grant.store);
    const got = await s3For(s, access, "us-west-2").send(new GetObjectCommand({ Bucket: access.bucket, Key: access.key }));
    expect(Buffer.from(await got.Body!.transformToByteArray())).toEqual(bytes);
  });

  it("issue 14: a File arg whose store never received its object, or is unknown, is refused with INVALID_ARGS naming the port", async () => {
    const s = server();
    const fixture = await setupAgent(s, T1, [DESCRIBE_FILE]);
    await s.connectAgent(T1);
    const uploaded = await requestUpload(s, T1);
    await s3For(s, uploaded).send(new PutObjectCommand({ Bucket: uploaded.bucket, Key: uploaded.key, Body: "ok" }));
    const pending = await requestUpload(s, T1);
    const response = await s.request<unknown>(T2, ASSIGN, {
      input: {
        implementation: implOf(fixture, "describe_file").id,
        args: { file: { ...FILE, object: uploaded.store }, more: [{ ...FILE, object: uploaded.store }, { ...FILE, object: pending.store }, { ...FILE, object: "ms_unknown" }] },
      },
    });
    const error = response.errors?.[0] as ErrorEntry;
    expect(error.extensions?.code).toBe("INVALID_ARGS");
    expect(error.extensions?.ports?.map((p) => p.path)).toEqual(["more[1]", "more[2]"]);
    expect(error.extensions?.ports?.[0]?.message).toContain("never uploaded");
    expect(error.extensions?.ports?.[1]?.message).toContain('Media store "ms_unknown" not found');
    expect(error.message).toMatch(/^Invalid args for action "describe_file": port "more\[1\]": @arkitekt\/file: /);
  });
});
