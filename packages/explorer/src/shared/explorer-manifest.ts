/**
 * The explorer's data folder (`<run>/explorer/`): `explorer.json` (this manifest), `model/` (the
 * Heavy Ranker as a tfjs graph model) and `twhin/<table>.f32` (embedding tables, row-major
 * float32). Written by `prepareExplorer` in Node, read by the page.
 */
export interface ExplorerManifest {
  /** The run directory the explorer was prepared from. */
  run: string;
  /** `run.json`'s kind: `main`, `heavy-ranker`, `twhin` or `kg`. */
  kind: string;
  /** ISO time of preparation. */
  prepared: string;
  ranker: RankerManifest | null;
  twhin: TwhinManifest | null;
}

/** One input of the exported graph: a feature group of the segdense layout. */
export interface FeatureGroup {
  /** Graph input name, the original's segdense group name (`continuous`, `user_embedding`, …). */
  name: string;
  /** The column it is read from in the data (`renamed_features` of the config), when renamed. */
  column: string | null;
  /** Values per row. */
  width: number;
  /** `int32` for discrete ids (not differentiable), else `float32`. */
  dtype: "float32" | "int32";
}

/** The Heavy Ranker part: model, candidates, their Node scores and the attribution baseline. */
export interface RankerManifest {
  /** Training step of the exported weights. */
  step: number;
  /** Model task names (T), in output order. */
  tasks: string[];
  /** Published serving weight of each task (0 where none is published), the sliders' defaults. */
  servingWeights: number[];
  /** The graph's inputs in order. */
  groups: FeatureGroup[];
  /** Where the candidates came from (a Parquet file). */
  candidatesFile: string;
  /** Candidate rows (B): each group's values, row-major B × width. */
  candidates: Record<string, number[]>;
  /** User, author and Tweet id of each candidate (null when the data has no such column). */
  userIds: number[] | null;
  authorIds: number[] | null;
  tweetIds: number[] | null;
  /**
   * The integrated-gradients baseline: each float group's mean over the candidates (an "average
   * candidate"); discrete groups have none (they keep the item's ids).
   */
  baseline: Record<string, number[]>;
  /** Node's outputs for the candidates, B × T row-major: the page checks its own against them. */
  nodeLogits: number[];
  nodeCalibrated: number[];
}

/** The TwHIN part: the exported embedding tables (neighbours are by cosine similarity). */
export interface TwhinManifest {
  tables: TwhinTable[];
  /**
   * One PCA of all tables' rows together (tables in order, rows × 2 each) when every table has the
   * same width: the page colours it by entity type where the graph has no communities.
   */
  joint: { points: number[]; explainedVariance: [number, number] } | null;
}

/** One exported embedding table. */
export interface TwhinTable {
  /** Entity type (`user`, `tweet`, …). */
  name: string;
  rows: number;
  dim: number;
  /** `twhin/<name>.f32` inside the explorer folder: rows × dim float32, little-endian. */
  file: string;
  /** Planted community of each row (generated graphs), else null. */
  communities: number[] | null;
  /** Entity names (graphs converted with a dictionary), else null. */
  names: string[] | null;
  /** 2-D PCA projection of the rows (rows × 2) and the share of variance the two axes keep. */
  projection: number[];
  explainedVariance: [number, number];
}
