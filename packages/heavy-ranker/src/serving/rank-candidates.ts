import type * as tf from "@tensorflow/tfjs-core";
import type { RecapBatch } from "../features/recap-batch.js";
import { PUBLISHED_SERVING_WEIGHTS, servingWeightVector } from "./serving-weights.js";

/** B x T outputs of an inference pass (the caller disposes them). */
export interface ScoringOutputs {
  readonly calibratedProbabilities: tf.Tensor2D;
  readonly logits?: tf.Tensor2D;
  readonly probabilities?: tf.Tensor2D;
  readonly backbone?: tf.Tensor2D;
}

/**
 * The part of the ranking model serving needs: task names and an inference forward pass, either
 * synchronous (the tfjs model) or asynchronous (`OnnxScorer`, which reads its input tensors).
 */
export interface ScoringModel {
  readonly taskNames: readonly string[];
  apply(
    features: RecapBatch,
    context: { readonly training: false },
  ): ScoringOutputs | Promise<ScoringOutputs>;
}

/** One scored candidate: its row in the batch, its score and the per-task terms summing to it. */
export interface RankedCandidate {
  /** Row of the candidate in the input batch. */
  readonly index: number;
  /** Σ_t weight_t × calibrated p_t. */
  readonly score: number;
  /** weight_t × calibrated p_t for every task with a non-zero weight. */
  readonly contributions: Readonly<Record<string, number>>;
}

/**
 * Scores B candidates from their B x T calibrated probabilities (row-major) and returns them best
 * first (ties keep batch order), each with the per-task contributions that explain its score.
 */
export function scoreCandidates(
  probabilities: Float32Array,
  taskNames: readonly string[],
  weightVector: Float32Array,
): RankedCandidate[] {
  const taskCount = taskNames.length;
  const rows = probabilities.length / taskCount;
  const ranked: RankedCandidate[] = [];
  for (let row = 0; row < rows; row++) {
    const contributions: Record<string, number> = {};
    let score = 0;
    for (let task = 0; task < taskCount; task++) {
      const weight = weightVector[task] as number;
      if (weight === 0) continue;
      const term = weight * (probabilities[row * taskCount + task] as number);
      contributions[taskNames[task] as string] = term;
      score += term;
    }
    ranked.push({ index: row, score, contributions });
  }
  return ranked.sort((a, b) => b.score - a.score || a.index - b.index);
}

/**
 * Ranks the candidates of a batch with the model in inference mode: score = Σ weight × calibrated
 * probability. `weights` defaults to the published serving weights (tasks the model lacks are then
 * ignored); explicit weights must name model tasks. The probabilities are read asynchronously
 * (GPU backends have no synchronous read in Node).
 */
export async function rankCandidates(
  model: ScoringModel,
  batch: RecapBatch,
  weights?: Readonly<Record<string, number>>,
): Promise<RankedCandidate[]> {
  const weightVector = servingWeightVector(model.taskNames, weights ?? PUBLISHED_SERVING_WEIGHTS, {
    ignoreUnknown: weights === undefined,
  });
  const outputs = await model.apply(batch, { training: false });
  try {
    const probabilities = (await outputs.calibratedProbabilities.data()) as Float32Array;
    return scoreCandidates(probabilities, model.taskNames, weightVector);
  } finally {
    for (const tensor of [
      outputs.calibratedProbabilities,
      outputs.logits,
      outputs.probabilities,
      outputs.backbone,
    ]) {
      tensor?.dispose();
    }
  }
}
