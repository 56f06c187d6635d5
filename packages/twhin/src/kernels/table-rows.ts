/**
 * Copies between a large JS table (rows x dim, too big for wasm32 memory) and slot-ordered rows
 * in kernel memory. The rows of a batch are scattered over the table, so each copy would stall on
 * memory latency in turn; a first pass loads one float per 64-byte line of every row, which the
 * CPU overlaps (independent loads), and the copies then hit the cache (measured 1.6x on 1,000
 * random rows of a 1M x 200 table; the scatter's rows are usually still cached, and the pass
 * costs 14 loads a row there).
 */
let sink = 0;

function touchRows(table: Float32Array, rowIds: Int32Array, count: number, dim: number): void {
  let sum = 0;
  for (let s = 0; s < count; s++) {
    const base = rowIds[s]! * dim;
    for (let d = 0; d < dim; d += 16) sum += table[base + d]!;
    sum += table[base + dim - 1]!;
  }
  // Keeps the loads observable (they are the point of the pass).
  sink = sum;
}

// Whether rowIds[0 ..< count] are consecutive ids (1vsAll's slots: every row, in id order).
function consecutive(rowIds: Int32Array, count: number): boolean {
  for (let s = 1; s < count; s++) if (rowIds[s] !== rowIds[s - 1]! + 1) return false;
  return true;
}

/** `rows[s] = table[rowIds[s]]` for s < count (rows of `dim` floats). */
export function gatherTableRows(
  table: Float32Array,
  rowIds: Int32Array,
  count: number,
  dim: number,
  rows: Float32Array,
): void {
  if (count > 0 && consecutive(rowIds, count)) {
    const from = rowIds[0]! * dim;
    rows.set(table.subarray(from, from + count * dim));
    return;
  }
  touchRows(table, rowIds, count, dim);
  for (let s = 0; s < count; s++) {
    const from = rowIds[s]! * dim;
    rows.set(table.subarray(from, from + dim), s * dim);
  }
}

/**
 * `table[rowIds[s]] = rowViews[s]` for s < count; `rowViews[s]` is a preallocated view of slot s's
 * row (`dim` floats), so the write-back allocates nothing.
 */
export function scatterTableRows(
  rowViews: readonly Float32Array[],
  rowIds: Int32Array,
  count: number,
  dim: number,
  table: Float32Array,
): void {
  touchRows(table, rowIds, count, dim);
  for (let s = 0; s < count; s++) table.set(rowViews[s]!, rowIds[s]! * dim);
}

/** One view per row of `rows` (rows of `dim` floats), for `scatterTableRows`. */
export function rowViews(rows: Float32Array, dim: number): Float32Array[] {
  const views: Float32Array[] = [];
  for (let s = 0; s + dim <= rows.length; s += dim) views.push(rows.subarray(s, s + dim));
  return views;
}

/** The last touch pass's sum (only so that the pass cannot be optimised away). */
export function touchChecksum(): number {
  return sink;
}
