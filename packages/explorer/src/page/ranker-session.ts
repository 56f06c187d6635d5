import type { GraphModel } from "@tensorflow/tfjs-converter";
import * as tf from "@tensorflow/tfjs-core";
import { baselineRow, candidateRow } from "../shared/candidate-rows.js";
import type { RankerManifest } from "../shared/explorer-manifest.js";
import type { FeatureRow } from "../shared/integrated-gradients.js";

/** The groups that describe the viewing user (swapped when another user is chosen). */
const USER_GROUPS = ["user_embedding", "user_eng_embedding"];

/** B candidates' outputs, B × T row-major. */
export interface CandidateScores {
  logits: Float32Array;
  calibrated: Float32Array;
}

/**
 * The Heavy Ranker in the page: the candidates (as in the data, or seen by a chosen user), their
 * outputs from the graph model on this page's tfjs backend, and the serving weights the sliders
 * set. score = Σ_t weight_t × calibrated p_t, as the For You timeline ranks.
 */
export class RankerSession {
  readonly manifest: RankerManifest;
  readonly model: GraphModel;
  /** Candidate rows as the data has them. */
  readonly dataRows: FeatureRow[];
  /** Candidate rows now scored (the data's, or with the chosen user's features). */
  rows: FeatureRow[];
  scores: CandidateScores;
  weights: number[];
  /** The chosen user's id, or null for each candidate's own user. */
  user: number | null = null;

  constructor(model: GraphModel, manifest: RankerManifest) {
    this.model = model;
    this.manifest = manifest;
    const count = manifest.nodeCalibrated.length / manifest.tasks.length;
    this.dataRows = Array.from({ length: count }, (_, row) => candidateRow(manifest, row));
    this.rows = this.dataRows;
    this.weights = [...manifest.servingWeights];
    this.scores = this.score(this.rows);
  }

  get taskCount(): number {
    return this.manifest.tasks.length;
  }

  /** Runs the graph on rows: B × T logits and calibrated probabilities. */
  score(rows: readonly FeatureRow[]): CandidateScores {
    const outputs = tf.tidy(() => {
      const feeds: Record<string, tf.Tensor> = {};
      for (const group of this.manifest.groups) {
        const values = new (group.dtype === "int32" ? Int32Array : Float32Array)(
          rows.length * group.width,
        );
        rows.forEach((row, index) => {
          values.set(row[group.name] as ArrayLike<number>, index * group.width);
        });
        feeds[group.name] = tf.tensor2d(values, [rows.length, group.width], group.dtype);
      }
      return this.model.execute(feeds, ["logits", "calibrated_probabilities"]) as tf.Tensor[];
    });
    const [logits, calibrated] = outputs.map((tensor) => tensor.dataSync() as Float32Array);
    tf.dispose(outputs);
    return { logits: logits as Float32Array, calibrated: calibrated as Float32Array };
  }

  /** Σ_t weight_t × calibrated p_t of candidate `row` under the current weights. */
  candidateScore(row: number, scores: CandidateScores = this.scores): number {
    let sum = 0;
    for (let task = 0; task < this.taskCount; task++)
      sum +=
        (this.weights[task] as number) * (scores.calibrated[row * this.taskCount + task] as number);
    return sum;
  }

  /** Candidate rows best first (ties: lower row first). */
  ranking(): number[] {
    const scores = this.rows.map((_row, index) => this.candidateScore(index));
    return scores
      .map((_score, index) => index)
      .sort((a, b) => (scores[b] as number) - (scores[a] as number) || a - b);
  }

  /** The users the candidates come from, each once, in order of appearance. */
  users(): number[] {
    return [...new Set(this.manifest.userIds ?? [])];
  }

  /** Scores the candidates as `user` sees them (their user features swapped in), or as in the data (null). */
  chooseUser(user: number | null): void {
    this.user = user;
    const source = user === null ? -1 : (this.manifest.userIds ?? []).indexOf(user);
    this.rows =
      source < 0
        ? this.dataRows
        : this.dataRows.map((row) => {
            const seen = { ...row };
            for (const name of USER_GROUPS) {
              const own = this.dataRows[source]?.[name];
              if (own && seen[name]) seen[name] = own;
            }
            return seen;
          });
    this.scores = this.score(this.rows);
  }

  /** The largest |page − Node| calibrated probability over the data's rows (the export's check). */
  nodeDifference(): number {
    const page = this.user === null ? this.scores : this.score(this.dataRows);
    let worst = 0;
    this.manifest.nodeCalibrated.forEach((value, index) => {
      worst = Math.max(worst, Math.abs((page.calibrated[index] as number) - value));
    });
    return worst;
  }

  /** The attribution baseline for an item: the candidates' means; discrete ids stay the item's. */
  baselineFor(item: FeatureRow): FeatureRow {
    return baselineRow(this.manifest, item);
  }
}
