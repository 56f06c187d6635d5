import type { OptimizerAlgorithm } from "./optimizer-config.js";

/**
 * A fused update rule over typed arrays: one pass per variable reads the parameters, gradient and
 * slots and writes the new parameters and slots (`slotsOut` may be `slotsIn`, for in-place).
 * Same formulas as the tensor rules in `update-rules.ts` (PyTorch semantics, with Adam's bias
 * corrections folded into two scalars the same way), computed in float64 and stored as float32.
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
    slotsIn: readonly Float32Array[],
    slotsOut: readonly Float32Array[],
    learningRate: number,
    count: number,
    scale: number,
  ): void;
}

/** Adam's per-step scalars: p' = p − step·m' / (√v' + epsilon). */
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

/** The host rule of an algorithm. */
export function hostUpdateRuleFor(algorithm: OptimizerAlgorithm): HostUpdateRule {
  switch (algorithm.kind) {
    case "adam": {
      const { beta1, beta2 } = algorithm;
      return {
        slotNames: ["m", "v"],
        apply(out, parameters, gradient, [m, v], [mOut, vOut], learningRate, count, scale) {
          const { step, epsilon } = adamScalars(algorithm, learningRate, count);
          const first = m!;
          const second = v!;
          const firstOut = mOut!;
          const secondOut = vOut!;
          for (let i = 0; i < out.length; i++) {
            const g = gradient[i]! * scale;
            const mi = beta1 * first[i]! + (1 - beta1) * g;
            const vi = beta2 * second[i]! + (1 - beta2) * g * g;
            firstOut[i] = mi;
            secondOut[i] = vi;
            out[i] = parameters[i]! - (step * mi) / (Math.sqrt(vi) + epsilon);
          }
        },
      };
    }
    case "sgd": {
      const { momentum } = algorithm;
      if (momentum === 0) {
        return {
          slotNames: [],
          apply(out, parameters, gradient, _in, _out, learningRate, _count, scale) {
            const step = learningRate * scale;
            for (let i = 0; i < out.length; i++) out[i] = parameters[i]! - step * gradient[i]!;
          },
        };
      }
      return {
        slotNames: ["momentum"],
        apply(out, parameters, gradient, [buffer], [bufferOut], learningRate, _count, scale) {
          const b = buffer!;
          const bOut = bufferOut!;
          for (let i = 0; i < out.length; i++) {
            const next = momentum * b[i]! + gradient[i]! * scale;
            bOut[i] = next;
            out[i] = parameters[i]! - learningRate * next;
          }
        },
      };
    }
    case "adagrad": {
      const { epsilon } = algorithm;
      return {
        slotNames: ["sum"],
        apply(out, parameters, gradient, [sum], [sumOut], learningRate, _count, scale) {
          const s = sum!;
          const sOut = sumOut!;
          for (let i = 0; i < out.length; i++) {
            const g = gradient[i]! * scale;
            const si = s[i]! + g * g;
            sOut[i] = si;
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
