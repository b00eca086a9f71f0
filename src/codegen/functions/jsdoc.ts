/**
 * Descriptions from JSDoc: the registered function's summary, `@param` and `@returns`, and the
 * doc comments of interface fields and enum members.
 */
import { ts } from "./typescript.js";
import type { FunctionNode } from "./discover.js";

export interface JsDocInfo {
  /** The summary and body. */
  description: string | null;
  /** `@param name text`, keyed by parameter name. */
  params: Map<string, string>;
  returns: string | null;
}

function commentText(comment: string | ts.NodeArray<ts.JSDocComment> | undefined): string | null {
  const text = ts.getTextOfJSDocComment(comment)?.trim();
  return text ? text : null;
}

function jsDocsOf(node: ts.Node): ts.JSDoc[] {
  return ((node as { jsDoc?: ts.JSDoc[] }).jsDoc ?? []).filter((d) => d.kind === ts.SyntaxKind.JSDoc);
}

/** Where a registered function's JSDoc may sit: on the function, or on the statement holding register(). */
export function docHosts(fn: FunctionNode, call: ts.CallExpression): ts.Node[] {
  const hosts: ts.Node[] = [fn];
  if (ts.isVariableDeclaration(fn.parent) && fn.parent.parent?.parent) hosts.push(fn.parent.parent.parent);
  let node: ts.Node = call;
  while (node.parent && !ts.isSourceFile(node.parent) && !ts.isBlock(node.parent)) {
    node = node.parent;
  }
  hosts.push(node);
  return hosts;
}

/** The last JSDoc block of the first host that has one. */
export function readJsDoc(hosts: ts.Node[]): JsDocInfo {
  const info: JsDocInfo = { description: null, params: new Map(), returns: null };
  for (const node of hosts) {
    const docs = jsDocsOf(node);
    const doc = docs[docs.length - 1];
    if (!doc) continue;
    info.description = commentText(doc.comment);
    for (const tag of doc.tags ?? []) {
      if (ts.isJSDocParameterTag(tag)) {
        const name = tag.name.getText();
        const text = commentText(tag.comment)?.replace(/^-\s*/, "");
        if (text) info.params.set(name, text);
      } else if (ts.isJSDocReturnTag(tag)) {
        info.returns = commentText(tag.comment);
      }
    }
    return info;
  }
  return info;
}

/** The summary of a declaration's JSDoc (an interface field, an enum member). */
export function docOfDeclaration(node: ts.Node | undefined): string | null {
  if (!node) return null;
  const docs = jsDocsOf(node);
  const doc = docs[docs.length - 1];
  return doc ? commentText(doc.comment) : null;
}
