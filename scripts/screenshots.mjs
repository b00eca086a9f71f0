// Regenerates the curated screenshots of the web UI in docs/img/ (referenced by the README):
// the UI test app (test/fixtures/ui) on the real embedded server, driven in Debian's chromium.
//   npm run build && node scripts/screenshots.mjs
// Needs chromium (`which chromium`, or CHROMIUM_PATH). Writes docs/img/ui-*.png.
import { register } from "tsx/esm/api";

register();
const { takeScreenshots } = await import("../test/ui/screenshots.ts");
const written = await takeScreenshots(new URL("../docs/img/", import.meta.url).pathname);
for (const file of written) console.log(`wrote ${file}`);
