/**
 * What one WebGPU adapter says about itself (`GPUAdapter.info`): Dawn's vendor ("nvidia", "amd",
 * "mesa"…), architecture ("software" for a CPU rasteriser), device and driver description.
 */
export interface WebGpuAdapterFacts {
  vendor: string;
  architecture: string;
  device: string;
  /** Device and driver in words ("llvmpipe: Mesa 25.0.7 (LLVM 15.0.6)"). */
  description: string;
  /** True for an adapter WebGPU itself calls a fallback (a software implementation). */
  isFallbackAdapter: boolean;
}

/** The `requestAdapter` options WebGPU adapters are listed with: each preference, then the fallback. */
export const WEBGPU_ADAPTER_REQUESTS = [
  { powerPreference: "high-performance" },
  { powerPreference: "low-power" },
  { forceFallbackAdapter: true },
] as const;

/** Vendors whose adapters are GPUs worth training on (discrete NVIDIA/AMD, Apple silicon). */
export const WEBGPU_GPU_VENDORS: readonly string[] = ["nvidia", "amd", "apple"];

const SOFTWARE_NAMES = /llvmpipe|lavapipe|swiftshader|softpipe|software/i;

/** True when the adapter is a software implementation (lavapipe/llvmpipe, SwiftShader). */
export function isSoftwareAdapter(adapter: WebGpuAdapterFacts): boolean {
  return (
    adapter.isFallbackAdapter ||
    adapter.architecture === "software" ||
    SOFTWARE_NAMES.test(`${adapter.device} ${adapter.description}`)
  );
}

/** Whether an adapter may run training, and why (one clause for logs and reports). */
export interface WebGpuAdapterVerdict {
  usable: boolean;
  software: boolean;
  reason: string;
}

/**
 * Judges one adapter: a GPU of `WEBGPU_GPU_VENDORS` is usable; a software adapter only when
 * `allowSoftware` (tests, CI); any other (integrated or unknown) adapter is not, since the CPU
 * engines outrun it.
 */
export function judgeWebGpuAdapter(
  adapter: WebGpuAdapterFacts,
  allowSoftware: boolean,
): WebGpuAdapterVerdict {
  if (isSoftwareAdapter(adapter)) {
    return allowSoftware
      ? { usable: true, software: true, reason: "software adapter, allowed by request" }
      : {
          usable: false,
          software: true,
          reason:
            "software adapter (runs on the CPU, slower than the CPU engines; TML_WEBGPU_ALLOW_SOFTWARE=1 allows it for tests)",
        };
  }
  if (WEBGPU_GPU_VENDORS.includes(adapter.vendor.toLowerCase())) {
    return { usable: true, software: false, reason: `${adapter.vendor} GPU` };
  }
  return {
    usable: false,
    software: false,
    reason: `vendor "${adapter.vendor}" is not one of ${WEBGPU_GPU_VENDORS.join(", ")} (an integrated GPU is slower than the CPU engines)`,
  };
}

/** The adapter's name for logs: its description, else vendor and device. */
export function describeAdapter(adapter: WebGpuAdapterFacts): string {
  const name = adapter.description.trim();
  return name === "" ? `${adapter.vendor} ${adapter.device}`.trim() : name;
}

/** The facts of a `GPUAdapter.info` (missing fields read as empty). */
export function adapterFacts(
  info: Partial<Record<keyof WebGpuAdapterFacts, unknown>>,
): WebGpuAdapterFacts {
  const text = (value: unknown): string => (typeof value === "string" ? value : "");
  return {
    vendor: text(info.vendor),
    architecture: text(info.architecture),
    device: text(info.device),
    description: text(info.description),
    isFallbackAdapter: info.isFallbackAdapter === true,
  };
}
