/**
 * The platform side of the media store: grants and stores over GraphQL
 * (`graphql/rekuest/media.graphql`), and the S3 endpoint (`resolveS3Endpoint`, config.ts).
 * A `MediaPlatform` belongs to a caller's platform (`ArkitektClient.media()`), so it uses that
 * client's URL and token: inside a task the agent's, elsewhere the default client's.
 */
import {
  finishMediaUpload,
  requestMediaAccess,
  requestMediaUpload,
  type FinishMediaUploadMutation,
  type RequestMediaAccessMutation,
  type RequestMediaUploadMutation,
} from "../../../generated/api/rekuest.js";
import { resolveS3Endpoint, type S3Endpoint } from "../config.js";
import type { GraphQLClient } from "../transport/index.js";
import { GraphQLRequestError } from "../transport/errors.js";
import { MediaError } from "./errors.js";

/**
 * Temporary S3 credentials for one object, as `requestMediaAccess` answers them (`path` is
 * `s3://bucket/key`), with the store id (the File's wire value) always set and the time the grant
 * was received (ms since the epoch): it is renewed before it runs out.
 */
export type MediaGrant = Omit<RequestMediaAccessMutation["requestMediaAccess"], "store"> & { store: string; receivedAt: number };

/** An upload grant: a `MediaGrant` with the most bytes the object may have (`maxBytes`). */
export type MediaUploadGrant = RequestMediaUploadMutation["requestMediaUpload"] & { receivedAt: number };

/** A store as `finishMediaUpload` answers it. */
export type MediaStoreInfo = FinishMediaUploadMutation["finishMediaUpload"];

export interface MediaPlatform {
  /** The platform's http base (named in errors). */
  readonly url: string;
  requestUpload(input: { originalFileName: string; fileSize?: number; contentType?: string }): Promise<MediaUploadGrant>;
  finishUpload(storeId: string, valid: boolean): Promise<MediaStoreInfo>;
  requestAccess(storeId: string): Promise<MediaGrant>;
  /** The S3 endpoint (resolved once per platform). */
  s3(): Promise<S3Endpoint>;
}

export interface GraphQLMediaOptions {
  gql: GraphQLClient;
  /** The platform's http base. */
  url: string;
  /** See `S3EndpointInput.s3Url`. */
  s3Url?: string | undefined;
  /** See `S3EndpointInput.devTokenFile`. */
  devTokenFile?: string | false | undefined;
}

function refused(what: string, url: string, error: unknown): never {
  if (error instanceof GraphQLRequestError) {
    throw new MediaError(
      "REFUSED",
      `the platform at ${url} refused ${what}: ${error.message}`,
      "check that the store id comes from this platform and your organisation (a File's id is only valid where it was uploaded)",
      { cause: error },
    );
  }
  throw error;
}

/** A `MediaPlatform` over the generated GraphQL operations. */
export function graphqlMedia(options: GraphQLMediaOptions): MediaPlatform {
  const { gql, url } = options;
  let endpoint: Promise<S3Endpoint> | undefined;
  return {
    url,
    async requestUpload(input) {
      const grant = await requestMediaUpload(gql, {
        input: {
          originalFileName: input.originalFileName,
          ...(input.fileSize !== undefined ? { fileSize: input.fileSize } : {}),
          ...(input.contentType !== undefined ? { contentType: input.contentType } : {}),
        },
      }).catch((error: unknown) => refused(`an upload of "${input.originalFileName}"`, url, error));
      return { ...grant, receivedAt: Date.now() };
    },
    async finishUpload(storeId, valid) {
      return finishMediaUpload(gql, { input: { storeId, valid } }).catch((error: unknown) =>
        refused(`to finish the upload of store ${storeId}`, url, error),
      );
    },
    async requestAccess(storeId) {
      const grant = await requestMediaAccess(gql, { input: { storeId } }).catch((error: unknown) =>
        refused(`to read store ${storeId}`, url, error),
      );
      return { ...grant, store: grant.store ?? storeId, receivedAt: Date.now() };
    },
    s3() {
      endpoint ??= resolveS3Endpoint({ platformUrl: url, s3Url: options.s3Url, devTokenFile: options.devTokenFile }).catch((error: unknown) => {
        endpoint = undefined; // try again next time (a dev server may have started)
        throw error;
      });
      return endpoint;
    },
  };
}

/** A `MediaPlatform` that waits for `open` (a lazily configured client) before each operation. */
export function deferredMedia(open: () => Promise<MediaPlatform>, url: () => string): MediaPlatform {
  return {
    get url() {
      return url();
    },
    requestUpload: async (input) => (await open()).requestUpload(input),
    finishUpload: async (storeId, valid) => (await open()).finishUpload(storeId, valid),
    requestAccess: async (storeId) => (await open()).requestAccess(storeId),
    s3: async () => (await open()).s3(),
  };
}
