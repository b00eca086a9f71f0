/**
 * Writes `generated/registry.ts` (the `Registry` the agent serves) and one module per source file
 * under `generated/registry/` (so that an incremental run re-renders only what changed). Each
 * entry binds a function by interface to its codecs for expand/shrink and carries a compile-time
 * check that the function still has the signature it was generated from. The ports are written
 * once, in definitions.json, which `registry.ts` imports; the runtime checks values against them
 * with the one value rule of definition/values.ts (no validator is generated).
 */
import { dirname, relative, sep } from "node:path";
import type { Implementation } from "../../definition/model.js";
import { createHash } from "node:crypto";
import { canonicalJson } from "../../definition/hash.js";
import type { ExtractedFunction, PortNode, TypeRef } from "../functions/model.js";
import type { ExtractedState } from "../functions/state.js";
import type { GeneratedFile } from "../types.js";
import type { Port } from "../../definition/model.js";
import { GENERATED_CODE_ABI } from "../../definition/abi.js";
import { RESERVED_WORDS } from "./names.js";
import { literal, propertyName } from "./ports.js";
import { renderTemplate } from "./templates.js";
import { printRegistryIndex, printRegistryModule } from "./direct.js";

export interface EmitOptions {
  /** Project directory (absolute). */
  cwd: string;
  /** Output directory, relative to cwd (posix), e.g. "generated". */
  out: string;
  /** The command named in the header. */
  command?: string;
}

/** Names a registry module declares itself, and the words no binding may take. */
const RESERVED = new Set(["support", "Int", "RegistryEntry", "Registry", "entries", "registry", "definitions", ...RESERVED_WORDS]);

/** One `import { <specifiers> } from <from>;` of a registry module. */
export interface ImportView {
  specifiers: string[];
  from: string;
}

/** Allocates local names for imports, unique within one generated module. */
class Imports {
  private readonly byKey = new Map<string, { local: string; ref: TypeRef; value: boolean }>();
  private readonly used = new Set<string>(RESERVED);

  constructor(private readonly fromDir: string) {}

  name(ref: TypeRef, value: boolean): string {
    const key = `${ref.file}#${ref.name}`;
    const existing = this.byKey.get(key);
    if (existing) {
      existing.value ||= value;
      return existing.local;
    }
    let base = ref.name === "default" ? basename(ref.file) : ref.name;
    if (!/^[A-Za-z_$][\w$]*$/.test(base)) base = base.replace(/[^\w$]/g, "_");
    let local = base;
    for (let i = 2; this.used.has(local); i++) local = `${base}_${i}`;
    this.used.add(local);
    this.byKey.set(key, { local, ref, value });
    return local;
  }

  /** The import declarations, one per source file, sorted (rendered by the module template). */
  render(): ImportView[] {
    const byFile = new Map<string, Array<{ local: string; ref: TypeRef; value: boolean }>>();
    for (const entry of this.byKey.values()) {
      const list = byFile.get(entry.ref.file) ?? [];
      list.push(entry);
      byFile.set(entry.ref.file, list);
    }
    return [...byFile.keys()]
      .sort()
      .map((file) => {
        const specs = byFile
          .get(file)!
          .sort((a, b) => (a.ref.name < b.ref.name ? -1 : a.ref.name > b.ref.name ? 1 : 0))
          .map((e) => `${e.value ? "" : "type "}${e.ref.name === e.local ? e.local : `${e.ref.name} as ${e.local}`}`);
        const module = byFile.get(file)![0]!.ref.module;
        return { specifiers: specs, from: JSON.stringify(module ?? importPath(this.fromDir, file)) };
      });
  }
}

function basename(file: string): string {
  const base = file.replace(/^.*[\\/]/, "").replace(/\.[cm]?tsx?$/, "");
  return base.replace(/[-_.]+(\w)/g, (_, c: string) => c.toUpperCase());
}

/** A NodeNext import specifier from a generated module to a source file. */
export function importPath(fromDir: string, file: string): string {
  let rel = relative(fromDir, file).split(sep).join("/");
  rel = rel.replace(/\.ts$/, ".js").replace(/\.tsx$/, ".js").replace(/\.mts$/, ".mjs").replace(/\.cts$/, ".cjs");
  return rel.startsWith(".") ? rel : `./${rel}`;
}

function paren(type: string): string {
  return /[|&]/.test(type) && !/^[{[(]/.test(type) ? `(${type})` : type;
}

/** The TypeScript type of a port as it was written in the user's code. */
function tsTypeOf(node: PortNode, imports: Imports): string {
  let base: string;
  const ts = node.ts;
  switch (ts.form) {
    case "keyword":
      base = ts.text;
      break;
    case "ref":
      base = imports.name(ts.ref, false);
      break;
    case "literals":
      base = ts.values.map((v) => JSON.stringify(v)).join(" | ");
      break;
    case "array":
      base = `${ts.readonly ? "readonly " : ""}${paren(tsTypeOf(node.children[0]!, imports))}[]`;
      break;
    case "record":
      base = `Record<string, ${tsTypeOf(node.children[0]!, imports)}>`;
      break;
    case "object":
      base = `{ ${node.children
        .map((c, i) => `${propertyName(c.port.key)}${ts.optional[i] ? "?" : ""}: ${tsTypeOf(c, imports)}`)
        .join("; ")} }`;
      break;
    case "union":
      base = node.children.map((c) => paren(tsTypeOf(c, imports))).join(" | ");
      break;
  }
  if (node.hasNull) base = `${paren(base)} | null`;
  if (node.hasUndefined) base = `${paren(base)} | undefined`;
  return base;
}

/**
 * A codec literal as a small expression tree: rendered to text for the template (and prettier), or
 * to a prettier Doc by the direct printer (emit/direct.ts). Strings are JSON literals.
 */
export type Expr =
  | { t: "text"; text: string }
  | { t: "arr"; items: Expr[]; compact?: boolean }
  | { t: "obj"; props: Array<{ key: string; value: Expr } | { spread: string }> };

const text = (value: string): Expr => ({ t: "text", text: value });

/** The unformatted source text of an expression (what the template renders). */
export function exprText(expr: Expr): string {
  switch (expr.t) {
    case "text":
      return expr.text;
    case "arr":
      return expr.compact ? `[${expr.items.map(exprText).join(",")}]` : `[${expr.items.map(exprText).join(", ")}]`;
    case "obj":
      return `{ ${expr.props.map((p) => ("spread" in p ? `...${p.spread}` : `${p.key}: ${exprText(p.value)}`)).join(", ")} }`;
  }
}

/** A codec declared once per module: `const <variable>: support.Codec = <codec>;`. */
export interface CodecDeclaration {
  variable: string;
  codec: string;
  expr: Expr;
}

/**
 * Codecs of named types (structures, enums, interfaces), declared once per module and referenced
 * by every port of that type.
 */
class Hoisted {
  private readonly pending: CodecDeclaration[] = [];
  private readonly used = new Set<string>();
  private readonly byKey = new Map<string, string>();
  private readonly byPort = new Map<Port, string>();

  constructor(readonly imports: Imports) {}

  /** The hoisted name for a port of a named type (declaring it on first use), or undefined. */
  name(node: PortNode): string | undefined {
    if (node.ts.form !== "ref") return undefined;
    const cached = this.byPort.get(node.port);
    if (cached) return cached;
    const local = this.imports.name(node.ts.ref, node.enumRef !== undefined || node.structureRef !== undefined);
    const key = `${node.ts.ref.file}#${node.ts.ref.name}#${JSON.stringify(node.port.choices ?? null)}`;
    let name = this.byKey.get(key);
    if (!name) {
      name = local;
      for (let i = 2; [...this.byKey.values()].includes(name); i++) name = `${local}_${i}`;
      // Children first, so that their declarations come before this one.
      const expr: Expr = { t: "obj", props: baseCodecParts(node, this) };
      this.byKey.set(key, name);
      this.pending.push({ variable: `codec_${name}`, codec: exprText(expr), expr });
    }
    this.byPort.set(node.port, name);
    return name;
  }

  use(variable: string): string {
    this.used.add(variable);
    return variable;
  }

  /** The declarations that are referenced, in dependency order. */
  get declarations(): CodecDeclaration[] {
    return this.pending.filter((d) => this.used.has(d.variable));
  }
}

type Prop = { key: string; value: Expr } | { spread: string };

/** The properties of a port's codec literal, without its nullability flags. */
function baseCodecParts(node: PortNode, hoisted: Hoisted): Prop[] {
  const { port } = node;
  const parts: Prop[] = [{ key: "kind", value: text(literal(port.kind)) }];
  switch (port.kind) {
    case "ENUM": {
      const values = (port.choices ?? []).map((c) => c.value);
      parts.push({ key: "choices", value: { t: "arr", items: values.map((v) => text(literal(v))), compact: true } });
      if (node.enumRef) parts.push({ key: "members", value: text(hoisted.imports.name(node.enumRef, true)) });
      break;
    }
    case "LIST":
    case "DICT":
      parts.push({ key: "child", value: codecOf(node.children[0]!, hoisted) });
      break;
    case "MODEL":
      parts.push({ key: "identifier", value: text(literal(port.identifier ?? "")) });
      parts.push({ key: "fields", value: { t: "arr", items: node.children.map((c) => ({ t: "arr", items: [text(literal(c.port.key)), codecOf(c, hoisted)] })) } });
      break;
    case "STRUCTURE":
      parts.push({ key: "identifier", value: text(literal(port.identifier ?? "")) });
      parts.push({ key: "cls", value: text(hoisted.imports.name(node.structureRef!, true)) });
      break;
    case "MEMORY_STRUCTURE": // issue 16: the object stays on the agent (runtime/memory.ts)
      parts.push({ key: "identifier", value: text(literal(port.identifier ?? "")) });
      parts.push({ key: "cls", value: text(hoisted.imports.name(node.structureRef!, true)) });
      break;
    case "UNION":
      parts.push({ key: "children", value: { t: "arr", items: node.children.map((c) => codecOf(c, hoisted)) } });
      break;
  }
  return parts;
}

/** The codec literal of a port (see runtime/structures/support.ts). */
function codecOf(node: PortNode, hoisted: Hoisted): Expr {
  const flags: Prop[] = [];
  if (node.port.nullable) flags.push({ key: "nullable", value: text("true") });
  if (node.hasUndefined && !node.hasNull && node.port.default === undefined) flags.push({ key: "nullAsUndefined", value: text("true") });
  const name = hoisted.name(node);
  if (name) {
    const variable = hoisted.use(`codec_${name}`);
    return flags.length ? { t: "obj", props: [{ spread: variable }, ...flags] } : text(variable);
  }
  return { t: "obj", props: [...baseCodecParts(node, hoisted), ...flags] };
}

function entryName(iface: string): string {
  return `entry_${iface.replace(/[^\w$]/g, "_")}`;
}

/**
 * A generated file before formatting. Prettier formats `content`; then each placeholder in
 * `splices` is replaced by its text (already formatted JSON, indented to the placeholder's
 * column). Data that prettier would only re-indent (the manifest entries, the hash) never goes
 * through it: that keeps formatting of large projects fast.
 */
export interface PendingFile extends GeneratedFile {
  splices?: Record<string, string>;
  /** A registry module's view model (the direct printer's input). */
  view?: RegistryModuleView;
  /** `content` as prettier formats it, printed directly (emit/direct.ts); absent: format `content`. */
  formatted?: string;
}

/** `ARKITEKT_GEN_DIRECT=0` formats every generated module with prettier (the direct printer's reference). */
function directEnabled(): boolean {
  return process.env.ARKITEKT_GEN_DIRECT !== "0";
}

/**
 * One module per source file holding `register()` calls: per function its codecs and the
 * compile-time signature check, named by interface. The ports are not repeated: the root
 * `registry.ts` imports them from definitions.json.
 */
export function renderRegistryModule(functions: readonly ExtractedFunction[], moduleFile: string, options: EmitOptions): PendingFile {
  const imports = new Imports(dirname(moduleFile));
  const hoisted = new Hoisted(imports);
  const entries: RegistryEntryView[] = [];
  for (const fn of functions) {
    // Order matters: local names are allocated as the pieces are rendered.
    const local = imports.name(fn.fn, true);
    const params = fn.args.map((a) => `${propertyName(a.node.port.key)}${a.optional ? "?" : ""}: ${tsTypeOf(a.node, imports)}`);
    let result: string;
    let resultTuple: string[] | undefined;
    if (fn.returns.length === 0) result = "void";
    else if (fn.tupleReturn) {
      resultTuple = fn.returns.map((r) => tsTypeOf(r, imports));
      result = `[${resultTuple.join(", ")}]`;
    } else result = tsTypeOf(fn.returns[0]!, imports);
    const impl: Implementation = fn.implementation;
    const source = relative(options.cwd, fn.fn.file).split(sep).join("/");
    const argCodecExprs: Expr[] = fn.args.map((a) => ({ t: "arr", items: [text(literal(a.node.port.key)), codecOf(a.node, hoisted)] }));
    const returnCodecExprs = fn.returns.map((r) => codecOf(r, hoisted));
    entries.push({
      name: impl.definition.name,
      interface: impl.interface,
      interfaceLiteral: literal(impl.interface),
      variable: entryName(impl.interface),
      checkName: literal(`${fn.fn.name === "default" ? "the default export" : fn.fn.name} (${source})`),
      local,
      params,
      result,
      resultTuple,
      generator: fn.generator,
      argCodecs: argCodecExprs.map(exprText),
      returnCodecs: returnCodecExprs.map(exprText),
      argCodecExprs,
      returnCodecExprs,
    });
  }
  const view: RegistryModuleView = {
    command: options.command ?? "arkitekt-next gen",
    abi: GENERATED_CODE_ABI,
    usesInt: entries.some(usesInt),
    imports: imports.render(),
    file: literal(relative(options.cwd, moduleFile).split(sep).join("/")),
    codecs: hoisted.declarations,
    entries,
  };
  let content: string | undefined;
  return {
    path: "",
    // the template's text is rendered only when asked for (to format it with prettier)
    get content() {
      content ??= renderTemplate<RegistryModuleView>("registry-module", view);
      return content;
    },
    view,
    formatted: directEnabled() ? printRegistryModule(view) : undefined,
  };
}

/** What `templates/registry-module.hbs` renders one function from (pieces already rendered). */
export interface RegistryEntryView {
  name: string;
  interface: string;
  interfaceLiteral: string;
  variable: string;
  checkName: string;
  local: string;
  params: string[];
  result: string;
  /** The types of a tuple return (`result` is then `[...]`). */
  resultTuple?: string[];
  generator: boolean;
  argCodecs: string[];
  returnCodecs: string[];
  argCodecExprs: Expr[];
  returnCodecExprs: Expr[];
}

/** What `templates/registry-module.hbs` renders a module from; emit/direct.ts prints it without prettier. */
export interface RegistryModuleView {
  command: string;
  abi: number;
  usesInt: boolean;
  imports: ImportView[];
  file: string;
  codecs: CodecDeclaration[];
  entries: RegistryEntryView[];
}

/** Whether an entry's rendered text names the `Int` brand (then the module imports it). */
function usesInt(entry: RegistryEntryView): boolean {
  const text = [entry.name, entry.interface, entry.checkName, entry.local, ...entry.params, entry.result, ...entry.argCodecs, ...entry.returnCodecs];
  return text.some((piece) => /\bInt\b/.test(piece));
}

/** Groups functions by the file that registers them, in a stable order. */
export function groupByFile(functions: readonly ExtractedFunction[]): Map<string, ExtractedFunction[]> {
  const groups = new Map<string, ExtractedFunction[]>();
  for (const fn of functions) {
    const list = groups.get(fn.registeredIn) ?? [];
    list.push(fn);
    groups.set(fn.registeredIn, list);
  }
  return new Map([...groups.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** The path of a source file's registry module, relative to cwd. */
export function registryModulePath(sourceFile: string, options: EmitOptions): string {
  const rel = relative(options.cwd, sourceFile).split(sep).join("/").replace(/^(\.\.\/)+/, "_up/");
  return `${options.out}/registry/${rel.replace(/\.[cm]?tsx?$/, "")}.ts`;
}

/**
 * The root `registry.ts`: imports the manifest (definitions.json, the one place the ports are
 * written) and every module's bindings, and exports `registry`.
 */
export function renderRegistryIndex(modules: readonly string[], hash: string, options: EmitOptions, hookFiles: readonly string[] = [], states: readonly ExtractedState[] = []): PendingFile {
  const fromDir = `${options.cwd}/${options.out}`;
  const view = {
    // the app's states (defineState): absent for an app without states (the file stays as it was)
    states: states.map((state, i) => ({
      import: `import { ${state.ref.name === "default" ? "default" : state.ref.name} as state${i} } from ${JSON.stringify(importPath(fromDir, state.ref.file))};`,
      binding: `{ state: state${i}, implementation: ${JSON.stringify(state.implementation)} }`,
    })),
    command: options.command ?? "arkitekt-next gen",
    abi: GENERATED_CODE_ABI,
    modules: modules.map((m) => JSON.stringify(`./${m.slice(options.out.length + 1).replace(/\.ts$/, ".js")}`)),
    // issue 16: files declaring lifecycle hooks, imported for their effect (none: nothing written)
    hookModules: hookFiles.map((file) => JSON.stringify(importPath(`${options.cwd}/${options.out}`, file))),
    file: literal(`${options.out}/registry.ts`),
    hashPlaceholder: "__ARKITEKT_HASH__",
  };
  return {
    path: `${options.out}/registry.ts`,
    content: renderTemplate("registry-index", view),
    splices: { __ARKITEKT_HASH__: literal(hash) },
    formatted: directEnabled() ? printRegistryIndex(view) : undefined,
  };
}

const canonicalCache = new WeakMap<Implementation, string>();

/**
 * The same string, made flat: V8 keeps a concatenation as a tree of pieces, and joining 1,000 of
 * them into definitions.json (3.7 MB) walked every tree again on each incremental gen (10 ms instead
 * of 2). Reading a character flattens the string in place.
 */
function flat(text: string): string {
  text.charCodeAt(0);
  return text;
}
const prettyCache = new WeakMap<Implementation, string>();

/**
 * `hashDefinitions(implementations)`, with each entry's canonical JSON cached between runs; with
 * states, their StateImplementationInputs are hashed too (a changed state schema makes `connect`
 * send implementAgent again). Without states the hash is what it always was.
 */
export function hashImplementations(implementations: readonly Implementation[], states: readonly ExtractedState[] = []): string {
  const parts = implementations.map((impl) => {
    let text = canonicalCache.get(impl);
    if (text === undefined) {
      text = flat(canonicalJson(impl));
      canonicalCache.set(impl, text);
    }
    return text;
  });
  const text = `[${parts.join(",")}]`;
  const withStates = states.length === 0 ? text : `${text}\nstates:${canonicalJson(states.map((state) => state.implementation))}`;
  return createHash("sha256").update(withStates).digest("hex");
}

/** `definitions.json`: the ImplementationInput array, in the registry's order. */
export function emitDefinitions(functions: readonly ExtractedFunction[], options: EmitOptions): GeneratedFile {
  const ordered = [...groupByFile(functions).values()].flat().map((f) => f.implementation);
  if (ordered.length === 0) return { path: `${options.out}/definitions.json`, content: "[]\n" };
  // Same bytes as JSON.stringify(ordered, null, 2), built from per-entry pieces cached between runs.
  const parts = ordered.map((impl) => {
    let text = prettyCache.get(impl);
    if (text === undefined) {
      text = flat(`  ${JSON.stringify(impl, null, 2).replace(/\n/g, "\n  ")}`);
      prettyCache.set(impl, text);
    }
    return text;
  });
  return { path: `${options.out}/definitions.json`, content: `[\n${parts.join(",\n")}\n]\n` };
}
