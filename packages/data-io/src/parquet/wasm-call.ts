import { DataError, TmlError } from "@tml/core";

/**
 * Runs a parquet-wasm call and turns whatever it throws (a Rust error string, or a `RuntimeError`
 * from a panic on corrupt input) into a DataError naming the file and the action.
 */
export async function wasmCall<T>(
  path: string,
  action: string,
  call: () => T | Promise<T>,
): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (TmlError.isInstance(error)) throw error;
    const reason = error instanceof Error ? error.message : String(error);
    throw new DataError(
      `Cannot ${action} ${path}: ${reason}. The file is not valid Parquet (truncated or corrupt?); rewrite it.`,
      { cause: error, details: { file: path } },
    );
  }
}
