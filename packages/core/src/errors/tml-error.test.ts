import { describe, expect, it } from "vitest";
import { ConfigError, DataError, TmlError } from "./index.js";
import { EXIT_CODES, exitCodeFor } from "./tml-error.js";

describe("TmlError", () => {
  it("carries code, cause and details", () => {
    const cause = new Error("low level");
    const error = new ConfigError("bad key", { cause, details: { path: "a.b" } });
    expect(error.code).toBe("CONFIG");
    expect(error.cause).toBe(cause);
    expect(error.details).toEqual({ path: "a.b" });
    expect(error.name).toBe("ConfigError");
    expect(error).toBeInstanceOf(Error);
  });

  it("isInstance works across copies and narrows by code", () => {
    // A structurally identical object from another copy of the package carries the same brand.
    const foreign = Object.assign(new Error("x"), {
      code: "DATA",
      [Symbol.for("@tml/core/TmlError")]: true,
    });
    expect(TmlError.isInstance(foreign)).toBe(true);
    expect(TmlError.isInstance(foreign, "DATA")).toBe(true);
    expect(TmlError.isInstance(foreign, "CONFIG")).toBe(false);
    expect(TmlError.isInstance(new Error("plain"))).toBe(false);
    expect(TmlError.isInstance(null)).toBe(false);
  });

  it("maps codes to distinct exit codes", () => {
    expect(exitCodeFor(new DataError("x"))).toBe(5);
    expect(exitCodeFor(new Error("x"))).toBe(EXIT_CODES.INTERNAL);
    // @tml/cuda-check's GpuNotReadyError carries the brand without importing core (exit code 8).
    const gpuNotReady = Object.assign(new Error("gpu"), {
      code: "GPU_NOT_READY",
      [Symbol.for("@tml/core/TmlError")]: true,
    });
    expect(exitCodeFor(gpuNotReady)).toBe(8);
    const codes = Object.values(EXIT_CODES);
    expect(new Set(codes).size).toBe(codes.length);
    expect(codes).not.toContain(0);
    expect(codes).not.toContain(1);
  });
});
