import * as tf from "@tensorflow/tfjs-core";
import {
  CheckpointError,
  checkStateArray,
  type EvalContext,
  NumericError,
  type RestoreContext,
  Rng,
  type TaskState,
  type TrainStepOutput,
  type TrainTask,
} from "@tml/core";
import {
  DenseOptimizer,
  ROW_NORM_REDUCTIONS,
  rowNormStatistics,
  tensorToStateArray,
  WEIGHT_REDUCTIONS,
  type WeightReduction,
  weightsToLog,
} from "@tml/training";
import type { RecapConfig } from "../config/recap-config.js";
import { disposeRecapBatch, type RecapBatch } from "../features/recap-batch.js";
import { largeEmbeddingWeightName } from "../model/large-embeddings.js";
import type { MultiTaskRankingModel } from "../model/ranking-model.js";
import { alignedTargets } from "./aligned-targets.js";
import {
  checkSameEmbeddingAccumulation,
  type EmbeddingAccumulationStateJson,
  EmbeddingGradientAccumulation,
} from "./embedding-accumulation.js";
import { EmbeddingOptimizer } from "./embedding-optimizer.js";
import { onlyEvaluationTasks } from "./evaluation-tasks.js";
import { recapParameterGroups } from "./parameter-groups.js";
import { RecapEvaluation } from "./recap-evaluation.js";
import { recapTrainingLoss } from "./recap-loss.js";
import { renameOptimizerState, variableNameMaps } from "./state-keys.js";

/** Options of `RecapTrainTask`. */
export interface RecapTrainTaskOptions {
  readonly model: MultiTaskRankingModel;
  /** Optimizer (Adam betas/epsilon, per-group LR schedules) and `training.gradient_accumulation`. */
  readonly config: Pick<RecapConfig, "optimizer" | "training">;
  /** Rescale the global gradient norm to at most this value (off by default, as the original). */
  readonly clipGlobalNorm?: number;
  /** Seed of the dropout / position-drop randomness. */
  readonly seed?: number;
  /** Free each training batch's tensors after its step (when the task owns the data stream). */
  readonly disposeBatches?: boolean;
  /** Evaluation batches (a fresh pass per call), for `evaluate`; the task disposes each batch. */
  readonly evalData?: (maxSteps?: number) => Iterable<RecapBatch> | AsyncIterable<RecapBatch>;
  /** The evaluation data's `evaluation_tasks`: `evaluate` reports only their metrics (empty: all). */
  readonly evaluationTasks?: readonly string[];
}

/** What one training step reports (core's TrainStepOutput plus whether weights moved). */
export interface RecapStepResult extends TrainStepOutput {
  /** Whether the optimizer updated the weights (false while accumulating). */
  readonly applied: boolean;
}

const MODEL_PREFIX = "model/";
const OPTIMIZER_PREFIX = "optimizer/";
const EMBEDDING_OPTIMIZER_PREFIX = "large_embeddings_optimizer/";
const EMBEDDING_ACCUMULATION_PREFIX = "large_embeddings_accumulated/";

/**
 * The Heavy Ranker training task: forward in train mode, multi-task BCE with logits (per-task
 * pos_weight, per-example weights; `core/losses.py`) plus the model's optional weight penalty
 * (small-embedding L2), one `tf.variableGrads` over every trainable variable, then Adam with one
 * parameter group per tower plus the backbone, each on its own LR schedule
 * (`projects/home/recap/optimizer/optimizer.py`), with optional clipping and gradient accumulation.
 * The large embedding tables (`large_embeddings`) sit outside autodiff: their pooled vectors enter
 * the forward pass as a variable, whose gradient (read back to the host) is scattered into the
 * touched rows and applied by the row-sparse `EmbeddingOptimizer` (under gradient accumulation
 * through `EmbeddingGradientAccumulation`, which holds a window's pending rows). Without large tables the only
 * per-step device→host read is the loss scalar, awaited (GPU backends have no synchronous read in
 * Node) before the optimizer update. State for checkpoints: weights, buffers and large tables
 * under state_dict keys, optimizer slots and schedule steps, RNG state.
 */
export class RecapTrainTask implements TrainTask<RecapBatch> {
  readonly kind = "heavy-ranker";
  readonly model: MultiTaskRankingModel;
  readonly optimizer: DenseOptimizer;
  /** The large tables' row-sparse optimizer, when the model has `large_embeddings`. */
  readonly embeddingOptimizer?: EmbeddingOptimizer;
  /** The large tables' gradient accumulation, when `training.gradient_accumulation` > 1. */
  readonly embeddingAccumulation?: EmbeddingGradientAccumulation;
  private rng: Rng;
  private readonly posWeights: number[];
  private readonly variables: tf.Variable[];

  constructor(options: RecapTrainTaskOptions) {
    this.model = options.model;
    const { optimizer, training } = options.config;
    const accumulation = training.gradient_accumulation;
    this.optimizer = new DenseOptimizer({
      algorithm: {
        kind: "adam",
        beta1: optimizer.adam.beta_1,
        beta2: optimizer.adam.beta_2,
        epsilon: optimizer.adam.epsilon,
      },
      groups: recapParameterGroups(this.model.namedWeights(), optimizer),
      ...(options.clipGlobalNorm !== undefined ? { clipGlobalNorm: options.clipGlobalNorm } : {}),
      ...(accumulation && accumulation > 1
        ? {
            gradientAccumulation: {
              steps: accumulation,
              parity: training.gradient_accumulation_parity,
            },
          }
        : {}),
    });
    const large = this.model.largeEmbeddings;
    const largeConfig = this.model.options.config.large_embeddings;
    if (large && largeConfig) {
      this.embeddingOptimizer = new EmbeddingOptimizer(largeConfig.optimizer, large.tables);
      if (accumulation && accumulation > 1) {
        this.embeddingAccumulation = new EmbeddingGradientAccumulation(large.tables, {
          steps: accumulation,
          parity: training.gradient_accumulation_parity ?? "intended",
        });
      }
    }
    this.rng = new Rng(options.seed ?? 0);
    const tasks = this.model.options.config.tasks;
    this.posWeights = this.model.taskNames.map((task) => tasks[task]?.pos_weight ?? 1);
    this.variables = this.model.trainableVariables();
    this.evalData = options.evalData;
    this.evaluationTasks = options.evaluationTasks ?? [];
    this.disposeBatches = options.disposeBatches ?? false;
  }

  private readonly disposeBatches: boolean;

  private readonly evalData: RecapTrainTaskOptions["evalData"];

  private readonly evaluationTasks: readonly string[];

  /**
   * One training (micro-)step on a batch (the caller keeps ownership of the batch); `metrics`
   * holds `lr/<group>`. Throws NumericError on a non-finite loss.
   */
  async trainStep(batch: RecapBatch): Promise<RecapStepResult> {
    const large = this.model.largeEmbeddings;
    // B x Σ embedding_dim pooled large embeddings, a variable so that autodiff returns its gradient.
    const pooled = large
      ? tf.tidy(() =>
          tf.variable(
            tf.tensor2d(large.pool(batch.ids, batch.size), [batch.size, large.outFeatures]),
          ),
        )
      : undefined;
    const features = pooled ? { ...batch, pooledLargeEmbeddings: pooled } : batch;
    const { value, grads } = tf.variableGrads(
      () => {
        const outputs = this.model.apply(features, { training: true, rng: this.rng });
        const { labels, weights } = alignedTargets(batch, this.model.taskNames);
        const loss = recapTrainingLoss(outputs.logits, labels, weights, {
          taskNames: this.model.taskNames,
          posWeights: this.posWeights,
        });
        const penalty = this.model.regularizationLoss();
        return penalty ? (tf.add(loss, penalty) as tf.Scalar) : loss;
      },
      pooled ? [...this.variables, pooled] : this.variables,
    );
    try {
      const loss = (await value.data())[0] as number;
      if (!Number.isFinite(loss)) {
        throw new NumericError(
          `non-finite training loss ${loss} at optimizer step ${this.optimizer.scheduleStep}`,
          {
            details: { step: this.optimizer.scheduleStep },
          },
        );
      }
      const metrics: Record<string, number> = {};
      if (large && pooled && this.embeddingOptimizer) {
        const pooledGradient = grads[pooled.name] as tf.Tensor;
        delete grads[pooled.name];
        const gradOutput = (await pooledGradient.data()) as Float32Array;
        pooledGradient.dispose();
        const tableGradients = large.gradients(batch.ids, batch.size, gradOutput);
        const call = this.optimizer.scheduleStep;
        if (this.embeddingAccumulation)
          this.embeddingAccumulation.feed(tableGradients, call, this.embeddingOptimizer);
        else this.embeddingOptimizer.apply(tableGradients, call);
        metrics["lr/large_embeddings"] = this.embeddingOptimizer.learningRate(call);
      }
      const result = this.optimizer.step(grads);
      for (const [group, rate] of Object.entries(result.learningRates))
        metrics[`lr/${group}`] = rate;
      return { loss, examples: batch.size, applied: result.applied, metrics };
    } finally {
      value.dispose();
      pooled?.dispose();
      for (const gradient of Object.values(grads)) gradient.dispose();
      if (this.disposeBatches) disposeRecapBatch(batch);
    }
  }

  /** Weights (state_dict keys), optimizer state and RNG state, for a checkpoint. */
  async getState(): Promise<TaskState> {
    const weights = [...this.model.namedWeights()];
    const read = await Promise.all(weights.map(([, variable]) => tensorToStateArray(variable)));
    const arrays: TaskState["arrays"] = {};
    weights.forEach(([key], i) => {
      arrays[MODEL_PREFIX + key] = read[i]!;
    });
    const names = variableNameMaps(this.model.namedWeights());
    const optimizer = renameOptimizerState(
      await this.optimizer.getState(OPTIMIZER_PREFIX),
      OPTIMIZER_PREFIX,
      names.toKey,
    );
    for (const [key, table] of this.model.namedTables())
      arrays[MODEL_PREFIX + key] = table.stateArray();
    const embedding = this.embeddingOptimizer?.getState(EMBEDDING_OPTIMIZER_PREFIX);
    const pending = this.embeddingAccumulation?.state(EMBEDDING_ACCUMULATION_PREFIX);
    return {
      arrays: { ...arrays, ...optimizer.arrays, ...embedding, ...pending?.arrays },
      json: {
        optimizer: optimizer.json,
        rng: this.rng.getState(),
        ...(pending ? { largeEmbeddingsAccumulation: pending.json } : {}),
      },
    };
  }

  /** Scales every group's learning rate, the large tables' too (reduce-on-plateau; see `DenseOptimizer`). */
  setLearningRateScale(scale: number, floor: number): void {
    this.optimizer.setLearningRateScale(scale, floor);
    this.embeddingOptimizer?.setLearningRateScale(scale, floor);
  }

  /**
   * The L2 norm of every trainable weight (`model/norm/<state_dict key>`) and the mean and largest
   * row norm of every small embedding table (`model/mean_row_norm/<key>`,
   * `model/max_row_norm/<key>`): two asynchronous device reads per log line. The large tables named by
   * `large_embeddings.tables_to_log` add the same two row-norm figures under their state_dict key,
   * over at most 100,000 rows read at an even stride (host arrays: no device read).
   */
  async weightStatistics(): Promise<Record<string, number>> {
    const trainable = new Map<string, tf.Tensor>();
    for (const [key, variable] of this.model.namedWeights())
      if (variable.trainable) trainable.set(key, variable);
    const tables = new Map<string, tf.Tensor>();
    for (const table of this.model.options.config.small_embeddings?.tables ?? []) {
      const key = `_small_embeddings.${table.name}.weight`;
      tables.set(key, trainable.get(key) as tf.Tensor);
    }
    const statistics = {
      ...(await weightsToLog(trainable, { norm: WEIGHT_REDUCTIONS["norm"] as WeightReduction })),
      ...(await weightsToLog(tables, ROW_NORM_REDUCTIONS)),
    };
    const logged = new Set(this.model.options.config.large_embeddings?.tables_to_log ?? []);
    for (const table of this.model.largeEmbeddings?.tables ?? []) {
      if (!logged.has(table.name)) continue;
      const key = largeEmbeddingWeightName(table.name);
      const norms = rowNormStatistics(table.sampledRows(100_000), table.dim);
      statistics[`model/mean_row_norm/${key}`] = norms.mean;
      statistics[`model/max_row_norm/${key}`] = norms.max;
    }
    return statistics;
  }

  /** Number of trainable scalars. */
  parameterCount(): number {
    return this.model.parameterCount();
  }

  /**
   * Per-task AUROC, RCE, NRCE, PR-AUC and calibration over `evalData` (at most
   * `context.maxSteps` batches; stops early when `context.signal` fires).
   */
  async evaluate(context?: Partial<EvalContext>): Promise<Record<string, number>> {
    if (!this.evalData) return {};
    const metrics = await this.evaluateOn(this.evalData(context?.maxSteps), context);
    return onlyEvaluationTasks(metrics, this.evaluationTasks);
  }

  /** `evaluate` over the given batches (disposed as they are scored). */
  async evaluateOn(
    batches: Iterable<RecapBatch> | AsyncIterable<RecapBatch>,
    context?: Partial<EvalContext>,
  ): Promise<Record<string, number>> {
    const evaluation = new RecapEvaluation(this.model);
    let steps = 0;
    for await (const batch of batches) {
      try {
        await evaluation.update(batch);
      } finally {
        disposeRecapBatch(batch);
      }
      steps += 1;
      context?.progress?.(steps);
      const done = context?.maxSteps !== undefined && steps >= context.maxSteps;
      if (done || context?.signal?.aborted) break;
    }
    return { ...evaluation.compute(), eval_examples: evaluation.count };
  }

  /**
   * Restores `getState` output: everything on resume, weights and buffers only on warm start.
   * Throws CheckpointError on a missing or misshapen array.
   */
  setState(state: TaskState, context: Pick<RestoreContext, "reason"> = { reason: "resume" }): void {
    this.loadWeights(state);
    if (context.reason === "warm_start") return;
    const json = state.json as
      | {
          optimizer?: unknown;
          rng?: Parameters<typeof Rng.fromState>[0];
          largeEmbeddingsAccumulation?: EmbeddingAccumulationStateJson;
        }
      | undefined;
    if (!json?.optimizer)
      throw new CheckpointError("checkpoint has no optimizer state; use warm start instead");
    const names = variableNameMaps(this.model.namedWeights());
    this.optimizer.setState(
      renameOptimizerState(
        { arrays: state.arrays, json: json.optimizer },
        OPTIMIZER_PREFIX,
        names.toVariable,
      ),
      OPTIMIZER_PREFIX,
    );
    this.embeddingOptimizer?.setState(EMBEDDING_OPTIMIZER_PREFIX, state.arrays);
    if (this.embeddingOptimizer) {
      checkSameEmbeddingAccumulation(
        json.largeEmbeddingsAccumulation,
        this.embeddingAccumulation?.settings,
      );
      this.embeddingAccumulation?.restore(EMBEDDING_ACCUMULATION_PREFIX, state.arrays);
    }
    if (json.rng) this.rng = Rng.fromState(json.rng);
  }

  /** Warm start: copies weights and buffers only (optimizer and schedule start fresh). */
  loadWeights(state: TaskState): void {
    for (const [key, variable] of this.model.namedWeights()) {
      const array = state.arrays[MODEL_PREFIX + key];
      if (!array)
        throw new CheckpointError(
          `checkpoint has no weight ${key}; it belongs to another model config`,
        );
      checkStateArray(MODEL_PREFIX + key, array, variable.shape, variable.dtype);
      tf.tidy(() => variable.assign(tf.tensor(array.data, variable.shape, variable.dtype)));
    }
    for (const [key, table] of this.model.namedTables()) {
      const array = state.arrays[MODEL_PREFIX + key];
      if (!array) throw new CheckpointError(`checkpoint has no large embedding table ${key}`);
      const stored = table.stateArray();
      checkStateArray(MODEL_PREFIX + key, array, stored.shape, stored.dtype);
      stored.data.set(array.data);
    }
  }

  /** Frees the optimizer slots (the model stays). */
  dispose(): void {
    this.optimizer.dispose();
  }
}
