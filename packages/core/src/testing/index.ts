/** Test helpers shared by tml-ts packages (imported as `@tml/core/testing`); no tfjs. */
export { type ConfigKeyPath, configKeyPaths } from "./config-key-paths.js";
export {
  type ConfigKeyReaders,
  type UnreadConfigKeysOptions,
  unreadConfigKeys,
} from "./config-key-readers.js";
export { sharedDataDir } from "./shared-data.js";
export {
  findTorchPython,
  runPythonScript,
  type TorchPython,
  torchPythonCandidates,
} from "./torch-python.js";
