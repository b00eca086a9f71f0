/** The Port-based renderers that remote stubs reuse: TypeScript types and zod sources from ports alone. */
import { describe, expect, it } from "vitest";
import { renderArgsZod, renderTsType, renderZod } from "../../src/codegen/emit/ports.js";
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

describe("renderZod", () => {
  it("renders wire schemas with defaults for nullable ports", () => {
    expect(renderZod({ key: "n", kind: "INT", nullable: true, default: 3 })).toBe("z.int().nullish().transform((v) => v ?? 3)");
    expect(renderZod(image)).toBe('z.strictObject({ __identifier: z.literal("@mikro/image"), object: z.union([z.string(), z.number()]) })');
    expect(renderArgsZod([{ key: "my-key", kind: "STRING", nullable: false }])).toBe('z.strictObject({ "my-key": z.string() })');
  });
  it("lets a caller name schemas instead of inlining them", () => {
    expect(renderZod(settings, { named: (p) => (p.kind === "MODEL" ? "schema_Settings" : undefined) })).toBe("schema_Settings.nullish().transform((v) => v ?? null)");
  });
});
