import { COMPLEX_RECIPE } from "./complex.js";
import { TRANSE_RECIPE } from "./transe.js";
import type { TwhinRecipe } from "./twhin-recipe.js";

/** The shipped recipes by name (`recipe:` in a TwHIN config, `trainer kg --recipe`). */
export const TWHIN_RECIPES: Readonly<Record<string, TwhinRecipe>> = {
  transe: TRANSE_RECIPE,
  complex: COMPLEX_RECIPE,
};

/** The recipe called `name`, or undefined. */
export function findRecipe(name: string): TwhinRecipe | undefined {
  return Object.hasOwn(TWHIN_RECIPES, name) ? TWHIN_RECIPES[name] : undefined;
}
