export {};
export * from "./config/model-config.js";
