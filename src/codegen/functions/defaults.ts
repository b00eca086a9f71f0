/**
 * Parameter defaults (`b: Int = 2`): they go into the manifest, so they must be literals of the
 * port's own kind; an enum member default travels as the member's name.
 */
import type { ts } from "./typescript.js";
import type { JsonValue } from "../../definition/model.js";
import type { ScanContext } from "./context.js";
import { DIAGNOSTICS } from "./diagnostics.js";
import { NOT_LITERAL, isEnumMember, readLiteral } from "./literals.js";
import type { PortNode } from "./model.js";

/** The manifest value of the default `init` of a parameter mapped to `node`. */
export function readDefault(ctx: ScanContext, init: ts.Expression, node: PortNode): JsonValue {
  const value = readLiteral(ctx, init);
  const port = node.port;
  if (value === NOT_LITERAL) return ctx.report(init, DIAGNOSTICS.defaultNotLiteral, { text: init.getText() });
  if (port.kind === "MODEL" || port.kind === "STRUCTURE" || port.kind === "MEMORY_STRUCTURE") {
    if (value !== null) ctx.report(init, DIAGNOSTICS.defaultOnObjectPort, { kind: port.kind });
  }
  if (isEnumMember(value)) {
    if (port.kind !== "ENUM" || !node.enumRef) ctx.report(init, DIAGNOSTICS.defaultEnumMember, { text: init.getText(), kind: port.kind });
    return value.enumMember.name;
  }
  if (port.kind === "ENUM" && value !== null) {
    const choices = (port.choices ?? []).map((c) => c.value);
    if (!choices.includes(value)) ctx.report(init, DIAGNOSTICS.defaultNotAChoice, { value, choices });
  }
  return value;
}
