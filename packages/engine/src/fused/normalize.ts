import * as tf from "@tensorflow/tfjs-core";
import { assert } from "@tml/core";
import { fusedKernelReady, registerFusedKernel } from "./fused-kernel.js";
import { normalizeGradKernel, normalizeKernel, runningMomentsKernel } from "./normalize-kernels.js";

/** Scale and shift of a normalisation: `gamma` ⊙ x̂ + `beta`, both [C] (absent: 1 and 0). */
export interface NormalizeOptions {
  /** Added to the variance before the square root. */
  readonly epsilon: number;
  /** Per-column scale [C]. */
  readonly gamma?: tf.Tensor1D;
  /** Per-column shift [C]. */
  readonly beta?: tf.Tensor1D;
  /** ReLU after scale and shift. */
  readonly relu?: boolean;
  /** Clamp to [−clip, clip] after scale and shift (and the ReLU). */
  readonly clip?: number;
}

/** Batch statistics of a train-mode batch norm: per-column mean and biased variance, [C] each. */
export interface BatchMoments {
  readonly mean: tf.Tensor1D;
  readonly variance: tf.Tensor1D;
}

function checkOperands(x: tf.Tensor2D, options: NormalizeOptions, op: string): void {
  assert(x.rank === 2, () => `${op}: x must be [rows, cols], got [${x.shape}]`);
  for (const [name, tensor] of [
    ["gamma", options.gamma],
    ["beta", options.beta],
  ] as const) {
    assert(
      tensor === undefined || (tensor.rank === 1 && tensor.shape[0] === x.shape[1]),
      () => `${op}: ${name} must be [${x.shape[1]}], got [${tensor?.shape}]`,
    );
  }
}

function scaleAndShift(normalized: tf.Tensor, options: NormalizeOptions): tf.Tensor2D {
  let result = normalized;
  if (options.gamma) result = tf.mul(result, options.gamma);
  if (options.beta) result = tf.add(result, options.beta);
  if (options.relu) result = tf.relu(result);
  if (options.clip !== undefined) result = tf.clipByValue(result, -options.clip, options.clip);
  return result as tf.Tensor2D;
}

function boundAttrs(options: NormalizeOptions): {
  lower: number;
  upper: number;
  strictLower: boolean;
} {
  const clip = options.clip ?? Number.POSITIVE_INFINITY;
  return options.relu
    ? { lower: 0, upper: clip, strictLower: true }
    : { lower: -clip, upper: clip, strictLower: false };
}

// One fused forward kernel and one fused backward kernel: the layer costs two kernel calls per
// training step instead of ~40 (moments, broadcasts, their gradients, the tape's copies).
// `frozen` statistics (eval-mode batch norm) are constants of the op: no gradient flows to them.
function fusedNormalize(
  x: tf.Tensor2D,
  axis: 0 | 1,
  options: NormalizeOptions,
  onMoments?: (moments: BatchMoments) => void,
  frozen?: BatchMoments,
): tf.Tensor2D {
  const operands: tf.Tensor[] = [x];
  if (options.gamma) operands.push(options.gamma);
  if (options.beta) operands.push(options.beta);
  const attrs = {
    axis,
    epsilon: options.epsilon,
    ...boundAttrs(options),
    frozen: frozen !== undefined,
  };
  const masked = options.relu === true || options.clip !== undefined;
  const forward = tf.customGrad((...args: unknown[]) => {
    const save = args[args.length - 1] as tf.GradSaveFunc;
    const inputs: tf.NamedTensorMap = { x };
    if (frozen) {
      inputs["mean"] = frozen.mean;
      inputs["variance"] = frozen.variance;
    }
    if (options.gamma) inputs["gamma"] = options.gamma;
    if (options.beta) inputs["beta"] = options.beta;
    const [y, mean, variance] = tf
      .engine()
      .runKernel(normalizeKernel.kernelName, inputs, attrs as unknown as tf.NamedAttrMap) as [
      tf.Tensor2D,
      tf.Tensor1D,
      tf.Tensor1D,
    ];
    onMoments?.({ mean, variance });
    // Variables (the usual gamma / beta) outlive the backward pass and are not reassigned before
    // it: they are read directly instead of being copied onto the tape like the other operands.
    const affine = { gamma: options.gamma, beta: masked ? options.beta : undefined };
    const saved: tf.Tensor[] = [x, mean, variance];
    for (const tensor of [affine.gamma, affine.beta])
      if (tensor && !(tensor instanceof tf.Variable)) saved.push(tensor);
    save(saved);
    return {
      value: y,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [savedX, savedMean, savedVariance, ...copies] = saved as tf.Tensor[];
        const operand = (tensor: tf.Tensor) =>
          tensor instanceof tf.Variable ? tensor : (copies.shift() as tf.Tensor);
        const gradInputs: tf.NamedTensorMap = {
          dy,
          x: savedX as tf.Tensor,
          mean: savedMean as tf.Tensor,
          variance: savedVariance as tf.Tensor,
        };
        if (affine.gamma) gradInputs["gamma"] = operand(affine.gamma);
        if (affine.beta) gradInputs["beta"] = operand(affine.beta);
        const [dx, dgamma, dbeta] = tf
          .engine()
          .runKernel(
            normalizeGradKernel.kernelName,
            gradInputs,
            attrs as unknown as tf.NamedAttrMap,
          ) as tf.Tensor[];
        const grads = [dx as tf.Tensor];
        if (options.gamma) grads.push(dgamma as tf.Tensor);
        else dgamma?.dispose();
        if (options.beta) grads.push(dbeta as tf.Tensor);
        else dbeta?.dispose();
        return grads;
      },
    };
  });
  return forward(...operands) as tf.Tensor2D;
}

function ready(): boolean {
  return fusedKernelReady(normalizeKernel.kernelName);
}

/** Registers the normalisation kernels (forward, backward, running moments) on cpu and wasm. */
export function registerNormalizeKernels(): void {
  for (const spec of [normalizeKernel, normalizeGradKernel, runningMomentsKernel])
    registerFusedKernel(spec);
}

/**
 * Layer normalisation of each row of x [B, C]: (x − mean) / sqrt(var + epsilon) with the biased
 * variance, then scale and shift → [B, C]. One fused kernel each way on cpu and wasm.
 */
export function layerNorm(x: tf.Tensor2D, options: NormalizeOptions): tf.Tensor2D {
  checkOperands(x, options, "layerNorm");
  if (ready() && x.dtype === "float32") return fusedNormalize(x, 1, options);
  return tf.tidy(() => {
    const { mean, variance } = tf.moments(x, -1, true);
    const normalized = tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, options.epsilon)));
    return scaleAndShift(normalized, options);
  });
}

/**
 * Train-mode batch normalisation of each column of x [B, C] with the batch's mean and biased
 * variance, then scale and shift → [B, C]. `onMoments` receives the batch statistics (valid
 * only during the call: update running statistics there). One fused kernel each way on cpu and
 * wasm.
 */
export function batchNormTrain(
  x: tf.Tensor2D,
  options: NormalizeOptions,
  onMoments?: (moments: BatchMoments) => void,
): tf.Tensor2D {
  checkOperands(x, options, "batchNormTrain");
  if (ready() && x.dtype === "float32") return fusedNormalize(x, 0, options, onMoments);
  return tf.tidy(() => {
    const { mean, variance } = tf.moments(x, 0);
    onMoments?.({ mean: mean as tf.Tensor1D, variance: variance as tf.Tensor1D });
    const normalized = tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, options.epsilon)));
    return scaleAndShift(normalized, options);
  });
}

/**
 * Eval-mode batch normalisation of x [B, C] with given per-column statistics (running mean and
 * variance, [C] each): (x − mean) / sqrt(variance + epsilon), then scale, shift, ReLU and clamp as
 * `options` say → [B, C]. The statistics get no gradient. One fused kernel each way on cpu and
 * wasm.
 */
export function batchNormInference(
  x: tf.Tensor2D,
  statistics: BatchMoments,
  options: NormalizeOptions,
): tf.Tensor2D {
  checkOperands(x, options, "batchNormInference");
  if (ready() && x.dtype === "float32") return fusedNormalize(x, 0, options, undefined, statistics);
  return tf.tidy(() => {
    const normalized = tf.mul(
      tf.sub(x, statistics.mean),
      tf.rsqrt(tf.add(statistics.variance, options.epsilon)),
    );
    return scaleAndShift(normalized, options);
  });
}

/**
 * Moves running statistics toward a batch's (torch's BatchNorm update): running ←
 * (1 − momentum)·running + momentum·batch, with the variance made unbiased (× B / (B − 1),
 * B = `batchSize` > 1). Returns the new [C] tensors; the caller assigns them.
 */
export function runningMoments(
  running: BatchMoments,
  batch: BatchMoments,
  momentum: number,
  batchSize: number,
): BatchMoments {
  const unbiased = batchSize > 1 ? batchSize / (batchSize - 1) : 1;
  if (fusedKernelReady(runningMomentsKernel.kernelName)) {
    const [mean, variance] = tf.engine().runKernel(
      runningMomentsKernel.kernelName,
      {
        runningMean: running.mean,
        runningVar: running.variance,
        mean: batch.mean,
        variance: batch.variance,
      },
      { momentum, unbiased },
    ) as [tf.Tensor1D, tf.Tensor1D];
    return { mean, variance };
  }
  return tf.tidy(() => {
    const keep = 1 - momentum;
    return {
      mean: tf.add(tf.mul(running.mean, keep), tf.mul(batch.mean, momentum)) as tf.Tensor1D,
      variance: tf.add(
        tf.mul(running.variance, keep),
        tf.mul(batch.variance, momentum * unbiased),
      ) as tf.Tensor1D,
    };
  });
}
