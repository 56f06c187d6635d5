import { describe, expect, it } from "vitest";
import {
  LATEST_TFJS_NODE_GPU_BUILD,
  minimumDriverFor,
  TFJS_NODE_GPU_BUILDS,
  tfjsGpuBuildFor,
} from "./requirements.js";

describe("minimumDriverFor", () => {
  it("gives NVIDIA's Linux minimum per CUDA version, one per major from CUDA 11", () => {
    expect(minimumDriverFor("10.0")).toBe("410.48");
    expect(minimumDriverFor("10.1")).toBe("418.39");
    expect(minimumDriverFor("10.2")).toBe("440.33");
    expect(minimumDriverFor("11.0")).toBe("450.80.02");
    expect(minimumDriverFor("11.2")).toBe("450.80.02");
    expect(minimumDriverFor("11.8")).toBe("450.80.02");
    expect(minimumDriverFor("12.3")).toBe("525.60.13");
  });

  it("knows nothing about versions it has no row for", () => {
    expect(minimumDriverFor("9.0")).toBeUndefined();
    expect(minimumDriverFor("10.3")).toBeUndefined();
  });
});

describe("tfjs-node-gpu builds", () => {
  it("maps 4.x to CUDA 11.2 / cuDNN 8.1 and its sonames", () => {
    const { build, known } = tfjsGpuBuildFor("4.22.0");
    expect(known).toBe(true);
    expect(build).toBe(LATEST_TFJS_NODE_GPU_BUILD);
    expect(build).toMatchObject({ libtensorflow: "2.9.1", cuda: "11.2", cudnn: "8.1" });
    expect(build.cudart.soname).toBe("libcudart.so.11.0");
    expect(build.cudnnLibrary.soname).toBe("libcudnn.so.8");
  });

  it("has one row per major, each with a driver minimum", () => {
    expect(TFJS_NODE_GPU_BUILDS.map((build) => build.tfjsMajor)).toEqual([1, 2, 3, 4]);
    for (const build of TFJS_NODE_GPU_BUILDS) expect(minimumDriverFor(build.cuda)).toBeDefined();
  });

  it("falls back to the newest row for an unknown major or a broken version", () => {
    expect(tfjsGpuBuildFor("7.0.0")).toEqual({ build: LATEST_TFJS_NODE_GPU_BUILD, known: false });
    expect(tfjsGpuBuildFor("next")).toEqual({ build: LATEST_TFJS_NODE_GPU_BUILD, known: false });
  });
});
