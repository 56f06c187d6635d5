import { describe, expect, it } from "vitest";
import { childLoad, fakeProbes, fixture } from "./__fixtures__/fake-machine.js";
import { detectTfjsNodeGpu, parseLoadOutput } from "./tfjs-node-gpu.js";

const OPTIONS = {
  checkLoad: true,
  loadTimeoutMs: 5000,
  packageDirectory: "/opt/tml/node_modules/@tml/cuda-check/dist",
};
const TFJS_DIRECTORY = "/srv/app/node_modules/@tensorflow/tfjs-node-gpu";

describe("parseLoadOutput", () => {
  it("lists the GPU devices TensorFlow created", () => {
    const load = parseLoadOutput(childLoad(fixture("tfjs-load/stderr-gpu-ok.txt")));
    expect(load.outcome).toBe("loaded");
    expect(load.backend).toBe("tensorflow");
    expect(load.gpuDevices).toEqual([
      "/job:localhost/replica:0/task:0/device:GPU:0 (NVIDIA A100-SXM4-80GB)",
      "/job:localhost/replica:0/task:0/device:GPU:1 (NVIDIA A100-SXM4-80GB)",
    ]);
    expect(load.missingLibraries).toEqual([]);
    expect(load.gpuSkipped).toBe(false);
  });

  it("reads the device line of TensorFlow 2.4 and older", () => {
    const stderr =
      "2021-01-07 I tensorflow/core/common_runtime/gpu/gpu_device.cc:1406] Created TensorFlow device (/job:localhost/replica:0/task:0/device:GPU:0 with 10166 MB memory) -> physical GPU (device: 0, name: GeForce RTX 2080 Ti, pci bus id: 0000:01:00.0, compute capability: 7.5)";
    expect(parseLoadOutput(childLoad(stderr)).gpuDevices).toEqual([
      "/job:localhost/replica:0/task:0/device:GPU:0 (GeForce RTX 2080 Ti)",
    ]);
  });

  it("names the libraries TensorFlow could not open when it fell back to the CPU", () => {
    const load = parseLoadOutput(childLoad(fixture("tfjs-load/stderr-missing-libs.txt")));
    expect(load.outcome).toBe("loaded");
    expect(load.gpuDevices).toEqual([]);
    expect(load.missingLibraries).toEqual(["libcudart.so.11.0", "libcudnn.so.8"]);
    expect(load.gpuSkipped).toBe(true);
    expect(load.error).toMatch(/^2024-08-24 .*cannot open shared object file/);
  });

  it("reports a failed require with Node's error line", () => {
    const load = parseLoadOutput(
      childLoad(fixture("tfjs-load/stderr-binding-missing.txt"), { status: 1 }),
    );
    expect(load.outcome).toBe("error");
    expect(load.status).toBe(1);
    expect(load.error).toMatch(/^Error: Cannot find module '.*tfjs_binding\.node'$/);
    expect(load.logTail.at(-1)).toBe("Node.js v20.11.1");
  });

  it("reports a crash and a timeout", () => {
    const crash = parseLoadOutput(
      childLoad(fixture("tfjs-load/stderr-cudnn-too-old.txt"), { status: null, signal: "SIGABRT" }),
    );
    expect(crash.outcome).toBe("crashed");
    expect(crash.error).toMatch(
      /Loaded runtime CuDNN library: 8\.0\.5 but source was compiled with: 8\.1\.0/,
    );
    const hang = parseLoadOutput(
      childLoad("", { status: null, signal: "SIGTERM", timedOut: true, durationMs: 5000 }),
    );
    expect(hang.outcome).toBe("timed-out");
  });

  it("treats exit 0 without the result marker as an error", () => {
    const load = parseLoadOutput({ ...childLoad(""), stdout: "cuda-check-load-result:{trunc" });
    expect(load.outcome).toBe("error");
    expect(load.backend).toBeUndefined();
  });
});

describe("detectTfjsNodeGpu", () => {
  it("reports it missing against the newest build, without loading anything", () => {
    const probes = fakeProbes({});
    const info = detectTfjsNodeGpu(probes, OPTIONS);
    expect(info).toMatchObject({
      installed: false,
      buildKnown: true,
      build: { tfjsMajor: 4, cuda: "11.2", cudnn: "8.1" },
    });
    expect(probes.calls).toEqual([]);
  });

  it("resolves from the working directory, reads the version and loads it in a child", () => {
    const probes = fakeProbes({
      tfjsVersion: "4.22.0",
      load: childLoad(fixture("tfjs-load/stderr-gpu-ok.txt")),
    });
    const info = detectTfjsNodeGpu(probes, OPTIONS);
    expect(info).toMatchObject({
      installed: true,
      version: "4.22.0",
      directory: TFJS_DIRECTORY,
      resolvedFrom: "cwd",
      buildKnown: true,
    });
    expect(info.load?.gpuDevices).toHaveLength(2);
    expect(probes.calls).toEqual([`load ${TFJS_DIRECTORY} 5000`]);
  });

  it("falls back to cuda-check's own folder", () => {
    const info = detectTfjsNodeGpu(fakeProbes({ tfjsVersion: "4.22.0", tfjsFrom: "cuda-check" }), {
      ...OPTIONS,
      checkLoad: false,
    });
    expect(info.resolvedFrom).toBe("cuda-check");
    expect(info.load).toBeUndefined();
  });

  it("finds package.json above the main file when the exports map hides it", () => {
    const probes = fakeProbes({ tfjsVersion: "4.22.0", tfjsHidesPackageJson: true });
    const info = detectTfjsNodeGpu(probes, { ...OPTIONS, checkLoad: false });
    expect(info).toMatchObject({ installed: true, version: "4.22.0", directory: TFJS_DIRECTORY });
  });

  it("picks the build of the installed major and flags an unknown one", () => {
    const old = detectTfjsNodeGpu(fakeProbes({ tfjsVersion: "2.8.6" }), {
      ...OPTIONS,
      checkLoad: false,
    });
    expect(old.build).toMatchObject({
      tfjsMajor: 2,
      cuda: "10.0",
      cudart: { soname: "libcudart.so.10.0" },
    });
    const future = detectTfjsNodeGpu(fakeProbes({ tfjsVersion: "5.0.0" }), {
      ...OPTIONS,
      checkLoad: false,
    });
    expect(future).toMatchObject({ buildKnown: false, build: { tfjsMajor: 4 } });
  });

  it("does not load it off Linux", () => {
    const probes = fakeProbes({ platform: "win32", tfjsVersion: "4.22.0" });
    expect(detectTfjsNodeGpu(probes, OPTIONS).load).toBeUndefined();
    expect(probes.calls).toEqual([]);
  });
});
