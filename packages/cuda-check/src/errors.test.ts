import { describe, expect, it } from "vitest";
import { childLoad, fakeProbes, fixture, readyMachine } from "./__fixtures__/fake-machine.js";
import { detectGpu } from "./detect-gpu.js";
import { assertGpuReady, GPU_NOT_READY_EXIT_CODE, GpuNotReadyError } from "./errors.js";

function notReadyReport() {
  return detectGpu({ ...fakeProbes({}), checkLoad: false });
}

describe("GpuNotReadyError", () => {
  // This leaf imports no package: it carries @tml/core's error brand and code, and
  // @tml/engine's select-engine test checks that core's TmlError.isInstance recognises it.
  it("carries @tml/core's error brand with code GPU_NOT_READY, and exits with 8", () => {
    const error = new GpuNotReadyError(notReadyReport());
    expect((error as unknown as Record<symbol, unknown>)[Symbol.for("@tml/core/TmlError")]).toBe(
      true,
    );
    expect(error.code).toBe("GPU_NOT_READY");
    expect(GPU_NOT_READY_EXIT_CODE).toBe(8);
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe("GpuNotReadyError");
  });

  it("lists every problem with its remedy in the message and the details", () => {
    const report = notReadyReport();
    const error = new GpuNotReadyError(report);
    expect(report.problems).toHaveLength(5);
    expect(report.webgpu.problems.map((problem) => problem.check)).toEqual([
      "vulkan-loader",
      "vulkan-icd",
      "webgpu-adapter",
    ]);
    expect(error.message).toMatch(/^The GPU was requested but is not ready \(8 problems\):/);
    for (const problem of [...report.problems, ...report.webgpu.problems]) {
      expect(error.message).toContain(problem.requirement);
      expect(error.message).toContain(problem.remedy);
    }
    expect(error.details.problems).toEqual(report.problems);
    expect(error.details).toMatchObject({
      required: "tfjs-node-gpu 4.x: CUDA 11.2, cuDNN 8.1",
      platform: "linux x64",
      gpus: [],
    });
    expect(error.cause).toBeUndefined();
  });

  it("carries the tfjs-node-gpu load failure as its cause", () => {
    const machine = readyMachine();
    machine.load = childLoad(fixture("tfjs-load/stderr-binding-missing.txt"), { status: 1 });
    const error = new GpuNotReadyError(detectGpu({ ...fakeProbes(machine) }));
    expect(error.cause).toBeInstanceOf(Error);
    expect((error.cause as Error).message).toMatch(
      /^loading @tensorflow\/tfjs-node-gpu error: Error: Cannot find module/,
    );
    expect(new GpuNotReadyError(notReadyReport(), { cause: "given" }).cause).toBe("given");
  });
});

describe("assertGpuReady", () => {
  it("throws GpuNotReadyError when not ready", () => {
    expect(() => assertGpuReady(notReadyReport())).toThrow(GpuNotReadyError);
  });

  it("returns quietly when ready", () => {
    expect(() => assertGpuReady(detectGpu({ ...fakeProbes(readyMachine()) }))).not.toThrow();
  });
});
