import type { z } from "zod";

/** The parts of a TwHIN config whose keys only serve the original's GPU and tracking runtime. */
interface UnsupportedKeys {
  runtime: { wandb?: unknown; enable_tensorfloat32: boolean; enable_amp: boolean };
  model: {
    embeddings: { tables: ReadonlyArray<{ name: string; vocab?: string | null | undefined }> };
  };
}

/**
 * Refinement of a TwHIN config: the original's runtime keys (`core/config/config.py` runtime:
 * `wandb`, `enable_tensorfloat32`, `enable_amp`) and a table's `vocab` (an id → row mapping file,
 * `projects/twhin/models/config.py`) load at their defaults (null / false) and are a config
 * error, naming the key and what to do, at any other value.
 */
export function rejectUnsupportedTwhinKeys(
  config: UnsupportedKeys,
  context: z.RefinementCtx,
): void {
  const { runtime } = config;
  if (runtime.wandb !== null && runtime.wandb !== undefined) {
    context.addIssue({
      code: "custom",
      path: ["runtime", "wandb"],
      message:
        "wandb is not supported: remove it; training writes TensorBoard event files and a metrics log in the run directory instead.",
    });
  }
  if (runtime.enable_tensorfloat32) {
    context.addIssue({
      code: "custom",
      path: ["runtime", "enable_tensorfloat32"],
      message:
        "enable_tensorfloat32 is not supported: TwHIN's kernels compute in float32 on the CPU; remove it.",
    });
  }
  if (runtime.enable_amp) {
    context.addIssue({
      code: "custom",
      path: ["runtime", "enable_amp"],
      message:
        "enable_amp is not supported: there is no mixed-precision path; remove it (tables may be stored in half precision with the table's data_type).",
    });
  }
  config.model.embeddings.tables.forEach((table, index) => {
    if (table.vocab !== null && table.vocab !== undefined) {
      context.addIssue({
        code: "custom",
        path: ["model", "embeddings", "tables", index, "vocab"],
        message: `vocab of table "${table.name}" is not supported: entity ids are table rows; remap ids to 0..num_embeddings-1 when writing the edges and remove vocab.`,
      });
    }
  });
}
