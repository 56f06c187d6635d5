import { adamCoefficients, adamScalars, type OptimizerAlgorithm } from "./update-algorithm.js";

/**
 * A fused update rule over typed arrays: one pass per variable reads the parameters, gradient and
 * slots (`slotNamesOf(algorithm)`) and writes the new parameters and slots (`slotsOut` may be
 * `slotsIn`, for in-place).
 * Same formulas, constants and op order as `tensor-update-rules.ts` (both take them from
 * `update-algorithm.ts`).
 */
export interface HostUpdateRule {
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

const f32 = Math.fround;

/**
 * The host rule of an algorithm. Every intermediate is rounded to float32 in the order the tensor
 * rule's ops run (and the SIMD kernels compute), so the three implementations agree to the bit on
 * IEEE backends.
 */
export function hostUpdateRuleFor(algorithm: OptimizerAlgorithm): HostUpdateRule {
  switch (algorithm.kind) {
    case "adam": {
      const coefficients = adamCoefficients(algorithm);
      const beta1 = f32(coefficients.beta1);
      const beta2 = f32(coefficients.beta2);
      const oneMinusBeta1 = f32(coefficients.oneMinusBeta1);
      const oneMinusBeta2 = f32(coefficients.oneMinusBeta2);
      return {
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
