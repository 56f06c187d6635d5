import type { Rng } from "@tml/core";
import type { MatrixView } from "../kernels/gemm.js";
import type { StepKernels } from "../kernels/step-kernels.js";
import type { TwhinModel } from "../model/twhin-model.js";
import type { EdgeGroups } from "./edge-groups.js";
import { type BlockOperands, blockBackward, blockForward } from "./score-block.js";
import type { StepBuffers } from "./step-buffers.js";

/** Fills `out[0..count)` with the first `count` entries of a uniform random permutation of 0..n-1,
 * cycling when count > n (the original's in-batch sampling in
 * `projects/twhin/models/models.py`). `perm` is scratch of size >= n. */
function samplePermutation(
  n: number,
  count: number,
  perm: Int32Array,
  out: Int32Array,
  outOff: number,
  randomInt: (maxExclusive: number) => number,
): void {
  for (let i = 0; i < n; i++) perm[i] = i;
  const draws = Math.min(n, count);
  for (let i = 0; i < draws; i++) {
    const j = i + randomInt(n - i);
    const swap = perm[i]!;
    perm[i] = perm[j]!;
    perm[j] = swap;
  }
  for (let s = 0; s < count; s++) out[outOff + s] = perm[s % n]!;
}

/**
 * `in_batch_negatives`: each row of a direction is scored against N positives P of other edges of
 * its relation (the original's per-relation in-batch negatives), score columns 1..N. Per relation
 * group, the N candidates are shared by the group's rows: one score block A (group x D) against
 * C (N x D), whose candidate gradients go back to the P rows they came from.
 */
export class InBatchNegatives {
  private readonly model: TwhinModel;
  private readonly count: number;
  private readonly buffers: StepBuffers;
  private readonly groups: EdgeGroups;
  private readonly kernels: StepKernels;
  /** Per direction: the negatives of each row, as offsets within its group (B x N). */
  private readonly sampled: Int32Array[];
  /** Scratch of the permutation sampler (B). */
  private readonly permutation: Int32Array;

  constructor(
    model: TwhinModel,
    count: number,
    batchSize: number,
    buffers: StepBuffers,
    groups: EdgeGroups,
    kernels: StepKernels,
  ) {
    this.model = model;
    this.count = count;
    this.buffers = buffers;
    this.groups = groups;
    this.kernels = kernels;
    this.sampled = [0, 1].map(() => new Int32Array(batchSize * count));
    this.permutation = new Int32Array(batchSize);
  }

  /** Samples each group's negatives and writes S columns 1..N of the direction's score rows. */
  forward(direction: number, rng: Rng): void {
    const count = this.count;
    const starts = this.groups.start;
    const width = this.buffers.width;
    const scores = this.buffers.scores[direction]!;
    for (let r = 0; r < this.model.relations.length && count > 0; r++) {
      const start = starts[r]!;
      const groupSize = starts[r + 1]! - start;
      if (groupSize === 0) continue;
      const sampled = this.sampled[direction]!;
      const random = (bound: number) => rng.int(bound);
      samplePermutation(groupSize, count, this.permutation, sampled, start * count, random);
      this.gather(direction, start);
      const view: MatrixView = { data: scores, offset: start * width + 1, stride: width };
      blockForward(this.block(direction, start, groupSize), view, this.kernels);
    }
  }

  /** Accumulates dA and dP (B x D) from dL/dS columns 1..N (consumed). */
  backward(direction: number): void {
    const count = this.count;
    const dim = this.model.dim;
    const buffers = this.buffers;
    const starts = this.groups.start;
    const width = buffers.width;
    const scoreGrads = buffers.scoreGrads[direction]!;
    const queryGrads = buffers.queryGrads[direction]!;
    const positiveGrads = buffers.positiveGrads[direction]!;
    const { candidateGrads, candidateSource, rowSums, columnSums } = buffers;
    for (let r = 0; r < this.model.relations.length && count > 0; r++) {
      const start = starts[r]!;
      const groupSize = starts[r + 1]! - start;
      if (groupSize === 0) continue;
      this.gather(direction, start);
      candidateGrads.fill(0, 0, count * dim);
      const view: MatrixView = { data: scoreGrads, offset: start * width + 1, stride: width };
      const block = this.block(direction, start, groupSize);
      const kernels = this.kernels;
      blockBackward(
        block,
        view,
        queryGrads,
        start,
        candidateGrads,
        0,
        rowSums,
        columnSums,
        kernels,
      );
      kernels.scatterAddRows(candidateGrads, count, dim, positiveGrads, candidateSource);
    }
  }

  // The candidates of the group starting at row `start`: its sampled P rows (N x D) and norms.
  private gather(direction: number, start: number): void {
    const buffers = this.buffers;
    const count = this.count;
    const sampled = this.sampled[direction]!;
    const positiveNorms = buffers.positiveNorms[direction]!;
    for (let s = 0; s < count; s++) {
      const row = start + sampled[start * count + s]!;
      buffers.candidateSource[s] = row;
      buffers.candidateNorms[s] = positiveNorms[row]!;
    }
    const positives = buffers.positives[direction]!;
    const dim = this.model.dim;
    this.kernels.gatherRows(positives, buffers.candidateSource, count, dim, buffers.candidates);
  }

  private block(direction: number, start: number, groupSize: number): BlockOperands {
    const buffers = this.buffers;
    return {
      comparator: this.model.comparator,
      dim: this.model.dim,
      queries: buffers.queries[direction]!,
      queryRow: start,
      queryCount: groupSize,
      queryNorms: buffers.queryNorms[direction]!,
      candidates: buffers.candidates,
      candidateRow: 0,
      candidateCount: this.count,
      candidateNorms: buffers.candidateNorms,
    };
  }
}
