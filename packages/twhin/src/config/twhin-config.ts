import { safeNameSchema, trainingConfigSchema } from "@tml/core";
import { z } from "zod";
import { findRecipe, TWHIN_RECIPES } from "../recipes/recipes.js";
import { applyRecipe } from "../recipes/twhin-recipe.js";
import { modelSelectionConfigSchema } from "./model-selection-config.js";
import { tableOptimizerConfigSchema } from "./table-optimizer-config.js";
import { rejectUnsupportedTwhinKeys } from "./unsupported-keys.js";

/** One embedding table (the original's `EmbeddingBagConfig`): one entity type. */
export const tableConfigSchema = z.strictObject({
  /** Entity type; names the export files (`export/<name>-00000.parquet`), so a safe name. */
  name: safeNameSchema,
  num_embeddings: z.number().int().positive(),
  embedding_dim: z.number().int().positive(),
  pretrained: z
    .strictObject({ emb_name: z.string(), embedding_snapshot_uri: z.string() })
    .nullish(),
  vocab: z.string().nullish(),
  optimizer: tableOptimizerConfigSchema,
  /**
   * Table storage: float32, or 16-bit `fp16` / `bf16` (half the memory; arithmetic stays float32,
   * rows are rounded to nearest even when written; optimizer state stays float32).
   */
  data_type: z.enum(["fp32", "fp16", "bf16"]),
});

/** Relation operators (PyTorch-BigGraph family); the original knows only `translation`. */
export const operatorSchema = z.enum([
  "none",
  "translation",
  "diagonal",
  "complex_diagonal",
  "rotation",
]);
/** An operator name. */
export type OperatorKind = z.output<typeof operatorSchema>;

/** One relation; its index in the data is its position in the list. */
export const relationConfigSchema = z.strictObject({
  name: z.string().min(1),
  lhs: z.string(),
  rhs: z.string(),
  operator: operatorSchema.default("translation"),
});

/** Edge data: Parquet files with int columns `lhs`, `rel`, `rhs` (`projects/twhin/data/edges.py`). */
export const dataConfigSchema = z.strictObject({
  data_root: z.string().min(1),
  per_replica_batch_size: z.number().int().positive(),
  /**
   * Uniform negatives per side drawn from the target entity type's table, shared by the batch; or
   * `all`: every row of the target table is a candidate (1vsAll, with the softmax loss a
   * cross-entropy over the whole entity type, the positive counted once).
   */
  global_negatives: z.union([z.number().int().nonnegative(), z.literal("all")]),
  /** In-batch negatives per side per edge, drawn within the edge's relation (`projects/twhin/models/models.py`). */
  in_batch_negatives: z.number().int().nonnegative(),
  /** Edges to read (at most). */
  limit: z.number().int().positive(),
  /** Edges to skip first. */
  offset: z.number().int().positive().nullish(),
});

/** Loss over each edge's positive and negative scores. */
export const lossConfigSchema = z.strictObject({
  type: z.enum(["bce", "softmax", "margin"]).default("bce"),
  margin: z.number().positive().default(1),
});

/** The model section: tables, relations, scoring, negatives' loss, quirk parity. */
export const modelConfigSchema = z
  .strictObject({
    embeddings: z.strictObject({
      tables: z.array(tableConfigSchema).min(1),
      /**
       * Tables whose mean and largest row L2 norm are logged at every log line
       * (`model/mean_row_norm/<table>`, `model/max_row_norm/<table>`; TensorBoard and metrics log).
       */
      tables_to_log: z.array(z.string()).nullish(),
    }),
    relations: z.array(relationConfigSchema).min(1),
    translation_optimizer: tableOptimizerConfigSchema,
    /** Score comparator between the operated lhs and the rhs: dot, cosine or negated squared L2. */
    comparator: z.enum(["dot", "cos", "l2"]).default("dot"),
    loss: lossConfigSchema.default({ type: "bce", margin: 1 }),
    /** `fixed` (default) or `original`: reproduce the defects of the original's
     * `projects/twhin/models/models.py` (model/parity.ts says which). */
    parity: z.enum(["fixed", "original"]).default("fixed"),
    /** Give every relation a second operator for predicting the lhs (PBG dynamic relations). */
    reciprocal_relations: z.boolean().default(false),
    /** Weight of the `regularizer` penalty (0 = off). */
    regularization: z.number().nonnegative().default(0),
    /**
     * `l2`: weight/2 * |x|^2 on each distinct embedding row of a batch (negatives included).
     * `n3`: the weighted nuclear 3-norm of Lacroix et al. 2018: weight * sum |x|^3 over the
     * lhs, operator and rhs rows of every edge direction in the batch (moduli of complex
     * coordinates under `complex_diagonal`), divided by the number of edge directions.
     */
    regularizer: z.enum(["l2", "n3"]).default("l2"),
    /**
     * Weight of relation prediction, an auxiliary cross-entropy in which each edge direction ranks
     * its own relation among all relations joining the same tables (Chen et al. 2021; 0 = off).
     * Needs a dot comparator and every relation on one operator: `diagonal`, `complex_diagonal` or
     * `translation`.
     */
    relation_prediction: z.number().nonnegative().default(0),
    /** Initial relation vectors: the original's U[0,1), or zeros/ones (identity operators). */
    relation_init: z.enum(["original", "identity"]).default("original"),
    /** Scale of the uniform table init; default the original's sqrt(1/num_embeddings). */
    init_scale: z.number().positive().nullish(),
  })
  .superRefine((model, context) => {
    if (model.parity === "original" && (model.loss.type !== "bce" || model.comparator !== "dot")) {
      context.addIssue({
        code: "custom",
        path: ["parity"],
        message: `parity: original reproduces the BCE loss with dot scores only; got loss.type ${model.loss.type}, comparator ${model.comparator}.`,
      });
    }
    if (model.parity === "original" && model.regularizer === "n3") {
      context.addIssue({
        code: "custom",
        path: ["regularizer"],
        message:
          "regularizer n3 acts on the operators, which parity: original does not apply; use l2.",
      });
    }
    if (model.relation_prediction > 0) {
      const operators = new Set(model.relations.map((relation) => relation.operator));
      const operator = [...operators][0];
      const supported =
        operators.size === 1 &&
        (operator === "diagonal" || operator === "complex_diagonal" || operator === "translation");
      if (!supported || model.comparator !== "dot" || model.parity === "original") {
        context.addIssue({
          code: "custom",
          path: ["relation_prediction"],
          message: `relation_prediction needs comparator dot, parity fixed and every relation on one operator, diagonal, complex_diagonal or translation; got comparator ${model.comparator}, parity ${model.parity}, operators ${[...operators].join(", ")}.`,
        });
      }
    }
    const tables = model.embeddings.tables;
    const names = new Set(tables.map((t) => t.name));
    if (names.size !== tables.length) {
      context.addIssue({
        code: "custom",
        path: ["embeddings", "tables"],
        message: "Table names must be unique.",
      });
    }
    (model.embeddings.tables_to_log ?? []).forEach((name, index) => {
      if (!names.has(name)) {
        context.addIssue({
          code: "custom",
          path: ["embeddings", "tables_to_log", index],
          message: `tables_to_log names unknown table "${name}"; tables are ${[...names].join(", ")}.`,
        });
      }
    });
    tables.forEach((table, index) => {
      if (
        table.embedding_dim !== tables[0]!.embedding_dim ||
        table.data_type !== tables[0]!.data_type
      ) {
        context.addIssue({
          code: "custom",
          path: ["embeddings", "tables", index],
          message: `All tables must share embedding_dim and data_type; "${table.name}" has ${table.embedding_dim}/${table.data_type}, "${tables[0]!.name}" has ${tables[0]!.embedding_dim}/${tables[0]!.data_type}.`,
        });
      }
    });
    model.relations.forEach((relation, index) => {
      for (const side of ["lhs", "rhs"] as const) {
        if (!names.has(relation[side])) {
          context.addIssue({
            code: "custom",
            path: ["relations", index, side],
            message: `Relation "${relation.name}" names unknown table "${relation[side]}"; tables are ${[...names].join(", ")}.`,
          });
        }
      }
      const complex = relation.operator === "complex_diagonal" || relation.operator === "rotation";
      if (complex && tables[0]!.embedding_dim % 2 !== 0) {
        context.addIssue({
          code: "custom",
          path: ["relations", index, "operator"],
          message: `${relation.operator} reads complex coordinates: it needs an even embedding_dim.`,
        });
      }
    });
  });

/** Filtered link-prediction evaluation (an extension; the original has only a sampled AUC, `projects/twhin/metrics.py`). */
export const evaluationConfigSchema = z.strictObject({
  /** Edges to rank (Parquet glob); default `validation_data.data_root`. */
  data_root: z.string().nullish(),
  /** Known true edges removed from the rankings (globs); the evaluated edges are always added. */
  filter_roots: z.array(z.string()).default([]),
  /** Evaluate at most this many edges (0 = all). */
  max_edges: z.number().int().nonnegative().default(0),
});

const twhinConfigObjectSchema = z
  .strictObject({
    /** The recipe whose defaults fill every key the config leaves out (`recipes/`); null: none. */
    recipe: z.string().nullish(),
    runtime: z
      .strictObject({
        wandb: z.unknown().nullish(),
        enable_tensorfloat32: z.boolean().default(false),
        enable_amp: z.boolean().default(false),
      })
      .default({ enable_tensorfloat32: false, enable_amp: false }),
    training: trainingConfigSchema.default(() => trainingConfigSchema.parse({})),
    /** Seed of initialisation, shuffling and negative sampling (an extension). */
    seed: z.number().int().default(0),
    model: modelConfigSchema,
    train_data: dataConfigSchema,
    /** Held-out edges for validation during training; null when the data has no validation split. */
    validation_data: dataConfigSchema.nullish(),
    model_selection: modelSelectionConfigSchema.nullish(),
    evaluation: evaluationConfigSchema.nullish(),
  })
  .superRefine((config, context) => {
    const data = config.train_data;
    if (data.global_negatives === "all") {
      if (config.model.loss.type !== "softmax") {
        context.addIssue({
          code: "custom",
          path: ["train_data", "global_negatives"],
          message: `global_negatives: all (1vsAll) trains with model.loss.type softmax; got ${config.model.loss.type}.`,
        });
      }
      if (data.in_batch_negatives !== 0) {
        context.addIssue({
          code: "custom",
          path: ["train_data", "in_batch_negatives"],
          message: "global_negatives: all already ranks every row; set in_batch_negatives to 0.",
        });
      }
    }
    const validates = config.model_selection || config.training.eval_every_n;
    if (validates && !config.validation_data) {
      context.addIssue({
        code: "custom",
        path: [config.model_selection ? "model_selection" : "training", "eval_every_n"],
        message: "Validation during training needs validation_data; add it or remove this key.",
      });
    }
    if (config.model_selection && config.training.eval_every_n) {
      context.addIssue({
        code: "custom",
        path: ["training", "eval_every_n"],
        message:
          "model_selection.eval_every_n_epochs sets the validation cadence; remove training.eval_every_n.",
      });
    }
    if (config.model_selection && config.training.early_stopping) {
      context.addIssue({
        code: "custom",
        path: ["training", "early_stopping"],
        message:
          "model_selection and training.early_stopping both keep the best checkpoint and stop early; keep one (model_selection is early stopping on the validation mrr, by epochs).",
      });
    }
  })
  .superRefine(rejectUnsupportedTwhinKeys);

/**
 * The whole TwHIN config (`TwhinConfig`, `projects/twhin/config.py`; model and data sections in
 * `projects/twhin/models/config.py`, `projects/twhin/data/config.py`). A top-level `recipe: <name>`
 * fills the keys the config leaves out from that recipe (`applyRecipe`) before validation.
 */
export const twhinConfigSchema = z.preprocess((raw, context) => {
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) return raw;
  const name = (raw as Record<string, unknown>)["recipe"];
  if (typeof name !== "string") return raw;
  const recipe = findRecipe(name);
  if (!recipe) {
    context.addIssue({
      code: "custom",
      path: ["recipe"],
      message: `Unknown recipe "${name}"; recipes are ${Object.keys(TWHIN_RECIPES).join(", ")}.`,
      input: name,
    });
    return raw;
  }
  return applyRecipe(recipe, raw as Record<string, unknown>);
}, twhinConfigObjectSchema);

/** A validated TwHIN config. */
export type TwhinConfig = z.output<typeof twhinConfigSchema>;
/** A validated model section. */
export type TwhinModelConfig = z.output<typeof modelConfigSchema>;
/** A validated data section. */
export type TwhinDataConfig = z.output<typeof dataConfigSchema>;
/** A validated table config. */
export type TableConfig = z.output<typeof tableConfigSchema>;
