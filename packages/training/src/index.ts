// Training: the loop and checkpoints, optimizers and learning-rate schedules, losses.
export * from "./loop/index.js";
export {
  assignVariablesFromStateArrays,
  tensorToStateArray,
  variablesToStateArrays,
} from "./loop/state-tensors.js";
export * from "./losses/index.js";
export * from "./optim/index.js";
export * from "./parallel/index.js";
