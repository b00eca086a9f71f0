/**
 * Registry modules and the root registry.ts printed without prettier's parser and AST printer: the
 * generator builds the prettier Doc its templates' code would parse and print to (the same groups,
 * indents and line breaks as prettier 3's estree printer gives for these statements), and prettier's
 * own layout algorithm (`printDocToString` of prettier/doc) lays it out. Parsing and printing the AST
 * were ~90 % of prettier's cost on 870 KB of registry modules; the layout is cheap.
 *
 * The direct path covers what the templates write with plain names and strings; anything it does not
 * follow returns undefined and the caller formats the template's text with prettier as before:
 * a string or comment prettier would rewrite (a `"` in a string: prettier switches quotes; a comment
 * with a line break or `*\/`), a non-ASCII character (prettier measures East Asian widths), an
 * array of numbers (prettier fills it), registry.ts with states,
 * or an output line wider than the print width (a TypeScript type is one unbreakable piece here, where
 * prettier could break it). test/codegen/direct-print.test.ts proves the bytes equal prettier's on the
 * fixtures, the examples, the 1,000-function project and generated edge cases.
 */
import { createRequire } from "node:module";
import type { Doc } from "prettier";
import type * as DocModule from "prettier/doc";
import { GENERATED_CODE_ABI } from "../../definition/abi.js";
import { PRETTIER_OPTIONS } from "./format-options.js";
import type { Expr, ImportView, RegistryEntryView, RegistryModuleView } from "./registry.js";

const WIDTH = PRETTIER_OPTIONS.printWidth;

let docModule: typeof DocModule | undefined;
function prettierDoc(): typeof DocModule {
  // prettier/doc alone (58 KB): the layout algorithm and the builders, without parser or printer.
  docModule ??= createRequire(import.meta.url)("prettier/doc") as typeof DocModule;
  return docModule;
}

/** Thrown (and caught here) where the direct path does not follow prettier: the caller falls back. */
class Unsupported extends Error {}

/** A JSON string literal prettier prints unchanged (double quotes, no `"` inside). */
function str(literal: string): string {
  if (literal.includes('\\"')) throw new Unsupported();
  return literal;
}

/** A type as one unbreakable piece: prettier's flat text of it, when we can be sure of it. */
function type(text: string): string {
  // `{  }`: prettier prints `{}`
  if (text.includes('\\"') || text.includes("{  }")) throw new Unsupported();
  return text.includes("(") ? parentheses(text) : text;
}

/**
 * The registry wraps a type holding `|` in parentheses where it is an array's element or a union's
 * member (registry.ts `paren`). prettier keeps them around a union (`(A | B)[]`, `(A[] | null) | undefined`)
 * and drops them elsewhere (`(Record<string, A | B>) | null` prints `Record<string, A | B> | null`).
 */
function parentheses(text: string): string {
  let out = "";
  const open: number[] = []; // for each open bracket of any kind: its position in `out` (-1: not a parenthesis)
  const unionAt: boolean[] = []; // per open bracket: a `|` directly inside it
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === '"') {
      const end = text.indexOf('"', i + 1);
      if (end < 0) throw new Unsupported();
      out += text.slice(i, end + 1);
      i = end;
      continue;
    }
    if (c === "(" || c === "[" || c === "{" || c === "<") {
      open.push(c === "(" ? out.length : -1);
      unionAt.push(false);
      out += c;
    } else if (c === ")" || c === "]" || c === "}" || c === ">") {
      const at = open.pop();
      const union = unionAt.pop();
      if (at === undefined || (c === ")") !== (at >= 0)) throw new Unsupported();
      if (c === ")" && !union) out = out.slice(0, at) + out.slice(at + 1); // redundant: dropped
      else out += c;
    } else {
      if (c === "|" && unionAt.length > 0) unionAt[unionAt.length - 1] = true;
      out += c;
    }
  }
  if (open.length > 0) throw new Unsupported();
  return out;
}

/** A comment's text, printed as is. */
function comment(text: string): string {
  if (/[\n\r]/.test(text)) throw new Unsupported();
  return text;
}

/** Text of a whole printed module, checked: ASCII only (prettier measures East Asian widths). */
function checked(text: string): string {
  // eslint-disable-next-line no-control-regex
  if (/[^\x00-\x7f]/.test(text)) throw new Unsupported();
  return text;
}

/** Builds the Docs prettier's estree printer gives for the templates' constructs. */
class Builder {
  private readonly b = prettierDoc().builders;

  /** `[a, b]`: prettier's array (forced to break when it holds several objects or several arrays of 2+ items). */
  array(items: Doc[], shouldBreak = false): Doc {
    const { group, indent, softline, line, ifBreak, join } = this.b;
    if (items.length === 0) return "[]";
    return group(["[", indent([softline, join([",", line], items), ifBreak(",", "")]), softline, "]"], { shouldBreak });
  }

  /** An object literal; `shouldBreak` when its source has a line break after `{`. */
  object(props: Doc[], shouldBreak = false): Doc {
    const { group, indent, line, ifBreak, join } = this.b;
    return group(["{", indent([line, join([",", line], props)]), ifBreak(",", ""), line, "}"], { shouldBreak });
  }

  /** An object property `key: value` with prettier's assignment layout for it. */
  property(key: string, value: Doc, kind: "string" | "literal" | "other"): Doc {
    const { group, indent, line } = this.b;
    // a key shorter than tabWidth + 3 never breaks after the colon; nor does a boolean
    if (key.length < 5 || kind === "literal") return group([key, ": ", value]);
    if (kind === "string") return group([key, ":", group(indent([line, value]))]);
    return this.fluid([key, ":"], value);
  }

  /** prettier's "fluid" assignment layout: `left =` then the right side, broken first. */
  fluid(left: Doc, right: Doc): Doc {
    const { group, indent, line, lineSuffixBoundary, indentIfBreak } = this.b;
    const id = Symbol("assignment");
    return group([left, group(indent(line), { id }), lineSuffixBoundary, indentIfBreak(right, { groupId: id })]);
  }

  expr(expr: Expr): Doc {
    switch (expr.t) {
      case "text":
        return expr.text.startsWith('"') ? str(expr.text) : expr.text;
      case "arr": {
        if (expr.compact && !expr.items.every((item) => item.t === "text" && item.text.startsWith('"'))) {
          throw new Unsupported(); // an array of numbers: prettier fills it
        }
        const items = expr.items.map((item) => (item.t === "text" ? this.expr(item) : this.b.group(this.expr(item))));
        return this.array(items, breaksArray(expr.items));
      }
      case "obj":
        return this.object(
          expr.props.map((p) => {
            if ("spread" in p) return `...${p.spread}`;
            const kind = p.value.t !== "text" ? "other" : p.value.text.startsWith('"') ? "string" : p.value.text === "true" || p.value.text === "false" ? "literal" : "other";
            return this.property(p.key, this.expr(p.value), kind);
          }),
        );
    }
  }

  /** `name(<args>)` with a sole object argument written broken (`({` then a line break): prettier hugs it. */
  callWithObject(callee: Doc, object: Doc): Doc {
    const { group, indent, line, ifBreak, breakParent, conditionalGroup } = this.b;
    const hugged = ["(", group(object, { shouldBreak: true }), ")"];
    const expanded = group(["(", indent([line, object]), ifBreak(",", ""), line, ")"], { shouldBreak: true });
    return group([callee, breakParent, conditionalGroup([hugged, expanded])]);
  }

  /** `callee(a, b)` with plain arguments. */
  call(callee: string, args: Doc[]): Doc {
    const { group, indent, softline, line, ifBreak, join } = this.b;
    return group([callee, group(["(", indent([softline, join([",", line], args)]), ifBreak(",", ""), softline, ")"])]);
  }

  /** `<a, b>`: type arguments (no trailing comma). */
  typeArgs(args: Doc[]): Doc {
    const { group, indent, softline, line, join } = this.b;
    return group(["<", indent([softline, join([",", line], args)]), softline, ">"]);
  }

  /** `import { a, b } from "x";` (a sole specifier never breaks). */
  importDecl(specifiers: readonly string[], from: string): Doc {
    const { group, indent, line, ifBreak, join } = this.b;
    if (specifiers.length === 1) return `import { ${specifiers[0]} } from ${str(from)};`;
    return ["import ", group(["{", indent([line, join([",", line], [...specifiers])]), ifBreak(",", ""), line, "}"]), ` from ${str(from)};`];
  }

  /** `const <left> = <right>;` (fluid), optionally exported. */
  constDecl(left: string, right: Doc, exported = false): Doc {
    const { group } = this.b;
    return [exported ? "export " : "", group(["const ", this.fluid([left, " ="], right), ";"])];
  }

  print(doc: Doc): string {
    return prettierDoc().printer.printDocToString(doc, { printWidth: WIDTH, tabWidth: 2, useTabs: false } as never).formatted;
  }
}

/** prettier breaks an array of 2+ objects (or 2+ arrays) each with 2+ entries. */
function breaksArray(items: readonly Expr[]): boolean {
  if (items.length < 2) return false;
  const kind = items[0]!.t;
  if (kind !== "arr" && kind !== "obj") return false;
  return items.every((item) => item.t === kind && (item.t === "arr" ? item.items.length : item.t === "obj" ? item.props.length : 0) > 1);
}

/** The header both kinds of module start with. */
function header(command: string): string {
  return `// Generated by \`${comment(command)}\` (generated-code ABI ${GENERATED_CODE_ABI}).\n// Do not edit: change the registered functions and run it again.\n`;
}

/**
 * A registry module (templates/registry-module.hbs) formatted as prettier formats the template's
 * text, or undefined when the direct path does not cover it.
 */
export function printRegistryModule(view: RegistryModuleView): string | undefined {
  try {
    if (view.abi !== GENERATED_CODE_ABI) return undefined;
    const b = new Builder();
    const blocks: string[] = [header(view.command)];
    const imports = [b.importDecl(view.usesInt ? ["generatedSupport as support", "type Int"] : ["generatedSupport as support"], '"arkitekt-next"')];
    for (const imp of view.imports as ImportView[]) imports.push(b.importDecl(imp.specifiers, imp.from));
    blocks.push(imports.map((doc) => b.print(doc)).join("\n") + "\n");
    blocks.push(`${b.print([b.call("support.checkAbi", [String(view.abi), str(view.file)]), ";"])}\n`);
    if (view.codecs.length > 0) {
      let text = "// Named types of this file's ports: their codec, declared once.\n";
      for (const codec of view.codecs) text += `${b.print(b.constDecl(`${codec.variable}: support.Codec`, b.expr(codec.expr)))}\n`;
      blocks.push(text);
    }
    for (const entry of view.entries) blocks.push(printEntry(b, entry));
    const list = b.array(view.entries.map((entry) => entry.variable));
    blocks.push(`${b.print(b.constDecl("entries: support.EntryBinding[]", list, true))}\n`);
    return checked(blocks.join("\n"));
  } catch (error) {
    if (error instanceof Unsupported) return undefined;
    throw error;
  }
}

function printEntry(b: Builder, entry: RegistryEntryView): string {
  const docs = prettierDoc().builders;
  const params = b.array(entry.params.map(type));
  const result = entry.resultTuple ? b.array(entry.resultTuple.map(type)) : type(entry.result);
  const signature = ["support.Signature", b.typeArgs([str(entry.checkName), `typeof ${entry.local}`, params, result, ...(entry.generator ? ['"yields"'] : [])])];
  const object = b.object(
    [
      b.property("interface", str(entry.interfaceLiteral), "string"),
      b.property("fn", entry.local, "other"),
      b.property("argCodecs", b.array(entry.argCodecExprs.map((e) => docs.group(b.expr(e))), breaksArray(entry.argCodecExprs)), "other"),
      b.property(
        "returnCodecs",
        b.array(entry.returnCodecExprs.map((e) => (e.t === "text" ? b.expr(e) : docs.group(b.expr(e)))), breaksArray(entry.returnCodecExprs)),
        "other",
      ),
    ],
    true,
  );
  const call = b.callWithObject(["support.bindEntry", b.typeArgs([signature])], object);
  if (entry.name.includes("*/") || entry.interface.includes("*/")) throw new Unsupported();
  const statement = b.print(b.constDecl(entry.variable, call));
  // the type arguments: from the first line to the one that opens the object (`>({`)
  const lines = statement.split("\n");
  const objectLine = lines.findIndex((line) => line.endsWith(">({"));
  if (objectLine < 0) throw new Unsupported();
  for (let i = 0; i <= objectLine; i++) {
    // a string alone on its line (the check name) is as prettier prints it, however long
    if (lines[i]!.length > WIDTH && lines[i]!.trim() !== `${entry.checkName},`) throw new Unsupported();
  }
  return (
    `/** ${comment(entry.name)} (\`${comment(entry.interface)}\`); its ports are in definitions.json. */\n` +
    "// tsc names the function here when its signature changed since the last `arkitekt-next gen`.\n" +
    `${statement}\n`
  );
}

/** What templates/registry-index.hbs renders registry.ts from (see renderRegistryIndex). */
export interface RegistryIndexView {
  command: string;
  modules: string[];
  hookModules: string[];
  states: unknown[];
  file: string;
  hashPlaceholder: string;
}

/** registry.ts as prettier formats the template's text (the hash still a placeholder), or undefined. */
export function printRegistryIndex(view: RegistryIndexView): string | undefined {
  try {
    if (view.states.length > 0) return undefined;
    const b = new Builder();
    const docs = prettierDoc().builders;
    let imports = 'import { generatedSupport as support, type Registry } from "arkitekt-next";\nimport definitions from "./definitions.json" with { type: "json" };\n';
    view.modules.forEach((from, i) => (imports += `${b.print(b.importDecl([`entries as entries${i}`], from))}\n`));
    if (view.hookModules.length > 0) {
      imports += "// Files that declare lifecycle hooks (onStartup, background, onShutdown), imported so that they run.\n";
      for (const from of view.hookModules) imports += `import ${str(from)};\n`;
    }
    const object = b.object(
      [
        b.property("hash", view.hashPlaceholder, "other"),
        "definitions",
        b.property("entries", b.array(view.modules.map((_, i) => docs.group(`...entries${i}`))), "other"),
      ],
      true,
    );
    const registry = b.constDecl("registry: Registry", b.callWithObject("support.buildRegistry", object), true);
    const blocks = [
      header(view.command),
      imports,
      `${b.print([b.call("support.checkAbi", [String(GENERATED_CODE_ABI), str(view.file)]), ";"])}\n`,
      "/** Every registered function of this app, keyed by interface: pass it to `connect({ registry })`. */\n" + `${b.print(registry)}\n`,
    ];
    return checked(blocks.join("\n"));
  } catch (error) {
    if (error instanceof Unsupported) return undefined;
    throw error;
  }
}
