/** The contract between a model and the training loop: no tensors, no loop. */
export {
  allocateStateArray,
  checkStateArray,
  dtypeOfTypedArray,
  isStateDtype,
  type StateArray,
  type StateDtype,
  type StateTypedArray,
  sizeOfShape,
  type TaskState,
} from "./task-state.js";
export type {
  EvalContext,
  RestoreContext,
  TrainStepOutput,
  TrainTask,
} from "./train-task.js";
export type {
  CheckpointEvent,
  EndEvent,
  EvalEvent,
  LogEvent,
  StepEvent,
  TrainingCallbacks,
  TrainingStatus,
} from "./training-callbacks.js";
export {
  type EarlyStoppingConfig,
  earlyStoppingConfigSchema,
  type ReduceLrOnPlateauConfig,
  reduceLrOnPlateauConfigSchema,
  type TrainingConfig,
  trainingConfigSchema,
} from "./training-config.js";
