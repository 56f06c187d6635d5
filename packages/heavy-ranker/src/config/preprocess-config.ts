import { z } from "zod";

/**
 * Keep the first N continuous / binary columns, then optionally only the columns where a `.npy`
 * mask is non-zero (`projects/home/recap/data/preprocessors.py`).
 */
export const truncateAndSliceConfigSchema = z.strictObject({
  continuous_feature_truncation: z.number().int().positive().nullable().default(null),
  binary_feature_truncation: z.number().int().positive().nullable().default(null),
  continuous_feature_mask_path: z.string().nullable().default(null),
  binary_feature_mask_path: z.string().nullable().default(null),
});

/** Target dtypes of DownCast; the original only implements bfloat16 and bool. */
export const downCastDtypeSchema = z.enum(["bfloat16", "bool", "float32", "float16", "uint8"]);

/** Cast listed features to a smaller dtype (`projects/home/recap/data/preprocessors.py`). */
export const downCastConfigSchema = z.strictObject({
  features: z.record(z.string(), downCastDtypeSchema),
});

/**
 * Zero a label unless it was engaged within the window after serving
 * (`projects/home/recap/data/preprocessors.py`); timestamps in milliseconds.
 */
export const rectifyLabelsConfigSchema = z.strictObject({
  label_rectification_window_in_hours: z.number().positive().default(3.0),
  served_timestamp_field: z.string(),
  impressed_timestamp_field: z.string(),
  label_to_engaged_timestamp_field: z.record(z.string(), z.string()),
});

/** One extracted feature: `name = features[source_tensor][:, index]`. */
export const extractFeatureRowSchema = z.strictObject({
  name: z.string(),
  source_tensor: z.string(),
  index: z.number().int().nonnegative(),
});

/** Copy single columns out of segdense tensors into named features (`data/preprocessors.py`). */
export const extractFeaturesConfigSchema = z.strictObject({
  extract_feature_table: z.array(extractFeatureRowSchema).default([]),
});

/**
 * Read `batch_multiplier` × B rows, keep all positives (any label in `engagements_list`) and fill
 * up with negatives to B rows, re-weighting negatives by (m·B − P)/(B − P)
 * (`projects/home/recap/data/preprocessors.py`).
 */
export const downsampleNegativesConfigSchema = z.strictObject({
  batch_multiplier: z.number().int().positive().nullable().default(null),
  engagements_list: z.array(z.string()).default([]),
  num_engagements: z.number().int().positive(),
});

const preprocessKeys = [
  "truncate_and_slice",
  "downcast",
  "rectify_labels",
  "extract_features",
  "downsample_negatives",
] as const;

/**
 * The optional preprocessors of a dataset, applied in the fixed order DownsampleNegatives →
 * TruncateAndSlice → DownCast → RectifyLabels → ExtractFeatures. At least one must be set.
 */
export const preprocessConfigSchema = z
  .strictObject({
    truncate_and_slice: truncateAndSliceConfigSchema.nullable().default(null),
    downcast: downCastConfigSchema.nullable().default(null),
    rectify_labels: rectifyLabelsConfigSchema.nullable().default(null),
    extract_features: extractFeaturesConfigSchema.nullable().default(null),
    downsample_negatives: downsampleNegativesConfigSchema.nullable().default(null),
  })
  .superRefine((value, context) => {
    if (preprocessKeys.every((key) => value[key] === null || value[key] === undefined)) {
      context.addIssue({
        code: "custom",
        message: `No known preprocessor: set one of ${preprocessKeys.join(", ")} or remove preprocess.`,
      });
    }
  });

/** The validated `preprocess` section. */
export type PreprocessConfig = z.output<typeof preprocessConfigSchema>;
/** The validated `truncate_and_slice` section. */
export type TruncateAndSliceConfig = z.output<typeof truncateAndSliceConfigSchema>;
/** The validated `downsample_negatives` section. */
export type DownsampleNegativesConfig = z.output<typeof downsampleNegativesConfigSchema>;
/** The validated `rectify_labels` section. */
export type RectifyLabelsConfig = z.output<typeof rectifyLabelsConfigSchema>;
/** The validated `downcast` section. */
export type DownCastConfig = z.output<typeof downCastConfigSchema>;
/** The validated `extract_features` section. */
export type ExtractFeaturesConfig = z.output<typeof extractFeaturesConfigSchema>;
