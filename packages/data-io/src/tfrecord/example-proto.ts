import { ProtoReader, ProtoWriter, WireFormatError, WireType } from "./protobuf-wire.js";

/** The three value lists a `tf.train.Feature` can hold. */
export type FeatureKind = "bytes_list" | "float_list" | "int64_list";

/** Where one feature's value list lies inside a serialized Example (the list message's body). */
export interface FeatureRef {
  kind: FeatureKind;
  start: number;
  end: number;
}

const KINDS: readonly FeatureKind[] = ["bytes_list", "float_list", "int64_list"];
const decoder = new TextDecoder("utf-8", { fatal: true });

/**
 * Indexes a serialized `tf.train.Example` (Example.features = 1 → Features.feature = 1, a map of
 * name → Feature with bytes_list = 1, float_list = 2, int64_list = 3) without copying values: each
 * feature name maps to the byte range of its value list. Unknown fields are skipped; a feature set
 * twice keeps the last, as protobuf does. Throws WireFormatError on malformed bytes.
 */
export function indexExample(bytes: Uint8Array): Map<string, FeatureRef> {
  const features = new Map<string, FeatureRef>();
  const example = new ProtoReader(bytes);
  while (!example.done) {
    const tag = example.uint();
    if (tag !== (1 << 3) + WireType.LENGTH_DELIMITED) {
      example.skip(tag & 7);
      continue;
    }
    const featuresEnd = example.lengthDelimitedEnd();
    const map = new ProtoReader(bytes, example.position, featuresEnd);
    while (!map.done) {
      const entryTag = map.uint();
      if (entryTag !== (1 << 3) + WireType.LENGTH_DELIMITED) {
        map.skip(entryTag & 7);
        continue;
      }
      const entryEnd = map.lengthDelimitedEnd();
      readEntry(new ProtoReader(bytes, map.position, entryEnd), features);
      map.position = entryEnd;
    }
    example.position = featuresEnd;
  }
  return features;
}

function readEntry(entry: ProtoReader, features: Map<string, FeatureRef>): void {
  let name = "";
  let ref: FeatureRef | undefined;
  while (!entry.done) {
    const tag = entry.uint();
    const field = tag >>> 3;
    if ((tag & 7) !== WireType.LENGTH_DELIMITED || (field !== 1 && field !== 2)) {
      entry.skip(tag & 7);
      continue;
    }
    const end = entry.lengthDelimitedEnd();
    if (field === 1) {
      try {
        name = decoder.decode(entry.bytes.subarray(entry.position, end));
      } catch {
        throw new WireFormatError("feature name is not UTF-8");
      }
    } else {
      ref = readFeature(new ProtoReader(entry.bytes, entry.position, end)) ?? ref;
    }
    entry.position = end;
  }
  if (ref !== undefined) features.set(name, ref);
}

function readFeature(feature: ProtoReader): FeatureRef | undefined {
  let ref: FeatureRef | undefined;
  while (!feature.done) {
    const tag = feature.uint();
    const kind = KINDS[(tag >>> 3) - 1];
    if ((tag & 7) !== WireType.LENGTH_DELIMITED || kind === undefined) {
      feature.skip(tag & 7);
      continue;
    }
    const end = feature.lengthDelimitedEnd();
    ref = { kind, start: feature.position, end };
    feature.position = end;
  }
  return ref;
}

/** Number of values in a feature's list (packed and unpacked encodings both counted). */
export function countValues(bytes: Uint8Array, ref: FeatureRef): number {
  return visitValues(bytes, ref, undefined, 0);
}

/** Copies a float_list's values into `target` from `offset`; returns how many. */
export function readFloatValues(
  bytes: Uint8Array,
  ref: FeatureRef,
  target: Float32Array,
  offset: number,
): number {
  return visitValues(bytes, ref, target, offset);
}

/**
 * Copies an int64_list's values into `target`, a little-endian Int32Array view over a
 * BigInt64Array (two slots per value), from value `offset`; returns how many.
 */
export function readInt64Values(
  bytes: Uint8Array,
  ref: FeatureRef,
  target: Int32Array,
  offset: number,
): number {
  return visitValues(bytes, ref, target, offset);
}

/** A bytes_list's values (views into `bytes`). */
export function readBytesValues(bytes: Uint8Array, ref: FeatureRef): Uint8Array[] {
  const values: Uint8Array[] = [];
  const list = new ProtoReader(bytes, ref.start, ref.end);
  while (!list.done) {
    const tag = list.uint();
    if (tag !== (1 << 3) + WireType.LENGTH_DELIMITED) {
      list.skip(tag & 7);
      continue;
    }
    const end = list.lengthDelimitedEnd();
    values.push(bytes.subarray(list.position, end));
    list.position = end;
  }
  return values;
}

// Counts (target undefined) or copies the values of a float or int64 list.
function visitValues(
  bytes: Uint8Array,
  ref: FeatureRef,
  target: Float32Array | Int32Array | undefined,
  offset: number,
): number {
  if (ref.kind === "bytes_list") return readBytesValues(bytes, ref).length;
  const isFloat = ref.kind === "float_list";
  const list = new ProtoReader(bytes, ref.start, ref.end);
  let count = 0;
  while (!list.done) {
    const tag = list.uint();
    const wireType = tag & 7;
    if (tag >>> 3 !== 1) {
      list.skip(wireType);
      continue;
    }
    if (wireType === WireType.LENGTH_DELIMITED) {
      const end = list.lengthDelimitedEnd();
      if (isFloat) {
        if ((end - list.position) % 4 !== 0)
          throw new WireFormatError("packed float_list is not a multiple of 4 bytes");
        const values = (end - list.position) / 4;
        if (target)
          copyFloats(bytes, list.position, values, target as Float32Array, offset + count);
        count += values;
        list.position = end;
      } else {
        const packed = new ProtoReader(bytes, list.position, end);
        while (!packed.done) {
          if (target) packed.int64Into(target as Int32Array, offset + count);
          else packed.skip(WireType.VARINT);
          count++;
        }
        list.position = end;
      }
    } else if (isFloat && wireType === WireType.FIXED32) {
      const position = list.position;
      list.advance(4);
      if (target) copyFloats(bytes, position, 1, target as Float32Array, offset + count);
      count++;
    } else if (!isFloat && wireType === WireType.VARINT) {
      if (target) list.int64Into(target as Int32Array, offset + count);
      else list.skip(WireType.VARINT);
      count++;
    } else {
      throw new WireFormatError(`${ref.kind} value has wire type ${wireType}`);
    }
  }
  return count;
}

function copyFloats(
  bytes: Uint8Array,
  position: number,
  count: number,
  target: Float32Array,
  offset: number,
): void {
  const destination = new Uint8Array(target.buffer, target.byteOffset + offset * 4, count * 4);
  destination.set(bytes.subarray(position, position + count * 4));
}

/** One feature's values for `encodeExample`. */
export type FeatureValue =
  | { kind: "float_list"; values: ArrayLike<number> }
  | { kind: "int64_list"; values: ArrayLike<bigint> }
  | { kind: "bytes_list"; values: readonly Uint8Array[] };

/**
 * Serializes a `tf.train.Example` with the given features (in insertion order). Float and int64
 * lists are packed unless `packed` is false (both forms are valid proto3 and TensorFlow reads both).
 */
export function encodeExample(
  features: Record<string, FeatureValue>,
  options: { packed?: boolean } = {},
): Uint8Array {
  const packed = options.packed ?? true;
  const map = new ProtoWriter();
  const encoder = new TextEncoder();
  for (const [name, feature] of Object.entries(features)) {
    const list = new ProtoWriter();
    encodeList(list, feature, packed);
    const featureMessage = new ProtoWriter();
    featureMessage.message(KINDS.indexOf(feature.kind) + 1, list.finish());
    const entry = new ProtoWriter();
    entry.message(1, encoder.encode(name));
    entry.message(2, featureMessage.finish());
    map.message(1, entry.finish());
  }
  const example = new ProtoWriter();
  example.message(1, map.finish());
  return example.finish();
}

function encodeList(list: ProtoWriter, feature: FeatureValue, packed: boolean): void {
  if (feature.kind === "bytes_list") {
    for (const value of feature.values) list.message(1, value);
    return;
  }
  const count = feature.values.length;
  if (feature.kind === "float_list") {
    const floats = new Uint8Array(Float32Array.from(feature.values).buffer);
    if (packed) {
      if (count > 0) list.message(1, floats);
      return;
    }
    for (let index = 0; index < count; index++) {
      list.tag(1, WireType.FIXED32);
      list.bytes(floats.subarray(index * 4, index * 4 + 4));
    }
    return;
  }
  const body = packed ? new ProtoWriter() : list;
  for (let index = 0; index < count; index++) {
    if (!packed) body.tag(1, WireType.VARINT);
    body.int64(feature.values[index]!);
  }
  if (packed && count > 0) list.message(1, body.finish());
}
