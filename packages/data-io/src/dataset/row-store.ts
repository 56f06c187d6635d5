import {
  allocateValues,
  type Column,
  type ColumnBatch,
  type ColumnDType,
  type ColumnValues,
} from "../arrow/column-batch.js";
import { matchingColumn } from "../arrow/concat-batches.js";

// Element access common to every typed array (bigint or number elements).
type Elements = {
  [index: number]: number | bigint;
  set(source: ArrayLike<number>, offset: number): void;
};

interface StoreColumn {
  name: string;
  dtype: ColumnDType;
  rowLength: number;
  /** capacity × rowLength values for fixed-width columns. */
  fixed?: ColumnValues;
  /** One array per row for variable lists. */
  rows?: ColumnValues[];
}

/**
 * A fixed-capacity columnar row store (the shuffle buffer and the batch being assembled): rows are
 * copied in from batches or other stores, with no allocation per row for fixed-width columns.
 */
export class RowStore {
  private readonly columns: StoreColumn[];
  private bound: Column[] = [];
  private boundBatch: ColumnBatch | undefined;

  constructor(
    readonly capacity: number,
    template: ColumnBatch,
  ) {
    this.columns = Object.entries(template.columns).map(([name, column]) => {
      const store: StoreColumn = { name, dtype: column.dtype, rowLength: column.rowLength };
      if (column.rowLength >= 1)
        store.fixed = allocateValues(column.dtype, capacity * column.rowLength);
      else store.rows = new Array(capacity);
      return store;
    });
  }

  /** Resolves (and checks) `batch`'s columns against this store's; call once per batch. */
  bind(batch: ColumnBatch): void {
    if (this.boundBatch === batch) return;
    this.bound = this.columns.map((column) =>
      matchingColumn(batch, column.name, column as unknown as Column),
    );
    this.boundBatch = batch;
  }

  /** Copies row `row` of the bound batch into row `target`; `own` copies variable rows. */
  setFromBatch(target: number, row: number, own: boolean): void {
    for (let index = 0; index < this.columns.length; index++) {
      const column = this.columns[index]!;
      const source = this.bound[index]!;
      if (column.fixed !== undefined) {
        copyRow(source.values, row, column.fixed, target, column.rowLength);
      } else {
        const offsets = source.offsets!;
        const view = source.values.subarray(offsets[row]!, offsets[row + 1]!);
        column.rows![target] = own ? view.slice() : view;
      }
    }
  }

  /** Copies row `row` of `other` (same layout) into row `target` of this store. */
  setFromStore(target: number, other: RowStore, row: number): void {
    for (let index = 0; index < this.columns.length; index++) {
      const column = this.columns[index]!;
      const source = other.columns[index]!;
      if (column.fixed !== undefined)
        copyRow(source.fixed!, row, column.fixed, target, column.rowLength);
      else column.rows![target] = source.rows![row]!;
    }
  }

  /** The first `rows` rows as a batch. The store must not be written afterwards (ownership moves). */
  toBatch(rows: number): ColumnBatch {
    const columns: Record<string, Column> = {};
    for (const column of this.columns) {
      if (column.fixed !== undefined) {
        const values = column.fixed.subarray(0, rows * column.rowLength);
        columns[column.name] = {
          dtype: column.dtype,
          values,
          rowLength: column.rowLength,
          nullCount: 0,
        };
        continue;
      }
      const offsets = new Int32Array(rows + 1);
      for (let row = 0; row < rows; row++)
        offsets[row + 1] = offsets[row]! + column.rows![row]!.length;
      const values = allocateValues(column.dtype, offsets[rows]!);
      for (let row = 0; row < rows; row++) {
        (values as unknown as Elements).set(
          column.rows![row] as unknown as ArrayLike<number>,
          offsets[row]!,
        );
      }
      columns[column.name] = { dtype: column.dtype, values, rowLength: -1, offsets, nullCount: 0 };
    }
    return { numRows: rows, columns };
  }
}

function copyRow(
  source: ColumnValues,
  row: number,
  target: ColumnValues,
  targetRow: number,
  width: number,
): void {
  const from = source as unknown as Elements;
  const to = target as unknown as Elements;
  if (width === 1) {
    to[targetRow] = from[row]!;
    return;
  }
  const sourceStart = row * width;
  const targetStart = targetRow * width;
  if (width < 64) {
    for (let i = 0; i < width; i++) to[targetStart + i] = from[sourceStart + i]!;
  } else {
    to.set(
      source.subarray(sourceStart, sourceStart + width) as unknown as ArrayLike<number>,
      targetStart,
    );
  }
}
