import { createRequire } from "node:module";
import * as tf from "@tensorflow/tfjs-core";
import {
  adapterFacts,
  describeAdapter,
  judgeWebGpuAdapter,
  WEBGPU_ADAPTER_REQUESTS,
  type WebGpuAdapterFacts,
  type WebGpuAdapterVerdict,
} from "@tml/cuda-check";

/** One adapter Dawn offered and what the engine made of it. */
export interface WebGpuAdapterChoice {
  adapter: WebGpuAdapterFacts;
  verdict: WebGpuAdapterVerdict;
}

/** Thrown when Dawn offers no usable adapter; carries every adapter and the verdict on it. */
export class NoUsableWebGpuAdapterError extends Error {
  readonly considered: WebGpuAdapterChoice[];

  constructor(considered: WebGpuAdapterChoice[]) {
    const reasons = considered
      .map((entry) => `${describeAdapter(entry.adapter)}: ${entry.verdict.reason}`)
      .join("; ");
    super(
      `no usable WebGPU adapter (${reasons === "" ? "Dawn offers none: no Vulkan driver?" : reasons})`,
    );
    this.name = "NoUsableWebGpuAdapterError";
    this.considered = considered;
  }
}

/** The adapter the `webgpu` tfjs backend runs on, and every adapter considered. */
export interface WebGpuSelection {
  chosen: WebGpuAdapterChoice;
  considered: WebGpuAdapterChoice[];
}

// The parts of the webgpu package (Dawn's Node bindings) and of WebGPU that are used here.
interface GpuAdapterLike {
  info: Record<string, unknown>;
  features: ReadonlySet<string>;
  limits: Record<string, number>;
  requestDevice(descriptor: object): Promise<object>;
}
interface GpuLike {
  requestAdapter(options: object): Promise<GpuAdapterLike | null>;
}
interface WebGpuModule {
  create(options: string[]): GpuLike;
  globals: Record<string, unknown>;
}

// Dawn's instance lives as long as something refers to it; the backend's device keeps it alive.
let dawn: GpuLike | undefined;

/** The `webgpu` package's entry file, or undefined when it is not installed. */
export function webgpuModulePath(): string | undefined {
  try {
    return createRequire(import.meta.url).resolve("webgpu");
  } catch {
    return undefined;
  }
}

// An adapter's facts and the request that finds it again (an adapter makes one device only).
interface ListedAdapter {
  facts: WebGpuAdapterFacts;
  request: (typeof WEBGPU_ADAPTER_REQUESTS)[number];
}

/** Every adapter Dawn offers (each power preference, then the fallback), each once, by request. */
async function listAdapters(gpu: GpuLike): Promise<Map<string, ListedAdapter>> {
  const adapters = new Map<string, ListedAdapter>();
  for (const request of WEBGPU_ADAPTER_REQUESTS) {
    const adapter = await gpu.requestAdapter(request).catch(() => null);
    if (adapter === null) continue;
    const facts = adapterFacts(adapter.info);
    const key = `${facts.vendor}|${facts.device}|${facts.description}`;
    if (!adapters.has(key)) adapters.set(key, { facts, request });
  }
  return adapters;
}

/**
 * Loads Dawn (the `webgpu` package), lists its adapters, picks the first usable one (a GPU; a
 * software adapter only with `allowSoftware`) and registers tfjs's `webgpu` backend on a device
 * of it, with the adapter's own limits (as tfjs's factory does). Throws an Error naming every
 * adapter and why it was passed over when none is usable (NoUsableWebGpuAdapterError); the
 * caller then sets the backend.
 */
export async function prepareWebGpuBackend(allowSoftware: boolean): Promise<WebGpuSelection> {
  const modulePath = webgpuModulePath();
  if (modulePath === undefined) {
    throw new Error("the webgpu package (Dawn's Node bindings) is not installed");
  }
  const webgpu = (await import(modulePath)) as WebGpuModule;
  // tfjs's webgpu backend reads WebGPU's constants (GPUBufferUsage…) as globals.
  for (const [name, value] of Object.entries(webgpu.globals)) {
    if (!(name in globalThis)) Object.assign(globalThis, { [name]: value });
  }
  const gpu = dawn ?? webgpu.create([]);
  const adapters = await listAdapters(gpu);
  const considered = [...adapters.values()].map(({ facts, request }) => ({
    adapter: facts,
    verdict: judgeWebGpuAdapter(facts, allowSoftware),
    request,
  }));
  const chosen = considered.find((entry) => entry.verdict.usable);
  const summary = considered.map((entry) => ({ adapter: entry.adapter, verdict: entry.verdict }));
  if (chosen === undefined) throw new NoUsableWebGpuAdapterError(summary);
  dawn = gpu;
  // tfjs's backend checks for `navigator.gpu` (Node 20 has no navigator, Node 21+ one without gpu).
  const host = globalThis as { navigator?: { gpu?: unknown } };
  if (host.navigator === undefined) host.navigator = { gpu };
  else if (host.navigator.gpu === undefined) {
    Object.defineProperty(host.navigator, "gpu", { value: gpu, configurable: true });
  }
  const { WebGPUBackend } = (await import("@tensorflow/tfjs-backend-webgpu")) as unknown as {
    WebGPUBackend: new (device: object, adapterInfo: object) => tf.KernelBackend;
  };
  const request = chosen.request;
  if (tf.findBackendFactory("webgpu") != null) tf.removeBackend("webgpu");
  tf.registerBackend("webgpu", async () => {
    const handle = await gpu.requestAdapter(request);
    if (handle === null) throw new Error("the chosen WebGPU adapter is gone");
    const limits = handle.limits;
    const device = await handle.requestDevice({
      requiredFeatures: handle.features.has("timestamp-query") ? ["timestamp-query"] : [],
      requiredLimits: {
        maxComputeWorkgroupStorageSize: limits["maxComputeWorkgroupStorageSize"],
        maxComputeWorkgroupsPerDimension: limits["maxComputeWorkgroupsPerDimension"],
        maxStorageBufferBindingSize: limits["maxStorageBufferBindingSize"],
        maxBufferSize: limits["maxBufferSize"],
        maxComputeWorkgroupSizeX: limits["maxComputeWorkgroupSizeX"],
        maxComputeInvocationsPerWorkgroup: limits["maxComputeInvocationsPerWorkgroup"],
      },
    });
    return new WebGPUBackend(device, handle.info);
  });
  return { chosen: { adapter: chosen.adapter, verdict: chosen.verdict }, considered: summary };
}
