import type { LearningRateConfig, OptimizerConfig } from "./optimizer-config.js";

/** The learning rate of schedule `config` at `step` (the original's `compute_lr`, §2.6). */
export function computeLearningRate(config: LearningRateConfig, step: number): number {
  if (config.constant != null) return config.constant;
  if (config.piecewise_constant != null) {
    const boundaries = config.piecewise_constant.learning_rate_boundaries ?? [];
    const values = config.piecewise_constant.learning_rate_values ?? [];
    let index = 0;
    while (index < boundaries.length && boundaries[index]! <= step) index++;
    return values[index] ?? values[values.length - 1] ?? 0;
  }
  if (config.linear_ramp_to_constant != null) {
    const { learning_rate, num_ramp_steps } = config.linear_ramp_to_constant;
    return Math.min(learning_rate, (learning_rate / num_ramp_steps) * step);
  }
  const cosine = config.linear_ramp_to_cosine!;
  if (step < cosine.num_ramp_steps) return (cosine.learning_rate * step) / cosine.num_ramp_steps;
  if (step <= cosine.final_num_steps) {
    const progress = (step - cosine.num_ramp_steps) / (cosine.final_num_steps - cosine.num_ramp_steps);
    const span = cosine.learning_rate - cosine.final_learning_rate;
    return cosine.final_learning_rate + span * 0.5 * (1 + Math.cos(Math.PI * progress));
  }
  return cosine.final_learning_rate;
}

/** The algorithm's base learning rate (`lr`) of an optimizer config. */
export function baseLearningRate(config: OptimizerConfig): number {
  return (config.sgd ?? config.adagrad ?? config.adam)!.lr;
}

/** The learning rate at `step`: the schedule when given, else the algorithm's constant `lr`. */
export function learningRateAt(config: OptimizerConfig, step: number): number {
  return config.learning_rate ? computeLearningRate(config.learning_rate, step) : baseLearningRate(config);
}
