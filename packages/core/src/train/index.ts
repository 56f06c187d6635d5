export {
  allocateStateArray,
  assignVariablesFromStateArrays,
  checkStateArray,
  dtypeOfTypedArray,
  isStateDtype,
  type StateArray,
  type StateDtype,
  type StateTypedArray,
  sizeOfShape,
  type TaskState,
  tensorToStateArray,
  variablesToStateArrays,
} from "./task-state.js";
