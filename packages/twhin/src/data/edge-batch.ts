/** B edges of one batch: relation index and lhs/rhs row ids in the relation's tables. */
export interface EdgeBatch {
  lhs: Int32Array;
  rel: Int32Array;
  rhs: Int32Array;
  /** Number of edges used (arrays may be longer). */
  size: number;
}
