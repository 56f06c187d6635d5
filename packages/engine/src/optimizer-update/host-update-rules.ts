/** An update rule with its hyper-parameters (everything but the learning rate). */
export type OptimizerAlgorithm =
  | { kind: "adam"; beta1: number; beta2: number; epsilon: number }
  | { kind: "sgd"; momentum: number }
  | { kind: "adagrad"; epsilon: number };

/**
 * A fused update rule over typed arrays: one pass per variable reads the parameters, gradient and
 * slots and writes the new parameters and slots (`slotsOut` may be `slotsIn`, for in-place).
 * Same formulas as the tensor rules in `update-rules.ts` (PyTorch semantics, with Adam's bias
 * corrections folded into two scalars the same way).
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

const f32 = Math.fround;

/**
 * The host rule of an algorithm. Every intermediate is rounded to float32 in the order the tensor
 * rule's ops run (and the SIMD kernels compute), so the three implementations agree to the bit on
 * IEEE backends.
 */
export function hostUpdateRuleFor(algorithm: OptimizerAlgorithm): HostUpdateRule {
  switch (algorithm.kind) {
    case "adam": {
      const beta1 = f32(algorithm.beta1);
      const beta2 = f32(algorithm.beta2);
      const oneMinusBeta1 = f32(1 - algorithm.beta1);
      const oneMinusBeta2 = f32(1 - algorithm.beta2);
      return {
        slotNames: ["m", "v"],
        apply(out, parameters, gradient, [m, v], [mOut, vOut], learningRate, count, scale) {
          const scalars = adamScalars(algorithm, learningRate, count);
          const step = f32(scalars.step);
          const epsilon = f32(scalars.epsilon);
          const gradientScale = f32(scale);
          const first = m!;
          const second = v!;
          const firstOut = mOut!;
          const secondOut = vOut!;
          for (let i = 0; i < out.length; i++) {
            const g = f32(gradient[i]! * gradientScale);
            const mi = f32(f32(first[i]! * beta1) + f32(g * oneMinusBeta1));
            const vi = f32(f32(second[i]! * beta2) + f32(f32(g * g) * oneMinusBeta2));
            firstOut[i] = mi;
            secondOut[i] = vi;
            const denominator = f32(f32(Math.sqrt(vi)) + epsilon);
            out[i] = parameters[i]! - f32(f32(mi / denominator) * step);
          }
        },
      };
    }
    case "sgd": {
      const momentum = f32(algorithm.momentum);
      if (momentum === 0) {
        return {
          slotNames: [],
          apply(out, parameters, gradient, _in, _out, learningRate, _count, scale) {
            const rate = f32(learningRate);
            const gradientScale = f32(scale);
            for (let i = 0; i < out.length; i++) {
              out[i] = parameters[i]! - f32(f32(gradient[i]! * gradientScale) * rate);
            }
          },
        };
      }
      return {
        slotNames: ["momentum"],
        apply(out, parameters, gradient, [buffer], [bufferOut], learningRate, _count, scale) {
          const rate = f32(learningRate);
          const gradientScale = f32(scale);
          const b = buffer!;
          const bOut = bufferOut!;
          for (let i = 0; i < out.length; i++) {
            const next = f32(f32(b[i]! * momentum) + f32(gradient[i]! * gradientScale));
            bOut[i] = next;
            out[i] = parameters[i]! - f32(next * rate);
          }
        },
      };
    }
    case "adagrad": {
      const epsilon = f32(algorithm.epsilon);
      return {
        slotNames: ["sum"],
        apply(out, parameters, gradient, [sum], [sumOut], learningRate, _count, scale) {
          const rate = f32(learningRate);
          const gradientScale = f32(scale);
          const s = sum!;
          const sOut = sumOut!;
          for (let i = 0; i < out.length; i++) {
            const g = f32(gradient[i]! * gradientScale);
            const si = f32(s[i]! + f32(g * g));
            sOut[i] = si;
            const denominator = f32(f32(Math.sqrt(si)) + epsilon);
            // divNoNan: no update where the denominator is 0 (g has always been 0, ε = 0).
            const ratio = denominator === 0 ? 0 : f32(g / denominator);
            out[i] = parameters[i]! - f32(ratio * rate);
          }
        },
      };
    }
  }
}
