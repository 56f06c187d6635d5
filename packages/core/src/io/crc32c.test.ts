import { describe, expect, it } from "vitest";
import { crc32c, maskCrc32c, maskedCrc32c } from "./crc32c.js";

// Bit-by-bit CRC-32C straight from the definition, independent of the sliced tables.
function referenceCrc32c(bytes: Uint8Array): number {
  let crc = 0xffffffff;
  for (const byte of bytes) {
    crc ^= byte;
    for (let bit = 0; bit < 8; bit++) crc = crc & 1 ? (crc >>> 1) ^ 0x82f63b78 : crc >>> 1;
  }
  return (crc ^ 0xffffffff) >>> 0;
}

describe("crc32c", () => {
  it("matches the published check value and the RFC 3720 (iSCSI) test vectors", () => {
    expect(crc32c(new TextEncoder().encode("123456789"))).toBe(0xe3069283);
    expect(crc32c(new Uint8Array(32))).toBe(0x8a9136aa);
    expect(crc32c(new Uint8Array(32).fill(0xff))).toBe(0x62a8ab43);
    expect(crc32c(Uint8Array.from({ length: 32 }, (_, i) => i))).toBe(0x46dd794e);
    expect(crc32c(Uint8Array.from({ length: 32 }, (_, i) => 31 - i))).toBe(0x113fdb5c);
    expect(crc32c(new Uint8Array(0))).toBe(0);
  });

  it("agrees with the bitwise definition on every length and alignment up to 40", () => {
    const bytes = Uint8Array.from({ length: 64 }, (_, i) => (i * 151 + 7) & 0xff);
    for (let start = 0; start < 8; start++) {
      for (let end = start; end <= start + 40; end++) {
        expect(crc32c(bytes, start, end)).toBe(referenceCrc32c(bytes.subarray(start, end)));
      }
    }
  });

  it("continues over pieces", () => {
    const bytes = new TextEncoder().encode("123456789");
    expect(crc32c(bytes, 4, 9, crc32c(bytes, 0, 4))).toBe(0xe3069283);
  });

  it("masks as TFRecord does: rotate right 15, add 0xa282ead8", () => {
    // Worked by hand: 0xe3069283 rotated right by 15 = 0x2507c60d; + 0xa282ead8 = 0xc78ab0e5.
    expect(maskCrc32c(0xe3069283)).toBe(0xc78ab0e5);
    expect(maskCrc32c(0)).toBe(0xa282ead8);
    expect(maskedCrc32c(new TextEncoder().encode("123456789"))).toBe(0xc78ab0e5);
  });
});
