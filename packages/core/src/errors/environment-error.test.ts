import { chmodSync, mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { writeFileAtomic } from "../io/index.js";
import { environmentError, exitCodeFor, IoError, TmlError } from "./index.js";

function thrownBy(action: () => unknown): unknown {
  try {
    action();
  } catch (error) {
    return error;
  }
  throw new Error("expected a throw");
}

describe("environmentError", () => {
  it("a file where a directory belongs is an IoError (exit 10) naming the path", () => {
    const dir = mkdtempSync(join(tmpdir(), "tml-env-error-"));
    const file = join(dir, "out");
    writeFileSync(file, "a file");
    const raw = thrownBy(() => writeFileAtomic(join(file, "run.json"), "{}"));
    expect(TmlError.isInstance(raw)).toBe(false);
    const typed = environmentError(raw);
    expect(TmlError.isInstance(typed, "IO")).toBe(true);
    expect(exitCodeFor(typed)).toBe(10);
    expect(typed?.message).toContain(file);
  });

  it("a read-only directory is an IoError naming it (skipped as root, where chmod does not block)", (context) => {
    if (process.getuid?.() === 0) {
      context.skip();
      return;
    }
    const dir = mkdtempSync(join(tmpdir(), "tml-env-error-"));
    mkdirSync(join(dir, "ro"));
    chmodSync(join(dir, "ro"), 0o500);
    const typed = environmentError(thrownBy(() => writeFileAtomic(join(dir, "ro", "x"), "x")));
    expect(typed?.code).toBe("IO");
    expect(typed?.message).toContain(join(dir, "ro"));
  });

  it("maps each system code and an allocation failure; leaves other errors alone", () => {
    const system = (code: string) =>
      Object.assign(new Error(code), { code, path: "/data/x", syscall: "write" });
    expect(environmentError(system("ENOSPC"))?.message).toMatch(/no space left .*\/data\/x/);
    expect(environmentError(system("EROFS"))?.message).toMatch(/read-only file system/);
    expect(environmentError(system("ENOENT"))?.code).toBe("NOT_FOUND");
    expect(environmentError(system("EWHATEVER"))).toBeUndefined();
    expect(environmentError(new RangeError("Array buffer allocation failed"))?.code).toBe("IO");
    expect(environmentError(new RangeError("Invalid array length"))).toBeUndefined();
    expect(environmentError(new TypeError("bug"))).toBeUndefined();
    const typed = new IoError("x");
    expect(environmentError(typed)).toBe(typed);
  });
});
