/**
 * A named TwHIN training preset: defaults for every table, every relation and the rest of a TwHIN
 * config (scoring, loss, negatives, optimizer, epochs, model selection). Data only: a config that
 * names it (`recipe: <name>`) gets these values wherever it sets none of its own.
 */
export interface TwhinRecipe {
  /** One line: what the recipe trains. */
  description: string;
  /** Defaults of each `model.embeddings.tables` entry (embedding_dim, data_type, optimizer). */
  table: Record<string, unknown>;
  /** Defaults of each `model.relations` entry (operator). */
  relation: Record<string, unknown>;
  /** Defaults of the other sections: `model`, `train_data`, `training`. */
  config: Record<string, unknown>;
  /** Defaults of `validation_data` and `model_selection`, applied only when the config has validation data. */
  validation: Record<string, unknown>;
  /**
   * Variants for graphs of other sizes: `recipeForGraph` (used by `trainer kg`, which counts the
   * edges) trains the first whose every bound the graph meets, else this recipe.
   */
  variants?: readonly RecipeVariant[];
}

/** A recipe to train instead on graphs within the given bounds (each bound optional). */
export interface RecipeVariant {
  recipe: string;
  /** At least this many train edges per table row. */
  fromEdgesPerEntity?: number;
  /** At least this many train edges. */
  fromTrainEdges?: number;
  /** Fewer train edges than this. */
  belowTrainEdges?: number;
}

/**
 * Keys whose value is one choice among exclusive variants (an optimizer is `sgd` or `adagrad` or
 * …): a config's own value replaces the recipe's whole, it is never merged into it.
 */
const REPLACED_WHOLE = new Set(["optimizer", "translation_optimizer"]);

function isSection(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** `own` over `defaults`: a key present in `own` (null included) wins; sections merge key by key. */
export function mergeUnder(
  defaults: Record<string, unknown>,
  own: Record<string, unknown>,
): Record<string, unknown> {
  const merged: Record<string, unknown> = { ...defaults };
  for (const [key, value] of Object.entries(own)) {
    const base = merged[key];
    merged[key] =
      isSection(base) && isSection(value) && !REPLACED_WHOLE.has(key)
        ? mergeUnder(base, value)
        : value;
  }
  return merged;
}

function mergeEach(defaults: Record<string, unknown>, entries: unknown): unknown {
  return Array.isArray(entries)
    ? entries.map((entry) => (isSection(entry) ? mergeUnder(defaults, entry) : entry))
    : entries;
}

/**
 * The raw (not yet validated) TwHIN config `raw` with `recipe`'s defaults filled in wherever it has
 * no value of its own: each table and relation entry, the model, data and training sections, and,
 * when `raw` has `validation_data`, its batch settings and `model_selection` (unless `raw` has its
 * own `training.eval_every_n` or `training.early_stopping`). Explicit values, null included, always
 * win; optimizers are replaced whole.
 */
export function applyRecipe(
  recipe: TwhinRecipe,
  raw: Record<string, unknown>,
): Record<string, unknown> {
  const training = raw["training"];
  const validation = isSection(raw["validation_data"])
    ? Object.fromEntries(
        Object.entries(recipe.validation).filter(
          // A step cadence or early stopping of the config's own replaces model selection.
          ([key]) =>
            key !== "model_selection" ||
            !isSection(training) ||
            (!training["eval_every_n"] && !training["early_stopping"]),
        ),
      )
    : {};
  const merged = mergeUnder(mergeUnder(recipe.config, validation), raw);
  const model = merged["model"];
  if (isSection(model)) {
    const embeddings = model["embeddings"];
    merged["model"] = {
      ...model,
      ...(isSection(embeddings)
        ? { embeddings: { ...embeddings, tables: mergeEach(recipe.table, embeddings["tables"]) } }
        : {}),
      ...("relations" in model
        ? { relations: mergeEach(recipe.relation, model["relations"]) }
        : {}),
    };
    dropUnsupportedRelationPrediction(merged["model"] as Record<string, unknown>, raw);
  }
  return merged;
}

// A recipe's relation prediction scores every relation with one operator's form: on a graph whose
// config puts a relation on another operator than the rest, the recipe's weight yields (as its
// model selection yields to the config's own), and the model trains without it. A weight the
// config sets itself is kept, and validated as written.
function dropUnsupportedRelationPrediction(
  model: Record<string, unknown>,
  raw: Record<string, unknown>,
): void {
  const own = isSection(raw["model"]) && "relation_prediction" in raw["model"];
  if (own || !model["relation_prediction"] || !Array.isArray(model["relations"])) return;
  const operators = new Set(
    model["relations"].map((relation) => (isSection(relation) ? relation["operator"] : undefined)),
  );
  if (operators.size > 1) model["relation_prediction"] = 0;
}
