import { availableParallelism } from "node:os";
import { afterEach, describe, expect, it } from "vitest";
import { TmlError } from "../errors/tml-error.js";
import { FLAGS, getFlag, resetFlag, setFlag, unknownFlagVariables } from "./flags.js";

describe("flags", () => {
  afterEach(() => {
    for (const name of Object.keys(FLAGS) as (keyof typeof FLAGS)[]) resetFlag(name);
    delete process.env["TML_ENGINE_THREADS"];
  });

  it("reads the environment once, on first use, and falls back to the default", () => {
    delete process.env["TML_ENGINE_THREADS"];
    // The default is the cores this process may use (CPU affinity respected).
    expect(getFlag("TML_ENGINE_THREADS")).toBe(availableParallelism());
    resetFlag("TML_ENGINE_THREADS");
    process.env["TML_ENGINE_THREADS"] = "4";
    expect(getFlag("TML_ENGINE_THREADS")).toBe(4);
    process.env["TML_ENGINE_THREADS"] = "8";
    expect(getFlag("TML_ENGINE_THREADS")).toBe(4);
  });

  it("is settable from code and returns the previous value", () => {
    expect(setFlag("TML_FUSED_OPS", false)).toBe(true);
    expect(getFlag("TML_FUSED_OPS")).toBe(false);
    expect(setFlag("TML_FUSED_OPS", true)).toBe(false);
  });

  it("rejects a malformed value with a CONFIG error naming the flag", () => {
    process.env["TML_ENGINE_THREADS"] = "many";
    let caught: unknown;
    try {
      getFlag("TML_ENGINE_THREADS");
    } catch (error) {
      caught = error;
    }
    expect(TmlError.isInstance(caught, "CONFIG")).toBe(true);
    expect((caught as Error).message).toContain("TML_ENGINE_THREADS");
    expect(FLAGS.TML_FUSED_SIMD.parse("0")).toBe(false);
    expect(FLAGS.TML_WEBGPU_ALLOW_SOFTWARE.defaultValue).toBe(false);
    expect(FLAGS.TML_WEBGPU_ALLOW_SOFTWARE.parse("1")).toBe(true);
    expect(() => FLAGS.TML_LOG_LEVEL.parse("loud")).toThrow(/debug, info/);
    expect(FLAGS.TML_DEBUG_KILL_AT.parse("export")).toBe("export");
    expect(() => FLAGS.TML_DEBUG_KILL_AT.parse("checkpoint")).toThrow(/checkpoint-write, /);
  });

  it("lists TML_ variables that no flag declares", () => {
    expect(
      unknownFlagVariables({
        TML_FUSED_OPS: "0",
        TML_FUSED_OSP: "0",
        HOME: "/",
        TML_BENCH_ENGINE: "",
      }),
    ).toEqual(["TML_BENCH_ENGINE", "TML_FUSED_OSP"]);
  });
});
