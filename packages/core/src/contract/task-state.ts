import { CheckpointError } from "../errors/index.js";

/** Element types a state array may hold (the typed array class follows from it). */
export type StateDtype =
  | "float32"
  | "float64"
  | "int32"
  | "uint32"
  | "int16"
  | "uint16"
  | "int8"
  | "uint8";

/** A typed array of any `StateDtype`. */
export type StateTypedArray =
  | Float32Array
  | Float64Array
  | Int32Array
  | Uint32Array
  | Int16Array
  | Uint16Array
  | Int8Array
  | Uint8Array;

/** One named array of a saved state: row-major `data` of `shape` (product of shape = length). */
export interface StateArray {
  dtype: StateDtype;
  shape: number[];
  data: StateTypedArray;
}

/**
 * Everything a training task needs to continue exactly where it stopped: named arrays (weights,
 * optimizer slots, embedding tables) and a JSON-serializable remainder (counters, RNG state).
 */
export interface TaskState {
  arrays: Record<string, StateArray>;
  json: unknown;
}

const CONSTRUCTORS = {
  float32: Float32Array,
  float64: Float64Array,
  int32: Int32Array,
  uint32: Uint32Array,
  int16: Int16Array,
  uint16: Uint16Array,
  int8: Int8Array,
  uint8: Uint8Array,
} as const;

/** True when `value` names a supported state dtype. */
export function isStateDtype(value: unknown): value is StateDtype {
  return typeof value === "string" && Object.hasOwn(CONSTRUCTORS, value);
}

/** Allocates a zero-filled typed array of `length` elements of `dtype`. */
export function allocateStateArray(dtype: StateDtype, length: number): StateTypedArray {
  return new CONSTRUCTORS[dtype](length);
}

/** The dtype of a typed array, or undefined for unsupported ones. */
export function dtypeOfTypedArray(data: ArrayBufferView): StateDtype | undefined {
  for (const [name, arrayClass] of Object.entries(CONSTRUCTORS)) {
    if (data instanceof arrayClass) return name as StateDtype;
  }
  return undefined;
}

/** Number of elements a shape holds (1 for a scalar `[]`). */
export function sizeOfShape(shape: readonly number[]): number {
  let size = 1;
  for (const dimension of shape) size *= dimension;
  return size;
}

/** Throws `CheckpointError` unless `array` has exactly `shape` (and `dtype` when given). */
export function checkStateArray(
  key: string,
  array: StateArray,
  shape: readonly number[],
  dtype?: string,
): void {
  const sameShape =
    array.shape.length === shape.length && array.shape.every((d, i) => d === shape[i]);
  if (!sameShape || (dtype !== undefined && array.dtype !== dtype)) {
    throw new CheckpointError(
      `Array "${key}" is ${array.dtype}[${array.shape}] in the checkpoint but ${dtype ?? array.dtype}[${shape}] is expected; the checkpoint belongs to another model config.`,
      { details: { array: key } },
    );
  }
}
