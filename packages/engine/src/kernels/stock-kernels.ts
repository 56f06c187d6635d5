import { getKernel, type KernelConfig } from "@tensorflow/tfjs-core";
import { assert } from "@tml/core";

// The wasm backend's own kernels, captured the first time one is replaced so that the fast
// kernels can fall back to them and `restoreStockKernels` can put them back.
const stock = new Map<string, KernelConfig | null>();

/** Remembers the stock wasm kernel of this name (null when wasm has none) before it is replaced. */
export function captureStockKernel(kernelName: string): void {
  if (!stock.has(kernelName)) stock.set(kernelName, getKernel(kernelName, "wasm") ?? null);
}

/** The stock wasm kernel of this name; throws when wasm ships none. */
export function stockKernel(kernelName: string): KernelConfig {
  if (!stock.has(kernelName)) captureStockKernel(kernelName);
  const config = stock.get(kernelName);
  assert(config, () => `the wasm backend has no stock ${kernelName} kernel`);
  return config;
}

/** Every captured stock kernel: name → config, or null when wasm had none. */
export function capturedStockKernels(): ReadonlyMap<string, KernelConfig | null> {
  return stock;
}
