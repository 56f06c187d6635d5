import type { Rng } from "@tml/core";
import {
  allocateRankerChunk,
  lowWords,
  type RankerChunk,
  type RankerLayout,
  SEGDENSE_LAYOUT,
} from "./ranker-chunk.js";
import { RECAP_TASK_DEFAULTS } from "./recap-tasks.js";

/**
 * Rows the way the original's `projects/home/recap/data/generate_random_data.py` makes them: every
 * int64 feature (binary, discrete, ids and the labels too) uniform in [0, 10), every float feature
 * uniform in [0, 1). Labels are therefore 0–9, not 0/1, and there is no signal: it only exercises
 * the code path. The original writes a single example whatever `--n_examples` says; callers that
 * want parity pass rows = 1.
 */
export function parityRankerChunk(
  rng: Rng,
  rows = 1,
  layout: RankerLayout = SEGDENSE_LAYOUT,
): RankerChunk {
  const names = RECAP_TASK_DEFAULTS.map((task) => task.name);
  const chunk = allocateRankerChunk(rows, layout, names, false);
  const digits = (column: BigInt64Array) => {
    const words = lowWords(column);
    for (let i = 0; i < column.length; i++) words[2 * i] = rng.int(10);
  };
  for (const column of [
    chunk.continuous,
    chunk.userEmbedding,
    chunk.authorEmbedding,
    chunk.userEngagementEmbedding,
  ]) {
    rng.fillUniform(column, 0, 1);
  }
  for (const column of [
    chunk.binary,
    chunk.discrete,
    chunk.userId,
    chunk.authorId,
    chunk.tweetId,
    ...chunk.labels,
  ]) {
    digits(column);
  }
  return chunk;
}
