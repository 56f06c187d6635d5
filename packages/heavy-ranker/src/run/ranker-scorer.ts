import { BackendError, getFlag, TmlError, UsageError } from "@tml/core";
import { loadOrtRuntime, type OrtRuntime } from "@tml/engine";
import type { RecapConfig } from "../config/recap-config.js";
import type { RecapBatch } from "../features/recap-batch.js";
import type { MultiTaskRankingModel } from "../model/ranking-model.js";
import { OnnxScorer } from "../serving/onnx-scorer.js";
import { type RestoredRanker, restoreRanker } from "./restore-ranker.js";
import type { TwhinEmbeddings } from "./twhin-embeddings.js";

/**
 * How a checkpoint's rows are scored: the tfjs model (the default, unchanged outputs), or the model
 * compiled to one ONNX graph run by onnxruntime-node with fp32 or int8 dense layers.
 */
export const SCORER_KINDS = ["tfjs", "onnx-fp32", "onnx-int8"] as const;

/** One of `SCORER_KINDS`. */
export type ScorerKind = (typeof SCORER_KINDS)[number];

/** A ranker's inference pass for evaluation and ranking: B x T outputs the caller disposes. */
export interface RankerScorer {
  readonly kind: ScorerKind;
  readonly taskNames: readonly string[];
  apply(batch: RecapBatch, context: { readonly training: false }): ReturnType<OnnxScorer["apply"]>;
  /** Frees the ONNX session and runtime (the tfjs model stays with its owner). */
  dispose(): void;
}

/**
 * The onnxruntime an ONNX scorer runs on (`command` names the caller in error messages), loaded before the model is restored or any batch read, so
 * a missing or broken onnxruntime-node is reported early (BackendError); undefined for tfjs.
 * Intra-op threads: the `TML_ENGINE_THREADS` flag (`--threads`; default the cores this process may
 * use, as the engine's own onnxruntime kernels).
 */
export function loadScorerRuntime(command: string, kind: ScorerKind): OrtRuntime | undefined {
  if (kind === "tfjs") return undefined;
  const loaded = loadOrtRuntime(getFlag("TML_ENGINE_THREADS"));
  if (!loaded.ok) {
    throw new BackendError(
      `${command} --scorer ${kind}: onnxruntime-node cannot be loaded (${loaded.reason}); install it (pnpm add onnxruntime-node) or score with --scorer tfjs.`,
    );
  }
  return loaded.runtime;
}

/**
 * A scorer for a restored model. For the ONNX kinds the model is compiled onto `runtime` (from
 * `loadScorerRuntime`; the scorer owns it and frees it, also when this throws); a layer the compiler does not cover (DCN,
 * DLRM) is a UsageError naming it and pointing at `--scorer tfjs`.
 */
export async function openRankerScorer(
  command: string,
  model: MultiTaskRankingModel,
  kind: ScorerKind,
  runtime: OrtRuntime | undefined,
): Promise<RankerScorer> {
  if (kind === "tfjs") {
    return {
      kind,
      taskNames: model.taskNames,
      apply: async (batch, context) => model.apply(batch, context),
      dispose: () => runtime?.dispose(),
    };
  }
  if (!runtime) throw new BackendError(`${command} --scorer ${kind}: no onnxruntime was loaded`);
  let scorer: OnnxScorer;
  try {
    scorer = await OnnxScorer.create(model, {
      precision: kind === "onnx-int8" ? "int8" : "fp32",
      runtime,
    });
  } catch (error) {
    runtime.dispose();
    if (TmlError.isInstance(error, "USAGE")) {
      throw new UsageError(
        `${command} --scorer ${kind}: ${(error as Error).message}; score this model with --scorer tfjs.`,
        { cause: error },
      );
    }
    throw error;
  }
  return {
    kind,
    taskNames: scorer.taskNames,
    apply: (batch, context) => scorer.apply(batch, context),
    dispose: () => {
      scorer.dispose();
      runtime.dispose();
    },
  };
}

/** A restored ranker and its scorer, freed together. */
export interface ScoringRanker {
  readonly ranker: RestoredRanker;
  readonly scorer: RankerScorer;
  dispose(): void;
}

/**
 * Restores the checkpoint (`restoreRanker`) and opens its scorer; `runtime` (for the ONNX kinds) is
 * owned from here on and freed on every path, also when restoring or compiling fails. `embeddings`
 * replace the data's embedding columns in every batch, as in training.
 */
export async function restoreScoringRanker(options: {
  command: string;
  config: RecapConfig;
  checkpoint: string;
  partition: string;
  kind: ScorerKind;
  runtime: OrtRuntime | undefined;
  embeddings?: TwhinEmbeddings;
}): Promise<ScoringRanker> {
  let ranker: RestoredRanker;
  try {
    ranker = await restoreRanker(
      options.config,
      options.checkpoint,
      options.partition,
      options.embeddings,
    );
  } catch (error) {
    options.runtime?.dispose();
    throw error;
  }
  try {
    const scorer = await openRankerScorer(
      options.command,
      ranker.model,
      options.kind,
      options.runtime,
    );
    return {
      ranker,
      scorer,
      dispose: () => {
        scorer.dispose();
        ranker.dispose();
      },
    };
  } catch (error) {
    ranker.dispose();
    throw error;
  }
}
