import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { trainTinyRun, writeTinyRankerData } from "@tml/cli-kit/testing";
import { describe, expect, it } from "vitest";

const APP = dirname(dirname(fileURLToPath(import.meta.url)));
const README = join(APP, "..", "..", "packages", "heavy-ranker", "README.md");

/** The first ```ts block of the README's "Use from code" section. */
function snippet(): string {
  const text = readFileSync(README, "utf8");
  const section = text.slice(text.indexOf("## Use from code"));
  const match = /```ts\n([\s\S]*?)```/.exec(section);
  if (!match?.[1]) throw new Error("no ts snippet in the README's Use from code section");
  return match[1];
}

describe("@tml/heavy-ranker from code", () => {
  it("runs the README's snippet as written (public entry point only, no tfjs import)", async () => {
    const data = await writeTinyRankerData();
    const run = await trainTinyRun(
      data,
      join(mkdtempSync(join(tmpdir(), "tml-from-code-")), "run"),
    );
    const code = snippet();
    expect(code).toContain('from "@tml/heavy-ranker"');
    expect(code).not.toMatch(/tfjs|createRequire/);
    expect(code).toContain('"runs/heavy-ranker"');
    // A separate Node process resolving @tml/heavy-ranker as an installed package would.
    const output = execFileSync(
      process.execPath,
      ["--input-type=module", "-e", code.replace('"runs/heavy-ranker"', JSON.stringify(run))],
      { cwd: APP, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] },
    );
    const ranked = JSON.parse(output.trim().split("\n").at(-1)!);
    expect(ranked).toHaveLength(2);
    expect(ranked.map((row: { index: number }) => row.index).sort()).toEqual([0, 1]);
    expect(ranked[0].score).toBeGreaterThanOrEqual(ranked[1].score);
    expect(Object.keys(ranked[0].contributions)).toEqual([
      "recap.engagement.is_favorited",
      "recap.engagement.is_replied",
    ]);
  });
});
