/** A malformed protocol-buffer message; callers add the file and record it came from. */
export class WireFormatError extends Error {}

/** Protocol-buffer wire types used by tf.train.Example. */
export const WireType = { VARINT: 0, FIXED64: 1, LENGTH_DELIMITED: 2, FIXED32: 5 } as const;

/**
 * A cursor over protocol-buffer bytes `[position, end)`. Only what tf.train.Example needs: tags,
 * varints (as numbers, or split into 32-bit halves for int64), length-delimited fields, and
 * skipping unknown fields. Every read is bounds-checked.
 */
export class ProtoReader {
  constructor(
    readonly bytes: Uint8Array,
    public position = 0,
    readonly end = bytes.length,
  ) {}

  get done(): boolean {
    return this.position >= this.end;
  }

  /** Reads a varint that must fit in 2^53 (tags, lengths). */
  uint(): number {
    let result = 0;
    let scale = 1;
    for (let shift = 0; shift < 64; shift += 7) {
      if (this.position >= this.end) throw new WireFormatError("truncated varint");
      const byte = this.bytes[this.position++]!;
      result += (byte & 0x7f) * scale;
      if (byte < 0x80) {
        if (result > Number.MAX_SAFE_INTEGER) throw new WireFormatError("varint length too large");
        return result;
      }
      scale *= 128;
    }
    throw new WireFormatError("varint longer than 10 bytes");
  }

  /**
   * Reads a varint as int64 and stores its low and high 32-bit halves at `target[2 * index]` and
   * `target[2 * index + 1]` (a little-endian Int32Array view of a BigInt64Array), avoiding BigInt.
   */
  int64Into(target: Int32Array, index: number): void {
    let low = 0;
    let high = 0;
    for (let shift = 0; shift < 70; shift += 7) {
      if (this.position >= this.end) throw new WireFormatError("truncated varint");
      const byte = this.bytes[this.position++]!;
      const bits = byte & 0x7f;
      if (shift < 28) low |= bits << shift;
      else if (shift === 28) {
        low |= bits << 28;
        high |= bits >>> 4;
      } else high |= bits << (shift - 32);
      if (byte < 0x80) {
        target[2 * index] = low;
        target[2 * index + 1] = high;
        return;
      }
    }
    throw new WireFormatError("varint longer than 10 bytes");
  }

  /** Reads a length prefix and returns the end of the field it delimits. */
  lengthDelimitedEnd(): number {
    const length = this.uint();
    const end = this.position + length;
    if (end > this.end) throw new WireFormatError("length-delimited field runs past its message");
    return end;
  }

  /** Skips one field of `wireType`. */
  skip(wireType: number): void {
    switch (wireType) {
      case WireType.VARINT:
        this.uint64Skip();
        return;
      case WireType.FIXED64:
        this.advance(8);
        return;
      case WireType.LENGTH_DELIMITED:
        this.position = this.lengthDelimitedEnd();
        return;
      case WireType.FIXED32:
        this.advance(4);
        return;
      default:
        throw new WireFormatError(`unsupported wire type ${wireType}`);
    }
  }

  advance(count: number): void {
    if (this.position + count > this.end) throw new WireFormatError("truncated fixed-width field");
    this.position += count;
  }

  private uint64Skip(): void {
    for (let count = 0; count < 10; count++) {
      if (this.position >= this.end) throw new WireFormatError("truncated varint");
      if (this.bytes[this.position++]! < 0x80) return;
    }
    throw new WireFormatError("varint longer than 10 bytes");
  }
}

/** A growable byte buffer that writes protocol-buffer fields. */
export class ProtoWriter {
  private buffer = new Uint8Array(256);
  length = 0;

  private reserve(count: number): void {
    if (this.length + count <= this.buffer.length) return;
    let size = this.buffer.length * 2;
    while (size < this.length + count) size *= 2;
    const grown = new Uint8Array(size);
    grown.set(this.buffer.subarray(0, this.length));
    this.buffer = grown;
  }

  /** Writes a non-negative varint below 2^53. */
  uint(value: number): void {
    this.reserve(10);
    while (value >= 0x80) {
      this.buffer[this.length++] = (value % 128) | 0x80;
      value = Math.floor(value / 128);
    }
    this.buffer[this.length++] = value;
  }

  /** Writes an int64 varint (negative values take ten bytes, two's complement). */
  int64(value: bigint): void {
    let unsigned = BigInt.asUintN(64, value);
    this.reserve(10);
    while (unsigned >= 0x80n) {
      this.buffer[this.length++] = Number(unsigned & 0x7fn) | 0x80;
      unsigned >>= 7n;
    }
    this.buffer[this.length++] = Number(unsigned);
  }

  tag(field: number, wireType: number): void {
    this.uint(field * 8 + wireType);
  }

  bytes(value: Uint8Array): void {
    this.reserve(value.length);
    this.buffer.set(value, this.length);
    this.length += value.length;
  }

  /** Writes `field` as a length-delimited field holding `body`. */
  message(field: number, body: Uint8Array): void {
    this.tag(field, WireType.LENGTH_DELIMITED);
    this.uint(body.length);
    this.bytes(body);
  }

  finish(): Uint8Array {
    return this.buffer.slice(0, this.length);
  }
}
