import { existsSync, mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { writeFileAtomic } from "./atomic-write.js";

describe("writeFileAtomic", () => {
  it("creates parents, replaces the target and leaves no temporary file", () => {
    const dir = mkdtempSync(join(tmpdir(), "tml-atomic-"));
    const path = join(dir, "a", "b.txt");
    writeFileAtomic(path, "first");
    writeFileAtomic(path, new TextEncoder().encode("second"));
    expect(readFileSync(path, "utf8")).toBe("second");
    expect(readdirSync(join(dir, "a"))).toEqual(["b.txt"]);
  });

  it("leaves the old file intact when the write fails", () => {
    const dir = mkdtempSync(join(tmpdir(), "tml-atomic-"));
    const path = join(dir, "x.txt");
    writeFileAtomic(path, "kept");
    // A directory in place of the target makes the rename fail.
    expect(() => writeFileAtomic(dir, "never")).toThrow();
    expect(readFileSync(path, "utf8")).toBe("kept");
    expect(existsSync(join(dir, "x.txt"))).toBe(true);
  });
});
