import * as tf from "@tensorflow/tfjs-core";
import {
  type BatchMoments,
  batchNormInference,
  batchNormTrain,
  type NormalizeOptions,
  runningMoments,
} from "@tml/engine";
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
      this.weight = parameter(tf.ones([size])) as tf.Variable<tf.Rank.R1>;
      this.bias = parameter(tf.zeros([size])) as tf.Variable<tf.Rank.R1>;
    }
    this.runningMean = buffer(tf.zeros([size])) as tf.Variable<tf.Rank.R1>;
    this.runningVar = buffer(tf.ones([size])) as tf.Variable<tf.Rank.R1>;
    this.numBatchesTracked = buffer(tf.scalar(0, "int32")) as tf.Variable<tf.Rank.R0>;
  }

  /**
   * [B, n] → [B, n]; in train mode also updates the running statistics (assignments are off the
   * loss's path, so gradients ignore them). `after` applies a ReLU and/or a clamp to ±clip to the
   * result inside the same fused kernel (cpu/wasm).
   */
  apply(
    x: tf.Tensor2D,
    context: ForwardContext,
    after: Pick<NormalizeOptions, "relu" | "clip"> = {},
  ): tf.Tensor2D {
    const affine = this.weight && this.bias ? { gamma: this.weight, beta: this.bias } : {};
    if (context.training) {
      return batchNormTrain(x, { epsilon: this.epsilon, ...affine, ...after }, (batch) =>
        this.updateRunningStatistics(batch, x.shape[0]),
      );
    }
    return batchNormInference(
      x,
      { mean: this.runningMean, variance: this.runningVar },
      { epsilon: this.epsilon, ...affine, ...after },
    );
  }

  private updateRunningStatistics(batch: BatchMoments, batchSize: number): void {
    tf.tidy(() => {
      const next = runningMoments(
        { mean: this.runningMean, variance: this.runningVar },
        batch,
        this.momentum,
        batchSize,
      );
      this.runningMean.assign(next.mean);
      this.runningVar.assign(next.variance);
      this.numBatchesTracked.assign(
        tf.add(this.numBatchesTracked, tf.scalar(1, "int32")) as tf.Scalar,
      );
    });
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
