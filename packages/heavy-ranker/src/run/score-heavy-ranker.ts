import type { OrtRuntime } from "@tml/engine";
import type { RecapConfig } from "../config/recap-config.js";
import { disposeRecapBatch } from "../features/recap-batch.js";
import { stratifierColumns } from "../task/stratifier-columns.js";
import { loadScorerRuntime, restoreScoringRanker, type ScorerKind } from "./ranker-scorer.js";
import type { ScoredTask } from "./task-metrics.js";
import type { TwhinEmbeddings } from "./twhin-embeddings.js";

/** Per-task held-out predictions of a checkpoint, and which step it was. */
export interface HeavyRankerScores {
  step: number;
  checkpoint: string;
  /** Which scorer computed the predictions. */
  scorer: ScorerKind;
  tasks: ScoredTask[];
  /** Each of `model.stratifiers`' discrete column over the scored rows, by stratifier name. */
  stratifiers: Record<string, Int32Array>;
}

/** Growable float column. */
class Column {
  values = new Float32Array(1024);
  length = 0;
  push(value: number): void {
    if (this.length === this.values.length) {
      const grown = new Float32Array(this.values.length * 2);
      grown.set(this.values);
      this.values = grown;
    }
    this.values[this.length++] = value;
  }
  finish(): Float32Array {
    return this.values.slice(0, this.length);
  }
}

/** Growable int32 column. */
class IntColumn {
  values = new Int32Array(1024);
  length = 0;
  append(values: Int32Array): void {
    if (this.length + values.length > this.values.length) {
      const grown = new Int32Array(Math.max(this.values.length * 2, this.length + values.length));
      grown.set(this.values);
      this.values = grown;
    }
    this.values.set(values, this.length);
    this.length += values.length;
  }
  finish(): Int32Array {
    return this.values.slice(0, this.length);
  }
}

/**
 * Scores `config.validation_data[partition]` with the checkpoint's weights in eval mode and returns
 * every row's probability, label and weight per model task (labels picked by task name) and the
 * stratifiers' discrete columns, for metrics and curves, through the tfjs model or its ONNX graph (`scorer`, default "tfjs"; the ONNX
 * kinds run on `runtime`, which this call then owns and frees). A checkpoint of another model kind
 * is a CheckpointError. A model trained with `embeddings` must be scored with the same tables.
 */
export async function scoreHeavyRanker(options: {
  /** Names the caller in error messages (`evaluator heavy-ranker`). */
  command: string;
  config: RecapConfig;
  checkpoint: string;
  partition: string;
  /** At most this many batches (default all). */
  maxBatches?: number;
  scorer?: ScorerKind;
  runtime?: OrtRuntime;
  /**
   * TwHIN embeddings replacing the data's embedding columns (looked up by user / author id), as
   * `trainHeavyRanker`'s option of that name: same lookup, same DataErrors.
   */
  embeddings?: TwhinEmbeddings;
}): Promise<HeavyRankerScores> {
  const kind = options.scorer ?? "tfjs";
  const { command } = options;
  const { ranker, scorer, dispose } = await restoreScoringRanker({
    command,
    config: options.config,
    checkpoint: options.checkpoint,
    partition: options.partition,
    kind,
    runtime: options.runtime ?? loadScorerRuntime(command, kind),
    ...(options.embeddings ? { embeddings: options.embeddings } : {}),
  });
  try {
    const taskNames = scorer.taskNames;
    const columns = taskNames.map(() => ({ p: new Column(), y: new Column(), w: new Column() }));
    const stratifiers = options.config.model.stratifiers ?? [];
    const strata = new Map(stratifiers.map((stratifier) => [stratifier.name, new IntColumn()]));
    let batches = 0;
    for await (const batch of ranker.batches(options.partition)) {
      try {
        const outputs = await scorer.apply(batch, { training: false });
        const [probabilities, labels, weights] = await Promise.all([
          outputs.probabilities.data(),
          batch.labels.data(),
          batch.weights.data(),
        ]);
        for (const tensor of [
          outputs.probabilities,
          outputs.logits,
          outputs.calibratedProbabilities,
        ])
          tensor.dispose();
        for (const [name, column] of Object.entries(
          await stratifierColumns(batch.discrete, stratifiers),
        ))
          strata.get(name)?.append(column);
        const width = batch.taskNames.length;
        taskNames.forEach((task, t) => {
          const column = batch.taskNames.indexOf(task);
          const target = columns[t] as (typeof columns)[number];
          for (let row = 0; row < batch.size; row++) {
            target.p.push(probabilities[row * taskNames.length + t] as number);
            target.y.push(column < 0 ? 0 : (labels[row * width + column] as number));
            target.w.push(column < 0 ? 0 : (weights[row * width + column] as number));
          }
        });
      } finally {
        disposeRecapBatch(batch);
      }
      batches += 1;
      if (options.maxBatches !== undefined && batches >= options.maxBatches) break;
    }
    return {
      step: ranker.step,
      checkpoint: ranker.checkpoint,
      scorer: scorer.kind,
      tasks: taskNames.map((task, t) => {
        const column = columns[t] as (typeof columns)[number];
        return {
          task,
          predictions: column.p.finish(),
          labels: column.y.finish(),
          weights: column.w.finish(),
        };
      }),
      stratifiers: Object.fromEntries([...strata].map(([name, column]) => [name, column.finish()])),
    };
  } finally {
    dispose();
  }
}
