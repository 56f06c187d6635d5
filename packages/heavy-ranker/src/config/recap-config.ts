import { z } from "zod";
import { recapDataConfigSchema } from "./data-config.js";
import { recapModelConfigSchema } from "./model-config.js";
import { recapOptimizerConfigSchema } from "./optimizer-config.js";
import { recapTrainingConfigSchema } from "./training-config.js";
import { rejectUnsupportedRecapKeys } from "./unsupported-keys.js";

/**
 * How labels are matched to model tasks. `fixed` (default) selects each model task's label column
 * by name from `train_data.tasks`; `original` reproduces the original's positional alignment
 * (model task t trains on data label column t, as the original's `core/losses.py` indexes them).
 */
export const paritySchema = z.enum(["original", "fixed"]);

/** Label alignment mode, see `paritySchema`. */
export type Parity = z.output<typeof paritySchema>;

/**
 * The whole Heavy Ranker config file (`projects/home/recap/config.py`): training loop, model,
 * training and validation data, optimizer, plus `parity`. With parity `fixed` every model task must
 * be a train_data task (labels are looked up by name); with `original` train_data must have at
 * least as many tasks. A large embedding table's `feature_name` must be a feature the train data
 * reads (a `renamed_features` key or a `features` entry).
 */
export const recapConfigSchema = z
  .strictObject({
    training: recapTrainingConfigSchema.default(() => recapTrainingConfigSchema.parse({})),
    model: recapModelConfigSchema,
    train_data: recapDataConfigSchema,
    validation_data: z.record(z.string(), recapDataConfigSchema),
    optimizer: recapOptimizerConfigSchema,
    which_metrics: z.string().nullable().default(null),
    parity: paritySchema.default("fixed"),
  })
  .superRefine((value, context) => {
    const modelTasks = Object.keys(value.model.tasks);
    const dataTasks = Object.keys(value.train_data.tasks);
    if (value.parity === "fixed") {
      for (const task of modelTasks) {
        if (!dataTasks.includes(task)) {
          context.addIssue({
            code: "custom",
            path: ["model", "tasks", task],
            message: `model task "${task}" has no label in train_data.tasks; add it there (labels are selected by name)`,
          });
        }
      }
    } else if (modelTasks.length > dataTasks.length) {
      context.addIssue({
        code: "custom",
        path: ["train_data", "tasks"],
        message: `parity "original" aligns labels by position: train_data has ${dataTasks.length} tasks but the model ${modelTasks.length}`,
      });
    }
    const schema = value.train_data.seg_dense_schema;
    value.model.large_embeddings?.tables.forEach((table, index) => {
      const feature = table.feature_name;
      if (feature === null || feature in schema.renamed_features) return;
      if (schema.features.includes(feature)) return;
      context.addIssue({
        code: "custom",
        path: ["model", "large_embeddings", "tables", index, "feature_name"],
        message: `"${feature}" is not a feature of train_data.seg_dense_schema; add it to renamed_features (e.g. meta__user_id: meta.user_id) or features`,
      });
    });
  })
  .superRefine(rejectUnsupportedRecapKeys);

/** A validated Heavy Ranker config. */
export type RecapConfig = z.output<typeof recapConfigSchema>;
