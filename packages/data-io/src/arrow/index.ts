export {
  allocateValues,
  type BatchSource,
  type Column,
  type ColumnArrayTypes,
  type ColumnBatch,
  type ColumnDType,
  type ColumnSpec,
  type ColumnValues,
  describeColumnType,
  getColumn,
} from "./column-batch.js";
export { concatBatches } from "./concat-batches.js";
export { columnsToTable } from "./from-columns.js";
export { type ConversionContext, int64ToInt32, int64ToNumbers } from "./int64-conversions.js";
export {
  type ArrowBatchOptions,
  type ArrowIpcFormat,
  iterateArrowBatches,
  readArrowFile,
  writeArrowFile,
} from "./ipc-files.js";
export { sliceRows } from "./slice-rows.js";
export { recordBatchToColumns, type ToColumnsOptions } from "./to-columns.js";
