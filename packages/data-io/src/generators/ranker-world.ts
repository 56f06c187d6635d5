import { ConfigError, type Rng } from "@tml/core";
import { powerLawIndex } from "./power-law.js";

/** A rows × dim float32 embedding matrix, row-major: row `i` is `values[i·dim, (i+1)·dim)`. */
export interface EmbeddingMatrix {
  rows: number;
  dim: number;
  values: Float32Array;
}

/** Who the generated rows are about: id pools, their embeddings, and how pairs are drawn. */
export interface RankerWorldOptions {
  /** Distinct users (ignored when `userEmbeddings` is given: its row count is used). Default 10,000. */
  users?: number;
  /** Distinct authors (ignored when `authorEmbeddings` is given). Default 2,000. */
  authors?: number;
  /** Distinct Tweets. Default 1,000,000. */
  tweets?: number;
  /** Planted communities of the built-in embeddings. Default 8. */
  communities?: number;
  /** Probability that a row's author shares the user's planted community. Default 0.5. */
  inCommunityRate?: number;
  /** User follow embeddings (e.g. a TwHIN export); user ids are row numbers. */
  userEmbeddings?: EmbeddingMatrix;
  /** Author embeddings; row numbers are author ids. Defaults to `userEmbeddings` (authors are users). */
  authorEmbeddings?: EmbeddingMatrix;
  /** User engagement embeddings. Defaults to `userEmbeddings`. */
  userEngagementEmbeddings?: EmbeddingMatrix;
  /**
   * Ground-truth communities of the provided users (e.g. a generated graph's
   * `communities/user.parquet`). When given, the planted affinity is "same community" (1 or 0)
   * instead of the provided embeddings' dot product, so a ranker gains from the embeddings only as
   * far as they recovered the communities.
   */
  userCommunities?: Int32Array;
  /** Communities of the provided authors. Defaults to `userCommunities` (authors are users). */
  authorCommunities?: Int32Array;
}

/** Sampled ids and embedding tables for the ranker generator. */
export interface RankerWorld {
  users: EmbeddingMatrix;
  authors: EmbeddingMatrix;
  userEngagement: EmbeddingMatrix;
  tweets: number;
  /** Planted community per user / author, or undefined when embeddings came from outside. */
  userCommunity: Int32Array | undefined;
  authorCommunity: Int32Array | undefined;
  /** Authors sorted by community with the start offset of each community (planted mode). */
  authorsByCommunity: Int32Array | undefined;
  communityStart: Int32Array | undefined;
  inCommunityRate: number;
  /** Affinity = same community (ground truth) rather than the embedding dot product. */
  affinityFromCommunities: boolean;
}

const ACTIVITY_EXPONENT = 2;

/** Builds the id pools and embeddings: planted community embeddings, or the tables provided. */
export function createRankerWorld(
  rng: Rng,
  embeddingDim: number,
  options: RankerWorldOptions = {},
): RankerWorld {
  const tweets = options.tweets ?? 1_000_000;
  const inCommunityRate = options.inCommunityRate ?? 0.5;
  if (options.userEmbeddings) {
    const users = checkTable("userEmbeddings", options.userEmbeddings, embeddingDim);
    const authors = checkTable("authorEmbeddings", options.authorEmbeddings ?? users, embeddingDim);
    const engagement = checkTable(
      "userEngagementEmbeddings",
      options.userEngagementEmbeddings ?? users,
      embeddingDim,
    );
    if (engagement.rows !== users.rows) {
      throw new ConfigError(
        `generator: userEngagementEmbeddings has ${engagement.rows} rows, userEmbeddings ${users.rows}`,
      );
    }
    const userCommunity = options.userCommunities;
    const authorCommunity = options.authorCommunities ?? userCommunity;
    if (userCommunity === undefined || authorCommunity === undefined) {
      return {
        users,
        authors,
        userEngagement: engagement,
        tweets,
        userCommunity: undefined,
        authorCommunity: undefined,
        authorsByCommunity: undefined,
        communityStart: undefined,
        inCommunityRate,
        affinityFromCommunities: false,
      };
    }
    if (userCommunity.length !== users.rows || authorCommunity.length !== authors.rows) {
      throw new ConfigError(
        `generator: communities cover ${userCommunity.length} users / ${authorCommunity.length} authors, the embeddings ${users.rows} / ${authors.rows}`,
      );
    }
    return {
      users,
      authors,
      userEngagement: engagement,
      tweets,
      userCommunity,
      authorCommunity,
      ...groupByCommunity(authorCommunity),
      inCommunityRate,
      affinityFromCommunities: true,
    };
  }
  const userCount = options.users ?? 10_000;
  const authorCount = options.authors ?? 2_000;
  const communities = options.communities ?? 8;
  if (!(userCount >= 1 && authorCount >= communities && communities >= 1)) {
    throw new ConfigError(
      `generator: need users ≥ 1 and authors ≥ communities ≥ 1 (got ${userCount}, ${authorCount}, ${communities})`,
    );
  }
  const followCentroids = normalTable(
    rng.fork("follow-centroids"),
    communities,
    embeddingDim,
    1 / Math.sqrt(embeddingDim),
  );
  const engagementCentroids = normalTable(
    rng.fork("engagement-centroids"),
    communities,
    embeddingDim,
    1 / Math.sqrt(embeddingDim),
  );
  const userCommunity = Int32Array.from({ length: userCount }, (_, i) => i % communities);
  const authorCommunity = Int32Array.from({ length: authorCount }, (_, i) => i % communities);
  rng.fork("user-communities").shuffle(userCommunity);
  rng.fork("author-communities").shuffle(authorCommunity);
  const noise = rng.fork("embedding-noise");
  const plant = (centroids: Float32Array, community: Int32Array) => {
    const table = normalTable(noise, community.length, embeddingDim, 0.7 / Math.sqrt(embeddingDim));
    for (let row = 0; row < community.length; row++) {
      const c = community[row] as number;
      for (let d = 0; d < embeddingDim; d++) {
        table.values[row * embeddingDim + d] =
          (table.values[row * embeddingDim + d] as number) +
          (centroids[c * embeddingDim + d] as number);
      }
    }
    return table;
  };
  return {
    users: plant(followCentroids.values, userCommunity),
    authors: plant(followCentroids.values, authorCommunity),
    userEngagement: plant(engagementCentroids.values, userCommunity),
    tweets,
    userCommunity,
    authorCommunity,
    ...groupByCommunity(authorCommunity),
    inCommunityRate,
    affinityFromCommunities: false,
  };
}

/** Draws a (user, author, tweet) triple; users and authors have power-law activity. */
export function sampleIds(world: RankerWorld, rng: Rng, out: Float64Array): void {
  const user = powerLawIndex(rng.next(), world.users.rows, ACTIVITY_EXPONENT);
  let author = -1;
  if (
    world.userCommunity &&
    world.authorsByCommunity &&
    world.communityStart &&
    rng.next() < world.inCommunityRate
  ) {
    const c = world.userCommunity[user] as number;
    const start = world.communityStart[c] ?? 0;
    const size = (world.communityStart[c + 1] ?? start) - start;
    // A community without authors falls back to any author.
    if (size > 0)
      author = world.authorsByCommunity[
        start + powerLawIndex(rng.next(), size, ACTIVITY_EXPONENT)
      ] as number;
  }
  if (author < 0) author = powerLawIndex(rng.next(), world.authors.rows, ACTIVITY_EXPONENT);
  out[0] = user;
  out[1] = author;
  out[2] = powerLawIndex(rng.next(), world.tweets, 1.5);
}

/**
 * The raw user–author affinity the labels depend on: the dot product of their embedding rows, or
 * 1/0 for same/different ground-truth community when the world was given communities.
 */
export function affinity(world: RankerWorld, user: number, author: number): number {
  if (world.affinityFromCommunities) {
    return (world.userCommunity as Int32Array)[user] ===
      (world.authorCommunity as Int32Array)[author]
      ? 1
      : 0;
  }
  const dim = world.users.dim;
  const u = world.users.values;
  const a = world.authors.values;
  let dot = 0;
  for (let d = 0; d < dim; d++)
    dot += (u[user * dim + d] as number) * (a[author * dim + d] as number);
  return dot;
}

/** Authors sorted by community and the start offset of each community in that order. */
function groupByCommunity(authorCommunity: Int32Array): {
  authorsByCommunity: Int32Array;
  communityStart: Int32Array;
} {
  let communities = 0;
  for (const c of authorCommunity) {
    if (!(c >= 0))
      throw new ConfigError(`generator: community ids must be non-negative integers, got ${c}`);
    communities = Math.max(communities, c + 1);
  }
  const order = Int32Array.from({ length: authorCommunity.length }, (_, i) => i).sort(
    (a, b) => (authorCommunity[a] as number) - (authorCommunity[b] as number) || a - b,
  );
  const communityStart = new Int32Array(communities + 1);
  for (const author of order) communityStart[(authorCommunity[author] as number) + 1]++;
  for (let c = 0; c < communities; c++)
    communityStart[c + 1] = (communityStart[c + 1] as number) + (communityStart[c] as number);
  return { authorsByCommunity: order, communityStart };
}

function checkTable(name: string, table: EmbeddingMatrix, dim: number): EmbeddingMatrix {
  if (table.dim > dim || table.values.length !== table.rows * table.dim || table.rows < 1) {
    throw new ConfigError(
      `generator: ${name} must be a non-empty ${table.rows} × dim table with dim ≤ ${dim} (got dim ${table.dim}, ${table.values.length} values)`,
    );
  }
  if (table.dim === dim) return table;
  // Narrower tables (TwHIN trained with a smaller dim) are zero-padded to the segdense width.
  const values = new Float32Array(table.rows * dim);
  for (let row = 0; row < table.rows; row++)
    values.set(table.values.subarray(row * table.dim, (row + 1) * table.dim), row * dim);
  return { rows: table.rows, dim, values };
}

function normalTable(rng: Rng, rows: number, dim: number, std: number): EmbeddingMatrix {
  const values = new Float32Array(rows * dim);
  for (let i = 0; i < values.length; i++) values[i] = std * rng.normal();
  return { rows, dim, values };
}
