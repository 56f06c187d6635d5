/** Compiler flags: optimised, no runtime, no assertions, SIMD, the memory imported, not exported. */
export const ASC_FLAGS: readonly string[];
/** Compiles the AssemblyScript file at `sourcePath`; resolves to the wasm bytes. */
export function compileWasm(sourcePath: string): Promise<Uint8Array>;
/** The TypeScript module text holding `bytes` as `constant`, compiled from `source`. */
export function bytesModule(bytes: Uint8Array, source: string, constant: string): string;
