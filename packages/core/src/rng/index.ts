export { Rng, type RngState } from "./rng.js";
