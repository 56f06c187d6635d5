import {
  checkConfigAgainstGraph,
  findGraphDescriptor,
  readGraphShape,
} from "../config/graph-match.js";
import type { TwhinConfig } from "../config/twhin-config.js";
import { expandGlob } from "../data/edge-set.js";

/**
 * Checks what a TwHIN config points at, before a command writes anything: the train and
 * validation (when configured) edge files exist (NotFoundError naming data_root), and the relations and table sizes
 * match the `graph.json` beside them where there is one (ConfigError naming the key and the file;
 * see `checkConfigAgainstGraph`).
 */
export function checkTwhinInputs(config: TwhinConfig): void {
  const roots = [config.train_data.data_root];
  if (config.validation_data) roots.push(config.validation_data.data_root);
  for (const root of roots) expandGlob(root);
  for (const descriptor of new Set(roots.map(findGraphDescriptor))) {
    if (descriptor) checkConfigAgainstGraph(config, readGraphShape(descriptor), descriptor);
  }
}
