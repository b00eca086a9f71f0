// `npm start`: the main job, end to end on the embedded defaults.
//   1. generate the example app's definitions, validators and adapters (`arkitekt-next gen`);
//   2. compile the example app with tsc, as a user's build would;
//   3. start the embedded dev platform in-process (temporary SQLite file, free port);
//   4. serve the example app's functions with an agent;
//   5. call each function through the app's typed stubs (a structure round-tripped, a generator
//      streamed, a failure reported);
//   6. print the results and exit 0 (1 on any failure).
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const app = join(root, "examples", "app");
const started = performance.now();
const step = (text) => process.stdout.write(`\n▸ ${text}\n`);
const show = (label, value) => process.stdout.write(`  ${label.padEnd(28)} ${format(value)}\n`);

function format(value) {
  return JSON.stringify(value, (_key, v) => (v && typeof v === "object" && v.constructor?.identifier ? `<${v.constructor.name} ${v.id}>` : v));
}

function run(command, args, cwd) {
  const result = spawnSync(command, args, { cwd, stdio: "inherit" });
  if (result.status !== 0) throw new Error(`${command} ${args.join(" ")} exited with ${result.status ?? result.signal}`);
}

async function main() {
  step("arkitekt-next gen (examples/app)");
  run(process.execPath, [join(root, "bin", "arkitekt-next.js"), "gen", "--cwd", app], root);

  step("tsc -p examples/app");
  run(process.execPath, [join(root, "node_modules", "typescript", "bin", "tsc"), "-p", join(app, "tsconfig.json")], root);

  step("start the embedded dev platform");
  const { startServer } = await import(pathToFileURL(join(root, "dist", "src", "server", "index.js")).href);
  const { connect, createClient } = await import(pathToFileURL(join(root, "dist", "src", "index.js")).href);
  const dataDir = mkdtempSync(join(tmpdir(), "arkitekt-main-"));
  // the dev identity is the example app (arkitekt.json), as under `run dev`: its typed stubs call com.example.imaging/<key>
  const { identifier, version } = JSON.parse(readFileSync(join(app, "arkitekt.json"), "utf8"));
  const server = await startServer({ port: 0, dataDir, devApp: { identifier, version } });
  show("GraphQL", server.graphqlUrl);
  show("agent socket", server.agiUrl);

  let agent;
  let client;
  try {
    step("serve examples/app with an agent");
    const { registry } = await import(pathToFileURL(join(app, "dist", "generated", "registry.js")).href);
    agent = await connect({ url: server.url, token: server.devToken, registry, name: "example-app" });
    show("agent", agent.agentId);
    show("functions", Object.keys(agent.implementations));

    step("call each function through typed stubs (examples/app/src/demo.ts)");
    client = createClient({ url: server.url, token: server.devToken });
    const { demo } = await import(pathToFileURL(join(app, "dist", "src", "demo.js")).href);
    await demo(client, show);
  } finally {
    await client?.close();
    await agent?.close();
    await server.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
  process.stdout.write(`\nmain job done in ${((performance.now() - started) / 1000).toFixed(1)} s\n`);
}

try {
  await main();
} catch (error) {
  process.stderr.write(`\nmain job failed: ${error?.stack ?? error}\n`);
  process.exitCode = 1;
}
