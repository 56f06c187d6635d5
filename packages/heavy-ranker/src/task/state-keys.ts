import type * as tf from "@tensorflow/tfjs-core";
import type { TaskState } from "@tml/core";

/**
 * Rewrites the variable names inside an optimizer state (`<prefix><slot>/<variable name>` array
 * keys and the `updates` / `accumulated` JSON fields) through `rename`. tfjs variable names depend
 * on construction order, so checkpoints store state_dict keys instead and map back on restore.
 */
export function renameOptimizerState(
  state: TaskState,
  prefix: string,
  rename: (name: string) => string,
): TaskState {
  const arrays: TaskState["arrays"] = {};
  for (const [key, array] of Object.entries(state.arrays)) {
    if (!key.startsWith(prefix)) {
      arrays[key] = array;
      continue;
    }
    const rest = key.slice(prefix.length);
    const slash = rest.indexOf("/");
    arrays[`${prefix}${rest.slice(0, slash)}/${rename(rest.slice(slash + 1))}`] = array;
  }
  const json = (state.json ?? {}) as { updates?: Record<string, number>; accumulated?: string[] };
  const updates: Record<string, number> = {};
  for (const [name, count] of Object.entries(json.updates ?? {})) updates[rename(name)] = count;
  return {
    arrays,
    json: { ...json, updates, accumulated: (json.accumulated ?? []).map(rename) },
  };
}

/** Both directions between tfjs variable names and state_dict keys of a model. */
export function variableNameMaps(namedWeights: ReadonlyMap<string, tf.Variable>): {
  toKey: (variableName: string) => string;
  toVariable: (key: string) => string;
} {
  const keyOf = new Map<string, string>();
  const variableOf = new Map<string, string>();
  for (const [key, variable] of namedWeights) {
    keyOf.set(variable.name, key);
    variableOf.set(key, variable.name);
  }
  return {
    toKey: (name) => keyOf.get(name) ?? name,
    toVariable: (key) => variableOf.get(key) ?? key,
  };
}
