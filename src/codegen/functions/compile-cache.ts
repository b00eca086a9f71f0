/**
 * A V8 code cache for the two large CommonJS files the functions stage loads: TypeScript's compiler
 * (9 MB) and @ts-morph/common (3 MB). Node 20 has no `module.enableCompileCache` (Node 22), so this
 * does what it does for these two files: compile them with `vm.Script` and the bytecode V8 produced
 * in an earlier gen (checked by V8 against the source and its flags: a mismatch is rejected and the
 * file compiled as usual), and after the first extraction save the bytecode of every function that
 * ran, so the next gen neither compiles the file nor its functions again. The bytecode is the
 * compiler's own code: what it computes does not change.
 *
 * The cache lives in `<tmpdir>/arkitekt-next-v8-<uid>/`, used only while that folder and its files
 * belong to this user and are writable by nobody else; one file per source (named by a hash of the
 * source's path, size and modification time, Node's version and the V8 flags); `ARKITEKT_GEN_CODE_CACHE=0`
 * turns it off. Errors reading or writing it are ignored (gen then compiles as without it).
 */
import { createHash } from "node:crypto";
import { lstatSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from "node:fs";
import Module, { createRequire } from "node:module";
import { tmpdir, userInfo } from "node:os";
import { dirname, join } from "node:path";
import { Script } from "node:vm";

interface Cached {
  script: Script;
  file: string;
  /** The cache file was missing or rejected: write it after the first extraction. */
  stale: boolean;
}

const loaded: Cached[] = [];

function cacheDir(): string {
  let uid: number | string = "user";
  try {
    uid = userInfo().uid;
  } catch {
    // no user database entry: one shared name
  }
  return join(tmpdir(), `arkitekt-next-v8-${uid}`);
}

/**
 * The V8 flags this process runs with, as far as they are known here: its command line and what
 * the CLI set at run time (the gen command records them under this symbol). V8 rejects code cached
 * under other flags, so each set of flags has its own cache file (else a tuned CLI and an untuned
 * library caller would overwrite each other's).
 */
export const V8_FLAGS_APPLIED = Symbol.for("arkitekt-next.v8-flags");

/**
 * True when `path` is ours alone: a directory or file (not a link) owned by this user that nobody
 * else may write. The temporary folder is shared: a cache another user planted would be bytecode
 * run as ours. Windows gives each user a temporary folder of their own (no uid to compare).
 */
function ownedByUs(path: string, kind: "dir" | "file"): boolean {
  try {
    const stat = lstatSync(path);
    if (kind === "dir" ? !stat.isDirectory() : !stat.isFile()) return false;
    const uid = process.getuid?.();
    return uid === undefined || (stat.uid === uid && (stat.mode & 0o022) === 0);
  } catch {
    return false;
  }
}

function cacheFile(path: string): string {
  const stat = statSync(path);
  const flags = `${process.execArgv.join(" ")}\0${String((globalThis as Record<symbol, unknown>)[V8_FLAGS_APPLIED] ?? "")}`;
  const key = createHash("sha256").update(`${process.version}\0${process.arch}\0${flags}\0${path}\0${stat.size}\0${stat.mtimeMs}`).digest("hex").slice(0, 32);
  return join(cacheDir(), `${key}.bin`);
}

/**
 * Loads the CommonJS module `path` (absolute) into `require`'s cache, compiled with its code
 * cache when there is one, so that a later `require` of it returns this instance.
 */
function loadWithCache(path: string): void {
  const requireCache = (Module as unknown as { _cache: Record<string, unknown> })._cache;
  if (requireCache[path]) return;
  const file = cacheFile(path);
  let cachedData: Buffer | undefined;
  try {
    cachedData = ownedByUs(dirname(file), "dir") && ownedByUs(file, "file") ? readFileSync(file) : undefined;
  } catch {
    cachedData = undefined;
  }
  const source = readFileSync(path, "utf8");
  const script = new Script(Module.wrap(source), { filename: path, ...(cachedData ? { cachedData } : {}) });
  const mod = new Module(path) as Module & { filename: string; paths: string[]; loaded: boolean };
  mod.filename = path;
  mod.paths = (Module as unknown as { _nodeModulePaths(dir: string): string[] })._nodeModulePaths(dirname(path));
  const localRequire = createRequire(path);
  requireCache[path] = mod;
  try {
    const wrapper = script.runInThisContext() as (...args: unknown[]) => void;
    wrapper.call(mod.exports, mod.exports, localRequire, mod, path, dirname(path));
  } catch (error) {
    delete requireCache[path];
    throw error;
  }
  mod.loaded = true;
  loaded.push({ script, file, stale: cachedData === undefined || script.cachedDataRejected === true });
}

/**
 * Requires `@ts-morph/common` from `from` (a path inside ts-morph), its TypeScript and itself
 * compiled with their code caches.
 */
export function requireWithCodeCache(requireFrom: NodeJS.Require): unknown {
  if (process.env.ARKITEKT_GEN_CODE_CACHE !== "0") {
    try {
      const common = requireFrom.resolve("@ts-morph/common");
      loadWithCache(join(dirname(common), "typescript.js"));
      loadWithCache(common);
    } catch {
      // a layout this does not know: plain require below
    }
  }
  return requireFrom("@ts-morph/common");
}

/** Saves the code caches that were missing or rejected (after the first extraction: its functions included). */
export function saveCodeCaches(): void {
  for (const entry of loaded) {
    if (!entry.stale) continue;
    entry.stale = false;
    try {
      mkdirSync(dirname(entry.file), { recursive: true, mode: 0o700 });
      // a folder of that name someone else made (or opened to others) is not written to
      if (!ownedByUs(dirname(entry.file), "dir")) continue;
      const temporary = `${entry.file}.${process.pid}.tmp`;
      writeFileSync(temporary, entry.script.createCachedData());
      renameSync(temporary, entry.file);
    } catch {
      // not writable: the next gen compiles again
    }
  }
}
