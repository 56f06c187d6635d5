import { COMPLEX_DENSE_RECIPE, COMPLEX_RECIPE, COMPLEX_SMALL_RECIPE } from "./complex.js";
import { TRANSE_RECIPE } from "./transe.js";
import type { RecipeVariant, TwhinRecipe } from "./twhin-recipe.js";

/** The shipped recipes by name (`recipe:` in a TwHIN config, `trainer kg --recipe`). */
export const TWHIN_RECIPES: Readonly<Record<string, TwhinRecipe>> = {
  transe: TRANSE_RECIPE,
  complex: COMPLEX_RECIPE,
  "complex-dense": COMPLEX_DENSE_RECIPE,
  "complex-small": COMPLEX_SMALL_RECIPE,
};

/** The recipe called `name`, or undefined. */
export function findRecipe(name: string): TwhinRecipe | undefined {
  return Object.hasOwn(TWHIN_RECIPES, name) ? TWHIN_RECIPES[name] : undefined;
}

/** The recipe `recipeForGraph` chose, and why when it is not the one asked for. */
export interface GraphRecipe {
  name: string;
  /** Train edges per table row (all tables' rows together). */
  edgesPerEntity: number;
  /** Set when one of the asked recipe's `variants` was chosen: a sentence saying why. */
  reason?: string;
}

const count = (n: number) => n.toLocaleString("en-US");

/** Why `variant` fits the graph, one clause per bound; undefined when a bound is not met. */
function fits(
  variant: RecipeVariant,
  trainEdges: number,
  edgesPerEntity: number,
): string[] | undefined {
  const clauses: string[] = [];
  if (variant.fromTrainEdges !== undefined) {
    if (trainEdges < variant.fromTrainEdges) return undefined;
    clauses.push(`${count(trainEdges)} train edges (at least ${count(variant.fromTrainEdges)})`);
  }
  if (variant.belowTrainEdges !== undefined) {
    if (trainEdges >= variant.belowTrainEdges) return undefined;
    clauses.push(`${count(trainEdges)} train edges (under ${count(variant.belowTrainEdges)})`);
  }
  if (variant.fromEdgesPerEntity !== undefined) {
    if (edgesPerEntity < variant.fromEdgesPerEntity) return undefined;
    clauses.push(
      `${edgesPerEntity.toFixed(1)} per entity (at least ${variant.fromEdgesPerEntity})`,
    );
  }
  return clauses;
}

/**
 * The recipe to train a graph of `trainEdges` edges over `entities` table rows with when `name`
 * is asked for: the first of its `variants` whose bounds the graph meets, else `name` itself.
 * Unknown names are returned as they are (the caller reports them).
 */
export function recipeForGraph(name: string, trainEdges: number, entities: number): GraphRecipe {
  const edgesPerEntity = entities > 0 ? trainEdges / entities : 0;
  for (const variant of findRecipe(name)?.variants ?? []) {
    const clauses = fits(variant, trainEdges, edgesPerEntity);
    if (clauses === undefined) continue;
    return {
      name: variant.recipe,
      edgesPerEntity,
      reason: `${clauses.join(", ")}: ${name} trains as ${variant.recipe}`,
    };
  }
  return { name, edgesPerEntity };
}
