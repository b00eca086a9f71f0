/**
 * The embedded dev platform (`arkitekt-next/server`): one node http server carrying GraphQL over
 * HTTP and WebSocket (`/graphql`), the agent socket (`/agi`), `GET /schema`, `GET /ht`, `/`, and the
 * media store (src/server/media): S3 at `/<bucket>/<key>`, `GET /.well-known/s3`, `POST /api/media/presign`.
 * State lives in one SQLite file under `dataDir`. See docs/spec/wire-protocol.md and docs/spec/platform-api.md.
 */
export type { ServerOptions, TokenClaims } from "./options.js";
export { ServerStartError, DEFAULTS as SERVER_DEFAULTS, ALLOW_ORIGINS_ENV } from "./options.js";
export { signInUrl, tokenFromFragment, SIGN_IN_FRAGMENT_KEY } from "../shared/sign-in.js";
export type { Logger } from "../shared/logger.js";
export { silentLogger } from "../shared/logger.js";
export { ArkitektError, isArkitektError } from "../shared/errors.js";
export { startServer } from "./server.js";
export type { ServerHandle } from "./server.js";
export { collectGarbage } from "./media/gc.js";
export type { MediaGarbageReport, CollectedStore } from "./media/gc.js";
