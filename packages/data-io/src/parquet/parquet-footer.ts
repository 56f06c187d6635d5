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

/** Which top-level columns to keep, and the Arrow schema (IPC bytes) that describes just them. */
export interface FooterProjection {
  /** Indexes of the kept top-level columns, in file order. */
  topLevel: readonly number[];
  /** `ARROW:schema` metadata value for the projected columns (base64 of an IPC schema message). */
  arrowSchema: string;
}

// FileMetaData.schema / key_value_metadata / column_orders, SchemaElement.name / num_children.
const SCHEMA = { LIST: 2, KEY_VALUE: 5, COLUMN_ORDERS: 7, NAME: 4, NUM_CHILDREN: 5 } as const;

interface TopLevelColumn {
  elements: ThriftStruct[];
  firstLeaf: number;
  leaves: number;
}

// Splits the flattened schema (root first, depth-first) into top-level subtrees and their leaves.
function topLevelColumns(metadata: ThriftStruct): {
  root: ThriftStruct;
  columns: TopLevelColumn[];
} {
  const elements = structs(get(metadata, SCHEMA.LIST));
  const root = elements[0];
  if (root === undefined) throw new FooterError("the schema is empty");
  let position = 1;
  let leaf = 0;
  const walk = (): { count: number; leaves: number } => {
    const element = elements[position++];
    if (element === undefined) throw new FooterError("the schema tree is cut short");
    const children = int(element, SCHEMA.NUM_CHILDREN) ?? 0;
    if (children === 0) return { count: 1, leaves: 1 };
    let count = 1;
    let leaves = 0;
    for (let child = 0; child < children; child++) {
      const sub = walk();
      count += sub.count;
      leaves += sub.leaves;
    }
    return { count, leaves };
  };
  const columns: TopLevelColumn[] = [];
  for (let index = 0; index < (int(root, SCHEMA.NUM_CHILDREN) ?? 0); index++) {
    const start = position;
    const { leaves } = walk();
    columns.push({ elements: elements.slice(start, position), firstLeaf: leaf, leaves });
    leaf += leaves;
  }
  return { root, columns };
}

function projectMetadata(
  metadata: ThriftStruct,
  projection: FooterProjection,
  keptLeaves: number[],
): ThriftStruct {
  const { root, columns } = topLevelColumns(metadata);
  const kept = projection.topLevel.map((index) => columns[index]!);
  const schema = [
    withField(root, SCHEMA.NUM_CHILDREN, ThriftType.I32, kept.length),
    ...kept.flatMap((column) => column.elements),
  ];
  let result = withField(metadata, SCHEMA.LIST, ThriftType.LIST, {
    elementType: ThriftType.STRUCT,
    items: schema,
  });
  const orders = get(metadata, SCHEMA.COLUMN_ORDERS) as ThriftList | undefined;
  if (orders !== undefined) {
    const items = keptLeaves.map((leaf) => orders.items[leaf]!);
    result = withField(result, SCHEMA.COLUMN_ORDERS, ThriftType.LIST, {
      elementType: orders.elementType,
      items,
    });
  }
  const keyValues = structs(get(metadata, SCHEMA.KEY_VALUE)).map((entry) => {
    const key = get(entry, 1);
    const isArrow = key instanceof Uint8Array && new TextDecoder().decode(key) === "ARROW:schema";
    return isArrow
      ? withField(entry, 2, ThriftType.BINARY, new TextEncoder().encode(projection.arrowSchema))
      : entry;
  });
  if (keyValues.length > 0) {
    result = withField(result, SCHEMA.KEY_VALUE, ThriftType.LIST, {
      elementType: ThriftType.STRUCT,
      items: keyValues,
    });
  }
  return result;
}

/** Leaf-column indexes of the given top-level columns. */
export function projectedLeaves(footer: ParquetFooter, topLevel: readonly number[]): number[] {
  const { columns } = topLevelColumns(footer.metadata);
  return topLevel.flatMap((index) => {
    const column = columns[index];
    if (column === undefined) throw new FooterError(`the schema has no top-level column ${index}`);
    return Array.from({ length: column.leaves }, (_, leaf) => column.firstLeaf + leaf);
  });
}

/**
 * A self-contained Parquet file holding only row group `index` (its bytes are `data`, the file's
 * [start, end) range), optionally only some top-level columns, with the footer rewritten to match:
 * the kept column chunks are packed one after another and their page offsets moved. Without
 * `index`, a file with the schema and no rows.
 */
export function singleRowGroupFile(
  footer: ParquetFooter,
  index?: number,
  data?: Uint8Array,
  projection?: FooterProjection,
): Uint8Array {
  let metadata = footer.metadata;
  const parts: Uint8Array[] = [];
  let bodyLength = 0;
  let rows = 0n;
  let groups: ThriftStruct[] = [];
  const keptLeaves =
    projection === undefined ? undefined : projectedLeaves(footer, projection.topLevel);
  if (index !== undefined && data !== undefined) {
    const range = footer.rowGroups[index]!;
    const group = structs(get(metadata, FILE.ROW_GROUPS))[index]!;
    const chunks = structs(get(group, ROW_GROUP.COLUMNS));
    const kept = keptLeaves === undefined ? chunks : keptLeaves.map((leaf) => chunks[leaf]!);
    const columns = kept.map((chunk) => {
      let meta = get(chunk, CHUNK.META) as ThriftStruct;
      const dataPage = int(meta, META.DATA_PAGE)!;
      const dictionary = int(meta, META.DICTIONARY_PAGE);
      const chunkStart =
        dictionary !== undefined && dictionary > 0 && dictionary < dataPage ? dictionary : dataPage;
      const size = int(meta, META.COMPRESSED_SIZE)!;
      const shift = chunkStart - (4 + bodyLength);
      parts.push(data.subarray(chunkStart - range.start, chunkStart - range.start + size));
      bodyLength += size;
      meta = shifted(meta, META.DATA_PAGE, shift, chunkStart);
      meta = shifted(meta, META.DICTIONARY_PAGE, shift, chunkStart);
      for (const id of [META.INDEX_PAGE, META.BLOOM_OFFSET, META.BLOOM_LENGTH])
        meta = withField(meta, id, 0, undefined);
      let rewritten: ThriftStruct = {
        fields: chunk.fields.filter(
          (field) => field.id < CHUNK.FIRST_INDEX || field.id > CHUNK.LAST_INDEX,
        ),
      };
      rewritten = withField(rewritten, CHUNK.META, ThriftType.STRUCT, meta);
      return withField(rewritten, CHUNK.FILE_OFFSET, ThriftType.I64, 0n);
    });
    let rewrittenGroup = withField(group, ROW_GROUP.COLUMNS, ThriftType.LIST, {
      elementType: ThriftType.STRUCT,
      items: columns,
    });
    rewrittenGroup = withField(rewrittenGroup, ROW_GROUP.FILE_OFFSET, ThriftType.I64, undefined);
    groups = [rewrittenGroup];
    rows = BigInt(range.numRows);
  }
  if (projection !== undefined && keptLeaves !== undefined)
    metadata = projectMetadata(metadata, projection, keptLeaves);
  metadata = withField(metadata, FILE.ROW_GROUPS, ThriftType.LIST, {
    elementType: ThriftType.STRUCT,
    items: groups,
  });
  metadata = withField(metadata, FILE.NUM_ROWS, ThriftType.I64, rows);
  const encoded = encodeThriftStruct(metadata);
  const file = new Uint8Array(4 + bodyLength + encoded.length + 8);
  const magic = new TextEncoder().encode("PAR1");
  file.set(magic, 0);
  let position = 4;
  for (const part of parts) {
    file.set(part, position);
    position += part.length;
  }
  file.set(encoded, position);
  new DataView(file.buffer).setUint32(position + encoded.length, encoded.length, true);
  file.set(magic, file.length - 4);
  return file;
}
