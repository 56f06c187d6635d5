import { COMPLEX_DENSE_RECIPE, COMPLEX_RECIPE } from "./complex.js";
import { TRANSE_RECIPE } from "./transe.js";
import type { TwhinRecipe } from "./twhin-recipe.js";

/** The shipped recipes by name (`recipe:` in a TwHIN config, `trainer kg --recipe`). */
export const TWHIN_RECIPES: Readonly<Record<string, TwhinRecipe>> = {
  transe: TRANSE_RECIPE,
  complex: COMPLEX_RECIPE,
  "complex-dense": COMPLEX_DENSE_RECIPE,
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
  /** Set when the asked recipe's `denser` variant was chosen: a sentence saying why. */
  reason?: string;
}

/**
 * The recipe to train a graph of `trainEdges` edges over `entities` table rows with when `name`
 * is asked for: its `denser` variant when the graph reaches that variant's edges per entity and
 * train edges, else `name` itself. Unknown names are returned as they are (the caller reports them).
 */
export function recipeForGraph(name: string, trainEdges: number, entities: number): GraphRecipe {
  const edgesPerEntity = entities > 0 ? trainEdges / entities : 0;
  const denser = findRecipe(name)?.denser;
  if (
    denser === undefined ||
    edgesPerEntity < denser.fromEdgesPerEntity ||
    trainEdges < denser.fromTrainEdges
  ) {
    return { name, edgesPerEntity };
  }
  return {
    name: denser.recipe,
    edgesPerEntity,
    reason: `${trainEdges.toLocaleString("en-US")} train edges (at least ${denser.fromTrainEdges.toLocaleString("en-US")}), ${edgesPerEntity.toFixed(1)} per entity (at least ${denser.fromEdgesPerEntity}): ${name} trains as ${denser.recipe}`,
  };
}
