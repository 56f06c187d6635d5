import { ConfigError } from "@tml/core";
import type { TableOptimizerConfig } from "../config/table-optimizer-config.js";
import type { TwhinConfig } from "../config/twhin-config.js";

/** `sgd`, `adagrad`, `adagrad (rowwise)` or `adam`: the optimizer a config names, by its state. */
function optimizerName(config: TableOptimizerConfig): string {
  if (config.adagrad) return config.adagrad.rowwise ? "adagrad (rowwise)" : "adagrad";
  if (config.adam) return "adam";
  return "sgd";
}

/**
 * The optimizer of each table (`table/<name>`) and of the relation operators (`relations`), as a
 * checkpoint records them.
 */
export function optimizerNames(config: TwhinConfig): Record<string, string> {
  const names: Record<string, string> = {};
  for (const table of config.model.embeddings.tables)
    names[`table/${table.name}`] = optimizerName(table.optimizer);
  names["relations"] = optimizerName(config.model.translation_optimizer);
  return names;
}

/**
 * Throws ConfigError when a checkpoint (step `step`) was trained with other optimizers than
 * `config` names: resuming would silently drop (or lack) the saved optimizer state.
 */
export function checkSameOptimizers(saved: unknown, config: TwhinConfig, step: number): void {
  const recorded = (saved ?? {}) as Record<string, string | undefined>;
  for (const [part, name] of Object.entries(optimizerNames(config))) {
    const before = recorded[part] ?? "an unrecorded optimizer";
    if (before === name) continue;
    throw new ConfigError(
      `Cannot resume: the checkpoint (step ${step}) trained ${part} with ${before}, the config asks for ${name}. Resume with the optimizer it was trained with, or start a new run without --resume.`,
      { details: { part, checkpoint_optimizer: before, config_optimizer: name } },
    );
  }
}
