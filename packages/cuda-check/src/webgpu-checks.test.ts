import { describe, expect, it } from "vitest";
import { childLoad, fakeProbes, fixture, readyMachine } from "./__fixtures__/fake-machine.js";
import { detectGpu } from "./detect-gpu.js";
import { judgeWebGpuAdapter, type WebGpuAdapterFacts } from "./webgpu-adapters.js";

const LLVMPIPE: WebGpuAdapterFacts = {
  vendor: "mesa",
  architecture: "software",
  device: "llvmpipe-llvm-15-0-6-256-bits-",
  description: "llvmpipe: Mesa 25.0.7-2~bpo12+1 (LLVM 15.0.6) 0.0.1",
  isFallbackAdapter: true,
};

const INTEL: WebGpuAdapterFacts = {
  vendor: "intel",
  architecture: "gen-12lp",
  device: "",
  description: "Intel(R) UHD Graphics 770",
  isFallbackAdapter: false,
};

// A machine with Mesa's software Vulkan driver only (a CI runner with mesa-vulkan-drivers).
function lavapipeMachine() {
  const machine = readyMachine();
  delete machine.files!["/usr/share/vulkan/icd.d/nvidia_icd.json"];
  machine.files!["/usr/share/vulkan/icd.d/lvp_icd.json"] =
    '{"ICD":{"api_version":"1.4.305","library_path":"libvulkan_lvp.so"}}';
  machine.dirs!["/usr/share/vulkan/icd.d"] = ["lvp_icd.json"];
  machine.webgpuAdapters = [LLVMPIPE];
  return machine;
}

describe("judgeWebGpuAdapter", () => {
  it("takes NVIDIA/AMD GPUs, a software adapter only when allowed, nothing else", () => {
    expect(judgeWebGpuAdapter({ ...INTEL, vendor: "nvidia" }, false)).toMatchObject({
      usable: true,
      software: false,
    });
    expect(judgeWebGpuAdapter(LLVMPIPE, false)).toMatchObject({ usable: false, software: true });
    expect(judgeWebGpuAdapter(LLVMPIPE, false).reason).toContain("TML_WEBGPU_ALLOW_SOFTWARE=1");
    expect(judgeWebGpuAdapter(LLVMPIPE, true)).toMatchObject({ usable: true, software: true });
    // A SwiftShader adapter that does not call itself a fallback is still software.
    const swiftShader = { ...INTEL, vendor: "google", description: "SwiftShader Device" };
    expect(judgeWebGpuAdapter(swiftShader, false).software).toBe(true);
    expect(judgeWebGpuAdapter(INTEL, false)).toMatchObject({ usable: false, software: false });
  });
});

describe("the WebGPU side of detectGpu", () => {
  it("is ready on a machine with a Vulkan loader, NVIDIA's manifest and its adapter", () => {
    const probes = fakeProbes(readyMachine());
    const report = detectGpu({ ...probes });
    expect(report.webgpu.ready).toBe(true);
    expect(report.webgpu.adapters[0]?.verdict.usable).toBe(true);
    expect(probes.calls).toContain("webgpu /srv/app/node_modules/webgpu/index.js 120000");
  });

  it("is not ready with lavapipe only, and says why for the driver and the adapter", () => {
    const report = detectGpu({ ...fakeProbes(lavapipeMachine()) });
    expect(report.webgpu.ready).toBe(false);
    const found = Object.fromEntries(
      report.webgpu.problems.map((problem) => [problem.check, problem.found]),
    );
    expect(found["vulkan-icd"]).toBe(
      "software drivers only: libvulkan_lvp.so (/usr/share/vulkan/icd.d/lvp_icd.json)",
    );
    expect(found["webgpu-adapter"]).toContain("llvmpipe: Mesa 25.0.7");
    expect(found["webgpu-adapter"]).toContain("software adapter");
  });

  it("takes the caller's adapters instead of listing them in a child", () => {
    const probes = fakeProbes(lavapipeMachine());
    const report = detectGpu({ ...probes, webgpuAdapters: [INTEL] });
    expect(probes.calls.some((call) => call.startsWith("webgpu "))).toBe(false);
    expect(report.webgpu.adapters.map((judged) => judged.adapter.vendor)).toEqual(["intel"]);
  });

  it("skips the adapter listing without the load check and fails without the webgpu package", () => {
    const skipped = detectGpu({ ...fakeProbes(readyMachine()), checkLoad: false });
    expect(skipped.webgpu.checks.at(-1)).toMatchObject({ status: "skipped" });
    const machine = readyMachine();
    delete machine.webgpuAdapters;
    const missing = detectGpu({ ...fakeProbes(machine) });
    expect(missing.webgpu.problems.at(-1)?.found).toBe("the webgpu package is not installed");
  });

  it("reports tfjs-node-gpu's silent CPU fallback (devices logged, none in use) as not ready", () => {
    const machine = readyMachine();
    machine.load = childLoad(fixture("tfjs-load/stderr-gpu-ok.txt"), {
      stdout: 'cuda-check-load-result:{"backend":"tensorflow","sum":3,"usingGpu":false}\n',
    });
    const report = detectGpu({ ...fakeProbes(machine) });
    expect(report.ready).toBe(false);
    expect(report.problems.map((problem) => problem.found)).toEqual([
      expect.stringContaining("on the CPU only: tfjs-node's backend reports no GPU device in use"),
    ]);
  });
});
