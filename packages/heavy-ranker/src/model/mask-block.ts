import * as tf from "@tensorflow/tfjs-core";
import type { Rng } from "@tml/core";
import { multiply } from "@tml/engine";
import type { MaskBlockConfig } from "../config/model-config.js";
import { LayerNorm } from "./layer-norm.js";
import { Linear } from "./linear.js";
import { dropout, type ForwardContext, type Module, type NamedTensor, prefixed } from "./module.js";

/**
 * MaskBlock (MaskNet, arXiv 2102.07619; `projects/home/recap/model/mask_net.py`): instance-guided
 * mask M(z) = W2 · ReLU(W1 · z + b1) + b2 of width `inputDim`, then
 * LayerNorm(W_h · (net ⊙ M(maskInput)) + b_h) → [B, output_size]. The original stops there; the
 * extensions add `activation` (ReLU) and then `dropout` (train mode only) after the norm, and
 * `hidden_bias: false` drops b_h (FuxiCTR's block). The aggregation width is `aggregation_size`
 * or ⌊maskInputDim × reduction_factor⌋.
 */
export class MaskBlock implements Module {
  readonly outFeatures: number;
  private readonly inputLayerNorm?: LayerNorm;
  private readonly maskIn: Linear;
  private readonly maskOut: Linear;
  private readonly hidden: Linear;
  private readonly layerNorm: LayerNorm;
  private readonly config: MaskBlockConfig;

  constructor(config: MaskBlockConfig, inputDim: number, maskInputDim: number, rng: Rng) {
    const aggregation = config.reduction_factor
      ? Math.max(1, Math.floor(maskInputDim * config.reduction_factor))
      : (config.aggregation_size as number);
    if (config.input_layer_norm) this.inputLayerNorm = new LayerNorm(inputDim, 1e-5);
    this.maskIn = new Linear(maskInputDim, aggregation, rng);
    this.maskOut = new Linear(aggregation, inputDim, rng);
    this.hidden = new Linear(inputDim, config.output_size, rng, { bias: config.hidden_bias });
    this.layerNorm = new LayerNorm(config.output_size, 1e-5);
    this.outFeatures = config.output_size;
    this.config = config;
  }

  /** net [B, inputDim], maskInput [B, maskInputDim] → [B, output_size]. */
  apply(net: tf.Tensor2D, maskInput: tf.Tensor2D, context: ForwardContext): tf.Tensor2D {
    return tf.tidy(() => {
      const normalized = this.inputLayerNorm ? this.inputLayerNorm.apply(net) : net;
      const mask = this.maskOut.apply(this.maskIn.apply(maskInput, "relu")); // [B, inputDim]
      let output = this.layerNorm.apply(this.hidden.apply(multiply(normalized, mask))); // [B, out]
      if (this.config.activation === "relu") output = tf.relu(output);
      if (this.config.dropout) {
        output = dropout(output, this.config.dropout.rate, context) as tf.Tensor2D;
      }
      return output;
    });
  }

  namedTensors(): NamedTensor[] {
    return [
      ...(this.inputLayerNorm ? prefixed("_input_layer_norm", this.inputLayerNorm) : []),
      ...prefixed("_mask_layer.0", this.maskIn),
      ...prefixed("_mask_layer.2", this.maskOut),
      ...prefixed("_hidden_layer", this.hidden),
      ...prefixed("_layer_norm", this.layerNorm),
    ];
  }
}
