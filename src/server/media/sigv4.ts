/**
 * SigV4 verification of S3 requests against per-grant secrets, with the AWS SDK's own signer
 * (`@smithy/signature-v4`, SHA-256 from `@smithy/hash-node`): the received request is signed again
 * with the grant's secret, exactly as the client says it signed it (its credential scope, signed
 * headers, date and payload hash), and the two signatures are compared in constant time. Both forms
 * are served: the `Authorization` header and presigned query parameters (`X-Amz-Signature`). No
 * cryptography is written here.
 */
import { timingSafeEqual } from "node:crypto";
import type { IncomingHttpHeaders } from "node:http";
import type { SignatureV4 } from "@smithy/signature-v4";
import { S3Error } from "./s3-errors.js";

/** How far a header-signed request's date may be from the server's clock (S3's rule). */
export const MAX_CLOCK_SKEW_MS = 15 * 60 * 1000;
/** The longest presigned URL SigV4 allows (seven days). */
export const MAX_PRESIGNED_SECONDS = 7 * 24 * 3600;

export const UNSIGNED_PAYLOAD = "UNSIGNED-PAYLOAD";
export const STREAMING_UNSIGNED_TRAILER = "STREAMING-UNSIGNED-PAYLOAD-TRAILER";

/** A request's query as S3 signs it: decoded names and values, in order (a name without `=` has the value ""). */
export type QueryPairs = Array<[string, string]>;

export function parseQuery(raw: string): QueryPairs {
  const pairs: QueryPairs = [];
  if (raw === "") return pairs;
  for (const part of raw.split("&")) {
    if (part === "") continue;
    const eq = part.indexOf("=");
    const name = eq === -1 ? part : part.slice(0, eq);
    const value = eq === -1 ? "" : part.slice(eq + 1);
    try {
      pairs.push([decodeURIComponent(name), decodeURIComponent(value)]);
    } catch {
      throw new S3Error("InvalidArgument", `the query parameter ${JSON.stringify(name.slice(0, 60))} is not valid percent-encoding`);
    }
  }
  return pairs;
}

export function queryValue(query: QueryPairs, name: string): string | undefined {
  return query.find(([k]) => k === name)?.[1];
}

/** The parts of a signature the verifier needs, whichever form it came in. */
export interface SignedRequest {
  accessKey: string;
  /** `YYYYMMDD` of the credential scope. */
  scopeDate: string;
  region: string;
  signedHeaders: string[];
  signature: string;
  /** The request's `X-Amz-Date` as a Date. */
  date: Date;
  /** The presigned URL's lifetime in seconds (query form only). */
  expiresIn?: number;
  /** The session token the request carries (header or query). */
  sessionToken: string | undefined;
  presigned: boolean;
}

const first = (value: string | string[] | undefined): string | undefined => (Array.isArray(value) ? value.join(",") : value);

function parseAmzDate(text: string | undefined, where: string): Date {
  const match = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(text ?? "");
  if (!match) throw new S3Error("AccessDenied", `${where} must be an X-Amz-Date like 20240101T120000Z, got ${JSON.stringify((text ?? "").slice(0, 40))}`);
  const [, y, mo, d, h, mi, s] = match.map(Number) as [number, number, number, number, number, number, number];
  return new Date(Date.UTC(y, mo - 1, d, h, mi, s));
}

function parseCredential(credential: string, malformed: "AuthorizationHeaderMalformed" | "AuthorizationQueryParametersError"): { accessKey: string; scopeDate: string; region: string } {
  const parts = credential.split("/");
  if (parts.length !== 5 || parts[3] !== "s3" || parts[4] !== "aws4_request" || !/^\d{8}$/.test(parts[1]!)) {
    throw new S3Error(malformed, `the credential must be <access key>/<YYYYMMDD>/<region>/s3/aws4_request, got ${JSON.stringify(credential.slice(0, 120))}`);
  }
  return { accessKey: parts[0]!, scopeDate: parts[1]!, region: parts[2]! };
}

/** Reads the signature of a request (header or presigned form); null when it carries none. */
export function readSignature(headers: IncomingHttpHeaders, query: QueryPairs): SignedRequest | null {
  const authorization = first(headers.authorization);
  if (authorization !== undefined) {
    const match = /^AWS4-HMAC-SHA256\s+(.*)$/s.exec(authorization.trim());
    if (!match) {
      throw new S3Error("InvalidArgument", "only AWS Signature Version 4 (AWS4-HMAC-SHA256) is accepted: configure the S3 client for SigV4 with the grant's credentials");
    }
    const fields = new Map<string, string>();
    for (const part of match[1]!.split(",")) {
      const eq = part.indexOf("=");
      if (eq > 0) fields.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
    }
    const credential = fields.get("Credential");
    const signedHeaders = fields.get("SignedHeaders");
    const signature = fields.get("Signature");
    if (!credential || !signedHeaders || !signature) {
      throw new S3Error("AuthorizationHeaderMalformed", "the Authorization header needs Credential=, SignedHeaders= and Signature=");
    }
    const date = parseAmzDate(first(headers["x-amz-date"]), "the x-amz-date header");
    return {
      ...parseCredential(credential, "AuthorizationHeaderMalformed"),
      signedHeaders: signedHeaders.split(";").map((h) => h.trim().toLowerCase()),
      signature,
      date,
      sessionToken: first(headers["x-amz-security-token"]),
      presigned: false,
    };
  }
  const signature = queryValue(query, "X-Amz-Signature");
  if (signature === undefined) return null;
  if (queryValue(query, "X-Amz-Algorithm") !== "AWS4-HMAC-SHA256") {
    throw new S3Error("AuthorizationQueryParametersError", "X-Amz-Algorithm must be AWS4-HMAC-SHA256");
  }
  const credential = queryValue(query, "X-Amz-Credential");
  const signedHeaders = queryValue(query, "X-Amz-SignedHeaders");
  const expires = queryValue(query, "X-Amz-Expires");
  if (!credential || !signedHeaders || expires === undefined) {
    throw new S3Error("AuthorizationQueryParametersError", "a presigned URL needs X-Amz-Credential, X-Amz-Date, X-Amz-Expires, X-Amz-SignedHeaders and X-Amz-Signature");
  }
  const expiresIn = /^\d{1,7}$/.test(expires) ? Number(expires) : NaN;
  if (!Number.isInteger(expiresIn) || expiresIn < 1 || expiresIn > MAX_PRESIGNED_SECONDS) {
    throw new S3Error("AuthorizationQueryParametersError", `X-Amz-Expires must be 1..${MAX_PRESIGNED_SECONDS} seconds, got ${JSON.stringify(expires.slice(0, 20))}`);
  }
  return {
    ...parseCredential(credential, "AuthorizationQueryParametersError"),
    signedHeaders: signedHeaders.split(";").map((h) => h.trim().toLowerCase()),
    signature,
    date: parseAmzDate(queryValue(query, "X-Amz-Date"), "X-Amz-Date"),
    expiresIn,
    sessionToken: queryValue(query, "X-Amz-Security-Token"),
    presigned: true,
  };
}

export interface RequestToVerify {
  method: string;
  /** The path as received (still percent-encoded, as S3 signs it). */
  path: string;
  query: QueryPairs;
  headers: IncomingHttpHeaders;
}

/**
 * The AWS signer, loaded at the first S3 request or presign (issue 18): its modules are about 3 MB
 * of live heap and 18 MB of RSS that a server without media traffic never needs.
 */
let signerModules: Promise<{ SignatureV4: typeof SignatureV4; Hash: typeof import("@smithy/hash-node").Hash }> | undefined;
function loadSigner(): Promise<{ SignatureV4: typeof SignatureV4; Hash: typeof import("@smithy/hash-node").Hash }> {
  signerModules ??= Promise.all([import("@smithy/signature-v4"), import("@smithy/hash-node")]).then(([signature, hash]) => ({ SignatureV4: signature.SignatureV4, Hash: hash.Hash }));
  return signerModules;
}

async function signerFor(accessKey: string, secret: string, region: string): Promise<SignatureV4> {
  const { SignatureV4, Hash } = await loadSigner();
  return new SignatureV4({
    service: "s3",
    region,
    credentials: { accessKeyId: accessKey, secretAccessKey: secret },
    sha256: Hash.bind(null, "sha256"),
    // S3 signs the path as sent (encoded once), not normalised and encoded again
    uriEscapePath: false,
    applyChecksum: false,
  });
}

function queryObject(query: QueryPairs, skip: (name: string) => boolean): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [name, value] of query) {
    if (skip(name)) continue;
    const existing = out[name];
    if (existing === undefined) out[name] = value;
    else out[name] = Array.isArray(existing) ? [...existing, value] : [existing, value];
  }
  return out;
}

function equalSignatures(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/**
 * Signs the request again with `secret` as the client says it signed it, and compares. Throws
 * SignatureDoesNotMatch when the signatures differ.
 */
export async function verifySignature(request: RequestToVerify, signed: SignedRequest, secret: string): Promise<void> {
  const headers: Record<string, string> = {};
  for (const name of signed.signedHeaders) {
    const value = first(request.headers[name]);
    if (value === undefined) throw new S3Error("SignatureDoesNotMatch", `the signed header ${name} is missing from the request`);
    headers[name] = value;
  }
  if (!headers.host) throw new S3Error("SignatureDoesNotMatch", "the host header must be signed");
  const signedSet = new Set(signed.signedHeaders);
  // headers the signer would add on its own are left out of the canonical request unless the client signed them
  const unsignable = new Set(["x-amz-date", "x-amz-content-sha256", "x-amz-security-token"].filter((h) => !signedSet.has(h)));
  const signer = await signerFor(signed.accessKey, secret, signed.region);
  const http = { method: request.method, protocol: "http:", hostname: headers.host, path: request.path, headers, query: {} as Record<string, string | string[]> };
  let expected: string | undefined;
  if (!signed.presigned) {
    const payloadHash = first(request.headers["x-amz-content-sha256"]);
    if (payloadHash === undefined) throw new S3Error("InvalidRequest", "header-signed S3 requests need the x-amz-content-sha256 header");
    http.headers["x-amz-content-sha256"] = payloadHash;
    http.query = queryObject(request.query, () => false);
    const out = await signer.sign(http, { signingDate: signed.date, signingRegion: signed.region, signableHeaders: signedSet, unsignableHeaders: unsignable });
    expected = /Signature=([0-9a-f]+)/.exec(String(out.headers.authorization ?? ""))?.[1];
  } else {
    http.headers["x-amz-content-sha256"] = UNSIGNED_PAYLOAD;
    http.query = queryObject(request.query, (name) => name === "X-Amz-Signature");
    const out = await signer.presign(http, {
      signingDate: signed.date,
      signingRegion: signed.region,
      expiresIn: signed.expiresIn!,
      signableHeaders: signedSet,
      unsignableHeaders: unsignable,
      // signed x-amz-* headers stay headers (the client sent them as headers)
      unhoistableHeaders: new Set([...signed.signedHeaders.filter((h) => h.startsWith("x-amz-")), "x-amz-content-sha256"]),
    });
    expected = String(out.query?.["X-Amz-Signature"] ?? "");
  }
  if (!expected || !equalSignatures(expected, signed.signature)) {
    throw new S3Error("SignatureDoesNotMatch", "the request signature does not match the one computed with the grant's secret key: sign with the grant's accessKey, secretKey and sessionToken");
  }
}

/** Presigns a same-origin URL for the browser (`method` on `path`), with the grant's credentials. */
export async function presignUrl(
  origin: URL,
  method: "GET" | "PUT",
  path: string,
  credentials: { accessKey: string; secretKey: string; sessionToken: string },
  region: string,
  expiresIn: number,
  query: Record<string, string> = {},
): Promise<string> {
  const { SignatureV4, Hash } = await loadSigner();
  const signer = new SignatureV4({
    service: "s3",
    region,
    credentials: { accessKeyId: credentials.accessKey, secretAccessKey: credentials.secretKey, sessionToken: credentials.sessionToken },
    sha256: Hash.bind(null, "sha256"),
    uriEscapePath: false,
  });
  const out = await signer.presign(
    { method, protocol: origin.protocol, hostname: origin.hostname, port: origin.port ? Number(origin.port) : undefined, path, query, headers: { host: origin.host, "x-amz-content-sha256": UNSIGNED_PAYLOAD } },
    { expiresIn: Math.min(expiresIn, MAX_PRESIGNED_SECONDS), unhoistableHeaders: new Set(["x-amz-content-sha256"]), unsignableHeaders: new Set(["x-amz-content-sha256"]) },
  );
  const search = Object.entries(out.query ?? {})
    .flatMap(([k, v]) => (Array.isArray(v) ? v.map((x) => [k, x] as const) : v === null ? [] : [[k, String(v)] as const]))
    .map(([k, v]) => `${encodeRfc3986(k)}=${encodeRfc3986(v)}`)
    .join("&");
  return `${origin.origin}${path}?${search}`;
}

function encodeRfc3986(text: string): string {
  return encodeURIComponent(text).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}
