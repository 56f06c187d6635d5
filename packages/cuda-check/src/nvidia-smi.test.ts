import { describe, expect, it } from "vitest";
import { ENOENT, fixture, ran } from "./__fixtures__/fake-machine.js";
import {
  classifyNvidiaSmiFailure,
  GPU_QUERY_FIELDS,
  GPU_QUERY_FIELDS_LEGACY,
  parseGpuQuery,
  parseKernelModuleVersion,
  parseNvidiaSmiSummary,
} from "./nvidia-smi.js";

describe("parseGpuQuery", () => {
  it("reads two A100s", () => {
    const { gpus, malformedLines } = parseGpuQuery(
      fixture("nvidia-smi/query-2x-a100.csv"),
      GPU_QUERY_FIELDS,
    );
    expect(malformedLines).toEqual([]);
    expect(gpus).toEqual([
      {
        index: 0,
        name: "NVIDIA A100-SXM4-80GB",
        memoryMiB: 81920,
        computeCapability: "8.0",
        driverVersion: "535.129.03",
      },
      {
        index: 1,
        name: "NVIDIA A100-SXM4-80GB",
        memoryMiB: 81920,
        computeCapability: "8.0",
        driverVersion: "535.129.03",
      },
    ]);
  });

  it("reads a mixed machine in order", () => {
    const { gpus } = parseGpuQuery(fixture("nvidia-smi/query-mixed.csv"), GPU_QUERY_FIELDS);
    expect(gpus.map((gpu) => [gpu.index, gpu.name, gpu.memoryMiB, gpu.computeCapability])).toEqual([
      [0, "NVIDIA A100-PCIE-40GB", 40960, "8.0"],
      [1, "NVIDIA GeForce RTX 3090", 24576, "8.6"],
      [2, "Tesla T4", 15360, "7.5"],
    ]);
  });

  it("reads the legacy query of drivers without compute_cap", () => {
    const { gpus } = parseGpuQuery(
      fixture("nvidia-smi/query-470-legacy.csv"),
      GPU_QUERY_FIELDS_LEGACY,
    );
    expect(gpus).toHaveLength(2);
    expect(gpus[1]).toEqual({
      index: 1,
      name: "Tesla K80",
      memoryMiB: 11441,
      driverVersion: "470.182.03",
    });
  });

  it("keeps a comma inside a GPU name and skips [N/A] values", () => {
    const { gpus } = parseGpuQuery("Weird, Inc. GPU, [N/A], 9.0, 550.54.15\n", GPU_QUERY_FIELDS);
    expect(gpus).toEqual([
      { index: 0, name: "Weird, Inc. GPU", computeCapability: "9.0", driverVersion: "550.54.15" },
    ]);
  });

  it("sets aside a warning line printed before the CSV", () => {
    const { gpus, malformedLines } = parseGpuQuery(
      fixture("nvidia-smi/query-inforom-warning.txt"),
      GPU_QUERY_FIELDS,
    );
    expect(gpus.map((gpu) => gpu.name)).toEqual(["NVIDIA GeForce RTX 2080 Ti"]);
    expect(malformedLines).toEqual(["WARNING: infoROM is corrupted at gpu 0000:03:00.0"]);
  });

  it("rejects a header row, non-numeric memory, a bad compute capability and missing fields", () => {
    const { gpus, malformedLines } = parseGpuQuery(
      fixture("nvidia-smi/query-malformed.txt"),
      GPU_QUERY_FIELDS,
    );
    expect(gpus).toEqual([]);
    expect(malformedLines).toHaveLength(4);
  });
});

describe("parseNvidiaSmiSummary", () => {
  it.each([
    ["plain-2x-a100-535.txt", "535.129.03", "12.2"],
    ["plain-mixed-525.txt", "525.85.12", "12.0"],
    ["plain-h200-580.txt", "580.65.06", "13.0"],
    ["plain-470.txt", "470.182.03", "11.4"],
    ["plain-440.txt", "440.33.01", "10.2"],
  ])("reads the driver and CUDA versions of %s", (file, driverVersion, cudaVersion) => {
    expect(parseNvidiaSmiSummary(fixture(`nvidia-smi/${file}`))).toEqual({
      driverVersion,
      cudaVersion,
    });
  });

  it("reads the driver, not the nvidia-smi binary, when they differ (an old nvidia-smi in a snap)", () => {
    const banner =
      "| NVIDIA-SMI 470.256.02   Driver Version: 580.95.05    CUDA Version: 13.0     |";
    expect(parseNvidiaSmiSummary(banner)).toEqual({
      driverVersion: "580.95.05",
      cudaVersion: "13.0",
    });
  });

  it("leaves out what the banner does not print", () => {
    expect(parseNvidiaSmiSummary("| NVIDIA-SMI 396.54    Driver Version: 396.54  |")).toEqual({
      driverVersion: "396.54",
    });
    expect(parseNvidiaSmiSummary("garbage")).toEqual({});
  });
});

describe("classifyNvidiaSmiFailure", () => {
  it("accepts a successful run", () => {
    expect(classifyNvidiaSmiFailure(ran(fixture("nvidia-smi/query-2x-a100.csv")))).toBeUndefined();
  });

  it.each([
    ["spawn ENOENT", ENOENT, "not-found"],
    [
      "shell 'command not found'",
      ran("", 127, fixture("nvidia-smi/command-not-found.txt")),
      "not-found",
    ],
    ["driver not loaded", ran(fixture("nvidia-smi/no-driver.txt"), 9), "no-driver"],
    ["NVML mismatch", ran(fixture("nvidia-smi/nvml-mismatch.txt"), 18), "version-mismatch"],
    ["no devices", ran(fixture("nvidia-smi/no-devices.txt"), 6), "no-devices"],
    [
      "GPU lost",
      ran(
        "Unable to determine the device handle for GPU0000:3B:00.0: GPU is lost.  Reboot the system to recover this GPU\n",
        15,
      ),
      "gpu-lost",
    ],
    [
      "permission",
      ran("", 4, "Failed to initialize NVML: Insufficient Permissions\n"),
      "permission",
    ],
    [
      "timeout",
      { status: null, signal: "SIGTERM", stdout: "", stderr: "", errorCode: "ETIMEDOUT" },
      "timeout",
    ],
    ["empty output", ran(""), "other"],
    ["unknown error", ran("Failed to initialize NVML: Unknown Error\n", 255), "other"],
  ] as const)("classifies %s", (_label, result, kind) => {
    expect(classifyNvidiaSmiFailure(result)?.kind).toBe(kind);
  });

  it("names the field an old driver rejects", () => {
    const failure = classifyNvidiaSmiFailure(
      ran(fixture("nvidia-smi/query-470-invalid-field.txt"), 2),
    );
    expect(failure).toEqual({
      kind: "invalid-field",
      field: "compute_cap",
      message: 'Field "compute_cap" is not a valid field to query.',
    });
  });

  it("quotes nvidia-smi's own first line", () => {
    expect(classifyNvidiaSmiFailure(ran(fixture("nvidia-smi/no-driver.txt"), 9))?.message).toMatch(
      /^NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver/,
    );
  });
});

describe("parseKernelModuleVersion", () => {
  it.each([
    ["version-535.txt", "535.129.03", false],
    ["version-open-580.txt", "580.65.06", true],
    ["version-aarch64-535.txt", "535.129.03", false],
    ["version-470.txt", "470.182.03", false],
  ])("reads %s", (file, version, openKernelModule) => {
    expect(parseKernelModuleVersion(fixture(`proc/${file}`))).toEqual({
      version,
      openKernelModule,
    });
  });

  it("returns no version for unexpected text", () => {
    expect(parseKernelModuleVersion("NVRM: something else")).toEqual({ openKernelModule: false });
  });
});
