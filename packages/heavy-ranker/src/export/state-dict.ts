import { readFileSync } from "node:fs";
import * as tf from "@tensorflow/tfjs-core";
import { CheckpointError, NotFoundError, TmlError, writeFileAtomic } from "@tml/core";
import {
  readSafetensors,
  type SafetensorsDtype,
  type SafetensorsFile,
  type SafetensorsTensor,
  writeSafetensors,
} from "@tml/data-io";

/** A table kept outside tfjs (a large embedding table), any storage, read and written as float32. */
export interface HostTable {
  readonly shape: readonly number[];
  /** The table's values, row-major. */
  toFloat32(): Float32Array;
  /** Overwrites the table (rounded to its storage). */
  assign(values: Float32Array): void;
}

/**
 * A model exposing its tensors by the original's state_dict names: tfjs variables, and host tables
 * (large embeddings) when it has any.
 */
export interface StateDictModel {
  namedWeights(): Map<string, tf.Variable>;
  namedTables?(): ReadonlyMap<string, HostTable>;
}

/** Float storage type of exported weights (integer buffers are always I64, as torch's). */
export type FloatStorage = "F32" | "F16" | "BF16";

const WRAPPER_PREFIXES = ["model.", "module.", "_dmp_wrapped_module."];

/**
 * The servable key of a state_dict name: strips the training wrapper's `model.` and the
 * defensive `module.` / `_dmp_wrapped_module.` levels (torchrec's wrapper in the original's
 * `model.py`).
 */
export function servableKey(name: string): string {
  let key = name;
  for (let changed = true; changed; ) {
    changed = false;
    for (const prefix of WRAPPER_PREFIXES) {
      if (key.startsWith(prefix)) {
        key = key.slice(prefix.length);
        changed = true;
      }
    }
  }
  return key;
}

/**
 * The model's tensors (variables, then host tables) as safetensors entries under their bare
 * servable names (read asynchronously: GPU backends have no synchronous read in Node).
 */
export async function stateDictTensors(
  model: StateDictModel,
  storage: FloatStorage = "F32",
): Promise<[string, SafetensorsTensor][]> {
  const tables: [string, SafetensorsTensor][] = [...(model.namedTables?.() ?? [])].map(
    ([name, table]) => [
      name,
      { dtype: storage, shape: [...table.shape], values: table.toFloat32() },
    ],
  );
  const weights = [...model.namedWeights()];
  const read = await Promise.all(weights.map(([, variable]) => variable.data()));
  const variables = weights.map(([name, variable], i): [string, SafetensorsTensor] => {
    const isInteger = variable.dtype === "int32";
    const data = read[i]!;
    const dtype: SafetensorsDtype = isInteger ? "I64" : storage;
    const values = isInteger
      ? BigInt64Array.from(data as Int32Array, (value) => BigInt(value))
      : (data as Float32Array);
    return [name, { dtype, shape: variable.shape, values }];
  });
  return [...variables, ...tables];
}

/** Writes the model's weights to a safetensors file (temp file + rename). */
export async function saveSafetensors(
  model: StateDictModel,
  path: string,
  options: { storage?: FloatStorage; metadata?: Record<string, string> } = {},
): Promise<void> {
  writeFileAtomic(
    path,
    writeSafetensors(await stateDictTensors(model, options.storage), options.metadata),
  );
}

function checkShape(
  source: string,
  name: string,
  tensor: SafetensorsTensor,
  key: string,
  shape: readonly number[],
): void {
  if (
    tensor.shape.length !== shape.length ||
    tensor.shape.some((size, axis) => size !== shape[axis])
  ) {
    throw new CheckpointError(
      `${source}: "${name}" has shape [${tensor.shape.join(", ")}] but the model's ${key} is [${shape.join(", ")}]`,
    );
  }
}

/** What `loadStateDict` matched. */
export interface LoadStateDictReport {
  /** Model keys that were assigned. */
  readonly loaded: string[];
  /** Model keys absent from the file (an error when strict). */
  readonly missing: string[];
  /** File keys the model does not have (an error when strict). */
  readonly unexpected: string[];
}

/**
 * Assigns a parsed safetensors state_dict to the model by name (file keys may carry the `model.`
 * wrapper prefix). Shapes must match exactly; float tensors of any float dtype load into float
 * variables, I64 into int variables. Strict (default) requires the two key sets to be equal.
 */
export function loadStateDict(
  model: StateDictModel,
  file: SafetensorsFile,
  options: { strict?: boolean; source?: string } = {},
): LoadStateDictReport {
  const strict = options.strict ?? true;
  const source = options.source ?? "state_dict";
  const byKey = new Map<string, [string, SafetensorsTensor]>();
  for (const [name, tensor] of file.tensors) {
    const key = servableKey(name);
    if (byKey.has(key))
      throw new CheckpointError(
        `${source}: "${name}" and "${byKey.get(key)?.[0]}" name the same tensor`,
      );
    byKey.set(key, [name, tensor]);
  }
  const weights = model.namedWeights();
  const tables = model.namedTables?.() ?? new Map<string, HostTable>();
  const keys = [...weights.keys(), ...tables.keys()];
  const missing = keys.filter((key) => !byKey.has(key));
  const unexpected = [...byKey.keys()].filter((key) => !weights.has(key) && !tables.has(key));
  if (strict && (missing.length > 0 || unexpected.length > 0)) {
    throw new CheckpointError(
      `${source} does not match the model: missing ${missing.length} (${missing.slice(0, 5).join(", ")}), unexpected ${unexpected.length} (${unexpected.slice(0, 5).join(", ")}); pass strict: false to load the overlap`,
    );
  }
  const loaded: string[] = [];
  for (const [key, variable] of weights) {
    const entry = byKey.get(key);
    if (!entry) continue;
    const [name, tensor] = entry;
    checkShape(source, name, tensor, key, variable.shape);
    const isIntegerFile = !(tensor.values instanceof Float32Array);
    if (isIntegerFile !== (variable.dtype === "int32")) {
      throw new CheckpointError(
        `${source}: "${name}" is ${tensor.dtype} but the model's ${key} is ${variable.dtype}`,
      );
    }
    const values =
      tensor.values instanceof BigInt64Array
        ? Int32Array.from(tensor.values, Number)
        : tensor.values;
    const value = tf.tensor(values, [...tensor.shape], variable.dtype);
    variable.assign(value);
    value.dispose();
    loaded.push(key);
  }
  for (const [key, table] of tables) {
    const entry = byKey.get(key);
    if (!entry) continue;
    const [name, tensor] = entry;
    checkShape(source, name, tensor, key, table.shape);
    if (!(tensor.values instanceof Float32Array)) {
      throw new CheckpointError(
        `${source}: "${name}" is ${tensor.dtype} but the model's ${key} is a float table`,
      );
    }
    table.assign(tensor.values);
    loaded.push(key);
  }
  return { loaded, missing, unexpected };
}

/** Reads a safetensors file (e.g. a state_dict saved from the original PyTorch model) into the model. */
export function loadSafetensors(
  model: StateDictModel,
  path: string,
  options: { strict?: boolean } = {},
): LoadStateDictReport {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (cause) {
    throw new NotFoundError(`safetensors file ${path} cannot be read; check the path`, { cause });
  }
  let file: SafetensorsFile;
  try {
    file = readSafetensors(bytes, path);
  } catch (cause) {
    // A weights file that does not parse is a corrupt checkpoint to whoever loads it.
    if (TmlError.isInstance(cause, "DATA")) throw new CheckpointError(cause.message, { cause });
    throw cause;
  }
  return loadStateDict(model, file, { ...options, source: path });
}
