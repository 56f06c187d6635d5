import * as tf from "@tensorflow/tfjs-core";
import { ConfigError, Rng } from "@tml/core";
import type { RecapModelConfig } from "../config/model-config.js";
import { calibrateProbabilities, sanitizeTaskName } from "./calibration.js";
import type { EmbeddingBag } from "./embedding-bag.js";
import type { LargeEmbeddings } from "./large-embeddings.js";
import { type ModelInputShapes, ModelInputs, type RankingFeatures } from "./model-inputs.js";
import { buffer, type ForwardContext, type NamedTensor, parameter, prefixed } from "./module.js";
import { buildTaskNetwork, type TaskNetwork } from "./task-model.js";

/** Model outputs, columns in `model.tasks` order. */
export interface RankingOutputs {
  /** B x T logits (after the affine maps). */
  readonly logits: tf.Tensor2D;
  /** B x T sigmoid(logits). */
  readonly probabilities: tf.Tensor2D;
  /** B x T probabilities with the down-sampling undone (`model/numeric_calibration.py`). */
  readonly calibratedProbabilities: tf.Tensor2D;
  /** B x W tower input (`return_backbone`), only when asked for. */
  readonly backbone?: tf.Tensor2D;
}

/** Everything needed to build a MultiTaskRankingModel. */
export interface RankingModelOptions extends ModelInputShapes {
  readonly config: RecapModelConfig;
  /** Per task name: neg_downsampling_rate / pos_downsampling_rate of the train data (default 1). */
  readonly calibrationRatios?: Readonly<Record<string, number>>;
  /** Seed of the initialisation (Xavier, embeddings). */
  readonly seed?: number;
}

interface Tower {
  readonly task: string;
  readonly key: string;
  readonly network: TaskNetwork;
  readonly affine?: { weight: tf.Variable; bias: tf.Variable };
  readonly ratio: tf.Variable;
}

/**
 * The Heavy Ranker (`MultiTaskRankingModel`, `projects/home/recap/model/entrypoint.py`): input
 * stage → optional backbone → one tower per task (share_all: on the backbone output; share_partial:
 * input ⊕ backbone; share_none: input) → [B, 1] logit → optional affine map → sigmoid →
 * calibration. Tensors carry the original's state_dict names through `namedWeights()`.
 */
export class MultiTaskRankingModel {
  readonly taskNames: readonly string[];
  readonly inputWidth: number;
  private readonly inputs: ModelInputs;
  private readonly backbone?: TaskNetwork;
  private readonly towers: Tower[];
  private readonly named: Map<string, tf.Variable>;

  constructor(readonly options: RankingModelOptions) {
    const { config } = options;
    const rng = new Rng(options.seed ?? 0);
    this.inputs = new ModelInputs(config, options, rng.fork("inputs"));
    this.inputWidth = this.inputs.width;
    let towerSegments = this.inputs.segments;
    if (config.multi_task_type !== "share_none" && config.backbone) {
      this.backbone = buildTaskNetwork(config.backbone, this.inputs.segments, rng.fork("backbone"));
      const backboneWidth = this.backbone.outFeatures;
      towerSegments =
        config.multi_task_type === "share_all"
          ? [backboneWidth]
          : [...this.inputs.segments, backboneWidth];
    }
    this.taskNames = Object.keys(config.tasks);
    this.towers = this.taskNames.map((task) => {
      const taskConfig = config.tasks[task] as NonNullable<RecapModelConfig["tasks"][string]>;
      const network = buildTaskNetwork(taskConfig, towerSegments, rng.fork(`tower:${task}`));
      if (network.outFeatures !== 1) {
        throw new ConfigError(
          `model.tasks.${task}: the tower outputs ${network.outFeatures} values per row; its last layer must have size 1`,
        );
      }
      const map = taskConfig.affine_map;
      const affine = map
        ? {
            weight: parameter(tf.fill([1, 1], map.scale)),
            bias: parameter(tf.fill([1], map.bias)),
          }
        : undefined;
      const ratio = buffer(tf.scalar(options.calibrationRatios?.[task] ?? 1));
      return { task, key: sanitizeTaskName(task), network, ratio, ...(affine ? { affine } : {}) };
    });
    this.named = new Map(this.collect().map(({ name, variable }) => [name, variable]));
  }

  /**
   * Forward pass: features (B rows) → outputs [B, T]. Train mode uses batch statistics (and
   * updates running ones) and dropout; pass `returnBackbone` to also get the tower input.
   */
  apply(
    features: RankingFeatures,
    context: ForwardContext,
    returnBackbone = false,
  ): RankingOutputs {
    return tf.tidy(() => {
      const input = this.inputs.apply(features, context);
      let net = input;
      if (this.backbone) {
        const backboneOutput = this.backbone.output(input, context);
        net =
          this.options.config.multi_task_type === "share_all"
            ? backboneOutput
            : tf.concat([input, backboneOutput], 1);
      }
      const logits = this.towers.map((tower) => {
        let logit = tower.network.output(net, context); // [B, 1]
        if (tower.affine)
          logit = tf.add(tf.matMul(logit, tower.affine.weight), tower.affine.bias) as tf.Tensor2D;
        return logit;
      });
      const stacked = logits.length === 1 ? (logits[0] as tf.Tensor2D) : tf.concat(logits, 1); // [B, T]
      const probabilities = tf.sigmoid(stacked);
      // The `_calibrators.<task>.ratio` buffers, so loaded weights set the calibration too.
      const ratios = tf.stack(this.towers.map((tower) => tower.ratio)) as tf.Tensor1D; // [T]
      const calibratedProbabilities = calibrateProbabilities(probabilities, ratios);
      return {
        logits: stacked,
        probabilities,
        calibratedProbabilities,
        ...(returnBackbone ? { backbone: net } : {}),
      };
    });
  }

  /**
   * Weight penalties added to the training loss (small-embedding `l2_regularization`), or null
   * when none is configured.
   */
  regularizationLoss(): tf.Scalar | null {
    return this.inputs.regularizationLoss();
  }

  /** Every parameter and buffer under its original state_dict key, in registration order. */
  namedWeights(): Map<string, tf.Variable> {
    return this.named;
  }

  /** The large embedding tables under their state_dict names (empty without `large_embeddings`). */
  namedTables(): Map<string, EmbeddingBag> {
    return this.largeEmbeddings?.namedTables() ?? new Map();
  }

  /** The trainable parameters, in `namedWeights` order. */
  trainableVariables(): tf.Variable[] {
    return [...this.named.values()].filter((variable) => variable.trainable);
  }

  /** The id-keyed large embedding tables (outside `namedWeights`), when configured. */
  get largeEmbeddings(): LargeEmbeddings | undefined {
    return this.inputs.largeEmbeddings;
  }

  /**
   * Number of trainable scalars, large tables included (48,115,108 for local_prod, which has
   * none).
   */
  parameterCount(): number {
    const dense = this.trainableVariables().reduce((total, variable) => total + variable.size, 0);
    return dense + (this.largeEmbeddings?.parameterCount() ?? 0);
  }

  /** Frees every tensor the model owns. */
  dispose(): void {
    for (const variable of this.named.values()) variable.dispose();
  }

  private collect(): NamedTensor[] {
    const named: NamedTensor[] = [...this.inputs.namedTensors()];
    if (this.backbone) named.push(...prefixed("_backbone", this.backbone));
    for (const tower of this.towers) named.push(...prefixed(`_towers.${tower.key}`, tower.network));
    for (const tower of this.towers) {
      if (!tower.affine) continue;
      named.push({ name: `_affine_maps.${tower.key}.weight`, variable: tower.affine.weight });
      named.push({ name: `_affine_maps.${tower.key}.bias`, variable: tower.affine.bias });
    }
    for (const tower of this.towers)
      named.push({ name: `_calibrators.${tower.key}.ratio`, variable: tower.ratio });
    return named;
  }
}
