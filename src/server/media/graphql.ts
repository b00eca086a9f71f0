/**
 * The media store's GraphQL fields (the platform's names and shapes, schemas/rekuest.graphql):
 * `requestMediaUpload`, `finishMediaUpload`, `requestMediaAccess` and the fields of `MediaStore`.
 * Merged into the server's resolvers by graphql/schema.ts.
 */
import type { MediaStoreResolvers, MutationResolvers } from "../../../generated/server/resolvers.js";
import type { ResolverContext } from "../graphql/context.js";
import { PlatformError } from "../platform.js";
import { storePath, type MediaService } from "./service.js";

export const MEDIA_MUTATIONS = ["requestMediaUpload", "finishMediaUpload", "requestMediaAccess"] as const;

function mediaOf(ctx: ResolverContext): MediaService {
  if (!ctx.platform.media) throw new PlatformError("this server has no media store", "NOT_IMPLEMENTED");
  return ctx.platform.media;
}

export function mediaResolvers(): { Mutation: MutationResolvers; MediaStore: MediaStoreResolvers } {
  return {
    Mutation: {
      requestMediaUpload: (_p, a, ctx) => mediaOf(ctx).requestUpload(ctx.me, a.input),
      finishMediaUpload: (_p, a, ctx) => mediaOf(ctx).finish(ctx.me, a.input),
      requestMediaAccess: (_p, a, ctx) => mediaOf(ctx).requestAccess(ctx.me, a.input.storeId),
    },
    MediaStore: {
      id: (p) => p.id,
      path: (p) => storePath(p),
      bucket: (p) => p.bucket,
      key: (p) => p.key,
      originalFileName: (p) => p.original_file_name,
      contentType: (p) => p.content_type,
      // scoped by the viewer's organisation again, never by the parent row's
      accessGrant: (p, _a, ctx) => mediaOf(ctx).requestAccess(ctx.me, p.id),
      // as the platform: the canonical s3:// path (not an http URL)
      presignedUrl: (p) => storePath(p),
    },
  };
}
