export {
  countValues,
  encodeExample,
  type FeatureKind,
  type FeatureRef,
  type FeatureValue,
  indexExample,
  readBytesValues,
  readFloatValues,
  readInt64Values,
} from "./example-proto.js";
export { type ParseExamplesOptions, parseExamples } from "./parse-examples.js";
export { iterateTfRecordBatches, type TfRecordBatchOptions } from "./read-tfrecord.js";
export {
  HOME_RECAP_2022_RENAMES,
  HOME_RECAP_2022_SEGDENSE,
  loadSegdenseSchema,
  type SegdenseFeature,
  type SegdenseSchema,
  segdenseFeatureSchema,
  segdenseSchemaSchema,
} from "./segdense-schema.js";
export {
  iterateTfRecords,
  type TfRecordCompression,
  type TfRecordReadOptions,
} from "./tfrecord-reader.js";
export { frameTfRecord, type TfRecordWriteOptions, writeTfRecordFile } from "./tfrecord-writer.js";
