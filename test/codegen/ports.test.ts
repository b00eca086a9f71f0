/** The Port-based renderers that remote stubs reuse: TypeScript types from ports alone. */
import { describe, expect, it } from "vitest";
import { renderTsType } from "../../src/codegen/emit/ports.js";
import type { Port } from "../../src/definition/model.js";

const image: Port = { key: "image", kind: "STRUCTURE", identifier: "@mikro/image", nullable: false };
const settings: Port = {
  key: "settings",
  kind: "MODEL",
  identifier: "settings",
  nullable: true,
  children: [
    { key: "sigma", kind: "FLOAT", nullable: false },
    { key: "mode", kind: "ENUM", nullable: true, choices: [{ label: "Fast", value: "Fast" }, { label: "Exact", value: "Exact" }] },
  ],
};

describe("renderTsType", () => {
  it("renders scalars, lists, dicts, unions and nullables", () => {
    expect(renderTsType({ key: "a", kind: "INT", nullable: false })).toBe("number");
    expect(renderTsType({ key: "a", kind: "DATE", nullable: true })).toBe("Date | null");
    expect(renderTsType({ key: "a", kind: "LIST", nullable: false, children: [{ key: "...", kind: "STRING", nullable: true }] })).toBe("(string | null)[]");
    expect(renderTsType({ key: "a", kind: "DICT", nullable: false, children: [{ key: "...", kind: "BOOL", nullable: false }] })).toBe("Record<string, boolean>");
    expect(renderTsType({ key: "a", kind: "UNION", nullable: false, children: [{ key: "0", kind: "STRING", nullable: false }, { key: "1", kind: "INT", nullable: false }] })).toBe("string | number");
  });
  it("renders models inline, enums as their choice values, and structures as references unless resolved", () => {
    expect(renderTsType(settings)).toBe('{ sigma: number; mode?: "Fast" | "Exact" | null } | null');
    expect(renderTsType(image)).toBe("string");
    expect(renderTsType(image, { structure: (p) => `Ref<${JSON.stringify(p.identifier)}>` })).toBe('Ref<"@mikro/image">');
    expect(renderTsType(settings, { resolve: (p, path) => (p.kind === "MODEL" ? `Settings /* ${path.join(".")} */` : undefined) })).toBe("Settings /* settings */ | null");
  });
});
