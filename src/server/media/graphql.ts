/**
 * The media store's GraphQL fields (the platform's names and shapes, schemas/rekuest.graphql):
 * `requestMediaUpload`, `finishMediaUpload`, `requestMediaAccess` and the fields of `MediaStore`.
 * Merged into the server's resolvers by graphql/schema.ts.
 */
import type { Identity } from "../auth.js";
import { PlatformError, type Platform } from "../platform.js";
import type { MediaStoreRow } from "./records.js";
import { storePath, type MediaService } from "./service.js";

type Ctx = { platform: Platform; me: Identity };
type Resolver = (parent: unknown, args: Record<string, unknown>, ctx: Ctx) => unknown;

export const MEDIA_MUTATIONS = ["requestMediaUpload", "finishMediaUpload", "requestMediaAccess"] as const;

function mediaOf(ctx: Ctx): MediaService {
  if (!ctx.platform.media) throw new PlatformError("this server has no media store", "NOT_IMPLEMENTED");
  return ctx.platform.media;
}

export function mediaResolvers(): { Mutation: Record<string, Resolver>; MediaStore: Record<string, Resolver> } {
  return {
    Mutation: {
      requestMediaUpload: (_p, a, ctx) => mediaOf(ctx).requestUpload(ctx.me, a.input as Parameters<MediaService["requestUpload"]>[1]),
      finishMediaUpload: (_p, a, ctx) => mediaOf(ctx).finish(ctx.me, a.input as { storeId: string; valid?: boolean | null }),
      requestMediaAccess: (_p, a, ctx) => mediaOf(ctx).requestAccess(ctx.me, (a.input as { storeId: string }).storeId),
    },
    MediaStore: {
      id: (p) => (p as MediaStoreRow).id,
      path: (p) => storePath(p as MediaStoreRow),
      bucket: (p) => (p as MediaStoreRow).bucket,
      key: (p) => (p as MediaStoreRow).key,
      originalFileName: (p) => (p as MediaStoreRow).original_file_name,
      contentType: (p) => (p as MediaStoreRow).content_type,
      // scoped by the viewer's organisation again, never by the parent row's
      accessGrant: (p, _a, ctx) => mediaOf(ctx).requestAccess(ctx.me, (p as MediaStoreRow).id),
      // as the platform: the canonical s3:// path (not an http URL)
      presignedUrl: (p) => storePath(p as MediaStoreRow),
    },
  };
}
