import { DataError } from "../errors/index.js";
import type { BinaryBatch } from "./metric.js";
import { checkBatch, weightAt } from "./metric.js";

/** Every (score, label, weight) seen so far, in growable float64 buffers. */
export interface ScoreBuffer {
  scores: Float64Array;
  labels: Float64Array;
  weights: Float64Array;
  length: number;
}

/** An empty score buffer. */
export function createScoreBuffer(capacity = 1024): ScoreBuffer {
  return {
    scores: new Float64Array(capacity),
    labels: new Float64Array(capacity),
    weights: new Float64Array(capacity),
    length: 0,
  };
}

function grow(buffer: ScoreBuffer, needed: number): void {
  if (needed <= buffer.scores.length) return;
  const capacity = Math.max(needed, buffer.scores.length * 2);
  for (const key of ["scores", "labels", "weights"] as const) {
    const next = new Float64Array(capacity);
    next.set(buffer[key].subarray(0, buffer.length));
    buffer[key] = next;
  }
}

/** Appends a batch (checked for matching lengths) to the buffer in place. */
export function appendBatch(buffer: ScoreBuffer, batch: BinaryBatch, metric: string): ScoreBuffer {
  const n = checkBatch(batch, metric);
  grow(buffer, buffer.length + n);
  for (let i = 0; i < n; i++) {
    if (Number.isNaN(batch.predictions[i])) {
      throw new DataError(`${metric}: prediction ${i} of the batch is NaN.`, {
        details: { index: i },
      });
    }
    const at = buffer.length + i;
    buffer.scores[at] = batch.predictions[i]!;
    buffer.labels[at] = batch.labels[i]!;
    buffer.weights[at] = weightAt(batch.weights, i);
  }
  buffer.length += n;
  return buffer;
}

/** A new buffer holding `a`'s entries then `b`'s. */
export function concatBuffers(a: ScoreBuffer, b: ScoreBuffer): ScoreBuffer {
  const out = createScoreBuffer(a.length + b.length);
  for (const key of ["scores", "labels", "weights"] as const) {
    out[key].set(a[key].subarray(0, a.length));
    out[key].set(b[key].subarray(0, b.length), a.length);
  }
  out.length = a.length + b.length;
  return out;
}

/**
 * A run of equal scores in a sorted buffer, with the total weight of its positives and negatives
 * (label > `threshold` is positive).
 */
export interface ScoreGroup {
  score: number;
  positiveWeight: number;
  negativeWeight: number;
}

/** Groups of tied scores, sorted ascending (or descending), for curves and rank statistics. */
export function scoreGroups(
  buffer: ScoreBuffer,
  order: "ascending" | "descending",
  threshold = 0.5,
): ScoreGroup[] {
  const { scores, labels, weights, length } = buffer;
  const index = new Uint32Array(length);
  for (let i = 0; i < length; i++) index[i] = i;
  const sign = order === "ascending" ? 1 : -1;
  index.sort((a, b) => sign * (scores[a]! - scores[b]!));
  const groups: ScoreGroup[] = [];
  for (let k = 0; k < length; k++) {
    const i = index[k]!;
    let group = groups[groups.length - 1];
    if (group === undefined || group.score !== scores[i]) {
      group = { score: scores[i]!, positiveWeight: 0, negativeWeight: 0 };
      groups.push(group);
    }
    if (labels[i]! > threshold) group.positiveWeight += weights[i]!;
    else group.negativeWeight += weights[i]!;
  }
  return groups;
}
