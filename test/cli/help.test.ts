// Every command answers --help with a description and at least one example, found by walking the
// CLI's own command listing (so a new command cannot skip it).
import { describe, expect, it } from "vitest";
import { execFileSync } from "node:child_process";
import { bin } from "./run-dev.js";

function help(path: string[]): string {
  return execFileSync(process.execPath, [bin, ...path, "--help"], { encoding: "utf8", env: { ...process.env, NO_COLOR: "1" } });
}

/** The subcommand names listed under "Commands:" in a commander help text. */
function subcommands(text: string): string[] {
  const section = text.split(/^Commands:\s*$/m)[1];
  if (!section) return [];
  return section
    .split("\n")
    .map((line) => /^ {2}([a-z][\w-]*)/.exec(line)?.[1])
    .filter((name): name is string => name !== undefined && name !== "help");
}

function walk(path: string[]): { path: string[]; text: string }[] {
  const text = help(path);
  return [{ path, text }, ...subcommands(text).flatMap((name) => walk([...path, name]))];
}

describe("--help", () => {
  const all = walk([]);

  it("lists the commands a user expects", () => {
    const names = all.map((c) => c.path.join(" "));
    for (const expected of ["init", "gen", "run dev", "run prod", "call", "inspect", "manifest", "build", "server"]) expect(names).toContain(expected);
  });

  it.each(all.filter((c) => c.path.length > 0).map((c) => [c.path.join(" "), c.text] as const))("`%s --help` shows an example", (_name, text) => {
    expect(text).toMatch(/^Usage: arkitekt-next /m);
    expect(text).toMatch(/Examples?:/);
    expect(text).toMatch(/\$ arkitekt-next /);
  });
});
