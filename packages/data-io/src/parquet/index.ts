export { ParquetReader, withParquetReader } from "./parquet-reader.js";
export {
  countParquetRows,
  iterateParquetBatches,
  type ParquetBatchOptions,
  type ReadParquetOptions,
  readParquetFile,
  readParquetSchema,
} from "./read-parquet.js";
export { type WriteParquetOptions, writeParquetFile } from "./write-parquet.js";
