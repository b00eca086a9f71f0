// The CLI as a user runs it: `run dev` serves the example app against an embedded platform it starts
// itself, `call` finds that platform through the dev token file and calls the app's functions.
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { app, bin, root, startRunDev, type RunDev } from "./run-dev.js";

function cli(args: string[], env: NodeJS.ProcessEnv = {}): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [bin, ...args], {
    cwd: root,
    encoding: "utf8",
    env: { ...process.env, ARKITEKT_URL: "", ARKITEKT_TOKEN: "", NO_COLOR: "1", ...env },
    timeout: 60_000,
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe("every command has --help", () => {
  for (const command of [[], ["gen"], ["run"], ["run", "dev"], ["call"], ["server"], ["inspect"]]) {
    it(`prints usage for \`${["arkitekt-next", ...command].join(" ")} --help\``, () => {
      const result = cli([...command, "--help"]);
      expect(result.status).toBe(0);
      expect(result.stdout).toMatch(/^Usage: arkitekt-next/);
    });
  }
});

describe("run dev and call against the embedded platform", () => {
  let runDev: RunDev;
  let dataDir: string;

  beforeAll(async () => {
    runDev = await startRunDev("arkitekt-cli-");
    dataDir = runDev.dataDir;
  });

  afterAll(() => runDev?.stop());

  it("lists every function of the example app it serves", () => {
    for (const name of ["gradient", "threshold", "measure", "average", "tile", "labelImages", "annotate"]) {
      expect(runDev.output).toContain(`  ${name} `);
    }
    expect(runDev.output).toMatch(/started the embedded dev platform at http:\/\/127\.0\.0\.1:\d+/);
  });

  it("issue 13: prints the web UI's sign-in link, with the dev token in the fragment (never sent to the server)", () => {
    const devToken = JSON.parse(readFileSync(join(dataDir, "dev-token.json"), "utf8")) as { url: string; token: string };
    const link = /^web UI: (\S+)$/m.exec(runDev.output)?.[1];
    expect(link).toBe(`${devToken.url}/#token=${encodeURIComponent(devToken.token)}`);
  });

  it("calls a function by app/key with key=value args and prints its returns", () => {
    const result = cli(["call", "--data", dataDir, "com.example.imaging/gradient", "width=3", "height=2"]);
    expect(result.stderr).toBe("");
    expect(result.status).toBe(0);
    const returns = JSON.parse(result.stdout) as { return0: { __identifier: string; object: string } };
    expect(returns.return0.__identifier).toBe("@example/image");
    expect(returns.return0.object).toMatch(/^ms_[A-Za-z0-9_-]{22}$/); // issue 14: a media store id
  });

  it("calls a function by the key and by the hash prefix that run dev lists", () => {
    const byKey = cli(["call", "--data", dataDir, "gradient", "width=2", "height=2"]);
    expect(byKey.stderr).toBe("");
    expect(JSON.parse(byKey.stdout).return0.__identifier).toBe("@example/image");
    const prefix = /^ {2}gradient +([0-9a-f]{12})$/m.exec(runDev.output)?.[1];
    expect(prefix).toBeDefined();
    const byHash = cli(["call", "--data", dataDir, prefix!, "width=2"]);
    expect(byHash.stderr).toBe("");
    expect(JSON.parse(byHash.stdout).return0.__identifier).toBe("@example/image");
  });

  it("lists the known keys when the key names no action", () => {
    const result = cli(["call", "--data", dataDir, "blur", "a=1"]);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('error: the platform knows no action with the key "blur"');
    expect(result.stderr).toContain("hint: known keys: annotate, average, clip, gradient, labelImages, measure, threshold, tile, tileStats");
  });

  it("says the function threw, with its message and place, when the task ends CRITICAL", () => {
    const result = cli(["call", "--data", dataDir, "average", '{"images": []}']);
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/ended CRITICAL: Error: average needs at least one image \(at .*src\/filters\.ts:\d+:\d+\)/);
    expect(result.stderr).toContain("hint: the function threw");
  });

  it("streams a generator's yields and its progress (--stream is the default, still accepted)", () => {
    const made = JSON.parse(cli(["call", "--data", dataDir, "com.example.imaging/gradient", '{"width": 4, "height": 4}']).stdout) as {
      return0: unknown;
    };
    const result = cli(["call", "--data", dataDir, "com.example.imaging/tile", `image=${JSON.stringify(made.return0)}`, "size=2", "--stream"]);
    expect(result.status).toBe(0);
    const yields = result.stdout.trim().split("\n").map((line) => JSON.parse(line) as { return0: { __identifier: string } });
    expect(yields).toHaveLength(4);
    expect(yields.every((y) => y.return0.__identifier === "@example/image")).toBe(true);
    expect(result.stderr).toContain("progress 100% tile 4 of 4");
  });

  it("a second run dev of the same app says once that another process serves it", () => {
    const result = cli(["run", "dev", "--cwd", app, "--no-gen", "--data", dataDir]);
    expect(result.status).toBe(1);
    expect(result.stderr.match(/another process is connected as this agent/g)).toHaveLength(1);
    expect(result.stderr).toContain("hint: stop the other process, or pass force: true (CLI: --force)");
  });

  it("refuses bad args naming the port, exit 1, no stack", () => {
    const result = cli(["call", "--data", dataDir, "com.example.imaging/gradient", "width=wide"]);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('port "width"');
    expect(result.stderr).toContain("hint:");
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });

  it("reports a failed task with the remote message", () => {
    const result = cli(["call", "--data", dataDir, "com.example.imaging/measure", 'image={"__identifier":"@example/image","object":"missing"}']);
    expect(result.status).toBe(2);
    // issue 14: the platform knows no media store "missing"
    expect(result.stderr).toContain("refused to read store missing");
  });
});

describe("call without a platform", () => {
  it("says where a platform comes from", () => {
    const empty = mkdtempSync(join(tmpdir(), "arkitekt-cli-none-"));
    try {
      const result = cli(["call", "--cwd", empty, "app/add", "a=1"]);
      expect(result.status).toBe(1);
      expect(result.stderr).toContain("error: no platform URL and token: no --url/--token, no ARKITEKT_URL/ARKITEKT_TOKEN, no dev-token file at");
      expect(result.stderr).toContain("or start a dev server here (`arkitekt-next run dev`");
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });

  it("names the missing half when only a URL is given", () => {
    const result = cli(["call", "app/add"], { ARKITEKT_URL: "http://127.0.0.1:9" });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain("error: the platform URL http://127.0.0.1:9 (from ARKITEKT_URL) has no token");
  });

  it("refuses a platform URL that is not http(s) as a user error, not a crash", () => {
    const result = cli(["call", "gradient", "--url", "notaurl", "--token", "t"]);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('error: the platform URL "notaurl" (from the --url flag) is not an http(s) URL');
    expect(result.stderr).not.toContain("internal error");
  });

  it("refuses an action name it cannot read", () => {
    const result = cli(["call", "not an action"]);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('cannot tell which action "not an action" names');
  });
});

describe("gen and run dev on a broken project", () => {
  it("gen fails for a directory that does not exist", () => {
    const result = cli(["gen", "--cwd", "/nonexistent/app"]);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain("error: the project directory /nonexistent/app does not exist");
  });

  it("gen --check fails when there is nothing to generate", () => {
    const empty = mkdtempSync(join(tmpdir(), "arkitekt-cli-empty-"));
    try {
      const result = cli(["gen", "--check", "--cwd", empty]);
      expect(result.status).toBe(1);
      expect(result.stderr).toContain("nothing to generate");
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });

  it("run dev names the place in the user's code when loading the app throws", () => {
    const dir = mkdtempSync(join(tmpdir(), "arkitekt-cli-throws-"));
    try {
      mkdirSync(join(dir, "src"));
      mkdirSync(join(dir, "node_modules"));
      symlinkSync(root, join(dir, "node_modules", "arkitekt-next"), "dir");
      writeFileSync(join(dir, "package.json"), JSON.stringify({ name: "throws", type: "module", private: true }));
      writeFileSync(
        join(dir, "tsconfig.json"),
        JSON.stringify({ compilerOptions: { module: "NodeNext", moduleResolution: "NodeNext", target: "ES2022", strict: true, types: [] }, include: ["src"] }),
      );
      writeFileSync(
        join(dir, "src", "fns.ts"),
        'import { register } from "arkitekt-next";\n\nthrow new Error("boom");\n\nexport const hello = register(function hello(name: string): string {\n  return name;\n});\n',
      );
      const result = cli(["run", "dev", "--cwd", dir, "--data", join(dir, ".arkitekt", "dev")]);
      expect(result.status).toBe(1);
      expect(result.stderr).toContain("error: loading the app failed at src/fns.ts:3:7: boom");
      expect(result.stderr).not.toContain("internal error");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
