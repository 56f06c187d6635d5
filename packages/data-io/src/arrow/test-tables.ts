import * as arrow from "apache-arrow";

/**
 * A small table with every supported column layout, for tests: float32 `x`, float64 `y`, int64
 * `id`, int32 `count`, bool `flag`, a 3-float fixed-size list `embedding` and a variable int64 list
 * `tags` (row r has r % 3 tags). Values are simple functions of the row index.
 */
export function makeTestTable(rows: number, firstRow = 0): arrow.Table {
  const x = new Float32Array(rows);
  const y = new Float64Array(rows);
  const id = new BigInt64Array(rows);
  const count = new Int32Array(rows);
  const flag: boolean[] = [];
  const embedding = new Float32Array(rows * 3);
  const tagOffsets = new Int32Array(rows + 1);
  const tagValues: bigint[] = [];
  for (let i = 0; i < rows; i++) {
    const r = firstRow + i;
    x[i] = r * 0.5;
    y[i] = r / 3;
    id[i] = BigInt(r) * 1_000_003n;
    count[i] = r % 7;
    flag.push(r % 2 === 0);
    for (let k = 0; k < 3; k++) embedding[i * 3 + k] = r + k / 10;
    for (let k = 0; k < r % 3; k++) tagValues.push(BigInt(r * 10 + k));
    tagOffsets[i + 1] = tagValues.length;
  }
  const embeddingType = new arrow.FixedSizeList(
    3,
    new arrow.Field("item", new arrow.Float32(), false),
  );
  const tagsType = new arrow.List(new arrow.Field("item", new arrow.Int64(), true));
  const tags = arrow.makeData({
    type: tagsType,
    length: rows,
    valueOffsets: tagOffsets,
    child: arrow.makeData({
      type: new arrow.Int64(),
      length: tagValues.length,
      data: BigInt64Array.from(tagValues),
    }),
  });
  return new arrow.Table({
    x: arrow.makeVector(x),
    y: arrow.makeVector(y),
    id: arrow.makeVector(id),
    count: arrow.makeVector(count),
    flag: arrow.vectorFromArray(flag, new arrow.Bool()),
    embedding: arrow.makeVector(
      arrow.makeData({
        type: embeddingType,
        length: rows,
        child: arrow.makeData({ type: new arrow.Float32(), length: rows * 3, data: embedding }),
      }),
    ),
    tags: arrow.makeVector(tags),
  });
}
