export { AucAccumulator, type AucSummary } from "./auc-accumulator.js";
export { expectedAuc, rocAuc } from "./expected-auc.js";
export type { PlantedModelOptions, PlantedRankerModel } from "./planted-ranker-model.js";
export { type RankerChunk, type RankerLayout, SEGDENSE_LAYOUT } from "./ranker-chunk.js";
export { RankerGenerator, type RankerGeneratorOptions } from "./ranker-generator.js";
export type { EmbeddingTable, RankerWorldOptions } from "./ranker-world.js";
export { RECAP_TASK_DEFAULTS, type RecapTaskDefault } from "./recap-tasks.js";
