/**
 * Helpers of the media store tests: the GraphQL documents (the released Python client's exact
 * RequestMediaUpload among them) and a raw `@aws-sdk/client-s3` client made from a grant, with
 * explicit credentials and region and path-style addressing, never probing a metadata service.
 */
import { S3Client } from "@aws-sdk/client-s3";
import type { ImplementationInput } from "../helpers/fixture.js";
import type { TestServer } from "../helpers/server.js";

process.env.AWS_EC2_METADATA_DISABLED = "true";

/** rekuest-next 2.1.2's RequestMediaUpload, byte for byte. */
export const PYTHON_REQUEST_MEDIA_UPLOAD =
  "mutation RequestMediaUpload($input: RequestMediaUploadInput!) { requestMediaUpload(input: $input) { accessKey secretKey sessionToken path key bucket expiresIn maxBytes store } }";

export const REQUEST_UPLOAD = `mutation ($input: RequestMediaUploadInput!) {
  requestMediaUpload(input: $input) { status accessKey secretKey sessionToken region bucket key path expiresIn store maxBytes originalFileName uploadFileName uploadContentType uploadFormField }
}`;
export const FINISH_UPLOAD = `mutation ($input: FinishMediaUploadInput!) { finishMediaUpload(input: $input) { id path bucket key originalFileName contentType presignedUrl } }`;
export const FINISH_WITH_GRANT = `mutation ($input: FinishMediaUploadInput!) { finishMediaUpload(input: $input) { id accessGrant { accessKey secretKey sessionToken region bucket key path expiresIn store } } }`;
export const REQUEST_ACCESS = `mutation ($input: RequestMediaAccessInput!) {
  requestMediaAccess(input: $input) { status accessKey secretKey sessionToken region bucket key path expiresIn store }
}`;

export interface Grant {
  accessKey: string;
  secretKey: string;
  sessionToken: string;
  region?: string;
  bucket: string;
  key: string;
  path: string;
  expiresIn: number;
  store: string;
  maxBytes?: number;
}

export async function requestUpload(server: TestServer, token: string, input: Record<string, unknown> = { originalFileName: "data.bin" }): Promise<Grant> {
  return (await server.gql<{ requestMediaUpload: Grant }>(token, REQUEST_UPLOAD, { input })).requestMediaUpload;
}
export async function requestAccess(server: TestServer, token: string, storeId: string): Promise<Grant> {
  return (await server.gql<{ requestMediaAccess: Grant }>(token, REQUEST_ACCESS, { input: { storeId } })).requestMediaAccess;
}
export async function finishUpload(server: TestServer, token: string, storeId: string, valid = true): Promise<Record<string, unknown>> {
  return (await server.gql<{ finishMediaUpload: Record<string, unknown> }>(token, FINISH_UPLOAD, { input: { storeId, valid } })).finishMediaUpload;
}

/** A raw S3 client for `grant` against the server's root (path-style), with the grant's or a given region. */
export function s3For(server: { url: string }, grant: Pick<Grant, "accessKey" | "secretKey" | "sessionToken">, region = "us-east-1"): S3Client {
  return new S3Client({
    endpoint: server.url,
    region,
    forcePathStyle: true,
    credentials: { accessKeyId: grant.accessKey, secretAccessKey: grant.secretKey, sessionToken: grant.sessionToken },
    maxAttempts: 1,
  });
}

/** The S3 error code of a rejected SDK call (`name`, as the SDK reports S3's `<Code>`). */
export async function s3ErrorCode(call: Promise<unknown>): Promise<string> {
  try {
    await call;
  } catch (error) {
    const e = error as { name?: string; Code?: string; $metadata?: { httpStatusCode?: number } };
    return e.Code ?? e.name ?? String(error);
  }
  throw new Error("the S3 call succeeded, but it should have been refused");
}

/** Deterministic bytes of `size` (a repeating pattern that differs per offset). */
export function patternBytes(size: number, seed = 7): Buffer {
  const b = Buffer.alloc(size);
  for (let i = 0; i < size; i++) b[i] = (i * 31 + seed + (i >> 10)) & 0xff;
  return b;
}

/** An action whose one argument is a File: tasks of it refer to a store (for the in-use rules). */
export const KEEP_FILE: ImplementationInput = {
  interface: "keep_file",
  effect: "NONE",
  definition: {
    key: "keep_file",
    version: "1",
    name: "Keep File",
    kind: "FUNCTION",
    description: "Holds a file (media fixture)",
    collections: [],
    args: [{ key: "file", kind: "STRUCTURE", identifier: "@arkitekt/file", nullable: false }],
    returns: [],
  },
};
