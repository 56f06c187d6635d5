import * as tf from "@tensorflow/tfjs-core";
import type { Rng } from "@tml/core";
import type { PositionDebiasConfig } from "../config/model-config.js";
import {
  type ForwardContext,
  type Module,
  type NamedTensor,
  parameter,
  randomSeed,
} from "./module.js";
import { lookupRows } from "./small-embeddings.js";

/**
 * Position debiasing (config-only in the original): a learned [max_position, num_dims] embedding of
 * the served position `discrete[:, position_feature_index]` (clamped to [0, max_position − 1]),
 * concatenated to the input. Row 0 means "position unknown": in train mode each example's
 * position is replaced by 0 with probability `drop_probability`, and eval/serving always uses 0, so
 * scores are position-free while training still explains position bias. Name: `embedding.weight`.
 */
export class PositionDebias implements Module {
  readonly outFeatures: number;
  private readonly weight: tf.Variable<tf.Rank.R2>;

  constructor(
    readonly config: PositionDebiasConfig,
    rng: Rng,
  ) {
    const values = new Float32Array(config.max_position * config.num_dims);
    const scale = 1 / Math.sqrt(config.num_dims);
    for (let index = 0; index < values.length; index++) values[index] = rng.normal() * scale;
    this.weight = parameter(
      tf.tensor2d(values, [config.max_position, config.num_dims]),
    ) as tf.Variable<tf.Rank.R2>;
    this.outFeatures = config.num_dims;
  }

  /** discrete [B, D] int32 → [B, num_dims]. */
  apply(discrete: tf.Tensor2D, context: ForwardContext): tf.Tensor2D {
    return tf.tidy(() => {
      const batch = discrete.shape[0];
      if (!context.training)
        return tf.tile(tf.slice(this.weight, [0, 0], [1, this.outFeatures]), [batch, 1]);
      const column = tf.reshape(
        tf.slice(discrete, [0, this.config.position_feature_index], [batch, 1]),
        [batch],
      );
      let positions = tf.clipByValue(column, 0, this.config.max_position - 1) as tf.Tensor1D;
      if (this.config.drop_probability > 0) {
        const keep = tf.greaterEqual(
          tf.randomUniform([batch], 0, 1, "float32", randomSeed(context)),
          this.config.drop_probability,
        );
        positions = tf.where(keep, positions, tf.zerosLike(positions));
      }
      return lookupRows(this.weight, tf.cast(positions, "int32"));
    });
  }

  namedTensors(): NamedTensor[] {
    return [{ name: "embedding.weight", variable: this.weight }];
  }
}
