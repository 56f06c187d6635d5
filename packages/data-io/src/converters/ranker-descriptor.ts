import { writeFileAtomic } from "@tml/core";

/**
 * `ranker.json`: what a folder of converted ranker Parquet files holds. Every feature is a scalar
 * column named as listed: `dense` float32, `binary` int64 0/1, `ids` int64 in [0, vocab_size)
 * (0 = not seen in train where the converter says so), `labels` int64 0/1.
 */
export interface RankerDatasetDescriptor {
  format: "tml-ranker/1";
  /** Converter, inputs, and the rules used (split, label definitions). */
  source: Record<string, unknown>;
  splits: Record<
    string,
    { rows: number; files: { path: string; rows: number }[]; positives: Record<string, number> }
  >;
  labels: string[];
  dense: string[];
  binary: string[];
  ids: { name: string; vocab_size: number }[];
  /** Other columns kept for reference (e.g. the raw rating), not features. */
  extra?: string[];
}

/** Writes `ranker.json` into `dir` atomically. */
export function writeRankerDescriptor(dir: string, descriptor: RankerDatasetDescriptor): void {
  writeFileAtomic(`${dir}/ranker.json`, `${JSON.stringify(descriptor, null, 2)}\n`);
}
