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
      const location = locateRun(path);
      expect(location.root).toBe(root);
      expect(location.configFile).toBe(join(root, "config.yaml"));
      expect(location.metricsFile).toBeUndefined();
    }
    expect(locateRun(root).checkpoint).toBe(join(root, "checkpoints"));
    expect(runConfigFile("tool", locateRun(root), root, undefined)).toBe(join(root, "config.yaml"));
  });

  it("takes any other checkpoint as is and needs --config for it", () => {
    const dir = mkdtempSync(join(tmpdir(), "tml-run-location-"));
    const location = locateRun(dir);
    expect(location).toEqual({
      root: undefined,
      checkpoint: dir,
      configFile: undefined,
      metricsFile: undefined,
    });
    expect(runConfigFile("tool", location, dir, "c.yaml")).toBe("c.yaml");
    expect(() => runConfigFile("tool", location, dir, undefined)).toThrow(/pass --config/);
    expect(() => locateRun(join(dir, "missing"))).toThrow(
      expect.objectContaining({ code: "NOT_FOUND" }),
    );
  });
});
