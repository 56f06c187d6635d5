import type { MlpConfig } from "../config/model-config.js";

/** torch Sequential positions of an MLP's layers (`layers.<i>` in its state_dict names). */
export interface MlpPositions {
  /** One entry per hidden layer: its Linear and, with batch_norm, its BatchNorm1d. */
  readonly hidden: ReadonlyArray<{ readonly linear: number; readonly batchNorm?: number }>;
  /** The last Linear. */
  readonly last: number;
}

/**
 * Positions of the MLP's Linear and BatchNorm layers (`projects/home/recap/model/mlp.py`): per
 * hidden size Linear, [BatchNorm], ReLU, [Dropout], then the last Linear, so indices shift when
 * batch norm or dropout are configured.
 */
export function mlpPositions(config: MlpConfig): MlpPositions {
  const hidden: Array<{ linear: number; batchNorm?: number }> = [];
  let position = 0;
  for (const _ of config.layer_sizes.slice(0, -1)) {
    const linear = position;
    position += 1;
    if (config.batch_norm) {
      hidden.push({ linear, batchNorm: position });
      position += 1;
    } else {
      hidden.push({ linear });
    }
    position += config.dropout ? 2 : 1; // ReLU, Dropout
  }
  return { hidden, last: position };
}
