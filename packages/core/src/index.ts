// The foundation of tml-ts: nothing here loads tfjs or native code (a test checks it).
export * from "./config/index.js";
export * from "./contract/index.js";
export * from "./errors/index.js";
export * from "./flags/index.js";
export * from "./io/index.js";
export * from "./logging/index.js";
export * from "./metrics/index.js";
export * from "./numeric/index.js";
export * from "./rng/index.js";
