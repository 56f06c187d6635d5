import * as tf from "@tensorflow/tfjs-core";
import { adamCoefficients, adamScalars, type OptimizerAlgorithm } from "./update-algorithm.js";

/**
 * An update rule in tfjs ops, for backends without the fused update kernel: updates `variable`
 * and its slots (`slotNamesOf(algorithm)`) in place. `learningRate` is the group's rate for this
 * step; `count` the 1-based number of updates this variable has received, this one included.
 * Called inside `tf.tidy`. Same formulas, constants and op order as `host-update-rules.ts`.
 */
export type TensorUpdateRule = (
  variable: tf.Variable,
  gradient: tf.Tensor,
  slots: readonly tf.Variable[],
  learningRate: number,
  count: number,
) => void;

/**
 * PyTorch Adam: m ← β1·m + (1−β1)·g, v ← β2·v + (1−β2)·g²,
 * θ ← θ − (lr / (1−β1ᵗ)) · m / (√v / √(1−β2ᵗ) + ε) — ε is added after the square root.
 */
function adamRule(algorithm: Extract<OptimizerAlgorithm, { kind: "adam" }>): TensorUpdateRule {
  const { beta1, oneMinusBeta1, beta2, oneMinusBeta2 } = adamCoefficients(algorithm);
  return (variable, gradient, [m, v], learningRate, count) => {
    const newM = tf.add(tf.mul(m!, beta1), tf.mul(gradient, oneMinusBeta1));
    const newV = tf.add(tf.mul(v!, beta2), tf.mul(tf.square(gradient), oneMinusBeta2));
    const scalars = adamScalars(algorithm, learningRate, count);
    const denominator = tf.add(tf.sqrt(newV), scalars.epsilon);
    variable.assign(tf.sub(variable, tf.mul(tf.div(newM, denominator), scalars.step)));
    m!.assign(newM);
    v!.assign(newV);
  };
}

/**
 * PyTorch SGD (dampening 0, no Nesterov): b ← μ·b + g, θ ← θ − lr·b. Since b starts at 0, the
 * first step gives b = g as in PyTorch. With μ = 0 no slot is kept.
 */
function sgdRule(momentum: number): TensorUpdateRule {
  if (momentum === 0) {
    return (variable, gradient, _slots, learningRate) => {
      variable.assign(tf.sub(variable, tf.mul(gradient, learningRate)));
    };
  }
  return (variable, gradient, [buffer], learningRate) => {
    const newBuffer = tf.add(tf.mul(buffer!, momentum), gradient);
    variable.assign(tf.sub(variable, tf.mul(newBuffer, learningRate)));
    buffer!.assign(newBuffer);
  };
}

/**
 * PyTorch Adagrad (initial accumulator 0, no decay): s ← s + g², θ ← θ − lr·g / (√s + ε). Where
 * √s + ε = 0 (ε = 0 and g has always been 0) the update is 0, where PyTorch would produce NaN.
 */
function adagradRule(epsilon: number): TensorUpdateRule {
  return (variable, gradient, [sum], learningRate) => {
    const newSum = tf.add(sum!, tf.square(gradient));
    const step = tf.divNoNan(gradient, tf.add(tf.sqrt(newSum), epsilon));
    variable.assign(tf.sub(variable, tf.mul(step, learningRate)));
    sum!.assign(newSum);
  };
}

/** The tensor rule of an algorithm. */
export function tensorUpdateRuleFor(algorithm: OptimizerAlgorithm): TensorUpdateRule {
  switch (algorithm.kind) {
    case "adam":
      return adamRule(algorithm);
    case "sgd":
      return sgdRule(algorithm.momentum);
    case "adagrad":
      return adagradRule(algorithm.epsilon);
  }
}
