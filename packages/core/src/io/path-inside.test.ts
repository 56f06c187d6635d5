import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { TmlError } from "../errors/index.js";
import { pathInside } from "./path-inside.js";

describe("pathInside", () => {
  it("joins names that stay inside the root", () => {
    expect(pathInside("/runs/a", "export", "user-00000.parquet")).toBe(
      join(resolve("/runs/a"), "export", "user-00000.parquet"),
    );
    expect(pathInside("runs", "a..b")).toBe(resolve("runs", "a..b"));
  });

  it.each([
    [["../escaped"]],
    [["export", "../../escaped"]],
    [["/etc/passwd"]],
    [[".."]],
    [["."]],
    [[""]],
  ])("refuses %j with a ConfigError naming both paths", (parts) => {
    let thrown: unknown;
    try {
      pathInside("/runs/a", ...parts);
    } catch (error) {
      thrown = error;
    }
    expect(TmlError.isInstance(thrown, "CONFIG")).toBe(true);
    expect((thrown as Error).message).toMatch(/outside \/runs\/a/);
  });
});
