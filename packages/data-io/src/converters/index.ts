export { type CtrConvertOptions, convertCtrFiles } from "./ctr-converter.js";
export type { CtrField } from "./ctr-lines.js";
export { type EdgeGraph, type EdgeSplit, writeEdgeGraph } from "./edge-graph-writer.js";
export { convertFrappe, FRAPPE_FIELDS } from "./frappe.js";
export { convertHiggs, HIGGS_SPLIT_TIME } from "./higgs.js";
export {
  convertKnowledgeGraph,
  type KnowledgeGraphOptions,
  type KnowledgeGraphTriples,
  readKnowledgeGraphTriples,
} from "./knowledge-graph.js";
export { convertLastfm, type LastfmOptions } from "./lastfm.js";
export { convertMovielens, MOVIELENS_LABELS, type MovielensSplit } from "./movielens.js";
export { type RankerDatasetDescriptor, writeRankerDescriptor } from "./ranker-descriptor.js";
