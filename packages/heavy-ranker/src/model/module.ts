import * as tf from "@tensorflow/tfjs-core";
import type { Rng } from "@tml/core";
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

/**
 * Per-forward options shared by every layer. Train mode (batch norm on batch statistics, updating
 * its running ones; dropout active) needs the `rng` that seeds dropout and position drops, so a
 * training run's randomness always comes from its own seeded stream.
 */
export type ForwardContext =
  | { readonly training: false; readonly rng?: Rng }
  | { readonly training: true; readonly rng: Rng };

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

/**
 * A trainable float32 variable initialised from `values`. tfjs names it (a process-unique id); the
 * layer's state_dict name is what `namedTensors` reports and what checkpoints and exports use.
 */
export function parameter(values: tf.Tensor): tf.Variable {
  const variable = tf.variable(values, true);
  values.dispose();
  return variable;
}

/** A non-trainable variable (a buffer) initialised from `values`. */
export function buffer(values: tf.Tensor): tf.Variable {
  const variable = tf.variable(values, false);
  values.dispose();
  return variable;
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

/** A seed for a tfjs random op of a train-mode forward, drawn from the context's Rng. */
export function randomSeed(context: ForwardContext & { training: true }): number {
  return context.rng.nextUint32();
}

/** Inverted dropout of `x` in train mode (scale kept by 1 / (1 − rate)); identity otherwise. */
export function dropout(x: tf.Tensor, rate: number, context: ForwardContext): tf.Tensor {
  if (!context.training || rate <= 0) return x;
  const seed = randomSeed(context);
  return tf.tidy(() => dropoutWithDraws(x, tf.randomUniform(x.shape, 0, 1, "float32", seed), rate));
}
