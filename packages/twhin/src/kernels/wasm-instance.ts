import { BackendError } from "@tml/core";

// The slice of the WebAssembly JS API used here (@types/node 20 does not declare it).
interface WasmModule {
  readonly wasmModule: unique symbol;
}
interface WasmApi {
  Module: new (bytes: Uint8Array) => WasmModule;
  Instance: new (module: WasmModule, imports: object) => { exports: unknown };
  Memory: new (descriptor: { initial: number; maximum: number }) => { buffer: ArrayBuffer };
}
const wasm = (globalThis as unknown as { WebAssembly?: WasmApi }).WebAssembly;

const PAGE_BYTES = 65536;
// The module's data segments need their pages even before the instance reports its heap base.
const RESERVE_BYTES = 4 * PAGE_BYTES;
/** Arrays in a module's memory start at this alignment (bytes), for v128 loads. */
export const WASM_ALIGN = 16;

const compiled = new Map<string, WasmModule | null>();

/** One instance of a compiled module with its own fixed memory (never grown: views stay valid). */
export interface WasmInstance {
  exports: unknown;
  buffer: ArrayBuffer;
  /** First aligned byte past the module's static data, where the caller's arrays start. */
  heapStart: number;
  /** Bytes usable from `heapStart`. */
  heapBytes: number;
}

/**
 * Instantiates the module whose bytes are `base64` (compiled once per process) over a fixed memory
 * with `heapBytes` free past its static data; null where this engine lacks WebAssembly SIMD. The
 * module must import its memory as env.memory and export `heapBase()`.
 */
export function instantiateWasm(base64: string, heapBytes: number): WasmInstance | null {
  if (!compiled.has(base64)) {
    let module: WasmModule | null = null;
    try {
      module = wasm ? new wasm.Module(Buffer.from(base64, "base64")) : null;
    } catch {
      module = null;
    }
    compiled.set(base64, module);
  }
  const module = compiled.get(base64);
  if (!module || !wasm) return null;
  const pages = Math.ceil((heapBytes + RESERVE_BYTES) / PAGE_BYTES);
  const memory = new wasm.Memory({ initial: pages, maximum: pages });
  const exports = new wasm.Instance(module, { env: { memory } }).exports as {
    heapBase(): number;
  };
  const heapBase = exports.heapBase();
  if (heapBase > RESERVE_BYTES) {
    throw new BackendError(
      `WebAssembly module: static data ends at ${heapBase}, past the ${RESERVE_BYTES}-byte reserve (a bug: report it).`,
    );
  }
  const heapStart = Math.ceil(heapBase / WASM_ALIGN) * WASM_ALIGN;
  return { exports, buffer: memory.buffer, heapStart, heapBytes };
}
