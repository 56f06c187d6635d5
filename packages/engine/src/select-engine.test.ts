import * as tf from "@tensorflow/tfjs-core";
import { createLogger, resetFlag, setFlag, TmlError } from "@tml/core";
import { detectGpu, type GpuReport, type WebGpuAdapterFacts } from "@tml/cuda-check";
import { beforeAll, describe, expect, it } from "vitest";
import { restoreStockKernels } from "./fast-kernels.js";
import { ENGINE_CANDIDATES, type EngineProbes, selectEngine } from "./select-engine.js";
import { NoUsableWebGpuAdapterError } from "./webgpu-backend.js";

const LLVMPIPE: WebGpuAdapterFacts = {
  vendor: "mesa",
  architecture: "software",
  device: "llvmpipe",
  description: "llvmpipe: Mesa 25.0.7 (LLVM 15.0.6)",
  isFallbackAdapter: true,
};
const RTX: WebGpuAdapterFacts = {
  vendor: "nvidia",
  architecture: "ada",
  device: "",
  description: "NVIDIA GeForce RTX 4090",
  isFallbackAdapter: false,
};

function capturingLogger() {
  const lines: string[] = [];
  const logger = createLogger({
    name: "engine",
    level: "info",
    json: true,
    sink: { write: (text) => lines.push(text) },
  });
  return { logger, lines };
}

let notReady: GpuReport;
let ready: GpuReport;

beforeAll(() => {
  // This machine has no NVIDIA GPU, so its real report is "not ready"; the ready one is that report
  // with its verdict flipped, describing a machine we do not have.
  notReady = detectGpu({ checkLoad: false });
  ready = { ...notReady, ready: true, problems: [] };
});

// Dawn offering `adapters`, judged as the engine judges them (software only when allowed).
function mockedWebGpu(adapters: WebGpuAdapterFacts[]): EngineProbes["prepareWebGpu"] {
  return async (allowSoftware) => {
    const { judgeWebGpuAdapter } = await import("@tml/cuda-check");
    const considered = adapters.map((adapter) => ({
      adapter,
      verdict: judgeWebGpuAdapter(adapter, allowSoftware),
    }));
    const chosen = considered.find((entry) => entry.verdict.usable);
    if (chosen === undefined) throw new NoUsableWebGpuAdapterError(considered);
    return { chosen, considered };
  };
}

function mockedProbes(
  report: EngineProbes["detectGpu"],
  loadable: readonly string[],
  options: { adapters?: WebGpuAdapterFacts[]; usingGpuDevice?: boolean } = {},
) {
  const loaded: string[] = [];
  const backends: string[] = [];
  const probes: Partial<EngineProbes> = {
    detectGpu: report,
    usingGpuDevice: () => options.usingGpuDevice ?? true,
    prepareWebGpu: mockedWebGpu(options.adapters ?? [LLVMPIPE]),
    loadPackage: (name) => {
      if (!loadable.includes(name)) throw new Error(`Cannot find module '${name}'`);
      loaded.push(name);
    },
    setBackend: async (name) => {
      backends.push(name);
    },
  };
  return { probes, loaded, backends };
}

describe("selectEngine with mocked probes", () => {
  it("takes tfjs-node-gpu when the GPU is ready and the package loads", async () => {
    const { probes, loaded, backends } = mockedProbes(() => ready, ["@tensorflow/tfjs-node-gpu"]);
    const { logger, lines } = capturingLogger();
    const info = await selectEngine({ device: "auto", probes, logger });
    expect(info).toMatchObject({
      backend: "tensorflow",
      candidate: "tfjs-node-gpu",
      accelerated: true,
    });
    expect(info.attempts).toEqual([{ candidate: "tfjs-node-gpu", ok: true, reason: info.reason }]);
    expect(loaded).toEqual(["@tensorflow/tfjs-node-gpu"]);
    expect(backends).toEqual(["tensorflow"]);
    expect(lines.join("")).toContain("engine: tfjs-node-gpu");
  });

  it("falls through to wasm when the GPU is ready but tfjs-node(-gpu) fail to load", async () => {
    const { probes, backends } = mockedProbes(() => ready, []);
    const { logger, lines } = capturingLogger();
    const info = await selectEngine({ device: "auto", probes, logger });
    expect(info.candidate).toBe("wasm");
    expect(info.accelerated).toBe(false);
    expect(info.attempts.map((attempt) => [attempt.candidate, attempt.ok])).toEqual([
      ["tfjs-node-gpu", false],
      ["webgpu", false],
      ["tfjs-node", false],
      ["wasm", true],
    ]);
    expect(info.attempts[0]!.reason).toContain("@tensorflow/tfjs-node-gpu");
    expect(backends).toEqual(["wasm"]);
    // One line per candidate passed over, one for the choice.
    expect(lines).toHaveLength(4);
    restoreStockKernels();
  });

  it("takes tfjs-node when no GPU is ready but tfjs-node loads", async () => {
    const { probes, loaded } = mockedProbes(
      () => notReady,
      ["@tensorflow/tfjs-node", "@tensorflow/tfjs-node-gpu"],
    );
    const info = await selectEngine({ device: "auto", probes, logger: capturingLogger().logger });
    expect(info).toMatchObject({
      backend: "tensorflow",
      candidate: "tfjs-node",
      accelerated: false,
    });
    expect(info.attempts[0]).toMatchObject({ candidate: "tfjs-node-gpu", ok: false });
    expect(info.attempts[0]!.reason).toMatch(/^GPU not ready/);
    expect(loaded).toEqual(["@tensorflow/tfjs-node"]);
  });

  it("device cpu never probes the GPU", async () => {
    const { probes } = mockedProbes(() => {
      throw new Error("detectGpu must not run for device cpu");
    }, ["@tensorflow/tfjs-node"]);
    const info = await selectEngine({ device: "cpu", probes, logger: capturingLogger().logger });
    expect(info.candidate).toBe("tfjs-node");
  });

  it("device gpu throws GPU_NOT_READY with cuda-check's report when CUDA is not ready and the only adapter is software", async () => {
    const { probes } = mockedProbes(() => notReady, ["@tensorflow/tfjs-node-gpu"]);
    const error = await selectEngine({
      device: "gpu",
      probes,
      logger: capturingLogger().logger,
    }).catch((caught: unknown) => caught);
    expect(TmlError.isInstance(error, "GPU_NOT_READY")).toBe(true);
    expect((error as { report: GpuReport }).report).toBe(notReady);
    expect(((error as Error).cause as Error).message).toContain(
      "webgpu: no usable WebGPU adapter (llvmpipe",
    );
  });

  it("device gpu exits 8 when CUDA is ready but tfjs-node-gpu does not load", async () => {
    const { probes } = mockedProbes(() => ready, []);
    const error = await selectEngine({
      device: "gpu",
      probes,
      logger: capturingLogger().logger,
    }).catch((caught: unknown) => caught);
    expect(TmlError.isInstance(error, "GPU_NOT_READY")).toBe(true);
    const cause = (error as Error).cause as Error;
    expect(TmlError.isInstance(cause, "BACKEND")).toBe(true);
    expect(cause.message).toContain("tfjs-node-gpu: Cannot find module");
  });

  it("passes over tfjs-node-gpu when TensorFlow silently runs on the CPU", async () => {
    const { probes } = mockedProbes(
      () => ready,
      ["@tensorflow/tfjs-node-gpu", "@tensorflow/tfjs-node"],
      { usingGpuDevice: false },
    );
    const info = await selectEngine({ device: "auto", probes, logger: capturingLogger().logger });
    expect(info.attempts[0]).toMatchObject({ candidate: "tfjs-node-gpu", ok: false });
    expect(info.attempts[0]!.reason).toContain("silent CPU fallback");
    expect(info.candidate).toBe("tfjs-node");
  });

  it("auto takes WebGPU on a GPU adapter when CUDA is not ready, and says why", async () => {
    const { probes, backends } = mockedProbes(() => notReady, ["@tensorflow/tfjs-node"], {
      adapters: [LLVMPIPE, RTX],
    });
    const { logger, lines } = capturingLogger();
    const info = await selectEngine({ device: "auto", probes, logger });
    expect(info).toMatchObject({ backend: "webgpu", candidate: "webgpu", accelerated: true });
    expect(info.attempts.map((attempt) => attempt.candidate)).toEqual(["tfjs-node-gpu", "webgpu"]);
    expect(backends).toEqual(["webgpu"]);
    expect(lines.at(-1)).toContain("WebGPU on NVIDIA GeForce RTX 4090 (nvidia GPU)");
    expect(lines.at(-1)).toContain("passed over: llvmpipe");
  });

  it("auto passes over a software adapter (lavapipe) unless TML_WEBGPU_ALLOW_SOFTWARE", async () => {
    const { probes } = mockedProbes(() => notReady, ["@tensorflow/tfjs-node"]);
    const info = await selectEngine({ device: "auto", probes, logger: capturingLogger().logger });
    expect(info.candidate).toBe("tfjs-node");
    expect(info.attempts[1]).toMatchObject({ candidate: "webgpu", ok: false });
    expect(info.attempts[1]!.reason).toContain("software adapter");
    setFlag("TML_WEBGPU_ALLOW_SOFTWARE", true);
    try {
      const allowed = await selectEngine({
        device: "auto",
        probes,
        logger: capturingLogger().logger,
      });
      expect(allowed).toMatchObject({
        candidate: "webgpu",
        label: "webgpu (software)",
        accelerated: false,
      });
    } finally {
      resetFlag("TML_WEBGPU_ALLOW_SOFTWARE");
    }
  });

  it("device gpu takes WebGPU when tfjs-node-gpu cannot start", async () => {
    const { probes } = mockedProbes(() => notReady, [], { adapters: [RTX] });
    const info = await selectEngine({ device: "gpu", probes, logger: capturingLogger().logger });
    expect(info).toMatchObject({ candidate: "webgpu", device: "gpu", accelerated: true });
    expect(info.attempts[0]).toMatchObject({ candidate: "tfjs-node-gpu", ok: false });
  });

  it("device webgpu takes a GPU adapter and logs the adapters it passed over", async () => {
    const { probes, backends } = mockedProbes(() => notReady, [], { adapters: [LLVMPIPE, RTX] });
    const { logger, lines } = capturingLogger();
    const info = await selectEngine({ device: "webgpu", probes, logger });
    expect(info).toMatchObject({ backend: "webgpu", candidate: "webgpu", accelerated: true });
    expect(backends).toEqual(["webgpu"]);
    expect(lines.at(-1)).toContain("WebGPU on NVIDIA GeForce RTX 4090 (nvidia GPU)");
    expect(lines.at(-1)).toContain(
      "passed over: llvmpipe: Mesa 25.0.7 (LLVM 15.0.6): software adapter",
    );
  });

  it("device webgpu fails with every adapter and why it was passed over", async () => {
    const { probes } = mockedProbes(() => notReady, []);
    const error = await selectEngine({
      device: "webgpu",
      probes,
      logger: capturingLogger().logger,
    }).catch((caught: unknown) => caught);
    expect(TmlError.isInstance(error, "BACKEND")).toBe(true);
    expect((error as Error).message).toContain(
      "llvmpipe: Mesa 25.0.7 (LLVM 15.0.6): software adapter",
    );
  });

  it("an unknown backend name is a BackendError listing the valid names", async () => {
    const error = await selectEngine({ device: "metal" }).catch((caught: unknown) => caught);
    expect(TmlError.isInstance(error, "BACKEND")).toBe(true);
    for (const name of ["auto", "cpu", "gpu", ...ENGINE_CANDIDATES]) {
      expect((error as Error).message).toContain(name);
    }
  });
});

describe("selectEngine on this machine", () => {
  it("auto picks wasm with onnxruntime matrix products", async () => {
    const { logger, lines } = capturingLogger();
    const info = await selectEngine({ device: "auto", logger });
    expect(tf.getBackend()).toBe("wasm");
    expect(info).toMatchObject({ backend: "wasm", label: "wasm+onnxruntime", accelerated: false });
    expect(info.kernels?.matMul).toBe("onnxruntime");
    expect(
      info.attempts.filter((attempt) => !attempt.ok).map((attempt) => attempt.candidate),
    ).toEqual(["tfjs-node-gpu", "webgpu", "tfjs-node"]);
    expect(lines.at(-1)).toContain("wasm+onnxruntime");
    const product = tf.matMul(tf.tensor2d([[1, 2]]), tf.tensor2d([[3], [4]]));
    expect(Array.from(product.dataSync())).toEqual([11]);
    restoreStockKernels();
  });

  it("js selects the pure-JavaScript cpu backend", async () => {
    const info = await selectEngine({ device: "js", logger: capturingLogger().logger });
    expect(tf.getBackend()).toBe("cpu");
    expect(info.label).toBe("js");
  });
});
