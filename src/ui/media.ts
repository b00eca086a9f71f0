/**
 * Files in the browser (issue 14), without the AWS SDK: a File port's value is a media store id.
 *
 * Upload: `requestMediaUpload` (GraphQL) makes a pending store, `POST /api/media/presign`
 * `{storeId, method: "PUT"}` (with the page's bearer token) gives a presigned same-origin URL,
 * the bytes go there with one `XMLHttpRequest` PUT (so the page sees upload progress), and
 * `finishMediaUpload` confirms the store (or discards it when the PUT failed).
 * Download: `POST /api/media/presign` `{storeId, method: "GET"}` gives a URL for a link.
 */
import type { GraphQLClient } from "../runtime/transport/index.js";
import { formatBytes } from "../shared/format-bytes.js";
import { uiFinishMediaUpload, uiRequestMediaUpload } from "../../generated/api/rekuest.js";

/** What the browser needs to reach the server's media routes. */
export interface MediaAccess {
  client: GraphQLClient;
  token: string;
}

/** The answer of `POST /api/media/presign`. */
export interface Presigned {
  url: string;
  method: "PUT" | "GET";
  expiresIn: number;
  /** The store's original file name, when the server says it. */
  originalFileName?: string | null;
  contentType?: string | null;
  size?: number | null;
}

/** A failure of the media routes, in words for the page. */
export class MediaError extends Error {
  override readonly name = "MediaError";
}

/** Asks the server for a presigned URL of a store (same origin as the page). */
export async function presign(access: MediaAccess, storeId: string, method: "PUT" | "GET", signal?: AbortSignal): Promise<Presigned> {
  let response: Response;
  try {
    response = await fetch(`${location.origin}/api/media/presign`, {
      method: "POST",
      headers: { authorization: `Bearer ${access.token}`, "content-type": "application/json" },
      body: JSON.stringify({ storeId, method }),
      ...(signal ? { signal } : {}),
    });
  } catch (error) {
    throw new MediaError(`could not reach the server for a ${method === "PUT" ? "upload" : "download"} link: ${(error as Error).message}`);
  }
  const text = await response.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  if (!response.ok) {
    const message = body && typeof body === "object" && "message" in body ? String((body as { message: unknown }).message) : text.slice(0, 200) || response.statusText;
    throw new MediaError(`the server refused a ${method === "PUT" ? "upload" : "download"} link for ${storeId} (${response.status}): ${message}`);
  }
  const answer = body as Presigned | undefined;
  if (!answer || typeof answer.url !== "string") throw new MediaError(`the server's presign answer for ${storeId} has no url`);
  // Only a URL of this page's own origin is followed: the bearer token never leaves it, and the CSP allows no other.
  const url = new URL(answer.url, location.origin);
  if (url.origin !== location.origin) throw new MediaError(`the server gave a ${method} link to another origin (${url.origin})`);
  return { ...answer, url: url.href, originalFileName: answer.originalFileName ?? fileNameOfDisposition(url.searchParams.get("response-content-disposition")) };
}

/**
 * The file name of a Content-Disposition value (RFC 6266: `filename*=UTF-8''...` wins over
 * `filename="..."`), e.g. the `response-content-disposition` a presigned GET URL carries.
 */
export function fileNameOfDisposition(value: string | null | undefined): string | null {
  if (!value) return null;
  const star = /filename\*\s*=\s*utf-8''([^;]+)/i.exec(value);
  if (star) {
    try {
      return decodeURIComponent(star[1]!.trim());
    } catch {
      // a broken encoding: try the plain form
    }
  }
  const plain = /filename\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^;\s]+))/i.exec(value);
  if (plain) return (plain[1] ?? plain[2] ?? "").replace(/\\(.)/g, "$1") || null;
  return null;
}

/** PUTs `body` to `url`, reporting progress; rejects on a non-2xx answer, abort or network error. */
function put(url: string, body: Blob, onProgress: (loaded: number, total: number) => void, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open("PUT", url);
    xhr.upload.onprogress = (e) => onProgress(e.loaded, e.lengthComputable ? e.total : body.size);
    xhr.onload = () => {
      if (xhr.status >= 200 && xhr.status < 300) resolve();
      else {
        // S3 errors are XML: <Error><Code>...</Code><Message>...</Message></Error>
        const message = /<Message>([^<]*)<\/Message>/.exec(xhr.responseText)?.[1] ?? xhr.statusText;
        const code = /<Code>([^<]*)<\/Code>/.exec(xhr.responseText)?.[1];
        reject(new MediaError(`the upload was refused (${xhr.status}${code ? ` ${code}` : ""}): ${message}`));
      }
    };
    xhr.onerror = () => reject(new MediaError("the upload failed: the connection to the server broke"));
    xhr.onabort = () => reject(new MediaError("the upload was cancelled"));
    signal?.addEventListener("abort", () => xhr.abort(), { once: true });
    xhr.send(body);
  });
}

export interface UploadOptions {
  onProgress?: (loaded: number, total: number) => void;
  signal?: AbortSignal;
}

/** Uploads a picked file into the media store; resolves to its store id (the File port's value). */
export async function uploadFile(access: MediaAccess, file: File, options: UploadOptions = {}): Promise<string> {
  const grant = await uiRequestMediaUpload(access.client, {
    input: { originalFileName: file.name || "upload", fileSize: file.size, contentType: file.type || null },
  });
  const storeId = grant.store;
  try {
    if (file.size > grant.maxBytes) throw new MediaError(`${file.name} is ${formatBytes(file.size)}, more than the server takes (${formatBytes(grant.maxBytes)})`);
    const target = await presign(access, storeId, "PUT", options.signal);
    // Sent without a Content-Type (a Blob without a type): the URL signs only the host, and the
    // store already has the type from requestMediaUpload.
    await put(target.url, file.slice(0, file.size, ""), options.onProgress ?? (() => undefined), options.signal);
  } catch (error) {
    await uiFinishMediaUpload(access.client, { input: { storeId, valid: false } }).catch(() => undefined);
    throw error;
  }
  await uiFinishMediaUpload(access.client, { input: { storeId, valid: true } });
  return storeId;
}

