import * as tf from "@tensorflow/tfjs-core";
import { ConfigError } from "@tml/core";
import { signedLog1p } from "@tml/engine";
import type { FeaturizationConfig } from "../config/model-config.js";
import { BatchNorm } from "./batch-norm.js";
import { LayerNorm } from "./layer-norm.js";
import { buffer, type ForwardContext, type Module, type NamedTensor, prefixed } from "./module.js";

/** Per-feature statistics of the signed-log continuous features, for z_score_log (length C each). */
export interface ZScoreStatistics {
  readonly mean: ArrayLike<number>;
  readonly std: ArrayLike<number>;
}

/** One stage of `_before_concat_layers` at a fixed position. */
type Stage =
  | { kind: "clamp"; min: tf.Variable; max: tf.Variable; magnitude: number }
  | { kind: "batch_norm"; norm: BatchNorm }
  | { kind: "z_score"; mean: tf.Variable; std: tf.Variable };

/**
 * Input featurization (`projects/home/recap/model/feature_transform.py`) of continuous [B, C] and
 * binary [B, Bn] features into [B, C (+ Bn)]. Every option starts with non-finite → 0 and signed
 * log1p (positions 0 and 1 of `_before_concat_layers`), then:
 * - double_norm_log: [BatchNorm] → clamp ±clip_magnitude → ⊕ binary → [LayerNorm];
 * - log1p_abs: ⊕ binary; clip_log1p_abs: clamp → ⊕ binary;
 * - z_score_log: (x − mean) / std with statistics computed from data → clamp → [BatchNorm] →
 *   ⊕ binary.
 * Binary features are concatenated iff `feature_names_to_concat` contains "binary".
 */
export class Featurization implements Module {
  readonly outFeatures: number;
  private readonly stages: Array<{ position: number; stage: Stage }> = [];
  private readonly layerNorm?: LayerNorm;
  private readonly concatBinary: boolean;

  constructor(
    config: FeaturizationConfig,
    continuousWidth: number,
    binaryWidth: number,
    statistics?: ZScoreStatistics,
  ) {
    this.concatBinary = config.feature_names_to_concat.includes("binary");
    this.outFeatures = continuousWidth + (this.concatBinary ? binaryWidth : 0);
    let position = 2;
    const add = (stage: Stage) => {
      this.stages.push({ position, stage });
      position += 1;
    };
    const clamp = (magnitude: number): Stage => ({
      kind: "clamp",
      min: buffer(tf.scalar(-magnitude)),
      max: buffer(tf.scalar(magnitude)),
      magnitude,
    });
    const batchNorm = (momentum: number, affine: boolean): Stage => ({
      kind: "batch_norm",
      norm: new BatchNorm(continuousWidth, momentum, affine),
    });
    if (config.double_norm_log_config) {
      const options = config.double_norm_log_config;
      if (options.batch_norm_config) {
        add(batchNorm(options.batch_norm_config.momentum, options.batch_norm_config.affine));
      }
      add(clamp(options.clip_magnitude));
      if (options.layer_norm_config) {
        // The schema makes center equal scale: both affine parameters or none.
        const affine = options.layer_norm_config.center && options.layer_norm_config.scale;
        this.layerNorm = new LayerNorm(this.outFeatures, options.layer_norm_config.epsilon, affine);
      }
    } else if (config.clip_log1p_abs_config) {
      add(clamp(config.clip_log1p_abs_config.clip_magnitude));
    } else if (config.z_score_log_config) {
      const options = config.z_score_log_config;
      if (options.use_renorm) {
        throw new ConfigError(
          "model.featurization_config.z_score_log_config.use_renorm is not supported; set it to false",
        );
      }
      if (
        !statistics ||
        statistics.mean.length !== continuousWidth ||
        statistics.std.length !== continuousWidth
      ) {
        throw new ConfigError(
          `z_score_log needs statistics of length ${continuousWidth} (from analysis_path ${options.analysis_path}); compute them with computeZScoreStatistics`,
        );
      }
      const std = Float32Array.from(statistics.std, (value) => (value > 1e-12 ? value : 1));
      add({
        kind: "z_score",
        mean: buffer(tf.tensor1d(Float32Array.from(statistics.mean))),
        std: buffer(tf.tensor1d(std)),
      });
      add(clamp(options.clip_magnitude));
      if (options.use_batch_norm) add(batchNorm(0.1, true));
    }
  }

  /** continuous [B, C], binary [B, Bn] → [B, outFeatures]. */
  apply(continuous: tf.Tensor2D, binary: tf.Tensor2D, context: ForwardContext): tf.Tensor2D {
    return tf.tidy(() => {
      let net = signedLog1p(continuous);
      for (let index = 0; index < this.stages.length; index++) {
        const { stage } = this.stages[index] as { stage: Stage };
        if (stage.kind === "clamp") {
          net = tf.clipByValue(net, -stage.magnitude, stage.magnitude);
        } else if (stage.kind === "batch_norm") {
          // A clamp right after the batch norm runs inside its kernel (double_norm_log).
          const next = this.stages[index + 1]?.stage;
          const clip = next?.kind === "clamp" ? next.magnitude : undefined;
          net = stage.norm.apply(net, context, clip === undefined ? {} : { clip });
          if (clip !== undefined) index += 1;
        } else {
          net = tf.div(tf.sub(net, stage.mean), stage.std) as tf.Tensor2D;
        }
      }
      if (this.concatBinary) net = tf.concat([net, binary], 1);
      return this.layerNorm ? this.layerNorm.apply(net) : net;
    });
  }

  namedTensors(): NamedTensor[] {
    const named: NamedTensor[] = [];
    for (const { position, stage } of this.stages) {
      const prefix = `_before_concat_layers.${position}`;
      if (stage.kind === "clamp") {
        named.push({ name: `${prefix}.min_value`, variable: stage.min });
        named.push({ name: `${prefix}.max_value`, variable: stage.max });
      } else if (stage.kind === "batch_norm") {
        named.push(...prefixed(`${prefix}.layer`, stage.norm));
      } else {
        named.push({ name: `${prefix}.mean`, variable: stage.mean });
        named.push({ name: `${prefix}.std`, variable: stage.std });
      }
    }
    if (this.layerNorm) named.push(...prefixed("layer_norm.layer", this.layerNorm));
    return named;
  }
}

/**
 * Per-column mean and standard deviation of signed-log1p(continuous) over a row-major
 * [rows, cols] matrix (non-finite → 0), for the z_score_log featurization. Two-pass, in float64.
 */
export function computeZScoreStatistics(
  values: Float32Array,
  rows: number,
  cols: number,
): { mean: number[]; std: number[] } {
  const transform = (x: number) =>
    Number.isFinite(x) ? Math.sign(x) * Math.log1p(Math.abs(x)) : 0;
  const sum = new Float64Array(cols);
  for (let row = 0; row < rows; row++) {
    for (let col = 0; col < cols; col++) sum[col] += transform(values[row * cols + col] as number);
  }
  const mean = Array.from(sum, (total) => total / Math.max(rows, 1));
  const squares = new Float64Array(cols);
  for (let row = 0; row < rows; row++) {
    for (let col = 0; col < cols; col++) {
      const delta = transform(values[row * cols + col] as number) - (mean[col] as number);
      squares[col] += delta * delta;
    }
  }
  return { mean, std: Array.from(squares, (total) => Math.sqrt(total / Math.max(rows, 1))) };
}
