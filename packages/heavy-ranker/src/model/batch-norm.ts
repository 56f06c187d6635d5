import * as tf from "@tensorflow/tfjs-core";
import { buffer, type ForwardContext, type Module, type NamedTensor, parameter } from "./module.js";

/**
 * BatchNorm1d over [B, n] with torch semantics: train mode normalises with the biased batch
 * variance and moves `running_mean` / `running_var` (unbiased) by `momentum` (the weight of the new
 * statistic); eval mode uses the running statistics. `weight`/`bias` [n] exist iff `affine`;
 * `num_batches_tracked` is a 0-d int32 buffer (int64 in torch).
 */
export class BatchNorm implements Module {
  readonly weight?: tf.Variable<tf.Rank.R1>;
  readonly bias?: tf.Variable<tf.Rank.R1>;
  readonly runningMean: tf.Variable<tf.Rank.R1>;
  readonly runningVar: tf.Variable<tf.Rank.R1>;
  readonly numBatchesTracked: tf.Variable<tf.Rank.R0>;

  constructor(
    readonly size: number,
    readonly momentum: number,
    affine: boolean,
    readonly epsilon = 1e-5,
  ) {
    if (affine) {
      this.weight = parameter(tf.ones([size]), "batch_norm_weight") as tf.Variable<tf.Rank.R1>;
      this.bias = parameter(tf.zeros([size]), "batch_norm_bias") as tf.Variable<tf.Rank.R1>;
    }
    this.runningMean = buffer(tf.zeros([size]), "running_mean") as tf.Variable<tf.Rank.R1>;
    this.runningVar = buffer(tf.ones([size]), "running_var") as tf.Variable<tf.Rank.R1>;
    this.numBatchesTracked = buffer(
      tf.scalar(0, "int32"),
      "num_batches_tracked",
    ) as tf.Variable<tf.Rank.R0>;
  }

  /**
   * [B, n] → [B, n]; in train mode also updates the running statistics (assignments are off the
   * loss's path, so gradients ignore them).
   */
  apply(x: tf.Tensor2D, context: ForwardContext): tf.Tensor2D {
    return tf.tidy(() => {
      let normalized: tf.Tensor;
      if (context.training) {
        const { mean, variance } = tf.moments(x, 0);
        normalized = tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, this.epsilon)));
        this.updateRunningStatistics(mean, variance, x.shape[0]);
      } else {
        normalized = tf.mul(
          tf.sub(x, this.runningMean),
          tf.rsqrt(tf.add(this.runningVar, this.epsilon)),
        );
      }
      if (this.weight && this.bias) normalized = tf.add(tf.mul(normalized, this.weight), this.bias);
      return normalized as tf.Tensor2D;
    });
  }

  private updateRunningStatistics(mean: tf.Tensor, variance: tf.Tensor, batchSize: number): void {
    const unbiased = batchSize > 1 ? batchSize / (batchSize - 1) : 1;
    const keep = 1 - this.momentum;
    this.runningMean.assign(
      tf.add(tf.mul(this.runningMean, keep), tf.mul(mean, this.momentum)) as tf.Tensor1D,
    );
    this.runningVar.assign(
      tf.add(
        tf.mul(this.runningVar, keep),
        tf.mul(variance, this.momentum * unbiased),
      ) as tf.Tensor1D,
    );
    this.numBatchesTracked.assign(
      tf.add(this.numBatchesTracked, tf.scalar(1, "int32")) as tf.Scalar,
    );
  }

  namedTensors(): NamedTensor[] {
    const affine: NamedTensor[] =
      this.weight && this.bias
        ? [
            { name: "weight", variable: this.weight },
            { name: "bias", variable: this.bias },
          ]
        : [];
    return [
      ...affine,
      { name: "running_mean", variable: this.runningMean },
      { name: "running_var", variable: this.runningVar },
      { name: "num_batches_tracked", variable: this.numBatchesTracked },
    ];
  }
}
