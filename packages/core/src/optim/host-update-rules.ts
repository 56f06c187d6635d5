import type { OptimizerAlgorithm } from "./optimizer-config.js";

/**
 * A fused update rule over host typed arrays: one pass per variable, reading the parameters and
 * gradient and writing the new parameters to `out`, slots updated in place. On the pure-JS cpu
 * backend this is ~14× faster than a dozen elementwise tensor ops per variable.
 */
export interface HostUpdateRule {
  readonly slotNames: readonly string[];
  /**
   * `scale` multiplies the gradient (clipping); `count` is the 1-based update count of the
   * variable including this one (Adam bias correction).
   */
  apply(
    out: Float32Array,
    parameters: Float32Array,
    gradient: Float32Array,
    slots: readonly Float32Array[],
    learningRate: number,
    count: number,
    scale: number,
  ): void;
}

/** Same formulas as the tensor rules in `update-rules.ts` (PyTorch semantics). */
export function hostUpdateRuleFor(algorithm: OptimizerAlgorithm): HostUpdateRule {
  switch (algorithm.kind) {
    case "adam": {
      const { beta1, beta2, epsilon } = algorithm;
      return {
        slotNames: ["m", "v"],
        apply(out, parameters, gradient, [m, v], learningRate, count, scale) {
          const stepSize = learningRate / (1 - beta1 ** count);
          const correction2 = Math.sqrt(1 - beta2 ** count);
          const first = m!;
          const second = v!;
          for (let i = 0; i < out.length; i++) {
            const g = gradient[i]! * scale;
            const mi = beta1 * first[i]! + (1 - beta1) * g;
            const vi = beta2 * second[i]! + (1 - beta2) * g * g;
            first[i] = mi;
            second[i] = vi;
            out[i] = parameters[i]! - (stepSize * mi) / (Math.sqrt(vi) / correction2 + epsilon);
          }
        },
      };
    }
    case "sgd": {
      const { momentum } = algorithm;
      if (momentum === 0) {
        return {
          slotNames: [],
          apply(out, parameters, gradient, _slots, learningRate, _count, scale) {
            const step = learningRate * scale;
            for (let i = 0; i < out.length; i++) out[i] = parameters[i]! - step * gradient[i]!;
          },
        };
      }
      return {
        slotNames: ["momentum"],
        apply(out, parameters, gradient, [buffer], learningRate, _count, scale) {
          const b = buffer!;
          for (let i = 0; i < out.length; i++) {
            const next = momentum * b[i]! + gradient[i]! * scale;
            b[i] = next;
            out[i] = parameters[i]! - learningRate * next;
          }
        },
      };
    }
    case "adagrad": {
      const { epsilon } = algorithm;
      return {
        slotNames: ["sum"],
        apply(out, parameters, gradient, [sum], learningRate, _count, scale) {
          const s = sum!;
          for (let i = 0; i < out.length; i++) {
            const g = gradient[i]! * scale;
            const si = s[i]! + g * g;
            s[i] = si;
            const denominator = Math.sqrt(si) + epsilon;
            out[i] =
              denominator === 0
                ? parameters[i]!
                : parameters[i]! - (learningRate * g) / denominator;
          }
        },
      };
    }
  }
}
