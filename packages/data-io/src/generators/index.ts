export { AucAccumulator, type AucSummary } from "./auc-accumulator.js";
export { communityPairAuc } from "./community-recovery.js";
export { expectedAuc, rocAuc } from "./expected-auc.js";
export { edgeTable, type GraphDescriptor, writeGraphDescriptor } from "./graph-descriptor.js";
export { GraphSampler, NodeLayout, type SampledEdges } from "./graph-sampler.js";
export {
  type GraphRelationSpec,
  type GraphSpec,
  type GraphTableSpec,
  type TwitterGraphOptions,
  twitterGraphSpec,
  validateGraphSpec,
} from "./graph-spec.js";
export { type WriteGraphOptions, writeGraph } from "./graph-writer.js";
export { parityRankerChunk } from "./parity-chunk.js";
export type { PlantedModelOptions, PlantedRankerModel } from "./planted-ranker-model.js";
export { type RankerChunk, type RankerLayout, SEGDENSE_LAYOUT } from "./ranker-chunk.js";
export { rankerChunkToExamples } from "./ranker-examples.js";
export { RankerGenerator, type RankerGeneratorOptions } from "./ranker-generator.js";
export { rankerChunkToTable, rankerSegdenseSchema } from "./ranker-table.js";
export type { EmbeddingMatrix, RankerWorldOptions } from "./ranker-world.js";
export {
  type RankerDataReport,
  type WriteRankerDataOptions,
  writeRankerData,
} from "./ranker-writer.js";
export { readCommunities } from "./read-communities.js";
export { RECAP_TASK_DEFAULTS, type RecapTaskDefault } from "./recap-tasks.js";
