import { describe, expect, it } from "vitest";
import {
  ENOENT,
  fakeProbes,
  fixture,
  LEGACY_QUERY,
  PLAIN,
  QUERY,
  ran,
} from "./__fixtures__/fake-machine.js";
import { detectNvidia } from "./nvidia-driver.js";

describe("detectNvidia", () => {
  it("reads the module version, the GPUs and the CUDA driver-API version", () => {
    const info = detectNvidia(
      fakeProbes({
        files: { "/proc/driver/nvidia/version": fixture("proc/version-open-580.txt") },
        commands: {
          [QUERY]: ran(fixture("nvidia-smi/query-h200.csv")),
          [PLAIN]: ran(fixture("nvidia-smi/plain-h200-580.txt")),
        },
      }),
    );
    expect(info.kernelModule).toEqual({
      loaded: true,
      version: "580.65.06",
      openKernelModule: true,
    });
    expect(info.nvidiaSmi).toEqual({
      command: "nvidia-smi",
      ok: true,
      reportsComputeCapability: true,
      malformedLines: [],
    });
    expect(info.driverVersion).toBe("580.65.06");
    expect(info.cudaDriverVersion).toBe("13.0");
    expect(info.gpus).toEqual([
      {
        index: 0,
        name: "NVIDIA H200",
        memoryMiB: 143771,
        computeCapability: "9.0",
        driverVersion: "580.65.06",
      },
    ]);
  });

  it("asks again without compute_cap when an old driver rejects it", () => {
    const probes = fakeProbes({
      files: { "/proc/driver/nvidia/version": fixture("proc/version-470.txt") },
      commands: {
        [QUERY]: ran(fixture("nvidia-smi/query-470-invalid-field.txt"), 2),
        [LEGACY_QUERY]: ran(fixture("nvidia-smi/query-470-legacy.csv")),
        [PLAIN]: ran(fixture("nvidia-smi/plain-470.txt")),
      },
    });
    const info = detectNvidia(probes);
    expect(probes.calls).toEqual([QUERY, LEGACY_QUERY, PLAIN]);
    expect(info.nvidiaSmi.ok).toBe(true);
    expect(info.nvidiaSmi.reportsComputeCapability).toBe(false);
    expect(info.gpus.map((gpu) => gpu.computeCapability)).toEqual([undefined, undefined]);
    expect(info.cudaDriverVersion).toBe("11.4");
  });

  it("tries /usr/bin and the WSL path when nvidia-smi is not on PATH", () => {
    const wslQuery = QUERY.replace("nvidia-smi", "/usr/lib/wsl/lib/nvidia-smi");
    const probes = fakeProbes({
      commands: {
        [wslQuery]: ran(fixture("nvidia-smi/query-mixed.csv")),
        "/usr/lib/wsl/lib/nvidia-smi": ran(fixture("nvidia-smi/plain-mixed-525.txt")),
      },
    });
    const info = detectNvidia(probes);
    expect(probes.calls).toEqual([
      QUERY,
      QUERY.replace("nvidia-smi", "/usr/bin/nvidia-smi"),
      wslQuery,
      "/usr/lib/wsl/lib/nvidia-smi",
    ]);
    expect(info.kernelModule.loaded).toBe(false);
    expect(info.nvidiaSmi.command).toBe("/usr/lib/wsl/lib/nvidia-smi");
    expect(info.gpus).toHaveLength(3);
    expect(info.cudaDriverVersion).toBe("12.0");
  });

  it("reports nvidia-smi missing and no driver", () => {
    const info = detectNvidia(fakeProbes({}));
    expect(info.kernelModule.loaded).toBe(false);
    expect(info.nvidiaSmi.ok).toBe(false);
    expect(info.nvidiaSmi.failure?.kind).toBe("not-found");
    expect(info.nvidiaSmi.command).toBeUndefined();
    expect(info.gpus).toEqual([]);
    expect(info.driverVersion).toBeUndefined();
  });

  it("keeps the kernel module version when nvidia-smi cannot talk to the driver", () => {
    const probes = fakeProbes({
      files: { "/proc/driver/nvidia/version": fixture("proc/version-535.txt") },
      commands: { [QUERY]: ran(fixture("nvidia-smi/nvml-mismatch.txt"), 18) },
    });
    const info = detectNvidia(probes);
    expect(probes.calls).toEqual([QUERY]);
    expect(info.nvidiaSmi.failure?.kind).toBe("version-mismatch");
    expect(info.driverVersion).toBe("535.129.03");
  });

  it("fails on output with no GPU line in it, quoting it", () => {
    const info = detectNvidia(
      fakeProbes({ commands: { [QUERY]: ran(fixture("nvidia-smi/query-malformed.txt")) } }),
    );
    expect(info.nvidiaSmi.ok).toBe(false);
    expect(info.nvidiaSmi.failure).toEqual({
      kind: "other",
      message:
        "unrecognised nvidia-smi output: name, memory.total [MiB], compute_cap, driver_version",
    });
    expect(info.nvidiaSmi.malformedLines).toHaveLength(4);
  });

  it("keeps the GPUs when the banner call fails", () => {
    const info = detectNvidia(
      fakeProbes({
        commands: { [QUERY]: ran(fixture("nvidia-smi/query-2x-a100.csv")), [PLAIN]: ENOENT },
      }),
    );
    expect(info.gpus).toHaveLength(2);
    expect(info.cudaDriverVersion).toBeUndefined();
    expect(info.driverVersion).toBe("535.129.03");
  });

  it("does not read /proc off Linux", () => {
    const probes = fakeProbes({ platform: "win32", files: { "/proc/driver/nvidia/version": "x" } });
    expect(detectNvidia(probes).kernelModule.loaded).toBe(false);
    expect(probes.calls).toEqual([
      QUERY,
      QUERY.replace("nvidia-smi", "C:\\Windows\\System32\\nvidia-smi.exe"),
    ]);
  });
});
