// CRC-32C (Castagnoli, reflected polynomial 0x82F63B78) with slicing-by-8 tables: eight table
// lookups per eight input bytes instead of eight shift/xor rounds.
const POLYNOMIAL = 0x82f63b78;
const TABLES = buildTables();

function buildTables(): Uint32Array[] {
  const tables = Array.from({ length: 8 }, () => new Uint32Array(256));
  const first = tables[0]!;
  for (let byte = 0; byte < 256; byte++) {
    let crc = byte;
    for (let bit = 0; bit < 8; bit++) crc = crc & 1 ? (crc >>> 1) ^ POLYNOMIAL : crc >>> 1;
    first[byte] = crc >>> 0;
  }
  for (let byte = 0; byte < 256; byte++) {
    let crc = first[byte]!;
    for (let table = 1; table < 8; table++) {
      crc = (crc >>> 8) ^ first[crc & 0xff]!;
      tables[table]![byte] = crc >>> 0;
    }
  }
  return tables;
}

/**
 * CRC-32C of `bytes[start, end)` as an unsigned 32-bit integer; pass a previous result as `crc`
 * to continue a checksum over several pieces.
 */
export function crc32c(bytes: Uint8Array, start = 0, end = bytes.length, crc = 0): number {
  const [t0, t1, t2, t3, t4, t5, t6, t7] = TABLES as [
    Uint32Array,
    Uint32Array,
    Uint32Array,
    Uint32Array,
    Uint32Array,
    Uint32Array,
    Uint32Array,
    Uint32Array,
  ];
  let value = ~crc >>> 0;
  let index = start;
  while (index + 8 <= end) {
    const low =
      value ^
      (bytes[index]! |
        (bytes[index + 1]! << 8) |
        (bytes[index + 2]! << 16) |
        (bytes[index + 3]! << 24));
    value =
      t7[low & 0xff]! ^
      t6[(low >>> 8) & 0xff]! ^
      t5[(low >>> 16) & 0xff]! ^
      t4[low >>> 24]! ^
      t3[bytes[index + 4]!]! ^
      t2[bytes[index + 5]!]! ^
      t1[bytes[index + 6]!]! ^
      t0[bytes[index + 7]!]!;
    index += 8;
  }
  while (index < end) value = (value >>> 8) ^ t0[(value ^ bytes[index++]!) & 0xff]!;
  return ~value >>> 0;
}

const MASK_DELTA = 0xa282ead8;

/**
 * The masked CRC that TFRecord stores: rotate right by 15 bits and add 0xa282ead8 (mod 2^32), so
 * that a CRC computed over data containing embedded CRCs stays well distributed.
 */
export function maskCrc32c(crc: number): number {
  return (((crc >>> 15) | (crc << 17)) + MASK_DELTA) >>> 0;
}

/** The masked CRC-32C of `bytes[start, end)`. */
export function maskedCrc32c(bytes: Uint8Array, start = 0, end = bytes.length): number {
  return maskCrc32c(crc32c(bytes, start, end));
}
