/**
 * Reading literal expressions without running the user's code: `register()` options and parameter
 * defaults must be literals the manifest can hold.
 */
import { ts } from "./typescript.js";
import type { JsonValue } from "../../definition/model.js";
import type { ScanContext } from "./context.js";

export const NOT_LITERAL = Symbol("not a literal");

/** An enum member access (`Mode.Fast`) found where a literal was expected. */
export interface EnumMemberValue {
  enumMember: ts.Symbol;
}

export function isEnumMember(value: unknown): value is EnumMemberValue {
  return typeof value === "object" && value !== null && "enumMember" in value;
}

/** A literal expression's JSON value, or NOT_LITERAL. Enum member accesses give `{enumMember}`. */
export function readLiteral(ctx: ScanContext, expr: ts.Expression): JsonValue | EnumMemberValue | typeof NOT_LITERAL {
  while (ts.isParenthesizedExpression(expr) || ts.isAsExpression(expr) || ts.isSatisfiesExpression(expr)) expr = expr.expression;
  if (ts.isNumericLiteral(expr)) return Number(expr.text);
  if (ts.isPrefixUnaryExpression(expr) && ts.isNumericLiteral(expr.operand)) {
    if (expr.operator === ts.SyntaxKind.MinusToken) return -Number(expr.operand.text);
    if (expr.operator === ts.SyntaxKind.PlusToken) return Number(expr.operand.text);
  }
  if (ts.isStringLiteral(expr) || ts.isNoSubstitutionTemplateLiteral(expr)) return expr.text;
  if (expr.kind === ts.SyntaxKind.TrueKeyword) return true;
  if (expr.kind === ts.SyntaxKind.FalseKeyword) return false;
  if (expr.kind === ts.SyntaxKind.NullKeyword) return null;
  if (ts.isArrayLiteralExpression(expr)) {
    const items: JsonValue[] = [];
    for (const element of expr.elements) {
      const v = readLiteral(ctx, element);
      if (v === NOT_LITERAL || isEnumMember(v)) return NOT_LITERAL;
      items.push(v);
    }
    return items;
  }
  if (ts.isObjectLiteralExpression(expr)) {
    const out: Record<string, JsonValue> = {};
    for (const prop of expr.properties) {
      if (!ts.isPropertyAssignment(prop) || !(ts.isIdentifier(prop.name) || ts.isStringLiteral(prop.name))) return NOT_LITERAL;
      const v = readLiteral(ctx, prop.initializer);
      if (v === NOT_LITERAL || isEnumMember(v)) return NOT_LITERAL;
      out[prop.name.text] = v;
    }
    return out;
  }
  if (ts.isPropertyAccessExpression(expr)) {
    let symbol = ctx.checker.getSymbolAtLocation(expr);
    if (symbol && symbol.flags & ts.SymbolFlags.Alias) symbol = ctx.checker.getAliasedSymbol(symbol);
    if (symbol && symbol.flags & ts.SymbolFlags.EnumMember) return { enumMember: symbol };
  }
  return NOT_LITERAL;
}
