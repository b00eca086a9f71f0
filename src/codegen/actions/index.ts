/**
 * Typed stubs of remote actions (`arkitekt-next gen`, stage "actions").
 *
 * `arkitekt.json`:
 * ```json
 * "actions": {
 *   "select": [{ "app": "com.lab.math" }, { "app": "com.lab.imaging", "key": "blur" }, { "collection": "stats" }],
 *   "snapshot": "generated/actions.json",        // default
 *   "out": "generated/actions.ts",               // default
 *   "structures": { "@mikro/image": { "from": "./src/image.js", "import": "Image" } },
 *   "url": "http://127.0.0.1:8080"                // below ARKITEKT_URL; else .arkitekt/dev/dev-token.json
 * }
 * ```
 * With `refresh` (`gen --refresh-actions`) the selected actions are fetched through the generated
 * GraphQL client and written to the snapshot; the stubs are always rendered from the snapshot,
 * offline, so `gen --check` needs no platform. URL and token are resolved by src/runtime/config.ts:
 * ARKITEKT_URL, then `actions.url`; ARKITEKT_TOKEN; else the dev server's token file (both or
 * neither). The token never comes from the config.
 */
import { readFile } from "node:fs/promises";
import { join, posix, relative } from "node:path";
import { z } from "zod";
import { action as actionQuery, actions as actionsQuery } from "../../../generated/api/rekuest.js";
import { GENERATED_CODE_ABI } from "../../definition/abi.js";
import type { Port } from "../../definition/model.js";
import { createGraphQLClient, platformEndpoints, readAllPages } from "../../runtime/transport/index.js";
import {
  DEFAULT_DEV_DATA_DIR,
  DEV_TOKEN_FILE,
  PlatformConfigError,
  describePlatformSources,
  explainPlatformFailure,
  type PlatformConfig,
  type TokenSource,
} from "../../runtime/config.js";
import { defaultAppIdentity, resolvePlatformOrLogin } from "../../runtime/login.js";
import { FaktsError } from "../../runtime/fakts.js";
import { formatTypeScript } from "../emit/format.js";
import { literal, propertyName, renderTsType } from "../emit/ports.js";
import { renderTemplate } from "../emit/templates.js";
import type { Logger } from "../../shared/logger.js";
import type { Diagnostic, GeneratedFile, StageResult } from "../types.js";

const selectorSchema = z.union([
  z.strictObject({ app: z.string().min(1), key: z.string().min(1).optional(), version: z.string().min(1).optional() }),
  z.strictObject({ collection: z.string().min(1) }),
  z.strictObject({ hash: z.string().min(1) }),
]);

const configSchema = z.strictObject({
  select: z.array(selectorSchema).min(1),
  snapshot: z.string().default("generated/actions.json"),
  out: z.string().default("generated/actions.ts"),
  structures: z.record(z.string(), z.strictObject({ from: z.string(), import: z.string() })).default({}),
  url: z.string().optional(),
  /** The module the stubs import the runtime from. Default "arkitekt-next". */
  runtime: z.string().default("arkitekt-next"),
});

export type ActionsConfig = z.output<typeof configSchema>;
export type ActionSelector = z.output<typeof selectorSchema>;

/** One remote action as the snapshot keeps it. */
export interface RemoteAction {
  app: string | null;
  key: string;
  version: string;
  hash: string;
  name: string;
  kind: "FUNCTION" | "GENERATOR";
  description: string | null;
  args: Port[];
  returns: Port[];
}

export interface ActionsSnapshot {
  /** The selection the snapshot was fetched for (a changed selection needs a refresh). */
  select: ActionSelector[];
  actions: RemoteAction[];
}

export interface GenerateActionsOptions {
  cwd: string;
  config: unknown;
  refresh: boolean;
  logger: Logger;
  /**
   * `gen --check`: a missing snapshot is then an error. Otherwise it is a warning and the stubs are
   * skipped, so an app whose own actions are not on the platform yet can still generate and serve
   * (`run dev`), then `gen --refresh-actions`.
   */
  check?: boolean;
  /** Token and url for the refresh; default ARKITEKT_TOKEN / ARKITEKT_URL, then `.arkitekt/dev/dev-token.json`. */
  token?: string;
  url?: string;
}

const CONFIG_FILE = "arkitekt.json";

function diagnostic(message: string, hint: string, code: string, file = CONFIG_FILE): Diagnostic {
  return { file, line: 0, column: 0, message, hint, code };
}

export async function generateActions(options: GenerateActionsOptions): Promise<StageResult> {
  const parsed = configSchema.safeParse(options.config);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const where = ["actions", ...issue.path.map(String)].join(".");
    return {
      files: [],
      diagnostics: [
        diagnostic(
          `${where}: ${issue.code === "unrecognized_keys" ? `unknown key "${issue.keys.join('", "')}"` : issue.message}`,
          'write "actions": { "select": [{ "app": "<app>" } | { "app", "key" } | { "collection": "<name>" } | { "hash": "<action hash>" }], "snapshot"?, "out"?, "structures"?, "url"?, "runtime"? }',
          "ARK_ACTIONS_CONFIG",
        ),
      ],
    };
  }
  const config = parsed.data;
  const files: GeneratedFile[] = [];
  let snapshot: ActionsSnapshot;
  if (options.refresh) {
    let platform: PlatformConfig<TokenSource>;
    try {
      platform = await endpoint(options, config);
    } catch (error) {
      if (!(error instanceof PlatformConfigError) && !(error instanceof FaktsError)) throw error;
      return { files: [], diagnostics: [diagnostic(`cannot refresh the actions: ${error.message}`, error.hint, "ARK_ACTIONS_PLATFORM")] };
    }
    try {
      snapshot = await fetchSnapshot(platform, config);
    } catch (error) {
      const failure = explainPlatformFailure(error, platform);
      if (failure) {
        return { files: [], diagnostics: [diagnostic(`cannot refresh the actions: ${failure.message}`, failure.hint, "ARK_ACTIONS_PLATFORM")] };
      }
      return {
        files: [],
        diagnostics: [
          diagnostic(
            `could not fetch the selected actions from ${platform.url}: ${error instanceof Error ? error.message : String(error)}`,
            "start the platform (arkitekt-next server) or set ARKITEKT_URL and ARKITEKT_TOKEN; without --refresh-actions gen renders from the committed snapshot",
            "ARK_ACTIONS_FETCH",
          ),
        ],
      };
    }
    files.push({ path: normalize(config.snapshot), content: `${JSON.stringify(snapshot, null, 2)}\n` });
    options.logger.info(`fetched ${snapshot.actions.length} remote action(s) into ${config.snapshot} from ${platform.url} (${describePlatformSources(platform)})`);
  } else {
    const text = await readFile(join(options.cwd, config.snapshot), "utf8").catch(() => undefined);
    if (text === undefined && !options.check) {
      options.logger.warn(
        `no actions snapshot at ${config.snapshot}: typed stubs skipped; run \`arkitekt-next gen --refresh-actions\` with the platform running, then commit the snapshot`,
      );
      return { files: [], diagnostics: [] };
    }
    if (text === undefined) {
      return {
        files: [],
        diagnostics: [
          diagnostic(
            `the actions snapshot ${config.snapshot} does not exist`,
            "run `arkitekt-next gen --refresh-actions` once with the platform running, then commit the snapshot",
            "ARK_ACTIONS_NO_SNAPSHOT",
            config.snapshot,
          ),
        ],
      };
    }
    try {
      snapshot = JSON.parse(text) as ActionsSnapshot;
    } catch (error) {
      return {
        files: [],
        diagnostics: [diagnostic(`${config.snapshot} is not JSON: ${(error as Error).message}`, "refresh it with `arkitekt-next gen --refresh-actions`", "ARK_ACTIONS_SNAPSHOT", config.snapshot)],
      };
    }
    if (JSON.stringify(snapshot.select) !== JSON.stringify(config.select)) {
      return {
        files: [],
        diagnostics: [
          diagnostic(
            `actions.select changed since ${config.snapshot} was fetched`,
            "run `arkitekt-next gen --refresh-actions` to fetch the new selection",
            "ARK_ACTIONS_STALE_SNAPSHOT",
          ),
        ],
      };
    }
  }
  const rendered = renderActions(snapshot, config, options.cwd);
  if (rendered.diagnostics.length > 0) return { files: [], diagnostics: rendered.diagnostics };
  files.push({ path: normalize(config.out), content: await formatTypeScript(rendered.source) });
  return { files, diagnostics: [] };
}

function normalize(path: string): string {
  return posix.normalize(path.replace(/\\/g, "/")).replace(/^\.\//, "");
}

// ---------------------------------------------------------------------------------------------
// fetching

/** The platform to refresh from (src/runtime/config.ts); throws `PlatformConfigError`. */
/** A deployment URL without a token is logged in to with fakts (issue 17; cached under the project's .arkitekt/). */
async function endpoint(options: GenerateActionsOptions, config: ActionsConfig): Promise<PlatformConfig<TokenSource>> {
  return resolvePlatformOrLogin(
    {
      url: options.url,
      token: options.token,
      ...(config.url !== undefined ? { configUrl: { url: config.url, from: `actions.url in ${CONFIG_FILE}` } } : {}),
      devTokenFile: join(options.cwd, DEFAULT_DEV_DATA_DIR, DEV_TOKEN_FILE),
    },
    { app: await defaultAppIdentity(options.cwd), fakts: { cacheDir: options.cwd } },
  );
}

async function fetchSnapshot(platform: PlatformConfig<TokenSource>, config: ActionsConfig): Promise<ActionsSnapshot> {
  const client = createGraphQLClient({ url: platformEndpoints(platform.url).graphqlUrl, token: platform.token });
  try {
    const found = new Map<string, RemoteAction>();
    for (const selector of config.select) {
      let candidates: Array<{ id: string; key: string; version: string; app: string | null }>;
      if ("hash" in selector) {
        const full = await actionQuery(client, { hash: selector.hash });
        candidates = [{ id: full.id, key: full.key, version: full.version, app: null }];
      } else if ("collection" in selector) {
        const list = await readAllPages((pagination) => actionsQuery(client, { filters: { inCollection: selector.collection }, pagination }), {
          field: "Query.actions",
          keyOf: (action) => action.id,
        });
        candidates = list.map((a) => ({ id: a.id, key: a.key, version: a.version, app: null }));
      } else {
        // Every page: the platform serves a page of actions at a time.
        const list = await readAllPages((pagination) => actionsQuery(client, { filters: { appIdentifier: selector.app }, pagination }), {
          field: "Query.actions",
          keyOf: (action) => action.id,
        });
        candidates = list
          .filter((a) => (selector.key === undefined || a.key === selector.key) && (selector.version === undefined || a.version === selector.version))
          .map((a) => ({ id: a.id, key: a.key, version: a.version, app: selector.app }));
      }
      if (candidates.length === 0) throw new Error(`nothing matches ${JSON.stringify(selector)}`);
      for (const candidate of candidates) {
        const full = await actionQuery(client, { id: candidate.id });
        found.set(full.hash, {
          app: candidate.app,
          key: full.key,
          version: full.version,
          hash: full.hash,
          name: full.name,
          kind: full.kind,
          description: full.description ?? null,
          args: full.args.map((p) => toPort(p as unknown as RawPort)),
          returns: full.returns.map((p) => toPort(p as unknown as RawPort)),
        });
      }
    }
    const actions = [...found.values()].sort((a, b) => compare(`${a.app ?? ""}/${a.key}/${a.version}/${a.hash}`, `${b.app ?? ""}/${b.key}/${b.version}/${b.hash}`));
    return { select: config.select, actions };
  } finally {
    await client.close();
  }
}

interface RawPort {
  key: string;
  kind: Port["kind"];
  label?: string | null;
  description?: string | null;
  identifier?: string | null;
  nullable: boolean;
  default?: unknown;
  choices?: Array<{ label: string; value: unknown; description?: string | null }> | null;
  children?: RawPort[] | null;
}

/** A port as the platform returns it -> the Port model (null fields dropped, so the snapshot stays small). */
function toPort(raw: RawPort): Port {
  const port: Port = { key: raw.key, kind: raw.kind, nullable: raw.nullable };
  if (raw.label) port.label = raw.label;
  if (raw.description) port.description = raw.description;
  if (raw.identifier) port.identifier = raw.identifier;
  if (raw.default !== undefined && raw.default !== null) port.default = raw.default as Port["default"];
  if (raw.choices && raw.choices.length > 0) {
    port.choices = raw.choices.map((c) => ({ label: c.label, value: c.value as string, ...(c.description ? { description: c.description } : {}) }));
  }
  if (raw.children && raw.children.length > 0) port.children = raw.children.map(toPort);
  return port;
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

// ---------------------------------------------------------------------------------------------
// rendering

const SUPPORTED = new Set<Port["kind"]>(["INT", "FLOAT", "STRING", "BOOL", "DATE", "ENUM", "LIST", "DICT", "MODEL", "STRUCTURE", "UNION", "MEMORY_STRUCTURE"]);

function camel(text: string): string {
  const words = text.split(/[^A-Za-z0-9]+/).filter(Boolean);
  const joined = words.map((w, i) => (i === 0 ? w.charAt(0).toLowerCase() + w.slice(1) : w.charAt(0).toUpperCase() + w.slice(1))).join("");
  return /^[0-9]/.test(joined) ? `_${joined}` : joined || "action";
}

function pascal(text: string): string {
  const c = camel(text);
  return c.charAt(0).toUpperCase() + c.slice(1);
}

function firstUnsupported(ports: readonly Port[]): Port | undefined {
  for (const port of ports) {
    if (!SUPPORTED.has(port.kind)) return port;
    const inner = firstUnsupported(port.children ?? []);
    if (inner) return inner;
  }
  return undefined;
}

/** The identifier of the package's built-in File structure (src/runtime/media/file.ts). */
const FILE_IDENTIFIER = "@arkitekt/file";

function usesIdentifier(ports: readonly Port[], identifier: string): boolean {
  return ports.some((port) => (port.kind === "STRUCTURE" && port.identifier === identifier) || usesIdentifier(port.children ?? [], identifier));
}

export function renderActions(snapshot: ActionsSnapshot, config: ActionsConfig, cwd: string): { source: string; diagnostics: Diagnostic[] } {
  const diagnostics: Diagnostic[] = [];
  const outDir = posix.dirname(normalize(config.out));
  const structureClasses = new Map<string, string>();
  const imports: ActionsView["imports"] = [];
  // The package's File (`@arkitekt/file`) needs no configuration: stubs take and return File objects.
  const structures = { ...config.structures };
  if (!(FILE_IDENTIFIER in structures) && snapshot.actions.some((a) => usesIdentifier([...a.args, ...a.returns], FILE_IDENTIFIER))) {
    structures[FILE_IDENTIFIER] = { from: config.runtime, import: "File" };
  }
  for (const [identifier, target] of Object.entries(structures).sort(([a], [b]) => compare(a, b))) {
    const from = target.from.startsWith(".") ? relativeImport(outDir, target.from, cwd) : target.from;
    imports.push({ name: target.import, from: JSON.stringify(from) });
    structureClasses.set(identifier, target.import);
  }
  const references = new Map<string, string>();
  let usesMemory = false;
  const referenceConst = (identifier: string) => {
    let name = references.get(identifier);
    if (!name) {
      name = `structure_${camel(identifier)}`;
      references.set(identifier, name);
    }
    return name;
  };

  // Codecs of named types (structures, models, enums with an identifier) and of unions are declared
  // once, as `const codec_<name>`, and referenced by every port of that type (children first).
  const declared = new Map<string, { name: string; text: string }>();
  const declaredNames = new Set<string>();
  const declare = (base: string, text: string): string => {
    const existing = declared.get(text);
    if (existing) return existing.name;
    let name = `codec_${base}`;
    for (let i = 2; declaredNames.has(name); i++) name = `codec_${base}_${i}`;
    declaredNames.add(name);
    declared.set(text, { name, text });
    return name;
  };
  const codec = (port: Port): string => {
    const children = port.children ?? [];
    const flags = port.nullable ? ["nullable: true"] : [];
    const withFlags = (parts: string[]): string => `{ ${[...parts, ...flags].join(", ")} }`;
    const named = (base: string, parts: string[]): string => {
      const name = declare(base, `{ ${parts.join(", ")} }`);
      return flags.length > 0 ? `{ ...${name}, ${flags.join(", ")} }` : name;
    };
    switch (port.kind) {
      case "LIST":
      case "DICT":
        return withFlags([`kind: "${port.kind}"`, `child: ${codec(children[0]!)}`]);
      case "MODEL": {
        const identifier = port.identifier ?? port.key;
        return named(camel(identifier), [
          `kind: "MODEL"`,
          `identifier: ${literal(identifier)}`,
          `fields: [${children.map((c) => `[${literal(c.key)}, ${codec(c)}]`).join(", ")}]`,
        ]);
      }
      case "STRUCTURE": {
        const identifier = port.identifier ?? "";
        const cls = structureClasses.get(identifier) ?? referenceConst(identifier);
        return named(structureClasses.get(identifier) ?? camel(identifier), [`kind: "STRUCTURE"`, `identifier: ${literal(identifier)}`, `cls: ${cls}`]);
      }
      case "MEMORY_STRUCTURE": {
        // issue 16: the object stays on its agent; a caller holds a MemoryRef (runtime/memory.ts)
        const identifier = port.identifier ?? "";
        usesMemory = true;
        return named(camel(identifier), [`kind: "MEMORY_STRUCTURE"`, `identifier: ${literal(identifier)}`]);
      }
      case "UNION": {
        const members = children.map(codec);
        return named(camel(children.map((c) => c.identifier ?? c.kind.toLowerCase()).join(" or ")), [`kind: "UNION"`, `children: [${members.join(", ")}]`]);
      }
      case "ENUM": {
        const parts = [`kind: "ENUM"`, `choices: ${literal((port.choices ?? []).map((c) => String(c.value)))}`];
        return port.identifier ? named(camel(port.identifier), parts) : withFlags(parts);
      }
      default:
        return withFlags([`kind: "${port.kind}"`]);
    }
  };
  const argType = (port: Port) =>
    renderTsType(port, { structure: (p) => structureClasses.get(p.identifier ?? "") ?? "Structure" });
  const returnType = (port: Port) =>
    renderTsType(port, { structure: (p) => structureClasses.get(p.identifier ?? "") ?? "StructureReference" });

  const used = new Map<string, RemoteAction>();
  const actions: ActionView[] = [];
  for (const action of snapshot.actions) {
    const bad = firstUnsupported([...action.args, ...action.returns]);
    if (bad) {
      diagnostics.push(
        diagnostic(
          `remote action ${action.app ?? ""}/${action.key} has a ${bad.kind} port (${bad.key}), which typed stubs do not support`,
          "remove it from actions.select, or call it untyped with client.call(hash, args)",
          "ARK_ACTIONS_UNSUPPORTED_PORT",
        ),
      );
      continue;
    }
    let name = camel(action.key);
    if (used.has(name)) name = camel(`${action.app ?? "action"} ${action.key} ${action.version}`);
    if (used.has(name)) {
      diagnostics.push(diagnostic(`two selected actions would both be called ${name}`, "narrow actions.select", "ARK_ACTIONS_NAME_CLASH"));
      continue;
    }
    used.set(name, action);
    const fields = action.args.map((p) => ({
      doc: docComment(p.description ?? p.label),
      property: propertyName(p.key),
      optional: p.nullable || p.default !== undefined,
      tsType: argType(p),
    }));
    const returns =
      action.returns.length === 0 ? "void" : action.returns.length === 1 ? returnType(action.returns[0]!) : `[${action.returns.map(returnType).join(", ")}]`;
    const argCodecs = action.args.map((p) => `[${literal(p.key)}, ${codec(p)}]`);
    const returnCodecs = action.returns.map(codec);
    const memberDoc = docComment(
      [action.name, action.description && action.description !== "No Description" ? action.description : "", `Action ${action.hash}`].filter(Boolean).join("\n\n"),
      "    ",
    );
    actions.push({
      name,
      typeName: pascal(name),
      app: action.app,
      key: action.key,
      version: action.version,
      generator: action.kind === "GENERATOR",
      fields,
      returns,
      argCodecs,
      returnCodecs,
      memberDoc,
      // By app + key + version when the app is known: a hash names a definition, and two apps can
      // carry the same one (the platform would route to either).
      target: action.app
        ? `{ app: ${literal(action.app)}, key: ${literal(action.key)}, version: ${literal(action.version)} }`
        : literal(action.hash),
    });
  }
  const runtimeImports = ["codecAdapter", "generatedSupport", "type ArkitektClient", "type CallOptions"];
  if (references.size > 0) runtimeImports.push("referenceStructure", "type StructureReference");
  if (usesMemory) runtimeImports.push("type MemoryRef");
  const source = renderTemplate<ActionsView>("actions", {
    abi: GENERATED_CODE_ABI,
    snapshot: normalize(config.snapshot),
    runtime: JSON.stringify(config.runtime),
    runtimeImports,
    imports,
    file: literal(normalize(config.out)),
    references: [...references].map(([identifier, variable]) => ({ variable, identifier: literal(identifier) })),
    codecs: [...declared.values()].map((d) => ({ variable: d.name, codec: d.text })),
    actions,
  });
  return { source, diagnostics };
}

/** What `templates/actions.hbs` renders one stub from (pieces already rendered). */
interface ActionView {
  name: string;
  typeName: string;
  app: string | null;
  key: string;
  version: string;
  generator: boolean;
  fields: Array<{ doc: string; property: string; optional: boolean; tsType: string }>;
  returns: string;
  argCodecs: string[];
  returnCodecs: string[];
  memberDoc: string;
  target: string;
}

interface ActionsView {
  abi: number;
  snapshot: string;
  runtime: string;
  runtimeImports: string[];
  imports: Array<{ name: string; from: string }>;
  file: string;
  references: Array<{ variable: string; identifier: string }>;
  codecs: Array<{ variable: string; codec: string }>;
  actions: ActionView[];
}

/** A doc comment (with its newline) for `text`, every line indented by `indent`; "" without text. */
function docComment(text: string | null | undefined, indent = ""): string {
  if (!text) return "";
  const lines = text.replace(/\*\//g, "*\\/").split("\n");
  return [`/**`, ...lines.map((l) => ` *${l ? ` ${l}` : ""}`), ` */`].map((l) => `${indent}${l}\n`).join("");
}

function relativeImport(outDir: string, from: string, cwd: string): string {
  void cwd;
  const rel = relative(join("/", outDir), join("/", from)).split("\\").join("/");
  return rel.startsWith(".") ? rel : `./${rel}`;
}

