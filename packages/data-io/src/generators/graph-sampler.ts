import type { Rng } from "@tml/core";
import { type GraphSpec, validateGraphSpec } from "./graph-spec.js";
import { powerLawIndex } from "./power-law.js";

/**
 * Node layout of one table. Internally nodes are numbered community-major (community c holds
 * ⌈c·n/K⌉ … ⌈(c+1)·n/K⌉ − 1, hubs first); public ids scramble that order with the bijection
 * id = (a·internal + b) mod n, so ids carry no community or degree information.
 */
export class NodeLayout {
  private readonly inverse: number;

  constructor(
    readonly count: number,
    readonly communities: number,
    private readonly multiplier: number,
    private readonly offset: number,
  ) {
    this.inverse = modularInverse(multiplier, count);
  }

  /** A layout with a random multiplier coprime with `count`. */
  static random(rng: Rng, count: number, communities: number): NodeLayout {
    let multiplier = count > 1 ? 1 + rng.int(count - 1) : 1;
    while (gcd(multiplier, count) !== 1) multiplier = (multiplier % (count - 1)) + 1;
    return new NodeLayout(count, communities, multiplier, rng.int(count));
  }

  /** First internal index of community `c` (c = communities gives `count`). */
  communityStart(c: number): number {
    return Math.ceil((c * this.count) / this.communities);
  }

  /** Public id of an internal index. */
  idOf(internal: number): number {
    return (mulMod(this.multiplier, internal, this.count) + this.offset) % this.count;
  }

  /** Planted community of a public id. */
  communityOf(id: number): number {
    const internal = mulMod(this.inverse, (id - this.offset + this.count) % this.count, this.count);
    return Math.floor((internal * this.communities) / this.count);
  }
}

/** The edges one `GraphSampler.sample` call drew: node ids and relation indices, one per edge. */
export interface SampledEdges {
  lhs: Float64Array;
  rel: Int32Array;
  rhs: Float64Array;
}

/**
 * Draws the edges of a heterogeneous graph with planted communities and power-law degrees (a
 * degree-corrected stochastic block model): an edge of relation r picks its lhs node's community
 * in proportion to community size and the node inside it by power-law rank; its rhs node is in the
 * same community with probability `inCommunityRate`, otherwise in a uniformly drawn one, again by
 * power-law rank. Relations are interleaved at random with exact per-relation counts. O(1) memory
 * per table, so graphs of any size stream in batches.
 */
export class GraphSampler {
  readonly spec: GraphSpec;
  readonly layouts: Map<string, NodeLayout>;
  private readonly lhsLayout: NodeLayout[];
  private readonly rhsLayout: NodeLayout[];
  private readonly inRate: Float64Array;
  private readonly exponent: number;

  constructor(spec: GraphSpec, layoutRng: Rng) {
    this.spec = validateGraphSpec(spec);
    this.layouts = new Map(
      spec.tables.map((table) => [
        table.name,
        NodeLayout.random(layoutRng.fork(table.name), table.count, spec.communities),
      ]),
    );
    this.lhsLayout = spec.relations.map((relation) => this.layouts.get(relation.lhs) as NodeLayout);
    this.rhsLayout = spec.relations.map((relation) => this.layouts.get(relation.rhs) as NodeLayout);
    this.inRate = Float64Array.from(
      spec.relations,
      (relation) => relation.inCommunityRate ?? spec.inCommunityRate ?? 0.8,
    );
    this.exponent = spec.degreeExponent ?? 3;
  }

  /**
   * Draws `count` edges, taking relations in proportion to `remaining` (edges still owed per
   * relation, decremented in place) so the totals come out exact.
   */
  sample(rng: Rng, count: number, remaining: Float64Array): SampledEdges {
    const batch: SampledEdges = {
      lhs: new Float64Array(count),
      rel: new Int32Array(count),
      rhs: new Float64Array(count),
    };
    let left = remaining.reduce((a, b) => a + b, 0);
    const K = this.spec.communities;
    for (let i = 0; i < count; i++) {
      let pick = rng.next() * left;
      let r = 0;
      while (r < remaining.length - 1 && (pick >= (remaining[r] as number) || remaining[r] === 0)) {
        pick -= remaining[r] as number;
        r++;
      }
      remaining[r] = (remaining[r] as number) - 1;
      left--;
      const lhsLayout = this.lhsLayout[r] as NodeLayout;
      const community = Math.floor((rng.int(lhsLayout.count) * K) / lhsLayout.count);
      const rhsCommunity = rng.next() < (this.inRate[r] as number) ? community : rng.int(K);
      batch.rel[i] = r;
      batch.lhs[i] = this.nodeIn(lhsLayout, community, rng.next());
      batch.rhs[i] = this.nodeIn(this.rhsLayout[r] as NodeLayout, rhsCommunity, rng.next());
    }
    return batch;
  }

  private nodeIn(layout: NodeLayout, community: number, u: number): number {
    const start = layout.communityStart(community);
    const size = layout.communityStart(community + 1) - start;
    return layout.idOf(start + powerLawIndex(u, size, this.exponent));
  }
}

/** (a·b) mod n without losing precision for a, b, n < 2^31. */
function mulMod(a: number, b: number, n: number): number {
  const high = Math.floor(a / 65536);
  const low = a % 65536;
  return (((high * b) % n) * 65536 + low * b) % n;
}

function gcd(a: number, b: number): number {
  while (b !== 0) [a, b] = [b, a % b];
  return a;
}

function modularInverse(a: number, n: number): number {
  if (n === 1) return 0;
  let [oldR, r] = [a, n];
  let [oldS, s] = [1, 0];
  while (r !== 0) {
    const q = Math.floor(oldR / r);
    [oldR, r] = [r, oldR - q * r];
    [oldS, s] = [s, oldS - q * s];
  }
  return ((oldS % n) + n) % n;
}
