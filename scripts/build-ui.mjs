// Bundles the web UI (src/ui/, preact) with esbuild into dist/ui/: index.html, app.js, app.css.
// Run by `npm run build`; `--watch` rebuilds on change. The server only serves these files
// (src/server/ui.ts); they ship in the package through package.json `files` ("dist").
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import * as esbuild from "esbuild";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const out = join(root, "dist", "ui");
const watch = process.argv.includes("--watch");

/**
 * The transport loads `ws` only where there is no global WebSocket, and `undici` only where node
 * runs: the browser does neither, so they are empty modules here.
 */
const noNodeWebSocket = {
  name: "no-node-websocket",
  setup(build) {
    build.onResolve({ filter: /^(ws|undici)$/ }, (args) => ({ path: args.path, namespace: "no-node-websocket" }));
    build.onLoad({ filter: /.*/, namespace: "no-node-websocket" }, () => ({
      contents: "export default undefined;",
      loader: "js",
    }));
    // graphql-ws's main entry holds its server too (and with it graphql-js): the page needs the client
    build.onResolve({ filter: /^graphql-ws$/ }, (args) =>
      build.resolve("graphql-ws/client", { kind: args.kind, resolveDir: args.resolveDir }),
    );
  },
};

const INDEX_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>arkitekt-next</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/ui/app.css">
<script type="module" src="/ui/app.js"></script>
</head>
<body>
<div id="app"><noscript>The arkitekt-next UI needs JavaScript.</noscript></div>
</body>
</html>
`;

mkdirSync(out, { recursive: true });
writeFileSync(join(out, "index.html"), INDEX_HTML);
const options = {
  // app.js and app.css (esbuild names each output after its `out`)
  entryPoints: [
    { in: join(root, "src/ui/main.tsx"), out: "app" },
    { in: join(root, "src/ui/app.css"), out: "app" },
  ],
  outdir: out,
  entryNames: "[name]",
  bundle: true,
  format: "esm",
  platform: "browser",
  target: ["es2022", "chrome110", "firefox110", "safari16"],
  minify: !watch,
  sourcemap: watch,
  jsx: "automatic",
  jsxImportSource: "preact",
  tsconfig: join(root, "src/ui/tsconfig.json"),
  legalComments: "none",
  logLevel: "warning",
  plugins: [noNodeWebSocket],
  define: { "process.env.NODE_ENV": '"production"' },
};
if (watch) {
  const ctx = await esbuild.context(options);
  await ctx.watch();
  console.log(`watching src/ui → ${out}`);
} else {
  await esbuild.build(options);
}
