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

/** A model exposing its tensors by the original's state_dict names. */
export interface StateDictModel {
  namedWeights(): Map<string, tf.Variable>;
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

/** The model's tensors as safetensors entries under their bare servable names. */
export function stateDictTensors(
  model: StateDictModel,
  storage: FloatStorage = "F32",
): [string, SafetensorsTensor][] {
  return [...model.namedWeights()].map(([name, variable]) => {
    const isInteger = variable.dtype === "int32";
    const data = variable.dataSync();
    const dtype: SafetensorsDtype = isInteger ? "I64" : storage;
    const values = isInteger
      ? BigInt64Array.from(data as Int32Array, (value) => BigInt(value))
      : (data as Float32Array);
    return [name, { dtype, shape: variable.shape, values }];
  });
}

/** Writes the model's weights to a safetensors file (temp file + rename). */
export function saveSafetensors(
  model: StateDictModel,
  path: string,
  options: { storage?: FloatStorage; metadata?: Record<string, string> } = {},
): void {
  writeFileAtomic(
    path,
    writeSafetensors(stateDictTensors(model, options.storage), options.metadata),
  );
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
  const missing = [...weights.keys()].filter((key) => !byKey.has(key));
  const unexpected = [...byKey.keys()].filter((key) => !weights.has(key));
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
    if (
      tensor.shape.length !== variable.shape.length ||
      tensor.shape.some((size, axis) => size !== variable.shape[axis])
    ) {
      throw new CheckpointError(
        `${source}: "${name}" has shape [${tensor.shape.join(", ")}] but the model's ${key} is [${variable.shape.join(", ")}]`,
      );
    }
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
