import * as tf from "@tensorflow/tfjs-core";
import type { Rng } from "@tml/core";
import type { MlpConfig } from "../config/model-config.js";
import { BatchNorm } from "./batch-norm.js";
import { Linear } from "./linear.js";
import { dropout, type ForwardContext, type Module, type NamedTensor, prefixed } from "./module.js";

/** Output of an MLP: `output` [B, out] and `sharedLayer` (activation after layer index 1). */
export type MlpOutput = {
  readonly output: tf.Tensor2D;
  readonly sharedLayer: tf.Tensor2D;
};

interface HiddenLayer {
  readonly linear: Linear;
  readonly linearIndex: number;
  readonly batchNorm?: BatchNorm;
}

/**
 * MLP (`projects/home/recap/model/mlp.py`): per hidden size Linear → [BatchNorm] → ReLU →
 * [Dropout], then a last Linear and a ReLU iff `final_layer_activation`. Tensor names follow
 * torch's Sequential positions (`layers.<i>.weight`), so indices shift when batch norm or dropout
 * are configured.
 */
export class Mlp implements Module {
  readonly outFeatures: number;
  private readonly hidden: HiddenLayer[] = [];
  private readonly last: Linear;
  private readonly lastIndex: number;

  constructor(
    inFeatures: number,
    readonly config: MlpConfig,
    rng: Rng,
  ) {
    const sizes = config.layer_sizes;
    let width = inFeatures;
    let position = 0;
    for (const size of sizes.slice(0, -1)) {
      const linear = new Linear(width, size, rng);
      const linearIndex = position;
      position += 1;
      let batchNorm: BatchNorm | undefined;
      if (config.batch_norm) {
        batchNorm = new BatchNorm(size, config.batch_norm.momentum, config.batch_norm.affine);
        position += 1;
      }
      position += config.dropout ? 2 : 1; // ReLU, Dropout
      this.hidden.push({ linear, linearIndex, ...(batchNorm ? { batchNorm } : {}) });
      width = size;
    }
    this.outFeatures = sizes[sizes.length - 1] as number;
    this.last = new Linear(width, this.outFeatures, rng);
    this.lastIndex = position;
  }

  /** [B, in] → { output [B, out], sharedLayer [B, first hidden or out] }. */
  apply(x: tf.Tensor2D, context: ForwardContext): MlpOutput {
    return tf.tidy(() => this.run(x, context, true));
  }

  /** [B, in] → [B, out]: `apply`'s output without the shared layer (ReLUs fuse into batch norms). */
  output(x: tf.Tensor2D, context: ForwardContext): tf.Tensor2D {
    return tf.tidy(() => this.run(x, context, false).output);
  }

  private run(x: tf.Tensor2D, context: ForwardContext, keepShared: boolean): MlpOutput {
    let net = x;
    let sharedLayer: tf.Tensor2D | undefined;
    for (const layer of this.hidden) {
      if (layer.batchNorm && keepShared && sharedLayer === undefined) {
        // The shared layer is the batch norm's output before the ReLU.
        sharedLayer = layer.batchNorm.apply(layer.linear.apply(net), context);
        net = tf.relu(sharedLayer);
      } else if (layer.batchNorm) {
        net = layer.batchNorm.apply(layer.linear.apply(net), context, { relu: true });
      } else {
        net = layer.linear.apply(net, "relu");
        sharedLayer ??= net;
      }
      if (this.config.dropout) net = dropout(net, this.config.dropout.rate, context) as tf.Tensor2D;
    }
    const activation = this.config.final_layer_activation ? "relu" : "linear";
    const output = this.last.apply(net, activation);
    return { output, sharedLayer: sharedLayer ?? output };
  }

  namedTensors(): NamedTensor[] {
    const named: NamedTensor[] = [];
    for (const layer of this.hidden) {
      named.push(...prefixed(`layers.${layer.linearIndex}`, layer.linear));
      if (layer.batchNorm)
        named.push(...prefixed(`layers.${layer.linearIndex + 1}`, layer.batchNorm));
    }
    named.push(...prefixed(`layers.${this.lastIndex}`, this.last));
    return named;
  }
}
