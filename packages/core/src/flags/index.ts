export {
  FLAGS,
  type FlagDeclaration,
  type FlagName,
  type FlagValues,
  getFlag,
  resetFlag,
  setFlag,
  unknownFlagVariables,
} from "./flags.js";
