/** Where the generated module lives. */
export const bytesModulePath: string;
/** Compiles wasm/kernels.ts; resolves to the wasm bytes. */
export function compileKernels(): Promise<Uint8Array>;
/** The TypeScript module text holding `bytes`. */
export function bytesModule(bytes: Uint8Array): string;
