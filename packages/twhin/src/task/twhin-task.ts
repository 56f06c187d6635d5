import {
  CheckpointError,
  checkStateArray,
  type EvalContext,
  type RestoreContext,
  Rng,
  type RngState,
  type StateArray,
  type TaskState,
  type TrainStepOutput,
  type TrainTask,
} from "@tml/core";
import type { TwhinConfig } from "../config/twhin-config.js";
import type { EdgeBatches, EdgeCursor } from "../data/edge-batches.js";
import type { EdgeSet } from "../data/edge-set.js";
import type { FilterIndex } from "../eval/filter-index.js";
import { evaluateLinkPrediction } from "../eval/link-prediction.js";
import type { DenseProducts } from "../model/dense-products.js";
import type { TwhinModel } from "../model/twhin-model.js";
import type { EdgeBatch } from "./edge-batch.js";
import { TwhinTrainer } from "./twhin-trainer.js";

/** Options of `TwhinTask`. */
export interface TwhinTaskOptions {
  model: TwhinModel;
  config: TwhinConfig;
  /** The training batches (their cursor is saved and restored with the task). */
  batches: EdgeBatches;
  /** Held-out edges for `evaluate`, with the filter of known true edges. */
  validation?: { edges: EdgeSet; filter: FilterIndex };
  products?: DenseProducts;
}

/**
 * TwHIN as a core `TrainTask`: one row-sparse update per batch, filtered link-prediction metrics
 * on validation edges, and state = tables, relation operators, optimizer state (raw float32
 * arrays), the step, the data cursor and the RNG.
 */
export class TwhinTask implements TrainTask<EdgeBatch> {
  readonly kind = "twhin";
  readonly trainer: TwhinTrainer;
  private readonly options: TwhinTaskOptions;
  private rng: Rng;

  constructor(options: TwhinTaskOptions) {
    this.options = options;
    this.trainer = new TwhinTrainer(options.model, options.config, options.products);
    this.rng = new Rng(options.config.seed).fork("negatives");
  }

  trainStep(batch: EdgeBatch): TrainStepOutput {
    const loss = this.trainer.trainBatch(batch, this.rng, this.options.config.train_data.data_root);
    return { loss, examples: batch.size };
  }

  evaluate(context: EvalContext): Record<string, number> {
    const validation = this.options.validation;
    if (!validation) return {};
    const batch = this.options.config.validation_data.per_replica_batch_size;
    const maxEdges = context.maxSteps === undefined ? 0 : context.maxSteps * batch;
    const result = evaluateLinkPrediction(this.options.model, validation.edges, {
      filter: validation.filter,
      maxEdges,
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

  /** Named state arrays: `table/<name>`, `relations`, `optimizer/<name>/<slot>`. */
  private arrays(): Record<string, { data: Float32Array; shape: number[] }> {
    const model = this.options.model;
    const out: Record<string, { data: Float32Array; shape: number[] }> = {};
    model.tables.forEach((table, t) => {
      out[`table/${table.name}`] = { data: table.data, shape: [table.rows, table.dim] };
      for (const [slot, data] of Object.entries(this.trainer.tableOptimizers[t]!.state())) {
        out[`optimizer/${table.name}/${slot}`] = { data, shape: [data.length] };
      }
    });
    out["relations"] = { data: model.relationParams, shape: [model.numOperatorRows, model.dim] };
    for (const [slot, data] of Object.entries(this.trainer.relationOptimizer.state())) {
      out[`optimizer/relations/${slot}`] = { data, shape: [data.length] };
    }
    return out;
  }

  getState(): TaskState {
    const arrays: Record<string, StateArray> = {};
    for (const [name, { data, shape }] of Object.entries(this.arrays()))
      arrays[name] = { dtype: "float32", shape, data };
    return {
      arrays,
      json: {
        steps: this.trainer.steps,
        cursor: this.options.batches.cursor(),
        rng: this.rng.getState(),
      },
    };
  }

  setState(state: TaskState, context: RestoreContext): void {
    for (const [name, { data, shape }] of Object.entries(this.arrays())) {
      const saved = state.arrays[name];
      if (!saved) {
        throw new CheckpointError(
          `Checkpoint (step ${context.step}) has no array "${name}"; it was written by another TwHIN config.`,
          {
            details: { array: name },
          },
        );
      }
      checkStateArray(name, saved, shape, "float32");
      data.set(saved.data as Float32Array);
    }
    if (context.reason === "resume") {
      const json = state.json as { steps: number; cursor: EdgeCursor; rng: RngState };
      this.trainer.steps = json.steps;
      this.options.batches.restore(json.cursor);
      this.rng = Rng.fromState(json.rng);
    }
  }

  parameterCount(): number {
    const model = this.options.model;
    return model.tables.reduce((n, t) => n + t.data.length, 0) + model.relationParams.length;
  }
}
