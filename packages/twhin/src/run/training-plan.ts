import { ConfigError } from "@tml/core";
import { countParquetRows } from "@tml/data-io";
import type { TwhinConfig, TwhinDataConfig } from "../config/twhin-config.js";
import { expandGlob } from "../data/edge-set.js";

/** How long a TwHIN run trains, in steps and epochs, and how often it validates. */
export interface TwhinTrainingPlan {
  /** Training edges read (after `offset` and `limit`). */
  trainEdges: number;
  /** Edges one step trains: `per_replica_batch_size` x Hogwild workers. */
  edgesPerStep: number;
  /** Steps per pass over the training edges (each pass ends with its short last batch). */
  stepsPerEpoch: number;
  /** The run's length: `maxSteps`, else `training.num_epochs` x steps per epoch, else `num_train_steps`. */
  numTrainSteps: number;
  /** Validation cadence in steps (`model_selection.eval_every_n_epochs` or `training.eval_every_n`). */
  evalEveryN: number | undefined;
}

/** Training edges `data` reads: the rows of its Parquet files after `offset`, at most `limit`. */
export async function countTrainEdges(data: TwhinDataConfig): Promise<number> {
  let rows = 0;
  for (const file of expandGlob(data.data_root)) rows += await countParquetRows(file);
  return Math.min(data.limit, Math.max(0, rows - (data.offset ?? 0)));
}

/**
 * The plan of a run over `trainEdges` edges on `workers` Hogwild workers: epochs become steps
 * (`epochs x ceil(edges / edges per step)`), `maxSteps` (the CLIs' `--max-steps`) overrides both.
 */
export function planTwhinTraining(
  config: TwhinConfig,
  trainEdges: number,
  options: { workers: number; maxSteps?: number | undefined },
): TwhinTrainingPlan {
  if (trainEdges === 0) {
    throw new ConfigError(`train_data ${config.train_data.data_root} holds no edges to train on.`, {
      details: { data_root: config.train_data.data_root },
    });
  }
  const edgesPerStep = config.train_data.per_replica_batch_size * options.workers;
  const stepsPerEpoch = Math.ceil(trainEdges / edgesPerStep);
  const epochs = config.training.num_epochs;
  const numTrainSteps =
    options.maxSteps ?? (epochs ? epochs * stepsPerEpoch : config.training.num_train_steps);
  const evalEveryN = config.model_selection
    ? config.model_selection.eval_every_n_epochs * stepsPerEpoch
    : (config.training.eval_every_n ?? undefined);
  return { trainEdges, edgesPerStep, stepsPerEpoch, numTrainSteps, evalEveryN };
}

/**
 * The run's length in steps before its data is loaded (progress bars, finished-run checks):
 * `maxSteps`, else `num_train_steps`, else, with `training.num_epochs`, from the row counts of the
 * training files (read only then, from their Parquet footers).
 */
export async function plannedTrainSteps(
  config: TwhinConfig,
  options: { workers: number; maxSteps?: number | undefined },
): Promise<number> {
  if (options.maxSteps !== undefined || !config.training.num_epochs)
    return options.maxSteps ?? config.training.num_train_steps;
  return planTwhinTraining(config, await countTrainEdges(config.train_data), options).numTrainSteps;
}

/** Edges trained in `steps` steps of `plan` (whole passes, then full batches of the next). */
export function edgesTrained(plan: TwhinTrainingPlan, steps: number): number {
  const passes = Math.floor(steps / plan.stepsPerEpoch);
  const rest = steps % plan.stepsPerEpoch;
  return passes * plan.trainEdges + Math.min(rest * plan.edgesPerStep, plan.trainEdges);
}
