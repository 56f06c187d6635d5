/** Test helpers shared by tml-ts packages (imported as `@tml/core/testing`); no tfjs. */
export { sharedDataDir } from "./shared-data.js";
export { findTorchPython, runPythonScript, type TorchPython } from "./torch-python.js";
