import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const script = fileURLToPath(new URL("../../scripts/features-md.mjs", import.meta.url));

describe("FEATURES.md", () => {
  it("is what scripts/features-md.mjs generates from the segdense schema and the feature groups", () => {
    const check = spawnSync(process.execPath, [script, "--check"], { encoding: "utf8" });
    expect(check.stderr).toBe("");
    expect(check.status).toBe(0);
  });
});
