/**
 * The TypeScript compiler the functions stage reads projects with: the one ts-morph bundles (the
 * same version and the same lib files every earlier `gen` used), loaded with `require` from
 * ts-morph's own folder, whose dependency it is. Importing `ts` from "ts-morph" also loaded
 * ts-morph's wrappers (a megabyte of JavaScript that Node scans for its exports), which nothing
 * here uses. Import `ts` from this module; the types below are the ones of "ts-morph"'s `ts`.
 */
import { createRequire } from "node:module";
import type { ts as T } from "ts-morph";
import { requireWithCodeCache } from "./compile-cache.js";

/** What the functions stage uses of @ts-morph/common. */
export interface MorphCommon {
  ts: typeof T;
  /** The lib files ts-morph serves from memory (at `libFolderInMemoryPath`). */
  getLibFiles(): ReadonlyArray<{ fileName: string; text: string }>;
  libFolderInMemoryPath: string;
}

const requireHere = createRequire(import.meta.url);
export const common = requireWithCodeCache(createRequire(requireHere.resolve("ts-morph"))) as MorphCommon;

export const ts: typeof T = common.ts;

/** The compiler's types this stage names (the namespace merges with the value above). */
// eslint-disable-next-line @typescript-eslint/no-namespace
export declare namespace ts {
  export type ArrowFunction = T.ArrowFunction;
  export type CallExpression = T.CallExpression;
  export type ClassDeclaration = T.ClassDeclaration;
  export type CompilerHost = T.CompilerHost;
  export type CompilerOptions = T.CompilerOptions;
  export type CreateSourceFileOptions = T.CreateSourceFileOptions;
  export type Declaration = T.Declaration;
  export type Expression = T.Expression;
  export type FunctionDeclaration = T.FunctionDeclaration;
  export type FunctionExpression = T.FunctionExpression;
  export type Identifier = T.Identifier;
  export type InterfaceDeclaration = T.InterfaceDeclaration;
  export type JSDoc = T.JSDoc;
  export type JSDocComment = T.JSDocComment;
  export type Node = T.Node;
  export type NodeArray<N extends T.Node> = T.NodeArray<N>;
  export type ObjectLiteralExpression = T.ObjectLiteralExpression;
  export type ParameterDeclaration = T.ParameterDeclaration;
  export type ParenthesizedExpression = T.ParenthesizedExpression;
  export type Program = T.Program;
  export type PropertyAssignment = T.PropertyAssignment;
  export type SourceFile = T.SourceFile;
  export type StringLiteral = T.StringLiteral;
  export type StringLiteralType = T.StringLiteralType;
  export type Symbol = T.Symbol;
  export type SymbolFlags = T.SymbolFlags;
  export type SyntaxKind = T.SyntaxKind;
  export type Type = T.Type;
  export type TypeChecker = T.TypeChecker;
  export type TypeFlags = T.TypeFlags;
  export type TypeFormatFlags = T.TypeFormatFlags;
  export type TypeNode = T.TypeNode;
  export type TypeReference = T.TypeReference;
}
