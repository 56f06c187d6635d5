// Test helpers of the apps: captured CLI output and tiny trained runs (never loaded by the CLIs).
export { capture } from "./capture-io.js";
export { type ConfigMutation, configMutations, snapshotDirectory } from "./config-mutations.js";
export {
  FIXTURES,
  TINY_LAYOUT,
  trainTinyRun,
  withDcnBackbone,
  writeTinyRankerData,
} from "./tiny-data.js";
export { trainTinyTwhinRun } from "./tiny-twhin.js";
