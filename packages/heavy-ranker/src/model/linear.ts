import * as tf from "@tensorflow/tfjs-core";
import type { Rng } from "@tml/core";
import { linear } from "@tml/engine";
import { type Module, type NamedTensor, parameter, xavierUniform } from "./module.js";

/**
 * Fully connected layer y = x · Wᵀ + b with torch's layout: `weight` [out, in], `bias` [out].
 * Xavier-uniform weight and zero bias (`projects/home/recap/model/mlp.py`); `bias: false` drops
 * the bias (torch's `nn.Linear(..., bias=False)`), so the layer has no `bias` tensor.
 */
export class Linear implements Module {
  readonly weight: tf.Variable<tf.Rank.R2>;
  readonly bias?: tf.Variable<tf.Rank.R1>;

  constructor(
    readonly inFeatures: number,
    readonly outFeatures: number,
    rng: Rng,
    options: { readonly bias?: boolean } = {},
  ) {
    this.weight = parameter(xavierUniform(outFeatures, inFeatures, rng)) as tf.Variable<tf.Rank.R2>;
    if (options.bias ?? true) {
      this.bias = parameter(tf.zeros([outFeatures])) as tf.Variable<tf.Rank.R1>;
    }
  }

  /** [B, in] → [B, out]; `relu` fuses the activation into the matmul. */
  apply(x: tf.Tensor2D, activation: "linear" | "relu" = "linear"): tf.Tensor2D {
    if (this.bias) return linear(x, this.weight, this.bias, activation);
    return tf.tidy((): tf.Tensor2D => {
      const product: tf.Tensor2D = tf.matMul(x, this.weight, false, true); // [B, out]
      return activation === "relu" ? tf.relu(product) : product;
    });
  }

  namedTensors(): NamedTensor[] {
    return [
      { name: "weight", variable: this.weight },
      ...(this.bias ? [{ name: "bias", variable: this.bias }] : []),
    ];
  }
}
