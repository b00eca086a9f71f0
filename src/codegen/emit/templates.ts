/**
 * The one way generated code is written: a handlebars template in the package's `templates/`
 * folder, rendered from a view model that small pure functions build (codec literals, TypeScript
 * types, doc comments). A template holds the file's shape and nothing but loops and conditionals;
 * the registry, the actions stubs and the GraphQL layer all render through `renderTemplate` /
 * `compileTemplate` here, and the one prettier setup (format.ts) formats the result.
 *
 * Handlebars is loaded on first use (synchronously, so that the registry renderer stays
 * synchronous for the extractor's early-render callback) and each template is compiled once.
 */
import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type HandlebarsNamespace from "handlebars";

/** The templates the generator renders (files `templates/<name>.hbs`). */
export type TemplateName = "graphql-client" | "graphql-header" | "registry-module" | "registry-index" | "actions";

/** The package's `templates/` folder, from `src/codegen/emit` or `dist/src/codegen/emit`. */
export function templatesDir(): string {
  const here = path.dirname(fileURLToPath(import.meta.url));
  for (const up of ["../../..", "../../../.."]) {
    const candidate = path.resolve(here, up, "templates");
    if (existsSync(path.join(candidate, "graphql-client.hbs"))) return candidate;
  }
  throw new Error(`templates/graphql-client.hbs not found above ${here}: the arkitekt-next package is incomplete; reinstall it`);
}

let handlebars: typeof HandlebarsNamespace | undefined;
const compiled = new Map<TemplateName, (view: object) => string>();

function engine(): typeof HandlebarsNamespace {
  if (!handlebars) {
    const instance = (createRequire(import.meta.url)("handlebars") as typeof HandlebarsNamespace).create();
    // `{{join list ", "}}`: a list of already rendered pieces on one line.
    instance.registerHelper("join", (list: unknown, separator: unknown) =>
      Array.isArray(list) ? list.join(typeof separator === "string" ? separator : ", ") : "",
    );
    handlebars = instance;
  }
  return handlebars;
}

/** The compiled template `templates/<name>.hbs` (compiled once per process). */
export function compileTemplate<View extends object>(name: TemplateName): (view: View) => string {
  let template = compiled.get(name);
  if (!template) {
    const source = readFileSync(path.join(templatesDir(), `${name}.hbs`), "utf8");
    // Generated code is not HTML: no escaping; a missing field renders empty.
    template = engine().compile(source, { noEscape: true, strict: false });
    compiled.set(name, template);
  }
  return template as (view: View) => string;
}

/** Renders `templates/<name>.hbs` with a view model. */
export function renderTemplate<View extends object>(name: TemplateName, view: View): string {
  return compileTemplate<View>(name)(view);
}
