import { it } from "vitest";
import { iterateParquetBatches, readParquetFile } from "./read-parquet.js";

it("scratch", async () => {
  for (let rep = 0; rep < 3; rep++) {
    let t = performance.now();
    let rows = 0;
    for await (const b of iterateParquetBatches("/tmp/dexp/big.parquet")) rows += b.numRows;
    const it = performance.now() - t;
    t = performance.now();
    const table = await readParquetFile("/tmp/dexp/big.parquet");
    console.log(
      "iterate",
      it.toFixed(0),
      (((rows / it) * 1000) / 1e6).toFixed(2),
      "M rows/s; readParquetFile",
      (performance.now() - t).toFixed(0),
      table.numRows,
    );
  }
}, 120000);
