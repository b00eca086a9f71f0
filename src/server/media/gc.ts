/**
 * Garbage of the media store: stores no task refers to (no task's args and no event's returns hold
 * the store id) once nobody holds a live grant for them, discarded stores, pending stores whose grants
 * expired (their object never arrived or was never confirmed), expired grants, multipart uploads
 * of stores that are no longer pending (or older than a grant), and object files without a store. A
 * store an unfinished task refers to is never removed (whatever its state).
 */
import { existsSync } from "node:fs";
import { readdir, rm, stat } from "node:fs/promises";
import { join } from "node:path";
import { ServerStartError, compileOptions } from "../options.js";
import { openStore } from "../store/open.js";
import { STORE_FILE } from "../store/store.js";
import type { Logger } from "../../shared/logger.js";
import { ObjectFiles } from "./objects.js";
import type { MediaStoreRow } from "./records.js";
import { MediaService } from "./service.js";

export interface CollectedStore {
  id: string;
  org: string;
  state: MediaStoreRow["state"];
  /** Bytes of its object on disk (0 when it has none). */
  bytes: number;
  reason: string;
}

export interface MediaGarbageReport {
  /** True when nothing was removed (a dry run). */
  dryRun: boolean;
  stores: CollectedStore[];
  /** Stores kept because an unfinished task refers to them (they would otherwise be garbage). */
  keptForOpenTasks: string[];
  expiredGrants: number;
  multipartUploads: string[];
  orphanObjects: string[];
  /** Bytes freed (or that a real run would free). */
  bytes: number;
}

export interface CollectOptions {
  dryRun?: boolean;
  /** The time to judge expiry by (default now). */
  now?: number;
}

export async function collectMediaGarbage(media: MediaService, options: CollectOptions = {}): Promise<MediaGarbageReport> {
  const dryRun = options.dryRun ?? false;
  const now = options.now ?? Date.now();
  const report: MediaGarbageReport = { dryRun, stores: [], keptForOpenTasks: [], expiredGrants: 0, multipartUploads: [], orphanObjects: [], bytes: 0 };
  const rows = media.records.all();
  const known = new Set(rows.map((r) => r.key));
  for (const row of rows) {
    const reference = media.records.taskReference(row.id);
    const grantLive = (media.records.latestGrantExpiry(row.id) ?? 0) > now;
    // someone may still be using a live grant (an upload in progress, a reader)
    if (grantLive && row.state !== "discarded") continue;
    if (reference === "open") {
      report.keptForOpenTasks.push(row.id);
      continue;
    }
    // a finished task's args or results still name it: kept (its results stay readable)
    if (reference === "finished" && row.state !== "discarded") continue;
    const reason = row.state === "discarded" ? "discarded" : row.state === "pending" ? "never finished, and its upload grant expired" : "no task refers to it";
    const bytes = (await media.files.size(row.key)) ?? 0;
    report.stores.push({ id: row.id, org: row.org, state: row.state, bytes, reason });
    report.bytes += bytes;
    if (!dryRun) {
      await media.files.remove(row.key);
      media.records.delete(row.id);
    }
  }
  const removed = new Set(report.stores.map((s) => s.id));
  for (const upload of await media.files.uploads({ removeBroken: true })) {
    const row = media.records.find(upload.storeId);
    const stale = !row || removed.has(row.id) || row.state !== "pending" || upload.createdAt + media.options.mediaGrantSeconds * 1000 < now;
    if (!stale) continue;
    report.multipartUploads.push(upload.uploadId);
    for (const size of (await media.files.partSizes(upload.uploadId)).values()) report.bytes += size;
    if (!dryRun) await media.files.removeUpload(upload.uploadId);
  }
  const objectsDir = join(media.files.root, "objects");
  for (const name of await readdir(objectsDir).catch(() => [] as string[])) {
    if (ObjectFiles.isKey(name) && known.has(name)) continue;
    report.orphanObjects.push(name);
    report.bytes += await stat(join(objectsDir, name)).then((s) => s.size, () => 0);
    if (!dryRun) await rm(join(objectsDir, name), { recursive: true, force: true });
  }
  if (dryRun) report.expiredGrants = media.store.query<{ n: number }>("SELECT COUNT(*) AS n FROM media_grant WHERE expires_at < ?", [now])[0]?.n ?? 0;
  else report.expiredGrants = media.records.deleteExpiredGrants(now);
  await media.store.committed();
  return report;
}

/**
 * `arkitekt-next server --gc`: opens the store of `dataDir` (no server may be running on it: the
 * store is locked by one process at a time), collects the media garbage and closes it again.
 */
export async function collectGarbage(input: { dataDir: string; dryRun?: boolean; now?: number; logger?: Logger }): Promise<MediaGarbageReport> {
  const options = compileOptions({ dataDir: input.dataDir, ...(input.logger ? { logger: input.logger } : {}) });
  if (!existsSync(join(options.dataDir, STORE_FILE))) {
    throw new ServerStartError(`there is no store in ${options.dataDir}`, "pass --data with the folder the server keeps its data in (default .arkitekt/dev)", "ARKITEKT_SERVER_STORE");
  }
  const store = openStore(options.dataDir, "a server is running on this data folder: stop it first, then run --gc again");
  try {
    const media = new MediaService(store, options, options.logger);
    return await collectMediaGarbage(media, { ...(input.dryRun !== undefined ? { dryRun: input.dryRun } : {}), ...(input.now !== undefined ? { now: input.now } : {}) });
  } finally {
    store.close();
  }
}
