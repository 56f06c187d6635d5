import type * as tf from "@tensorflow/tfjs-core";
import { ConfigError } from "@tml/core";
import type { ParameterGroup } from "@tml/training";
import type { RecapOptimizerConfig } from "../config/optimizer-config.js";
import { sanitizeTaskName } from "../model/calibration.js";

/**
 * The Heavy Ranker's Adam parameter groups (`projects/home/recap/optimizer/optimizer.py`): one
 * group per task of `tower_learning_rates` (every trainable tensor whose state_dict name contains
 * `.<sanitized task>.`: its tower and affine map), then `backbone` = all the rest (featurization
 * and embedding norms, small embeddings, backbone). With `single_task_learning_rate` there is one
 * group `all` (the original's path for it was broken). Throws ConfigError when a tensor matches two
 * tasks, a configured task has no tower, or tensors are left without a `backbone_learning_rate`.
 */
export function recapParameterGroups(
  namedWeights: ReadonlyMap<string, tf.Variable>,
  optimizer: RecapOptimizerConfig,
): ParameterGroup[] {
  const trainable = [...namedWeights].filter(([, variable]) => variable.trainable);
  if (optimizer.single_task_learning_rate) {
    return [
      {
        name: "all",
        variables: trainable.map(([, v]) => v),
        learningRate: optimizer.single_task_learning_rate,
      },
    ];
  }
  const rates = optimizer.multi_task_learning_rates;
  if (!rates)
    throw new ConfigError("optimizer needs multi_task_learning_rates or single_task_learning_rate");
  const owner = new Map<string, string>();
  const groups: ParameterGroup[] = [];
  for (const [task, learningRate] of Object.entries(rates.tower_learning_rates)) {
    const marker = `.${sanitizeTaskName(task)}.`;
    const variables: tf.Variable[] = [];
    for (const [name, variable] of trainable) {
      if (!name.includes(marker)) continue;
      const previous = owner.get(name);
      if (previous !== undefined) {
        throw new ConfigError(`parameter ${name} matches both tasks ${previous} and ${task}`, {
          details: { path: `optimizer.multi_task_learning_rates.tower_learning_rates.${task}` },
        });
      }
      owner.set(name, task);
      variables.push(variable);
    }
    if (variables.length === 0) {
      throw new ConfigError(
        `optimizer.multi_task_learning_rates.tower_learning_rates.${task}: the model has no tower for this task`,
      );
    }
    groups.push({ name: task, variables, learningRate });
  }
  const rest = trainable.filter(([name]) => !owner.has(name)).map(([, variable]) => variable);
  if (rest.length > 0) {
    if (!rates.backbone_learning_rate) {
      throw new ConfigError(
        `${rest.length} parameters (backbone, norms, untuned towers) have no learning rate; set optimizer.multi_task_learning_rates.backbone_learning_rate`,
      );
    }
    groups.push({ name: "backbone", variables: rest, learningRate: rates.backbone_learning_rate });
  }
  return groups;
}
