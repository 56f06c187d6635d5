import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { TmlError } from "@tml/core";
import { describe, expect, it } from "vitest";
import { prepareRunDirectory } from "./run-directory.js";

const scratch = () => mkdtempSync(join(tmpdir(), "tml-run-"));

describe("run directory", () => {
  it("starts fresh twice, resumes with resume, and never clobbers a foreign directory", () => {
    const root = join(scratch(), "run");
    const first = prepareRunDirectory(root, { kind: "twhin", resume: false });
    expect(first.resumed).toBe(false);
    writeFileSync(join(root, "metrics.jsonl"), "x\n");
    const resumed = prepareRunDirectory(root, { kind: "twhin", resume: true });
    expect(resumed.resumed).toBe(true);
    expect(existsSync(join(root, "metrics.jsonl"))).toBe(true);
    const fresh = prepareRunDirectory(root, { kind: "twhin", resume: false });
    expect(fresh.resumed).toBe(false);
    expect(existsSync(join(root, "metrics.jsonl"))).toBe(false);
    expect(existsSync(fresh.markerFile)).toBe(true);

    let error: unknown;
    try {
      prepareRunDirectory(root, { kind: "heavy-ranker", resume: true });
    } catch (caught) {
      error = caught;
    }
    expect(TmlError.isInstance(error, "CHECKPOINT")).toBe(true);

    const foreign = join(scratch(), "home");
    mkdirSync(foreign);
    writeFileSync(join(foreign, "thesis.tex"), "precious");
    expect(() => prepareRunDirectory(foreign, { kind: "twhin", resume: false })).toThrow(
      /refusing to overwrite/,
    );
    expect(readFileSync(join(foreign, "thesis.tex"), "utf8")).toBe("precious");
  });

  it("resume on a directory that holds no run is a NotFoundError naming it, and creates nothing", () => {
    const missing = join(scratch(), "typo");
    expect(() => prepareRunDirectory(missing, { kind: "twhin", resume: true })).toThrow(
      new RegExp(`Nothing to resume in ${missing}`),
    );
    expect(existsSync(missing)).toBe(false);
    const empty = scratch();
    let error: unknown;
    try {
      prepareRunDirectory(empty, { kind: "twhin", resume: true });
    } catch (caught) {
      error = caught;
    }
    expect(TmlError.isInstance(error, "NOT_FOUND")).toBe(true);
    expect(existsSync(join(empty, "run.json"))).toBe(false);
  });
});
