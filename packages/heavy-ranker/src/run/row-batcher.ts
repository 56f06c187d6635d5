import type { FeatureBatch, FeatureColumn, FeatureValues } from "../features/feature-batch.js";

type TypedArrayConstructor = new (length: number) => FeatureValues;

function concatColumns(
  parts: Array<{ batch: FeatureBatch; start: number; end: number }>,
  name: string,
): FeatureColumn {
  const first = parts[0]?.batch.features.get(name) as FeatureColumn;
  const width = first.width;
  const rows = parts.reduce((total, part) => total + part.end - part.start, 0);
  const values = new (first.values.constructor as TypedArrayConstructor)(rows * width);
  let offset = 0;
  for (const { batch, start, end } of parts) {
    const column = batch.features.get(name) as FeatureColumn;
    const slice = column.values.subarray(start * width, end * width);
    (values as Float32Array).set(slice as Float32Array, offset);
    offset += slice.length;
  }
  return { values, width };
}

/**
 * Regroups raw column batches of any sizes into batches of exactly `batchSize` rows (the data
 * readers' batches never span row groups). Rows are copied once, when a batch is emitted.
 */
export class RowBatcher {
  private pending: Array<{ batch: FeatureBatch; start: number; end: number }> = [];
  private pendingRows = 0;

  constructor(readonly batchSize: number) {}

  /** Adds a chunk and returns the full batches it completes. */
  push(batch: FeatureBatch): FeatureBatch[] {
    const out: FeatureBatch[] = [];
    let start = 0;
    while (start < batch.numRows) {
      const take = Math.min(this.batchSize - this.pendingRows, batch.numRows - start);
      this.pending.push({ batch, start, end: start + take });
      this.pendingRows += take;
      start += take;
      if (this.pendingRows === this.batchSize) out.push(this.flush());
    }
    return out;
  }

  /** The rows held back (fewer than `batchSize`), or undefined; clears them. */
  remainder(): FeatureBatch | undefined {
    return this.pendingRows > 0 ? this.flush() : undefined;
  }

  private flush(): FeatureBatch {
    const parts = this.pending;
    const names = [...(parts[0]?.batch.features.keys() ?? [])];
    const features = new Map(names.map((name) => [name, concatColumns(parts, name)] as const));
    const numRows = this.pendingRows;
    this.pending = [];
    this.pendingRows = 0;
    return { numRows, features };
  }
}
