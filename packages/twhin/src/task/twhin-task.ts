import {
  CheckpointError,
  checkStateArray,
  type EvalContext,
  NumericError,
  type RestoreContext,
  Rng,
  type RngState,
  type StateArray,
  type TaskState,
  type TrainStepOutput,
  type TrainTask,
} from "@tml/core";
import { loadPlatformBlas } from "@tml/engine";
import { rowNormStatistics } from "@tml/training";
import type { SharedFloat32Arrays } from "@tml/training/parallel";
import type { TwhinConfig } from "../config/twhin-config.js";
import type { EdgeBatch } from "../data/edge-batch.js";
import type { EdgeBatches, EdgeCursor } from "../data/edge-batches.js";
import type { EdgeSet } from "../data/edge-set.js";
import type { FilterIndex } from "../eval/filter-index.js";
import { evaluateLinkPrediction } from "../eval/link-prediction.js";
import type { EmbeddingTable } from "../model/embedding-table.js";
import type { TwhinModel } from "../model/twhin-model.js";
import {
  type AccumulationStateJson,
  accumulationSettings,
  checkAccumulationWorkers,
  checkSameAccumulation,
  RowGradientAccumulation,
} from "../optim/gradient-accumulation.js";
import { ModelOptimizers } from "../optim/model-optimizers.js";
import { HogwildGroup } from "../parallel/hogwild.js";
import { TwhinStep } from "../step/twhin-step.js";
import { checkSameOptimizers, optimizerNames } from "./optimizer-names.js";
import { validateBatch } from "./validate-batch.js";

/** Options of `TwhinTask`. */
export interface TwhinTaskOptions {
  model: TwhinModel;
  config: TwhinConfig;
  /** The training batches (their cursor is saved and restored with the task). */
  batches: EdgeBatches;
  /** Held-out edges for `evaluate`, with the filter of known true edges. */
  validation?: { edges: EdgeSet; filter: FilterIndex };
  /**
   * Hogwild training on `workers` threads (default 1: one thread, bit-identical reruns). The model
   * must have been built with `arrays.allocate`; the optimizers are built with it too, and the
   * batches must hold `workers x per_replica_batch_size` edges (one slice per worker).
   */
  parallel?: { workers: number; arrays: SharedFloat32Arrays };
}

/**
 * TwHIN as a core `TrainTask`: one row-sparse update per batch (the step's loss and gradients,
 * then the table and operator optimizers), or per `training.gradient_accumulation` micro-batches
 * (`RowGradientAccumulation`, one thread only), filtered link-prediction metrics on validation
 * edges, and state = tables, relation operators, optimizer state (raw float32 arrays), pending
 * accumulated rows, the step count, the data cursor and the RNG.
 */
export class TwhinTask implements TrainTask<EdgeBatch> {
  readonly kind = "twhin";
  /** Forward, loss and backward of one batch. */
  readonly step: TwhinStep;
  readonly optimizers: ModelOptimizers;
  /**
   * Steps trained so far (the global step): optimizer updates applied, or micro-batches under
   * gradient accumulation.
   */
  updates = 0;
  /** Threads training together (Hogwild workers, this one included). */
  readonly workers: number;
  private readonly options: TwhinTaskOptions;
  private readonly hogwild: HogwildGroup | undefined;
  private readonly hogwildBlas: boolean;
  private readonly accumulation: RowGradientAccumulation | undefined;
  private rng: Rng;

  constructor(options: TwhinTaskOptions) {
    this.options = options;
    this.workers = options.parallel?.workers ?? 1;
    checkAccumulationWorkers(options.config, this.workers);
    const parallel = this.workers > 1 ? options.parallel : undefined;
    // Hogwild ranks run their products on their own thread: on the platform BLAS with its pool
    // at one thread (every call then runs on its caller) until `close`, or on the SIMD kernels.
    const blas = parallel ? loadPlatformBlas(1) : undefined;
    this.hogwildBlas = blas?.ok === true;
    this.step = TwhinStep.create(
      options.model,
      options.config,
      parallel ? { compiled: false, blas: blas?.ok ? blas.blas : undefined } : {},
    );
    this.optimizers = new ModelOptimizers(
      options.model,
      options.config,
      ...(parallel ? [parallel.arrays.allocate] : []),
    );
    const accumulation = accumulationSettings(options.config);
    this.accumulation = accumulation
      ? new RowGradientAccumulation(
          options.model,
          this.optimizers,
          this.step.tableGrads.map((grads) => grads.rowIds.length),
          accumulation,
        )
      : undefined;
    this.rng = new Rng(options.config.seed).fork("negatives");
    this.hogwild = parallel
      ? HogwildGroup.start(options.config, parallel.arrays, parallel.workers)
      : undefined;
  }

  /**
   * Trains on one batch with the task's negative-sampling RNG (saved in checkpoints); with Hogwild
   * workers, each trains its slice of the batch and the loss is their edge-weighted mean.
   */
  async trainStep(batch: EdgeBatch): Promise<TrainStepOutput> {
    if (this.hogwild === undefined) {
      return { loss: await this.trainBatch(batch, this.rng), examples: batch.size };
    }
    return this.trainParallel(this.hogwild, batch);
  }

  private async trainParallel(hogwild: HogwildGroup, batch: EdgeBatch): Promise<TrainStepOutput> {
    validateBatch(this.options.model, batch, this.options.config.train_data.data_root);
    const update = this.updates + 1;
    const { losses, sizes } = await hogwild.step(batch, this.rng, update, async (slice) => {
      const loss = await this.step.computeGradients(slice, this.rng);
      if (Number.isFinite(loss))
        this.optimizers.apply(this.step.buffers, this.step.kernels, update);
      return loss;
    });
    const bad = losses.findIndex((loss) => !Number.isFinite(loss));
    if (bad >= 0) {
      throw new NumericError(
        `Loss is ${losses[bad]} at step ${this.updates} on Hogwild worker ${bad}; that worker applied no update (the other workers' updates of this step were applied).`,
        { details: { step: this.updates, worker: bad } },
      );
    }
    this.updates = update;
    let loss = 0;
    for (let rank = 0; rank < losses.length; rank++) loss += losses[rank]! * sizes[rank]!;
    return { loss: loss / batch.size, examples: batch.size };
  }

  /**
   * Scales the learning rates of the tables and operators, on every Hogwild worker too (the loop's
   * `reduce_lr_on_plateau`, which also restores the scale on resume): never below `floor` nor above
   * a rate's schedule.
   */
  setLearningRateScale(scale: number, floor: number): void {
    this.optimizers.setLearningRateScale(scale, floor);
    this.hogwild?.setLearningRateScale(scale, floor);
  }

  /** Stops the Hogwild workers (idempotent; the task cannot train afterwards). */
  async close(): Promise<void> {
    await this.hogwild?.close();
    // The platform BLAS's pool back to the engine's threads.
    if (this.hogwildBlas) loadPlatformBlas();
  }

  /**
   * One update with negatives drawn from `rng`; returns the loss. DataError for an edge outside
   * the model, NumericError (naming the step, no update applied) on a non-finite loss.
   */
  async trainBatch(batch: EdgeBatch, rng: Rng): Promise<number> {
    validateBatch(this.options.model, batch, this.options.config.train_data.data_root);
    const loss = await this.step.computeGradients(batch, rng);
    if (!Number.isFinite(loss)) {
      throw new NumericError(`Loss is ${loss} at step ${this.updates}; no update was applied.`, {
        details: { step: this.updates },
      });
    }
    const call = this.updates++;
    if (this.accumulation) this.accumulation.feed(this.step.buffers, this.step.kernels, call);
    else this.optimizers.apply(this.step.buffers, this.step.kernels, this.updates);
    return loss;
  }

  /**
   * Filtered link-prediction metrics of the validation edges (`model_selection` follows their
   * `mrr` through the loop's `early_stopping`).
   */
  async evaluate(context: EvalContext): Promise<Record<string, number>> {
    const validation = this.options.validation;
    if (!validation) return {};
    const batch = this.options.config.validation_data?.per_replica_batch_size ?? 1;
    const maxEdges = context.maxSteps === undefined ? 0 : context.maxSteps * batch;
    const result = await evaluateLinkPrediction(this.options.model, validation.edges, {
      filter: validation.filter,
      maxEdges,
      // Two ranked queries (lhs and rhs) per edge; progress counts batches of validation edges.
      onProgress: (queries) => context.progress(Math.floor(queries / 2 / batch)),
    });
    const m = result.both;
    return {
      mrr: m.mrr,
      mr: m.mr,
      "hits@1": m.hits1,
      "hits@3": m.hits3,
      "hits@10": m.hits10,
      auc: m.auc,
      queries: m.count,
    };
  }

  /**
   * Named state arrays: `table/<name>` (float32, or uint16 bit patterns of a 16-bit table, so a
   * resume is exact), `relations`, `optimizer/<name>/<slot>` (float32 whatever the table storage).
   */
  private arrays(): Record<string, StateArray> {
    const model = this.options.model;
    const out: Record<string, StateArray> = {};
    const float32 = (data: Float32Array, shape: number[]): StateArray => ({
      dtype: "float32",
      shape,
      data,
    });
    model.tables.forEach((table, t) => {
      const shape = [table.rows, table.dim];
      out[`table/${table.name}`] =
        table.stored instanceof Float32Array
          ? float32(table.stored, shape)
          : { dtype: "uint16", shape, data: table.stored };
      for (const [slot, data] of Object.entries(this.optimizers.tableOptimizers[t]!.state())) {
        out[`optimizer/${table.name}/${slot}`] = float32(data, [data.length]);
      }
    });
    out["relations"] = float32(model.relationParams, [model.numOperatorRows, model.dim]);
    for (const [slot, data] of Object.entries(this.optimizers.relationOptimizer.state())) {
      out[`optimizer/relations/${slot}`] = float32(data, [data.length]);
    }
    return out;
  }

  getState(): TaskState {
    const accumulation = this.accumulation?.state();
    return {
      arrays: { ...this.arrays(), ...accumulation?.arrays },
      json: {
        steps: this.updates,
        cursor: this.options.batches.cursor(),
        rng: this.rng.getState(),
        optimizers: optimizerNames(this.options.config),
        ...(accumulation ? { accumulation: accumulation.json } : {}),
      },
    };
  }

  setState(state: TaskState, context: RestoreContext): void {
    if (context.reason === "resume") {
      const json = state.json as {
        optimizers?: unknown;
        accumulation?: AccumulationStateJson;
      } | null;
      checkSameOptimizers(json?.optimizers, this.options.config, context.step);
      checkSameAccumulation(json?.accumulation, this.accumulation?.settings, context.step);
      if (this.accumulation && json?.accumulation)
        this.accumulation.restore(state.arrays, json.accumulation, context.step);
    }
    for (const [name, { data, shape, dtype }] of Object.entries(this.arrays())) {
      const saved = state.arrays[name];
      if (!saved) {
        throw new CheckpointError(
          `Checkpoint (step ${context.step}) has no array "${name}"; it was written by another TwHIN config.`,
          {
            details: { array: name },
          },
        );
      }
      checkStateArray(name, saved, shape, dtype);
      data.set(saved.data as typeof data & ArrayLike<number>);
    }
    if (context.reason === "resume") {
      const json = state.json as {
        steps: number;
        cursor: EdgeCursor;
        rng: RngState;
      };
      this.updates = json.steps;
      this.options.batches.restore(json.cursor);
      this.rng = Rng.fromState(json.rng);
    }
  }

  /**
   * Mean and largest row L2 norm of each table in `model.embeddings.tables_to_log`
   * (`model/mean_row_norm/<table>`, `model/max_row_norm/<table>`); tables over a million rows are
   * read at an even stride (training's `rowNormStatistics`).
   */
  weightStatistics(): Record<string, number> {
    const logged = new Set(this.options.config.model.embeddings.tables_to_log ?? []);
    const statistics: Record<string, number> = {};
    for (const table of this.options.model.tables) {
      if (!logged.has(table.name)) continue;
      const norms = rowNormStatistics(loggedRows(table), table.dim);
      statistics[`model/mean_row_norm/${table.name}`] = norms.mean;
      statistics[`model/max_row_norm/${table.name}`] = norms.max;
    }
    return statistics;
  }

  parameterCount(): number {
    const model = this.options.model;
    return model.tables.reduce((n, t) => n + t.stored.length, 0) + model.relationParams.length;
  }
}

/**
 * A table's rows for norm logging: the float32 store itself, or, for a 16-bit table, its rows
 * decoded at the stride `rowNormStatistics` samples (at most a million), so a large table is never
 * decoded whole.
 */
function loggedRows(table: EmbeddingTable, sampleRows = 1_000_000): ArrayLike<number> {
  if (table.stored instanceof Float32Array) return table.stored;
  const stride = Math.ceil(table.rows / sampleRows);
  const ids = Int32Array.from({ length: Math.ceil(table.rows / stride) }, (_, k) => k * stride);
  const rows = new Float32Array(ids.length * table.dim);
  table.readRows(ids, ids.length, rows);
  return rows;
}
