import * as tf from "@tensorflow/tfjs-core";
import { layerNorm } from "@tml/engine";
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
      this.weight = parameter(tf.ones([size])) as tf.Variable<tf.Rank.R1>;
      this.bias = parameter(tf.zeros([size])) as tf.Variable<tf.Rank.R1>;
    }
  }

  /** [B, n] → [B, n] (one fused kernel each way on cpu and wasm). */
  apply(x: tf.Tensor2D): tf.Tensor2D {
    return layerNorm(x, {
      epsilon: this.epsilon,
      ...(this.weight && this.bias ? { gamma: this.weight, beta: this.bias } : {}),
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
