export { type BceWithLogitsOptions, bceWithLogits, type LossReduction } from "./bce-with-logits.js";
export {
  type GlobalReduction,
  type MultiTaskBceOptions,
  type MultiTaskLoss,
  multiTaskBceWithLogits,
} from "./multi-task-bce.js";
