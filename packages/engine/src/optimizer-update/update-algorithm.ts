/** An update rule with its hyper-parameters (everything but the learning rate). */
export type OptimizerAlgorithm =
  | { kind: "adam"; beta1: number; beta2: number; epsilon: number }
  | { kind: "sgd"; momentum: number }
  | { kind: "adagrad"; epsilon: number };

/**
 * Names of the per-variable slots an algorithm keeps (each starts at 0, shaped like the variable):
 * Adam's moments, SGD's momentum buffer (none without momentum), Adagrad's sum of squares.
 */
export function slotNamesOf(algorithm: OptimizerAlgorithm): readonly string[] {
  switch (algorithm.kind) {
    case "adam":
      return ["m", "v"];
    case "sgd":
      return algorithm.momentum === 0 ? [] : ["momentum"];
    case "adagrad":
      return ["sum"];
  }
}

/** Adam's moment coefficients: m ← beta1·m + oneMinusBeta1·g, v ← beta2·v + oneMinusBeta2·g². */
export function adamCoefficients(algorithm: { beta1: number; beta2: number }): {
  beta1: number;
  oneMinusBeta1: number;
  beta2: number;
  oneMinusBeta2: number;
} {
  const { beta1, beta2 } = algorithm;
  return { beta1, oneMinusBeta1: 1 - beta1, beta2, oneMinusBeta2: 1 - beta2 };
}

/**
 * Adam's per-step scalars (PyTorch semantics, ε added after the square root):
 * p' = p − step·m' / (√v' + epsilon), with both bias corrections folded in.
 */
export function adamScalars(
  algorithm: { beta1: number; beta2: number; epsilon: number },
  learningRate: number,
  count: number,
): { step: number; epsilon: number } {
  // √v/c₂ + ε = (√v + ε·c₂)/c₂, so c₂ = √(1−β2ᵗ) folds into the step and ε.
  const correction2 = Math.sqrt(1 - algorithm.beta2 ** count);
  return {
    step: (learningRate * correction2) / (1 - algorithm.beta1 ** count),
    epsilon: algorithm.epsilon * correction2,
  };
}
