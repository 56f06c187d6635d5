/**
 * How micro-batch gradients are accumulated. `intended`: zero at the first micro-batch of every
 * window of N, step at the last. `original`: the rule of the original's train pipeline (`core/train_pipeline.py`),
 * which for N > 2 keeps only the last two micro-batches of each window.
 */
export type AccumulationParity = "intended" | "original";

/** Gradient accumulation settings: `steps` micro-batches per optimizer update. */
export interface GradientAccumulationOptions {
  /** Micro-batches per update (N ≥ 1). Gradients are scaled by 1/N (the loss ÷ N). */
  steps: number;
  /** Which zero/step rule to follow; `intended` unless reproducing the original. */
  parity?: AccumulationParity;
}

/** What a micro-batch call does, given `call` = number of earlier training calls (0-based). */
export interface AccumulationAction {
  /** Discard the accumulated gradient before adding this call's. */
  zero: boolean;
  /** Apply the accumulated gradient after adding this call's. */
  step: boolean;
}

/**
 * The zero/step decision for micro-batch `call` (0-based) with N = `steps`. `original`:
 * step iff call > 0 and (call+1) % N = 0; zero iff call > 0 and (call+2) % N = 0.
 */
export function accumulationAction(
  call: number,
  steps: number,
  parity: AccumulationParity = "intended",
): AccumulationAction {
  if (parity === "original") {
    return {
      zero: call > 0 && (call + 2) % steps === 0,
      step: call > 0 && (call + 1) % steps === 0,
    };
  }
  return { zero: call % steps === 0, step: (call + 1) % steps === 0 };
}
