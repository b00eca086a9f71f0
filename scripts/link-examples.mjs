// Links this package into every example app's node_modules, as `npm install ../..` would, without
// installing its dependencies a second time (they resolve from this repo's node_modules).
import { existsSync, lstatSync, mkdirSync, readdirSync, rmSync, symlinkSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const examples = join(root, "examples");
if (existsSync(examples)) {
  for (const name of readdirSync(examples)) {
    const app = join(examples, name);
    if (!existsSync(join(app, "package.json"))) continue;
    const link = join(app, "node_modules", "arkitekt-next");
    mkdirSync(dirname(link), { recursive: true });
    if (existsSync(link) || isLink(link)) rmSync(link, { recursive: true, force: true });
    symlinkSync(relative(dirname(link), root), link, "dir");
  }
}

function isLink(path) {
  try {
    return lstatSync(path).isSymbolicLink();
  } catch {
    return false;
  }
}
