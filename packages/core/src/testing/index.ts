/** Test helpers shared by tml-ts packages (imported as `@tml/core/testing`). */
export {};
