import { mkdtempSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { capture, FIXTURES } from "@tml/cli-kit/testing";
import { describe, expect, it } from "vitest";
import { main } from "./cli.js";

/** Names that must never become a path component: parents, absolute paths, separators, empty, NUL. */
const HOSTILE_NAMES = [
  "../../../escaped-tweet",
  "..",
  ".",
  "/tmp/escaped-absolute",
  "a/b",
  "a\\b",
  "",
  "nul\u0000byte",
];

/** Config fields, per command, whose value becomes a file or folder name. */
const PATH_FIELDS: { command: string[]; fields: string[] }[] = [
  {
    command: ["twhin", "--config", join(FIXTURES, "tiny-twhin.yaml")],
    fields: ["model.embeddings.tables.0.name", "model.embeddings.tables.1.name"],
  },
  { command: [], fields: ["twhin.model.embeddings.tables.0.name"] },
];

describe("path safety: hostile names in every config field that becomes a path", () => {
  it("are config errors naming the key, and nothing is written anywhere", async () => {
    process.env.TML_TINY_GRAPH = join(tmpdir(), "tml-path-safety-no-graph");
    const dir = mkdtempSync(join(tmpdir(), "tml-path-safety-"));
    const out = join(dir, "a", "b", "run");
    for (const { command, fields } of PATH_FIELDS) {
      for (const field of fields) {
        for (const name of HOSTILE_NAMES) {
          const cli = capture();
          const argv = [...command, "--out", out, "--device", "cpu"];
          const code = await main([...argv, "--set", `${field}=${JSON.stringify(name)}`], cli.io);
          const key = field.replace(/\.(\d+)\./g, "[$1].");
          expect(code, `${field}=${JSON.stringify(name)}`).toBe(3);
          expect(cli.err()).toContain(`${key}: `);
        }
      }
    }
    expect(readdirSync(dir)).toEqual([]);
  });
});
