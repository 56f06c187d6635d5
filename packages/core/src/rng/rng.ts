/** Serializable state of an `Rng`: the four xoshiro128** words and a cached normal deviate. */
export interface RngState {
  words: [number, number, number, number];
  spareNormal: number | null;
  seed: number;
}

type MutableIndexable = { length: number; [index: number]: unknown };

const TWO_POW_MINUS_32 = 2 ** -32;

/** Mixes a 32-bit value (splitmix32); used to expand seeds and labels into generator state. */
function splitmix32(value: number): number {
  let z = (value + 0x9e3779b9) | 0;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}

/** 32-bit FNV-1a hash of a string label (fork names). */
function hashLabel(label: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < label.length; i++) {
    hash ^= label.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

/**
 * Seeded pseudo-random generator (xoshiro128**, period 2^128 − 1) used for every random choice in
 * tml-ts: weight init, shuffling, negative sampling, data generation. Same seed, same stream, on
 * every platform. `fork(label)` derives an independent stream from the seed and a label without
 * consuming the parent's stream, so adding a consumer never shifts another's numbers.
 */
export class Rng {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;
  private spareNormal: number | null = null;
  /** The seed this generator was created from (forks derive theirs from it). */
  readonly seed: number;

  constructor(seed: number) {
    if (!Number.isFinite(seed))
      throw new RangeError(`Rng seed must be a finite number, got ${seed}`);
    this.seed = Math.trunc(seed) >>> 0;
    let x = this.seed ^ Math.trunc(seed / 2 ** 32);
    this.s0 = x = splitmix32(x);
    this.s1 = x = splitmix32(x);
    this.s2 = x = splitmix32(x);
    this.s3 = splitmix32(x);
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) this.s0 = 1;
  }

  /** Rebuilds a generator at exactly the point where `getState()` was taken. */
  static fromState(state: RngState): Rng {
    const rng = new Rng(state.seed);
    [rng.s0, rng.s1, rng.s2, rng.s3] = state.words;
    rng.spareNormal = state.spareNormal;
    return rng;
  }

  /** Snapshot of the generator (plain JSON) for checkpoints. */
  getState(): RngState {
    return {
      words: [this.s0, this.s1, this.s2, this.s3],
      spareNormal: this.spareNormal,
      seed: this.seed,
    };
  }

  /** An independent generator derived from this one's seed and `label`. */
  fork(label: string | number): Rng {
    return new Rng(splitmix32(this.seed ^ hashLabel(String(label))));
  }

  /** Uniform unsigned 32-bit integer. */
  nextUint32(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5), 7), 9) >>> 0;
    const t = this.s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    return result;
  }

  /** Uniform float in [0, 1) with 32 bits of randomness. */
  next(): number {
    return this.nextUint32() * TWO_POW_MINUS_32;
  }

  /** Uniform float in [low, high). */
  uniform(low: number, high: number): number {
    return low + (high - low) * this.next();
  }

  /** Uniform integer in [0, maxExclusive); unbiased (rejection sampling) below 2^32. */
  int(maxExclusive: number): number {
    if (!(maxExclusive >= 1) || !Number.isInteger(maxExclusive)) {
      throw new RangeError(`Rng.int needs a positive integer bound, got ${maxExclusive}`);
    }
    if (maxExclusive > 2 ** 32) return Math.floor(this.next() * maxExclusive);
    const limit = 2 ** 32 - (2 ** 32 % maxExclusive);
    let value = this.nextUint32();
    while (value >= limit) value = this.nextUint32();
    return value % maxExclusive;
  }

  /** Standard normal deviate (Box–Muller; the second deviate of each pair is cached). */
  normal(): number {
    if (this.spareNormal !== null) {
      const spare = this.spareNormal;
      this.spareNormal = null;
      return spare;
    }
    let u = this.next();
    while (u === 0) u = this.next();
    const radius = Math.sqrt(-2 * Math.log(u));
    const angle = 2 * Math.PI * this.next();
    this.spareNormal = radius * Math.sin(angle);
    return radius * Math.cos(angle);
  }

  /** Fills `target` with uniform values in [low, high); returns it. */
  fillUniform<T extends Float32Array | Float64Array>(target: T, low: number, high: number): T {
    const span = high - low;
    for (let i = 0; i < target.length; i++) target[i] = low + span * this.next();
    return target;
  }

  /** Fills `target` with normal values of the given mean and standard deviation; returns it. */
  fillNormal<T extends Float32Array | Float64Array>(target: T, mean = 0, std = 1): T {
    for (let i = 0; i < target.length; i++) target[i] = mean + std * this.normal();
    return target;
  }

  /** Shuffles an array or typed array in place (Fisher–Yates); returns it. */
  shuffle<T extends MutableIndexable>(array: T): T {
    for (let i = array.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const held = array[i];
      array[i] = array[j];
      array[j] = held;
    }
    return array;
  }
}

function rotl(value: number, shift: number): number {
  return (value << shift) | (value >>> (32 - shift));
}
