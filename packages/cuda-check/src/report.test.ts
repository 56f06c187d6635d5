import { describe, expect, it } from "vitest";
import { childLoad, fakeProbes, fixture, readyMachine } from "./__fixtures__/fake-machine.js";
import { detectGpu } from "./detect-gpu.js";
import { formatReport } from "./report.js";

describe("formatReport", () => {
  it("prints a verdict, one row per check and nothing else when ready", () => {
    const text = formatReport(detectGpu({ ...fakeProbes(readyMachine()) }));
    const lines = text.trimEnd().split("\n");
    expect(lines[0]).toBe("GPU READY for tfjs-node-gpu 4.x (CUDA 11.2, cuDNN 8.1)");
    expect(lines[2]).toMatch(/^ {2}Check +Status {2}Found$/);
    expect(lines.slice(3, 13).every((line) => line.includes("  ok  "))).toBe(true);
    expect(lines.slice(13)).toEqual([
      "",
      "WebGPU READY (tfjs-backend-webgpu on Dawn over Vulkan)",
      "",
      "  Vulkan loader   ok      /lib/x86_64-linux-gnu/libvulkan.so.1",
      "  Vulkan driver   ok      libGLX_nvidia.so.0 (/usr/share/vulkan/icd.d/nvidia_icd.json)",
      "  WebGPU adapter  ok      NVIDIA A100-SXM4-40GB: nvidia GPU",
    ]);
    expect(text).not.toContain("Problems:");
    expect(text).not.toContain("Warnings:");
  });

  it("adds problems with their fixes, warnings, and TensorFlow's log when loading failed", () => {
    const machine = readyMachine();
    machine.load = childLoad(fixture("tfjs-load/stderr-cudnn-too-old.txt"), {
      status: null,
      signal: "SIGABRT",
    });
    machine.commands![
      "nvidia-smi --query-gpu=name,memory.total,compute_cap,driver_version --format=csv,noheader,nounits"
    ] = {
      status: 0,
      signal: null,
      stdout: "NVIDIA H200, 143771, 9.0, 535.129.03\n",
      stderr: "",
    };
    const text = formatReport(detectGpu({ ...fakeProbes(machine) }));
    expect(text).toMatch(/^GPU NOT READY: 1 problem \(/);
    expect(text).toContain("  tfjs-node-gpu on the GPU   FAIL    crashed with SIGABRT after 2.3 s");
    expect(text).toContain(
      "\nProblems:\n  1. tfjs-node-gpu on the GPU: loads in a child process and TensorFlow creates a GPU device\n     found: crashed",
    );
    expect(text).toContain("     fix:   libtensorflow crashed while loading");
    expect(text).toMatch(
      /\nWarnings:\n {2}- GPU 0 \(NVIDIA H200, cc 9\.0\) is newer than the kernels/,
    );
    expect(text).toMatch(
      /\nTensorFlow log \(last lines\):\n {2}\| .*Created device .*\n {2}\| .*Loaded runtime CuDNN library: 8\.0\.5/,
    );
  });
});
