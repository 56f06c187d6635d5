import * as tf from "@tensorflow/tfjs-core";
import { type Module, type NamedTensor, parameter } from "./module.js";

/**
 * Layer normalisation over the last axis of [B, n]: (x − mean) / sqrt(var + epsilon), then
 * `weight` ⊙ · + `bias` (both [n], present iff `affine`). Biased variance, as torch.
 */
export class LayerNorm implements Module {
  readonly weight?: tf.Variable<tf.Rank.R1>;
  readonly bias?: tf.Variable<tf.Rank.R1>;

  constructor(
    readonly size: number,
    readonly epsilon: number,
    affine = true,
  ) {
    if (affine) {
      this.weight = parameter(tf.ones([size]), "layer_norm_weight") as tf.Variable<tf.Rank.R1>;
      this.bias = parameter(tf.zeros([size]), "layer_norm_bias") as tf.Variable<tf.Rank.R1>;
    }
  }

  /** [B, n] → [B, n]. */
  apply(x: tf.Tensor2D): tf.Tensor2D {
    return tf.tidy(() => {
      const { mean, variance } = tf.moments(x, -1, true);
      let normalized = tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, this.epsilon)));
      if (this.weight && this.bias) normalized = tf.add(tf.mul(normalized, this.weight), this.bias);
      return normalized as tf.Tensor2D;
    });
  }

  namedTensors(): NamedTensor[] {
    if (!this.weight || !this.bias) return [];
    return [
      { name: "weight", variable: this.weight },
      { name: "bias", variable: this.bias },
    ];
  }
}
