/**
 * Named types the generated code imports: structure classes (STRUCTURE ports), TS enums (ENUM
 * ports), and the export each is imported by (interfaces and aliases of MODEL ports too).
 */
import { resolve } from "node:path";
import { ts } from "./typescript.js";
import type { Choice } from "../../definition/model.js";
import type { ScanContext } from "./context.js";
import { DIAGNOSTICS, placeText } from "./diagnostics.js";
import { docOfDeclaration } from "./jsdoc.js";
import type { PortNode, TypeRef } from "./model.js";
import { modulePath } from "./naming.js";
import type { PortSite } from "./ports.js";

/** The package whose own structure classes generated code imports by name (never by a path into it). */
export const PACKAGE_SPECIFIER = "arkitekt-next";
/** The structure classes the package exports from its root, by class name. */
const PACKAGE_STRUCTURES = new Set(["File"]);

/** A class type: a STRUCTURE port if it keeps the structure contract, else a diagnostic saying what is missing. */
export function mapStructure(ctx: ScanContext, type: ts.Type, symbol: ts.Symbol, site: PortSite, problem: { site: string; written: string }): PortNode {
  const { at, key } = site;
  const decl = symbol.declarations?.find(ts.isClassDeclaration);
  if (decl && implementsMemoryStructure(ctx, decl)) return mapMemoryStructure(ctx, type, symbol, decl, site, problem);
  // The package's own structures (File): imported from "arkitekt-next" by generated code, wherever
  // the package is installed; their declarations are not the project's, so no file dependency.
  const fromPackage = decl !== undefined && PACKAGE_STRUCTURES.has(symbol.name) && ctx.project.isPackageDeclaration(decl);
  const missing: string[] = [];
  if (decl && !fromPackage) ctx.dependOn(decl);
  const staticType = ctx.checker.getTypeOfSymbol(symbol);
  const identifier = staticIdentifierOf(ctx, decl, staticType);
  if (identifier === undefined) missing.push('`static identifier = "..."` (a string literal)');
  if (!type.getProperty("shrink")) missing.push("a `shrink()` method returning the reference");
  if (!staticType.getProperty("expand")) missing.push("a `static expand(ref)` method");
  if (missing.length > 0) ctx.report(at, DIAGNOSTICS.classNotStructure, { ...problem, missing });
  if (identifier!.includes("@") && !identifier!.includes("/")) {
    ctx.report(at, DIAGNOSTICS.structureIdentifier, { identifier: identifier!, className: symbol.name });
  }
  const ref: TypeRef = fromPackage
    ? { file: PACKAGE_SPECIFIER, name: symbol.name, module: PACKAGE_SPECIFIER }
    : refOf(ctx, symbol, decl!, at, "class");
  return {
    port: { key, kind: "STRUCTURE", nullable: false, identifier: identifier! },
    children: [],
    ts: { form: "ref", ref },
    hasNull: false,
    hasUndefined: false,
    structureRef: ref,
  };
}

/** The `static identifier = "..."` of a class: its string-literal initializer, else a literal static type. */
function staticIdentifierOf(ctx: ScanContext, decl: ts.ClassDeclaration | undefined, staticType: ts.Type): string | undefined {
  for (const member of decl?.members ?? []) {
    if (
      ts.isPropertyDeclaration(member) &&
      member.name.getText() === "identifier" &&
      member.modifiers?.some((m) => m.kind === ts.SyntaxKind.StaticKeyword)
    ) {
      let init = member.initializer;
      while (init && (ts.isAsExpression(init) || ts.isParenthesizedExpression(init) || ts.isSatisfiesExpression(init))) init = init.expression;
      if (init && (ts.isStringLiteral(init) || ts.isNoSubstitutionTemplateLiteral(init))) return init.text;
    }
  }
  const prop = staticType.getProperty("identifier");
  const propType = prop ? ctx.checker.getTypeOfSymbol(prop) : undefined;
  return propType?.isStringLiteral() ? propType.value : undefined;
}

/** Members of a TS enum (those present in the type): an ENUM port whose choices are the member names. */
export function mapEnum(ctx: ScanContext, enumSymbol: ts.Symbol, present: ts.Type[], site: PortSite): PortNode {
  const { at, key } = site;
  const decl = enumSymbol.declarations?.find(ts.isEnumDeclaration);
  if (!decl) return ctx.report(at, DIAGNOSTICS.enumNotFound, { name: enumSymbol.name });
  ctx.dependOn(decl);
  const presentNames = new Set(present.map((t) => t.getSymbol()?.name));
  const choices: Choice[] = [];
  for (const member of decl.members) {
    const name = member.name.getText();
    if (!presentNames.has(name)) continue;
    const choice: Choice = { label: name, value: name };
    const description = docOfDeclaration(member);
    if (description) choice.description = description;
    choices.push(choice);
  }
  const ref = refOf(ctx, enumSymbol, decl, at, "enum");
  const identifier = `${modulePath(ctx.project.relative(decl.getSourceFile().fileName))}.${enumSymbol.name}`.toLowerCase();
  return {
    port: { key, kind: "ENUM", nullable: false, identifier, choices },
    children: [],
    ts: { form: "ref", ref },
    hasNull: false,
    hasUndefined: false,
    enumRef: ref,
  };
}

/** A named declaration generated code must import: it has to be exported from a file of the project. */
export function refOf(ctx: ScanContext, symbol: ts.Symbol, decl: ts.Declaration, at: ts.Node, what: string): TypeRef {
  const sf = decl.getSourceFile();
  ctx.dependOn(decl);
  if (sf.isDeclarationFile || ctx.program.isSourceFileFromExternalLibrary(sf)) {
    ctx.report(at, DIAGNOSTICS.declaredOutside, { what, name: symbol.name, file: ctx.project.relative(sf.fileName) });
  }
  const name = ctx.exportNameOf(symbol, sf);
  if (!name) ctx.report(at, DIAGNOSTICS.typeNotExported, { what, name: symbol.name, declaredAt: placeText(decl, ctx.cwd) });
  return { file: resolve(sf.fileName), name: name! };
}

// ------------------------------------------------------------------------------------------------ memory structures (issue 16)

/** The package's marker interface of memory structures (runtime/memory.ts). */
const MEMORY_STRUCTURE_INTERFACE = "MemoryStructure";

/**
 * Whether a class declares `implements MemoryStructure` (the package's interface, whatever it is
 * imported as), itself, through an interface it implements that extends it, or through a base
 * class. Read from the heritage clauses, not from the type's shape: the marker's members are
 * optional, so every class would match it structurally.
 */
function implementsMemoryStructure(ctx: ScanContext, decl: ts.ClassDeclaration | ts.InterfaceDeclaration, depth = 0): boolean {
  if (depth > 16) return false;
  for (const clause of decl.heritageClauses ?? []) {
    for (const written of clause.types) {
      let symbol = ctx.checker.getSymbolAtLocation(written.expression);
      if (symbol && symbol.flags & ts.SymbolFlags.Alias) symbol = ctx.checker.getAliasedSymbol(symbol);
      if (!symbol) continue;
      const declarations = symbol.declarations ?? [];
      if (symbol.name === MEMORY_STRUCTURE_INTERFACE && declarations.some((d) => ts.isInterfaceDeclaration(d) && ctx.project.isPackageDeclaration(d))) return true;
      for (const base of declarations) {
        if ((ts.isClassDeclaration(base) || ts.isInterfaceDeclaration(base)) && implementsMemoryStructure(ctx, base, depth + 1)) {
          ctx.dependOn(base);
          return true;
        }
      }
    }
  }
  return false;
}

/** A class that implements MemoryStructure: a MEMORY_STRUCTURE port (the object stays on the agent). */
function mapMemoryStructure(
  ctx: ScanContext,
  type: ts.Type,
  symbol: ts.Symbol,
  decl: ts.ClassDeclaration,
  site: PortSite,
  problem: { site: string; written: string },
): PortNode {
  const { at, key } = site;
  ctx.dependOn(decl);
  const staticType = ctx.checker.getTypeOfSymbol(symbol);
  const identifier = staticIdentifierOf(ctx, decl, staticType);
  if (identifier === undefined) return ctx.report(at, DIAGNOSTICS.memoryStructureIdentifier, { ...problem, className: symbol.name });
  if (!/^@[^/\s]+\/[^/\s]+$/.test(identifier)) ctx.report(at, DIAGNOSTICS.memoryStructureIdentifierForm, { identifier, className: symbol.name });
  const members = [
    ...(type.getProperty("shrink") ? ["shrink()"] : []),
    ...(staticType.getProperty("expand") ? ["static expand()"] : []),
  ];
  if (members.length > 0) ctx.report(at, DIAGNOSTICS.memoryStructureAlsoStructure, { className: symbol.name, members });
  const ref = refOf(ctx, symbol, decl, at, "class");
  return {
    port: { key, kind: "MEMORY_STRUCTURE", nullable: false, identifier },
    children: [],
    ts: { form: "ref", ref },
    hasNull: false,
    hasUndefined: false,
    structureRef: ref,
  };
}
