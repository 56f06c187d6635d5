import {
  decodeThriftStruct,
  encodeThriftStruct,
  type ThriftList,
  type ThriftStruct,
  ThriftType,
  type ThriftValue,
} from "./thrift-compact.js";

/** Thrown for a footer that decodes but describes impossible byte ranges. */
export class FooterError extends Error {}

/** One row group's rows and the byte range [start, end) of its column chunks in the file. */
export interface RowGroupRange {
  numRows: number;
  start: number;
  end: number;
}

/** A decoded Parquet footer (FileMetaData) and its row groups' byte ranges. */
export interface ParquetFooter {
  metadata: ThriftStruct;
  rowGroups: RowGroupRange[];
}

// FileMetaData / RowGroup / ColumnChunk / ColumnMetaData field ids (parquet.thrift).
const FILE = { NUM_ROWS: 3, ROW_GROUPS: 4 } as const;
const ROW_GROUP = { COLUMNS: 1, NUM_ROWS: 3, FILE_OFFSET: 5 } as const;
const CHUNK = { FILE_PATH: 1, FILE_OFFSET: 2, META: 3, FIRST_INDEX: 4, LAST_INDEX: 7 } as const;
const META = {
  COMPRESSED_SIZE: 7,
  DATA_PAGE: 9,
  INDEX_PAGE: 10,
  DICTIONARY_PAGE: 11,
  BLOOM_OFFSET: 14,
  BLOOM_LENGTH: 15,
} as const;

function get(struct: ThriftStruct, id: number): ThriftValue | undefined {
  return struct.fields.find((field) => field.id === id)?.value;
}

function int(struct: ThriftStruct, id: number): number | undefined {
  const value = get(struct, id);
  return typeof value === "bigint" || typeof value === "number" ? Number(value) : undefined;
}

function structs(value: ThriftValue | undefined): ThriftStruct[] {
  const list = value as ThriftList | undefined;
  if (list === undefined || !Array.isArray(list.items)) return [];
  return list.items.filter(
    (item): item is ThriftStruct => typeof item === "object" && item !== null && "fields" in item,
  );
}

/** Decodes the footer and checks every row group lies inside [4, dataEnd). */
export function parseFooter(footer: Uint8Array, dataEnd: number): ParquetFooter {
  const metadata = decodeThriftStruct(footer).value;
  const rowGroups = structs(get(metadata, FILE.ROW_GROUPS)).map((group, index) => {
    const numRows = int(group, ROW_GROUP.NUM_ROWS) ?? -1;
    let start = Number.POSITIVE_INFINITY;
    let end = 0;
    for (const chunk of structs(get(group, ROW_GROUP.COLUMNS))) {
      if (get(chunk, CHUNK.FILE_PATH) !== undefined) {
        throw new FooterError(
          `row group ${index} keeps column data in another file, which is not supported`,
        );
      }
      const meta = get(chunk, CHUNK.META) as ThriftStruct | undefined;
      const data = meta && int(meta, META.DATA_PAGE);
      const size = meta && int(meta, META.COMPRESSED_SIZE);
      if (meta === undefined || data === undefined || size === undefined) {
        throw new FooterError(`row group ${index} has a column without data page offsets`);
      }
      const dictionary = int(meta, META.DICTIONARY_PAGE);
      const chunkStart =
        dictionary !== undefined && dictionary > 0 && dictionary < data ? dictionary : data;
      start = Math.min(start, chunkStart);
      end = Math.max(end, chunkStart + size);
    }
    if (numRows < 0 || (numRows > 0 && !(start >= 4 && start <= end && end <= dataEnd))) {
      throw new FooterError(
        `row group ${index} points outside the file (bytes ${start}..${end}, data ends at ${dataEnd})`,
      );
    }
    return { numRows, start: Number.isFinite(start) ? start : 4, end: Math.max(end, 4) };
  });
  return { metadata, rowGroups };
}

function withField(
  struct: ThriftStruct,
  id: number,
  type: number,
  value: ThriftValue | undefined,
): ThriftStruct {
  const fields = struct.fields.filter((field) => field.id !== id);
  if (value !== undefined) fields.push({ id, type, value });
  fields.sort((a, b) => a.id - b.id);
  return { fields };
}

function shifted(struct: ThriftStruct, id: number, shift: number, minimum: number): ThriftStruct {
  const value = int(struct, id);
  if (value === undefined) return struct;
  return withField(
    struct,
    id,
    ThriftType.I64,
    value >= minimum ? BigInt(value - shift) : undefined,
  );
}

/**
 * A self-contained Parquet file holding only row group `index` (its bytes are `data`, the file's
 * [start, end) range) and a footer rewritten to match, so the reader only ever sees one row group.
 * Without `index`, a file with the schema and no rows.
 */
export function singleRowGroupFile(
  footer: ParquetFooter,
  index?: number,
  data?: Uint8Array,
): Uint8Array {
  let metadata = footer.metadata;
  let body: Uint8Array = new Uint8Array(0);
  let rows = 0n;
  let groups: ThriftStruct[] = [];
  if (index !== undefined && data !== undefined) {
    const range = footer.rowGroups[index]!;
    const shift = range.start - 4;
    const group = structs(get(metadata, FILE.ROW_GROUPS))[index]!;
    const columns = structs(get(group, ROW_GROUP.COLUMNS)).map((chunk) => {
      let meta = get(chunk, CHUNK.META) as ThriftStruct;
      meta = shifted(meta, META.DATA_PAGE, shift, range.start);
      meta = shifted(meta, META.DICTIONARY_PAGE, shift, range.start);
      for (const id of [META.INDEX_PAGE, META.BLOOM_OFFSET, META.BLOOM_LENGTH])
        meta = withField(meta, id, 0, undefined);
      let rewritten: ThriftStruct = {
        fields: chunk.fields.filter(
          (field) => field.id < CHUNK.FIRST_INDEX || field.id > CHUNK.LAST_INDEX,
        ),
      };
      rewritten = withField(rewritten, CHUNK.META, ThriftType.STRUCT, meta);
      const offset = int(chunk, CHUNK.FILE_OFFSET) ?? 0;
      return withField(
        rewritten,
        CHUNK.FILE_OFFSET,
        ThriftType.I64,
        BigInt(offset >= range.start ? offset - shift : 0),
      );
    });
    let rewrittenGroup = withField(group, ROW_GROUP.COLUMNS, ThriftType.LIST, {
      elementType: ThriftType.STRUCT,
      items: columns,
    });
    rewrittenGroup = shifted(rewrittenGroup, ROW_GROUP.FILE_OFFSET, shift, range.start);
    groups = [rewrittenGroup];
    rows = BigInt(range.numRows);
    body = data;
  }
  metadata = withField(metadata, FILE.ROW_GROUPS, ThriftType.LIST, {
    elementType: ThriftType.STRUCT,
    items: groups,
  });
  metadata = withField(metadata, FILE.NUM_ROWS, ThriftType.I64, rows);
  const encoded = encodeThriftStruct(metadata);
  const file = new Uint8Array(4 + body.length + encoded.length + 8);
  const magic = new TextEncoder().encode("PAR1");
  file.set(magic, 0);
  file.set(body, 4);
  file.set(encoded, 4 + body.length);
  new DataView(file.buffer).setUint32(4 + body.length + encoded.length, encoded.length, true);
  file.set(magic, file.length - 4);
  return file;
}
