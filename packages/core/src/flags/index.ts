export {
  DEBUG_KILL_POINTS,
  type DebugKillPoint,
  debugKillPoint,
  FLAGS,
  type FlagDeclaration,
  type FlagName,
  type FlagValues,
  getFlag,
  resetFlag,
  setFlag,
  unknownFlagVariables,
} from "./flags.js";
