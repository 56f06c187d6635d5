import * as tf from "@tensorflow/tfjs-core";
import type { Rng } from "@tml/core";
import { linear } from "@tml/engine";
import { type Module, type NamedTensor, parameter, xavierUniform } from "./module.js";

/**
 * Fully connected layer y = x · Wᵀ + b with torch's layout: `weight` [out, in], `bias` [out].
 * Xavier-uniform weight and zero bias (`projects/home/recap/model/mlp.py`).
 */
export class Linear implements Module {
  readonly weight: tf.Variable<tf.Rank.R2>;
  readonly bias: tf.Variable<tf.Rank.R1>;

  constructor(
    readonly inFeatures: number,
    readonly outFeatures: number,
    rng: Rng,
  ) {
    this.weight = parameter(xavierUniform(outFeatures, inFeatures, rng)) as tf.Variable<tf.Rank.R2>;
    this.bias = parameter(tf.zeros([outFeatures])) as tf.Variable<tf.Rank.R1>;
  }

  /** [B, in] → [B, out]; `relu` fuses the activation into the matmul. */
  apply(x: tf.Tensor2D, activation: "linear" | "relu" = "linear"): tf.Tensor2D {
    return linear(x, this.weight, this.bias, activation);
  }

  namedTensors(): NamedTensor[] {
    return [
      { name: "weight", variable: this.weight },
      { name: "bias", variable: this.bias },
    ];
  }
}
