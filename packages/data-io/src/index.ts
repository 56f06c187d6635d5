export * from "./arrow/index.js";
export * from "./converters/index.js";
export * from "./dataset/index.js";
export * from "./generators/index.js";
export * from "./parquet/index.js";
export * from "./pretrained/index.js";
export * from "./safetensors/index.js";
export * from "./tfrecord/index.js";
