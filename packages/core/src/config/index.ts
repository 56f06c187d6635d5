export { atMostOneOf, oneOf } from "./groups.js";
export {
  configToYaml,
  type LoadConfigOptions,
  loadConfigFile,
  loadConfigText,
} from "./load-config.js";
export { applyOverrides } from "./overrides.js";
export { formatConfigIssues, parseConfig } from "./parse-config.js";
export { safeNameProblem, safeNameSchema } from "./safe-name.js";
export { substituteEnv } from "./substitute-env.js";
