import { ConfigError, Rng } from "@tml/core";
import { AucAccumulator, type AucSummary } from "./auc-accumulator.js";
import {
  calibrateModel,
  createPlantedModel,
  fillFeatures,
  type PlantedModelOptions,
  type PlantedRankerModel,
  taskLogit,
} from "./planted-ranker-model.js";
import { powerLawIndex } from "./power-law.js";
import {
  allocateRankerChunk,
  lowWords,
  type RankerChunk,
  type RankerLayout,
  SEGDENSE_LAYOUT,
} from "./ranker-chunk.js";
import {
  affinity,
  createRankerWorld,
  type RankerWorld,
  type RankerWorldOptions,
  sampleIds,
} from "./ranker-world.js";
import { RECAP_TASK_DEFAULTS, type RecapTaskDefault } from "./recap-tasks.js";

/** Options of `RankerGenerator`. */
export interface RankerGeneratorOptions extends PlantedModelOptions, RankerWorldOptions {
  seed: number;
  /** Feature widths; default the full segdense layout. */
  layout?: RankerLayout;
  /** Rows drawn to set the intercepts to the target rates (more: closer rates). Default 100,000. */
  calibrationRows?: number;
  /** Positive-rate overrides by label name (unknown names are a ConfigError). */
  rates?: Record<string, number>;
}

/** Per-column parameters of the uninformative features. */
interface NoiseParameters {
  continuousDensity: Float64Array;
  continuousScale: Float64Array;
  binaryRate: Float64Array;
  discreteVocabulary: Float64Array;
}

/**
 * Streams Heavy Ranker rows with planted signal: labels are drawn from a hidden per-task logistic
 * model (`PlantedRankerModel`) of a few log-normal continuous features, binary flags, pairwise
 * interactions and the user–author embedding dot product; every other column is noise with
 * realistic shapes (sparse heavy-tailed counts, rare flags, skewed category codes). The stream is
 * a pure function of the seed: chunk sizes do not change the rows.
 */
export class RankerGenerator {
  readonly layout: RankerLayout;
  readonly model: PlantedRankerModel;
  readonly world: RankerWorld;
  private readonly rowRng: Rng;
  private readonly noise: NoiseParameters;
  private readonly accumulators: AucAccumulator[];
  private readonly z: Float64Array;
  private readonly bits: Uint8Array;
  private readonly phi: Float64Array;
  private readonly ids = new Float64Array(3);

  constructor(options: RankerGeneratorOptions) {
    const root = new Rng(options.seed);
    this.layout = options.layout ?? SEGDENSE_LAYOUT;
    const tasks = resolveTasks(options.rates);
    this.world = createRankerWorld(root.fork("world"), this.layout.embedding, options);
    this.model = createPlantedModel(root.fork("model"), tasks, this.layout, options);
    this.noise = createNoise(root.fork("noise"), this.layout);
    this.z = new Float64Array(this.model.continuousColumns.length);
    this.bits = new Uint8Array(this.model.binaryColumns.length);
    this.phi = new Float64Array(this.model.featureCount);
    this.calibrate(root.fork("calibration"), options.calibrationRows ?? 100_000);
    this.rowRng = root.fork("rows");
    this.accumulators = tasks.map(() => new AucAccumulator());
  }

  /** The next `rows` rows of the stream. */
  nextChunk(rows: number): RankerChunk {
    const { layout, model, world, noise } = this;
    const chunk = allocateRankerChunk(rows, layout, model.taskNames, true);
    const rng = this.rowRng;
    const binaryWords = lowWords(chunk.binary);
    const discreteWords = lowWords(chunk.discrete);
    const labelWords = chunk.labels.map(lowWords);
    const logits = chunk.logits as Float64Array[];
    const dim = layout.embedding;
    const { continuousColumns, binaryColumns, logMean, logStd } = model;
    for (let row = 0; row < rows; row++) {
      sampleIds(world, rng, this.ids);
      const user = this.ids[0] as number;
      const author = this.ids[1] as number;
      const tweet = this.ids[2] as number;
      chunk.userId[row] = BigInt(user);
      chunk.authorId[row] = BigInt(author);
      chunk.tweetId[row] = BigInt(tweet);
      const cOffset = row * layout.continuous;
      for (let j = 0; j < layout.continuous; j++) {
        const u = rng.next();
        const density = noise.continuousDensity[j] as number;
        chunk.continuous[cOffset + j] =
          u < density ? -Math.log(u / density) * (noise.continuousScale[j] as number) : 0;
      }
      const bOffset = 2 * row * layout.binary;
      for (let k = 0; k < layout.binary; k++)
        binaryWords[bOffset + 2 * k] = rng.next() < (noise.binaryRate[k] as number) ? 1 : 0;
      const dOffset = 2 * row * layout.discrete;
      for (let k = 0; k < layout.discrete; k++) {
        discreteWords[dOffset + 2 * k] = powerLawIndex(
          rng.next(),
          noise.discreteVocabulary[k] as number,
          2,
        );
      }
      this.sampleInformative(rng);
      for (let i = 0; i < continuousColumns.length; i++) {
        const value = (logMean[i] as number) + (logStd[i] as number) * (this.z[i] as number);
        chunk.continuous[cOffset + (continuousColumns[i] as number)] = Math.exp(value);
      }
      for (let k = 0; k < binaryColumns.length; k++) {
        binaryWords[bOffset + 2 * (binaryColumns[k] as number)] = this.bits[k] as number;
      }
      chunk.userEmbedding.set(world.users.values.subarray(user * dim, (user + 1) * dim), row * dim);
      chunk.authorEmbedding.set(
        world.authors.values.subarray(author * dim, (author + 1) * dim),
        row * dim,
      );
      chunk.userEngagementEmbedding.set(
        world.userEngagement.values.subarray(user * dim, (user + 1) * dim),
        row * dim,
      );
      fillFeatures(model, this.z, this.bits, affinity(world, user, author), this.phi);
      for (let t = 0; t < model.taskNames.length; t++) {
        const logit = taskLogit(model, t, this.phi);
        const label = rng.next() < 1 / (1 + Math.exp(-logit)) ? 1 : 0;
        (logits[t] as Float64Array)[row] = logit;
        (labelWords[t] as Int32Array)[2 * row] = label;
        this.accumulators[t]!.add(logit, label);
      }
    }
    return chunk;
  }

  /** Positive counts, expected rates and Bayes-optimal / realized AUC per task, over all rows so far. */
  report(): Record<string, AucSummary & { targetRate: number }> {
    const result: Record<string, AucSummary & { targetRate: number }> = {};
    this.model.taskNames.forEach((name, t) => {
      result[name] = {
        ...this.accumulators[t]!.summary(),
        targetRate: this.model.targetRates[t] as number,
      };
    });
    return result;
  }

  /**
   * The informative part of a chunk's rows as the hidden model sees it (rows × featureCount, the
   * φ of `PlantedRankerModel`), recomputed from the columns alone: what an ideal learner can use.
   */
  informativeFeatures(chunk: RankerChunk): Float64Array {
    const { model, layout } = this;
    const D = model.featureCount;
    const out = new Float64Array(chunk.rows * D);
    const dim = layout.embedding;
    for (let row = 0; row < chunk.rows; row++) {
      model.continuousColumns.forEach((column, i) => {
        const value = chunk.continuous[row * layout.continuous + column] as number;
        this.z[i] = (Math.log(value) - (model.logMean[i] as number)) / (model.logStd[i] as number);
      });
      model.binaryColumns.forEach((column, k) => {
        this.bits[k] = Number(chunk.binary[row * layout.binary + column]);
      });
      let dot = 0;
      for (let d = 0; d < dim; d++)
        dot +=
          (chunk.userEmbedding[row * dim + d] as number) *
          (chunk.authorEmbedding[row * dim + d] as number);
      fillFeatures(model, this.z, this.bits, dot, this.phi);
      out.set(this.phi, row * D);
    }
    return out;
  }

  private sampleInformative(rng: Rng): void {
    for (let i = 0; i < this.z.length; i++) this.z[i] = rng.normal();
    for (let k = 0; k < this.bits.length; k++)
      this.bits[k] = rng.next() < (this.model.binaryRates[k] as number) ? 1 : 0;
  }

  private calibrate(rng: Rng, rows: number): void {
    const { model } = this;
    const D = model.featureCount;
    const partialScores = model.taskNames.map(() => new Float64Array(rows));
    const affinities = new Float64Array(rows);
    for (let row = 0; row < rows; row++) {
      sampleIds(this.world, rng, this.ids);
      this.sampleInformative(rng);
      affinities[row] = affinity(this.world, this.ids[0] as number, this.ids[1] as number);
      fillFeatures(model, this.z, this.bits, 0, this.phi);
      this.phi[D - 1] = 0; // the affinity term is added once its standardization is known
      for (let t = 0; t < partialScores.length; t++)
        (partialScores[t] as Float64Array)[row] = taskLogit(model, t, this.phi);
    }
    calibrateModel(model, partialScores, affinities);
  }
}

function resolveTasks(rates: Record<string, number> | undefined): RecapTaskDefault[] {
  const known = new Set(RECAP_TASK_DEFAULTS.map((task) => task.name));
  for (const [name, rate] of Object.entries(rates ?? {})) {
    if (!known.has(name)) {
      throw new ConfigError(
        `generator: unknown label "${name}" in rates; known labels: ${[...known].join(", ")}`,
      );
    }
    if (!(rate > 0 && rate < 1))
      throw new ConfigError(`generator: rate of "${name}" must be in (0, 1), got ${rate}`);
  }
  return RECAP_TASK_DEFAULTS.map((task) => ({ ...task, rate: rates?.[task.name] ?? task.rate }));
}

function createNoise(rng: Rng, layout: RankerLayout): NoiseParameters {
  const logUniform = (low: number, high: number) =>
    Math.exp(rng.uniform(Math.log(low), Math.log(high)));
  return {
    continuousDensity: Float64Array.from({ length: layout.continuous }, () =>
      rng.uniform(0.05, 0.6),
    ),
    continuousScale: Float64Array.from({ length: layout.continuous }, () => logUniform(0.1, 1000)),
    binaryRate: Float64Array.from({ length: layout.binary }, () => logUniform(0.005, 0.5)),
    discreteVocabulary: Float64Array.from({ length: layout.discrete }, () =>
      Math.floor(logUniform(2, 10_000)),
    ),
  };
}
