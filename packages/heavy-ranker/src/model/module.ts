import * as tf from "@tensorflow/tfjs-core";
import { Rng } from "@tml/core";
import { dropoutWithDraws } from "@tml/engine";

/**
 * A tensor owned by a layer under its original state_dict name (the attribute nesting of
 * `projects/home/recap/model/entrypoint.py`): a trainable parameter or a buffer (running
 * statistics, clamp bounds, calibration ratios; `trainable: false`).
 */
export interface NamedTensor {
  readonly name: string;
  readonly variable: tf.Variable;
}

/** Per-forward options shared by every layer. */
export interface ForwardContext {
  /** Train mode: batch norm uses batch statistics and updates its running ones; dropout is active. */
  readonly training: boolean;
  /** Source of dropout / position-drop seeds (a fixed-seed stream when absent). */
  readonly rng?: Rng;
}

/** A layer that owns named tensors; names are relative to the layer (no leading dot). */
export interface Module {
  /** Every parameter and buffer in registration order, names relative to this module. */
  namedTensors(): NamedTensor[];
}

/** Prefixes the names of a child module's tensors with `prefix.`. */
export function prefixed(prefix: string, module: Module): NamedTensor[] {
  return module
    .namedTensors()
    .map(({ name, variable }) => ({ name: `${prefix}.${name}`, variable }));
}

/** A trainable float32 variable initialised from `values`; the name is only a tfjs debug label. */
export function parameter(values: tf.Tensor, label: string): tf.Variable {
  const variable = tf.variable(values, true, uniqueLabel(label));
  values.dispose();
  return variable;
}

/** A non-trainable variable (a buffer) initialised from `values`. */
export function buffer(values: tf.Tensor, label: string): tf.Variable {
  const variable = tf.variable(values, false, uniqueLabel(label));
  values.dispose();
  return variable;
}

let labelCounter = 0;
function uniqueLabel(label: string): string {
  labelCounter += 1;
  return `${label}_${labelCounter}`;
}

/**
 * Xavier (Glorot) uniform [rows, cols] matrix: U(−a, a) with a = sqrt(6 / (fanIn + fanOut)),
 * drawn from `rng` so initialisation is reproducible.
 */
export function xavierUniform(rows: number, cols: number, rng: Rng): tf.Tensor2D {
  const limit = Math.sqrt(6 / (rows + cols));
  const values = new Float32Array(rows * cols);
  for (let index = 0; index < values.length; index++) values[index] = rng.uniform(-limit, limit);
  return tf.tensor2d(values, [rows, cols]);
}

const fallbackRng = new Rng(0);

/** A seed for a tfjs random op: from the context's Rng, else from a fixed-seed module Rng. */
export function randomSeed(context: ForwardContext): number {
  return (context.rng ?? fallbackRng).nextUint32();
}

/** Inverted dropout of `x` in train mode (scale kept by 1 / (1 − rate)); identity otherwise. */
export function dropout(x: tf.Tensor, rate: number, context: ForwardContext): tf.Tensor {
  if (!context.training || rate <= 0) return x;
  const seed = randomSeed(context);
  return tf.tidy(() => dropoutWithDraws(x, tf.randomUniform(x.shape, 0, 1, "float32", seed), rate));
}
