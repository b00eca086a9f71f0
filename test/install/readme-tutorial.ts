// Reads the README's tutorial so that a test can execute it as written: fenced blocks whose info
// string says `tutorial` (shell lines, one command each), `tutorial-file=<path>` (a file to write)
// or `tutorial-output` (text the previous command must print).
import { readFileSync } from "node:fs";

export type TutorialStep =
  | { kind: "block"; line: number; commands: TutorialCommand[] }
  | { kind: "file"; line: number; path: string; text: string }
  | { kind: "output"; line: number; text: string };

export interface TutorialCommand {
  /** The line as a shell runs it, without its trailing comment. */
  command: string;
  line: number;
  /** Marked `# keeps running`: started in the background and left running. */
  background: boolean;
}

/** Every fenced block of the markdown with its info string and 1-based first content line. */
export function fencedBlocks(markdown: string): { info: string; line: number; text: string }[] {
  const blocks: { info: string; line: number; text: string }[] = [];
  const lines = markdown.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const open = /^(\s*)(`{3,})(.*)$/.exec(lines[i]!);
    if (!open) continue;
    const [, indent, fence, info] = open;
    const body: string[] = [];
    let j = i + 1;
    for (; j < lines.length && !lines[j]!.trimStart().startsWith(fence!); j++) body.push(lines[j]!.slice(indent!.length));
    blocks.push({ info: info!.trim(), line: i + 2, text: body.join("\n") });
    i = j;
  }
  return blocks;
}

export function readTutorial(file: string): TutorialStep[] {
  const steps: TutorialStep[] = [];
  for (const block of fencedBlocks(readFileSync(file, "utf8"))) {
    const words = block.info.split(/\s+/);
    const fileWord = words.find((w) => w.startsWith("tutorial-file="));
    if (fileWord) steps.push({ kind: "file", line: block.line, path: fileWord.slice("tutorial-file=".length), text: `${block.text}\n` });
    else if (words.includes("tutorial-output")) steps.push({ kind: "output", line: block.line, text: block.text.trim() });
    else if (words.includes("tutorial")) {
      const commands = block.text.split("\n").flatMap((text, index) => {
        const command = text.replace(/\s+#.*$/, "").trim();
        if (!command || command.startsWith("#")) return [];
        return [{ command, line: block.line + index, background: /#\s*keeps running/.test(text) }];
      });
      steps.push({ kind: "block", line: block.line, commands });
    }
  }
  return steps;
}
