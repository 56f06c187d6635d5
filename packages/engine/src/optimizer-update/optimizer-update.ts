import * as tf from "@tensorflow/tfjs-core";
import { hasKernel } from "../fused/fused-kernel.js";
import { clipScale, clipScaleOnDevice } from "./clip-scale.js";
import {
  FUSED_ACCUMULATE_KERNEL,
  FUSED_UPDATE_KERNEL,
  type FusedAccumulateAttrs,
  type FusedUpdateAttrs,
  sumOfSquares,
} from "./fused-update-kernel.js";
import { tensorUpdateRuleFor } from "./tensor-update-rules.js";
import type { OptimizerAlgorithm } from "./update-algorithm.js";

type KernelAttrs = Parameters<ReturnType<typeof tf.engine>["runKernel"]>[2];

/** One variable's part of an optimizer update. */
export interface VariableUpdate {
  readonly variable: tf.Variable;
  /** Same shape as the variable; the caller keeps ownership. */
  readonly gradient: tf.Tensor;
  /** The algorithm's slots (`slotNamesOf`), updated in place with the variable. */
  readonly slots: readonly tf.Variable[];
  readonly learningRate: number;
  /** 1-based number of updates this variable has received, this one included. */
  readonly count: number;
}

/**
 * Updates every variable and its slots in place by `algorithm`. With `clipGlobalNorm`, the
 * gradients are first multiplied by `clipScale(‖g‖, clipGlobalNorm)`, ‖g‖ the global L2 norm over
 * all of them. Where the backend has the fused kernel (cpu, wasm): the norm summed in float64 over
 * the tensors' memory, then one kernel call for all variables (one pass per variable, SIMD on
 * wasm). Elsewhere (webgpu…): the norm and scale computed on the device, nothing read back, then
 * ~12 tfjs ops per variable. The two paths round the update the same way; the norm differs by the
 * float32 summation there.
 */
export function applyOptimizerUpdate(
  algorithm: OptimizerAlgorithm,
  updates: readonly VariableUpdate[],
  clipGlobalNorm?: number,
): void {
  if (updates.length === 0) return;
  const gradients = updates.map((update) => update.gradient);
  if (!hasKernel(FUSED_UPDATE_KERNEL)) {
    const rule = tensorUpdateRuleFor(algorithm);
    tf.tidy(() => {
      const scale =
        clipGlobalNorm === undefined
          ? undefined
          : clipScaleOnDevice(globalNorm(gradients), clipGlobalNorm);
      for (const { variable, gradient, slots, learningRate, count } of updates) {
        const scaled = scale === undefined ? gradient : tf.mul(gradient, scale);
        rule(variable, scaled, slots, learningRate, count);
      }
    });
    return;
  }
  const scale =
    clipGlobalNorm === undefined
      ? 1
      : clipScale(Math.sqrt(sumOfSquares(gradients)), clipGlobalNorm);
  const inputs: Record<string, tf.Tensor> = {};
  const targets: tf.Variable[] = [];
  const attrs: FusedUpdateAttrs = { algorithm, learningRates: [], counts: [], scale };
  let input = 0;
  for (const { variable, gradient, slots, learningRate, count } of updates) {
    attrs.learningRates.push(learningRate);
    attrs.counts.push(count);
    for (const tensor of [variable, gradient, ...slots]) inputs[`x${input++}`] = tensor;
    targets.push(variable, ...slots);
  }
  const outputs = tf
    .engine()
    .runKernel(FUSED_UPDATE_KERNEL, inputs, attrs as unknown as KernelAttrs) as tf.Tensor[];
  for (const [index, target] of targets.entries()) target.assign(outputs[index]!);
  tf.dispose(outputs);
}

/** One gradient to add to a running sum (absent: the sum starts here). */
export interface AccumulationTerm {
  readonly gradient: tf.Tensor;
  readonly previous?: tf.Tensor;
}

/**
 * New running sums `previous + gradient·scale`, one per term (new tensors; the inputs stay). One
 * kernel call for all terms where the backend has it, a mul and an add per term elsewhere; the
 * same roundings either way.
 */
export function accumulateGradients(
  terms: readonly AccumulationTerm[],
  scale: number,
): tf.Tensor[] {
  if (terms.length === 0) return [];
  if (!hasKernel(FUSED_ACCUMULATE_KERNEL)) {
    return terms.map(({ gradient, previous }) =>
      tf.tidy(() => {
        const scaled = tf.mul(gradient, scale);
        return previous ? tf.add(previous, scaled) : scaled;
      }),
    );
  }
  const inputs: Record<string, tf.Tensor> = {};
  const attrs: FusedAccumulateAttrs = { scale, previous: [] };
  let input = 0;
  for (const { gradient, previous } of terms) {
    inputs[`x${input++}`] = gradient;
    if (previous) inputs[`x${input++}`] = previous;
    attrs.previous.push(previous !== undefined);
  }
  return tf
    .engine()
    .runKernel(FUSED_ACCUMULATE_KERNEL, inputs, attrs as unknown as KernelAttrs) as tf.Tensor[];
}

/** The global L2 norm √(Σᵢ ‖gᵢ‖²) of a list of tensors, as a scalar tensor. */
export function globalNorm(tensors: readonly tf.Tensor[]): tf.Scalar {
  return tf.tidy((): tf.Scalar => {
    if (tensors.length === 0) return tf.scalar(0);
    const squares = tensors.map((tensor) => tf.sum(tf.square(tensor)));
    return tf.sqrt(tf.addN(squares)) as tf.Scalar;
  });
}
