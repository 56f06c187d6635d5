/** Widths of the Heavy Ranker feature groups of one row. */
export interface RankerLayout {
  continuous: number;
  binary: number;
  discrete: number;
  /** Width of each of the three embeddings. */
  embedding: number;
}

/**
 * The segdense widths of the original's `projects/home/recap/config/home_recap_2022/segdense.json`:
 * 6000 / 512 / 320 / 3 × 200.
 */
export const SEGDENSE_LAYOUT: Readonly<RankerLayout> = {
  continuous: 6000,
  binary: 512,
  discrete: 320,
  embedding: 200,
};

/**
 * A block of generated Heavy Ranker rows as typed-array columns. Vector features are row-major
 * (`rows × width`); int64 features use BigInt64Array as Arrow and Parquet store them.
 */
export interface RankerChunk {
  rows: number;
  layout: RankerLayout;
  /** rows × continuous, float32. */
  continuous: Float32Array;
  /** rows × binary, values 0/1. */
  binary: BigInt64Array;
  /** rows × discrete, small non-negative category codes. */
  discrete: BigInt64Array;
  /** rows × embedding each: user follow, author follow, user engagement embeddings. */
  userEmbedding: Float32Array;
  authorEmbedding: Float32Array;
  userEngagementEmbedding: Float32Array;
  userId: BigInt64Array;
  authorId: BigInt64Array;
  tweetId: BigInt64Array;
  /** Label names in the order of `labels`. */
  taskNames: string[];
  /** One column per task, 0/1 (parity mode: 0–9 like the original). */
  labels: BigInt64Array[];
  /** True logit of each label per row (undefined in parity mode, which has no model). */
  logits: Float64Array[] | undefined;
}

/** Allocates a zeroed chunk of `rows` rows. */
export function allocateRankerChunk(
  rows: number,
  layout: RankerLayout,
  taskNames: string[],
  withLogits: boolean,
): RankerChunk {
  return {
    rows,
    layout,
    continuous: new Float32Array(rows * layout.continuous),
    binary: new BigInt64Array(rows * layout.binary),
    discrete: new BigInt64Array(rows * layout.discrete),
    userEmbedding: new Float32Array(rows * layout.embedding),
    authorEmbedding: new Float32Array(rows * layout.embedding),
    userEngagementEmbedding: new Float32Array(rows * layout.embedding),
    userId: new BigInt64Array(rows),
    authorId: new BigInt64Array(rows),
    tweetId: new BigInt64Array(rows),
    taskNames,
    labels: taskNames.map(() => new BigInt64Array(rows)),
    logits: withLogits ? taskNames.map(() => new Float64Array(rows)) : undefined,
  };
}

/**
 * A little-endian int32 view of an int64 column: writing the low word of small non-negative values
 * avoids creating a BigInt per element (the high words of a fresh array are already 0).
 */
export function lowWords(column: BigInt64Array): Int32Array {
  return new Int32Array(column.buffer, column.byteOffset, column.length * 2);
}
