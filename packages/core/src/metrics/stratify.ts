import { DataError } from "../errors/index.js";
import type { BinaryBatch, Metric, NumericArray } from "./metric.js";
import { checkBatch, weightAt } from "./metric.js";

/** Which rows to keep: those whose discrete feature `name` equals `value`. */
export interface Stratum {
  name: string;
  value: number;
}

function select(values: NumericArray, rows: number[]): Float64Array {
  const out = new Float64Array(rows.length);
  for (let k = 0; k < rows.length; k++) out[k] = values[rows[k]!]!;
  return out;
}

/** The rows of a batch in one stratum; `DataError` when the batch lacks that stratifier. */
export function selectStratum(batch: BinaryBatch, stratum: Stratum): BinaryBatch {
  const n = checkBatch(batch, "stratified metric");
  const feature = batch.stratifiers?.[stratum.name];
  if (!feature) {
    throw new DataError(
      `Stratifier "${stratum.name}" is missing from the batch; configure it in the model's stratifiers.`,
    );
  }
  const rows: number[] = [];
  for (let i = 0; i < n; i++) if (feature[i] === stratum.value) rows.push(i);
  const weights =
    batch.weights === undefined
      ? undefined
      : Float64Array.from(rows, (row) => weightAt(batch.weights, row));
  return {
    predictions: select(batch.predictions, rows),
    labels: select(batch.labels, rows),
    ...(weights ? { weights } : {}),
  };
}

/**
 * A metric restricted to one stratum of a discrete feature (e.g. one country or client id), as the
 * original's `StratifyMixin`. Empty selections leave the state unchanged.
 */
export function stratified<State, Value>(
  metric: Metric<State, BinaryBatch, Value>,
  stratum: Stratum,
): Metric<State, BinaryBatch, Value> {
  return {
    ...metric,
    update(state, batch) {
      const selected = selectStratum(batch, stratum);
      return selected.predictions.length === 0 ? state : metric.update(state, selected);
    },
  };
}
