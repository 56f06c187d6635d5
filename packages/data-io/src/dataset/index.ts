export { type BatchingOptions, orderedBatches, shuffledBatches } from "./batching.js";
export { Dataset, type DatasetBatch, type DatasetOptions } from "./dataset.js";
export { type DatasetFormat, type FileReadOptions, fileFormat } from "./file-chunks.js";
export { prefetch } from "./prefetch.js";
export { globToRegExp, resolveDatasetFiles } from "./resolve-files.js";
