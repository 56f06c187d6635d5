import * as tf from "@tensorflow/tfjs-core";
import { adamScalars } from "@tml/engine";
import type { OptimizerAlgorithm } from "./optimizer-config.js";

/**
 * One optimizer update rule: the per-variable slots it keeps (all start at 0, same shape as the
 * variable) and how to update a variable from its gradient. Called inside `tf.tidy`.
 */
export interface UpdateRule {
  readonly slotNames: readonly string[];
  /**
   * Updates `variable` in place. `learningRate` is the group's rate for this step; `count` is the
   * 1-based number of updates this variable has received including this one (Adam bias correction).
   */
  apply(
    variable: tf.Variable,
    gradient: tf.Tensor,
    slots: readonly tf.Variable[],
    learningRate: number,
    count: number,
  ): void;
}

/**
 * PyTorch Adam: m ← β1·m + (1−β1)·g, v ← β2·v + (1−β2)·g²,
 * θ ← θ − (lr / (1−β1ᵗ)) · m / (√v / √(1−β2ᵗ) + ε) — ε is added after the square root.
 */
function adamRule(beta1: number, beta2: number, epsilon: number): UpdateRule {
  return {
    slotNames: ["m", "v"],
    apply(variable, gradient, [m, v], learningRate, count) {
      const newM = tf.add(tf.mul(m!, beta1), tf.mul(gradient, 1 - beta1));
      const newV = tf.add(tf.mul(v!, beta2), tf.mul(tf.square(gradient), 1 - beta2));
      const scalars = adamScalars({ beta1, beta2, epsilon }, learningRate, count);
      const denominator = tf.add(tf.sqrt(newV), scalars.epsilon);
      variable.assign(tf.sub(variable, tf.mul(tf.div(newM, denominator), scalars.step)));
      m!.assign(newM);
      v!.assign(newV);
    },
  };
}

/**
 * PyTorch SGD (dampening 0, no Nesterov): b ← μ·b + g, θ ← θ − lr·b. Since b starts at 0, the
 * first step gives b = g as in PyTorch. With μ = 0 no slot is kept.
 */
function sgdRule(momentum: number): UpdateRule {
  if (momentum === 0) {
    return {
      slotNames: [],
      apply(variable, gradient, _slots, learningRate) {
        variable.assign(tf.sub(variable, tf.mul(gradient, learningRate)));
      },
    };
  }
  return {
    slotNames: ["momentum"],
    apply(variable, gradient, [buffer], learningRate) {
      const newBuffer = tf.add(tf.mul(buffer!, momentum), gradient);
      variable.assign(tf.sub(variable, tf.mul(newBuffer, learningRate)));
      buffer!.assign(newBuffer);
    },
  };
}

/**
 * PyTorch Adagrad (initial accumulator 0, no decay): s ← s + g², θ ← θ − lr·g / (√s + ε). Where
 * √s + ε = 0 (ε = 0 and g has always been 0) the update is 0, where PyTorch would produce NaN.
 */
function adagradRule(epsilon: number): UpdateRule {
  return {
    slotNames: ["sum"],
    apply(variable, gradient, [sum], learningRate) {
      const newSum = tf.add(sum!, tf.square(gradient));
      const step = tf.divNoNan(gradient, tf.add(tf.sqrt(newSum), epsilon));
      variable.assign(tf.sub(variable, tf.mul(step, learningRate)));
      sum!.assign(newSum);
    },
  };
}

/** The update rule of an algorithm config. */
export function updateRuleFor(algorithm: OptimizerAlgorithm): UpdateRule {
  switch (algorithm.kind) {
    case "adam":
      return adamRule(algorithm.beta1, algorithm.beta2, algorithm.epsilon);
    case "sgd":
      return sgdRule(algorithm.momentum);
    case "adagrad":
      return adagradRule(algorithm.epsilon);
  }
}
