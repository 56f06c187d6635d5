import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { locateRun, runConfigFile } from "./run-location.js";

describe("locateRun", () => {
  it("finds the run of a run directory, its checkpoints/ or one checkpoint", () => {
    const root = mkdtempSync(join(tmpdir(), "tml-run-location-"));
    writeFileSync(join(root, "run.json"), "{}");
    writeFileSync(join(root, "config.yaml"), "");
    mkdirSync(join(root, "checkpoints", "12"), { recursive: true });
    for (const path of [root, join(root, "checkpoints"), join(root, "checkpoints", "12")]) {
      const location = locateRun(path, "twhin");
      expect(location.root).toBe(root);
      expect(location.configFile).toBe(join(root, "config.yaml"));
      expect(location.metricsFile).toBeUndefined();
    }
    expect(locateRun(root, "twhin").checkpoint).toBe(join(root, "checkpoints"));
    expect(runConfigFile("tool", locateRun(root, "twhin"), root, undefined)).toBe(
      join(root, "config.yaml"),
    );
  });

  it("takes any other checkpoint as is and needs --config for it", () => {
    const dir = mkdtempSync(join(tmpdir(), "tml-run-location-"));
    const location = locateRun(dir, "twhin");
    expect(location).toEqual({
      root: undefined,
      checkpoint: dir,
      configFile: undefined,
      metricsFile: undefined,
    });
    expect(runConfigFile("tool", location, dir, "c.yaml")).toBe("c.yaml");
    expect(() => runConfigFile("tool", location, dir, undefined)).toThrow(/pass --config/);
    expect(() => locateRun(join(dir, "missing"), "twhin")).toThrow(
      expect.objectContaining({ code: "NOT_FOUND" }),
    );
  });

  it("a run of another kind is a CheckpointError naming its command, before any config is read", () => {
    const root = mkdtempSync(join(tmpdir(), "tml-run-location-"));
    writeFileSync(
      join(root, "run.json"),
      JSON.stringify({ format: "tml-run/1", kind: "heavy-ranker" }),
    );
    expect(locateRun(root, "heavy-ranker").root).toBe(root);
    expect(() => locateRun(root, "twhin")).toThrow(
      expect.objectContaining({
        code: "CHECKPOINT",
        message: expect.stringContaining("evaluate it with `evaluator heavy-ranker`"),
      }),
    );
    writeFileSync(join(root, "run.json"), JSON.stringify({ format: "tml-run/1", kind: "main" }));
    mkdirSync(join(root, "checkpoints"));
    expect(() => locateRun(join(root, "checkpoints"), "twhin")).toThrow(
      expect.objectContaining({ message: expect.stringContaining(join(root, "twhin")) }),
    );
  });
});
