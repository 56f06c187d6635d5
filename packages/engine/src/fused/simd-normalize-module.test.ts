import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { compileWasm } from "../../../../scripts/build-wasm.mjs";
import { webAssembly } from "../optimizer-update/simd-update-module.js";
import { simdNormalizeLoops, simdNormalizeModuleBytes } from "./simd-normalize-module.js";
import { SIMD_NORMALIZE_MODULE_BASE64 } from "./simd-normalize-module-bytes.js";

describe("SIMD normalize module", () => {
  it("the committed bytes are a fresh compile of wasm/simd-normalize-module.ts", async () => {
    const source = fileURLToPath(new URL("../../wasm/simd-normalize-module.ts", import.meta.url));
    const fresh = Buffer.from(await compileWasm(source)).toString("base64");
    expect(fresh, "regenerate: pnpm --filter @tml/engine build:wasm").toBe(
      SIMD_NORMALIZE_MODULE_BASE64,
    );
  }, 60_000);

  it("binding it leaves the imported memory (the tfjs heap) untouched", () => {
    expect(webAssembly!.validate(simdNormalizeModuleBytes())).toBe(true);
    const memory = new webAssembly!.Memory({ initial: 1 });
    new Uint8Array(memory.buffer).fill(0xa5);
    expect(simdNormalizeLoops(memory)).toBeDefined();
    expect(new Uint8Array(memory.buffer).every((byte) => byte === 0xa5)).toBe(true);
  });
});
