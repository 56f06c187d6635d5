import { describe, expect, it } from "vitest";
import { compareVersions, majorOf, minorOf, versionSegments } from "./versions.js";

describe("versions", () => {
  it("compares segment by segment as integers, not as strings", () => {
    expect(compareVersions("450.80.02", "450.102.04")).toBeLessThan(0);
    expect(compareVersions("11.10", "11.2")).toBeGreaterThan(0);
    expect(compareVersions("535.129.03", "450.80.02")).toBeGreaterThan(0);
    expect(compareVersions("440.33.01", "450.80.02")).toBeLessThan(0);
  });

  it("treats missing trailing segments as zero", () => {
    expect(compareVersions("11", "11.0")).toBe(0);
    expect(compareVersions("8.1", "8.1.0")).toBe(0);
    expect(compareVersions("8.1", "8.1.1")).toBeLessThan(0);
  });

  it("rejects strings that are not versions", () => {
    expect(versionSegments("N/A")).toBeUndefined();
    expect(versionSegments("11.")).toBeUndefined();
    expect(() => compareVersions("11.2", "latest")).toThrow(/not a dotted version/);
  });

  it("reads majors and minors", () => {
    expect(majorOf("11.2")).toBe(11);
    expect(minorOf("8.1.0")).toBe(1);
    expect(minorOf("12")).toBeUndefined();
    expect(majorOf("x")).toBeUndefined();
  });
});
