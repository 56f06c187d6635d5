import { oneOf } from "@tml/core";
import { z } from "zod";
import { preprocessConfigSchema } from "./preprocess-config.js";
import { rejectUnsupportedDataKeys } from "./unsupported-keys.js";

/** Hourly input folders `<data_root>/YYYY/MM/DD/HH` for the `hours` hours before `end_datetime`. */
export const explicitDatetimeInputsSchema = z.strictObject({
  data_root: z.string(),
  end_datetime: z.string(),
  hours: z.number().int().positive(),
  num_missing_hours_tol: z.number().int().nonnegative().default(0),
});

/** Daily input folders `<data_root>/YYYY/MM/DD` for the `days` days before `end_date`. */
export const explicitDateInputsSchema = z.strictObject({
  data_root: z.string(),
  end_date: z.string(),
  days: z.number().int().positive(),
  num_missing_days_tol: z.number().int().nonnegative().default(0),
});

/**
 * Fractions of positives / negatives of one label kept when the dataset was generated, in (0, 1];
 * they give keep-rate weights and the calibration ratio neg/pos.
 */
export const taskDataSchema = z.strictObject({
  pos_downsampling_rate: z.number().positive().max(1).default(1.0),
  neg_downsampling_rate: z.number().positive().max(1).default(1.0),
});

/**
 * Where the segdense schema JSON lives and how its features are renamed (`renamed_features` maps
 * new name → original name); `mask_mantissa_features` zeroes low mantissa bits of float features.
 */
export const segDenseSchemaConfigSchema = z.strictObject({
  schema_path: z.string(),
  features: z.array(z.string()).default([]),
  renamed_features: z.record(z.string(), z.string()).default({}),
  mask_mantissa_features: z.record(z.string(), z.number().int().min(0).max(23)).default({}),
});

const datasetFields = {
  inputs: z.string().nullable().default(null),
  explicit_datetime_inputs: explicitDatetimeInputsSchema.nullable().default(null),
  explicit_date_inputs: explicitDateInputsSchema.nullable().default(null),
  global_batch_size: z.number().int().positive(),
  num_files_to_keep: z.number().int().positive().nullable().default(null),
  repeat_files: z.boolean().default(true),
  file_batch_size: z.number().int().positive().default(16),
  cache: z.boolean().default(false),
  data_service_dispatcher: z.string().nullable().default(null),
  ignore_data_errors: z.boolean().default(false),
  dataset_service_compression: z.enum(["AUTO"]).nullable().default(null),
  examples_shuffle_buffer_size: z.number().int().default(1024),
  map_num_parallel_calls: z.number().int().positive().nullable().default(null),
  interleave_num_parallel_calls: z.number().int().positive().nullable().default(null),
};

/**
 * A Heavy Ranker dataset (`projects/home/recap/data/config.py`): file selection (exactly one of
 * `inputs` glob / `explicit_datetime_inputs` / `explicit_date_inputs`), batching, the segdense
 * schema, the label tasks (their order is the label column order of the data), evaluation tasks (a
 * subset of `tasks`) and optional preprocessors.
 */
export const recapDataConfigSchema = z
  .strictObject({
    ...datasetFields,
    seg_dense_schema: segDenseSchemaConfigSchema,
    tasks: z.record(z.string(), taskDataSchema),
    evaluation_tasks: z.array(z.string()).default([]),
    preprocess: preprocessConfigSchema.nullable().default(null),
    sampler: z
      .strictObject({ name: z.string(), kwargs: z.record(z.string(), z.unknown()).default({}) })
      .nullable()
      .default(null),
  })
  .superRefine(oneOf(["inputs", "explicit_datetime_inputs", "explicit_date_inputs"]))
  .superRefine(rejectUnsupportedDataKeys)
  .superRefine((value, context) => {
    value.evaluation_tasks.forEach((task, index) => {
      if (!(task in value.tasks)) {
        context.addIssue({
          code: "custom",
          path: ["evaluation_tasks", index],
          message: `evaluation task "${task}" is not a key of tasks (${Object.keys(value.tasks).join(", ")})`,
        });
      }
    });
  });

/** A validated Heavy Ranker dataset config. */
export type RecapDataConfig = z.output<typeof recapDataConfigSchema>;
/** Keep rates of one label. */
export type TaskData = z.output<typeof taskDataSchema>;
/** The validated `seg_dense_schema` section. */
export type SegDenseSchemaConfig = z.output<typeof segDenseSchemaConfigSchema>;
/** The validated `explicit_datetime_inputs` section. */
export type ExplicitDatetimeInputs = z.output<typeof explicitDatetimeInputsSchema>;
/** The validated `explicit_date_inputs` section. */
export type ExplicitDateInputs = z.output<typeof explicitDateInputsSchema>;
