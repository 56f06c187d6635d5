/** Test helpers shared by tml-ts packages (imported as `@tml/core/testing`). */
export { sharedDataDir } from "./shared-data.js";
export { setupTestBackend } from "./test-backend.js";
