import { NotFoundError, Rng } from "@tml/core";
import { type Float32Allocator, heapFloat32 } from "@tml/training/parallel";
import type { OperatorKind, TwhinModelConfig } from "../config/twhin-config.js";
import type { ComparatorKind } from "./comparator.js";
import { compare } from "./comparator.js";
import { EmbeddingTable } from "./embedding-table.js";
import { initOperator, operatorForward } from "./operators.js";
import { type ParitySettings, paritySettings } from "./parity.js";

/** A relation with its tables resolved to indices. */
export interface ResolvedRelation {
  name: string;
  lhsTable: number;
  rhsTable: number;
  operator: OperatorKind;
}

/**
 * The TwHIN model: one embedding table per entity type and one operator parameter vector per
 * relation (`relationParams`, R x dim; with reciprocal relations 2R x dim, row R + r predicting
 * the lhs of relation r). Scoring: `score(h, r, t) = comparator(op_r(e_h), e_t)`; under the
 * original's parity (`parity.translateRhs`), `<e_h, e_t + w_r>`.
 */
export class TwhinModel {
  readonly config: TwhinModelConfig;
  readonly tables: EmbeddingTable[];
  readonly relations: ResolvedRelation[];
  readonly relationParams: Float32Array;
  readonly dim: number;
  readonly comparator: ComparatorKind;
  readonly reciprocal: boolean;
  /** What `model.parity` means for scoring and training (see parity.ts). */
  readonly parity: ParitySettings;
  // One table row decoded to float32 (queryVector, score).
  private readonly rowScratch: Float32Array;

  /**
   * `tables` (default: new zero tables) and `allocate` (the relation operators, and the tables it
   * creates; shared memory for Hogwild workers).
   */
  constructor(
    config: TwhinModelConfig,
    tables?: EmbeddingTable[],
    allocate: Float32Allocator = heapFloat32,
  ) {
    this.config = config;
    this.dim = config.embeddings.tables[0]!.embedding_dim;
    this.tables =
      tables ??
      config.embeddings.tables.map((t) =>
        EmbeddingTable.allocate(t.name, t.num_embeddings, t.embedding_dim, t.data_type, allocate),
      );
    const names = this.tables.map((t) => t.name);
    this.relations = config.relations.map((relation) => ({
      name: relation.name,
      lhsTable: names.indexOf(relation.lhs),
      rhsTable: names.indexOf(relation.rhs),
      operator: relation.operator,
    }));
    this.comparator = config.comparator;
    this.reciprocal = config.reciprocal_relations;
    this.parity = paritySettings(config);
    this.relationParams = allocate(this.numOperatorRows * this.dim);
    this.rowScratch = new Float32Array(this.dim);
  }

  /** Operator parameter rows: R, or 2R with reciprocal relations. */
  get numOperatorRows(): number {
    return this.relations.length * (this.reciprocal ? 2 : 1);
  }

  /** Seeded initialisation as the original: tables U(+-sqrt(1/rows)), translations U[0,1). */
  initialize(seed: number): this {
    const rng = new Rng(seed);
    for (const table of this.tables) {
      table.initUniform(rng.fork(`table:${table.name}`), this.config.init_scale ?? undefined);
    }
    const relationRng = rng.fork("relations");
    for (let row = 0; row < this.numOperatorRows; row++) {
      const relation = this.relations[row % this.relations.length]!;
      initOperator(
        relation.operator,
        this.config.relation_init,
        relationRng,
        this.relationParams,
        row * this.dim,
        this.dim,
      );
    }
    return this;
  }

  /** Table index of an entity type name; NotFoundError naming the known types. */
  tableIndex(name: string): number {
    const index = this.tables.findIndex((t) => t.name === name);
    if (index < 0) {
      throw new NotFoundError(
        `Unknown entity type "${name}"; known types: ${this.tables.map((t) => t.name).join(", ")}.`,
      );
    }
    return index;
  }

  /** Relation index of a relation name; NotFoundError naming the known relations. */
  relationIndex(name: string): number {
    const index = this.relations.findIndex((r) => r.name === name);
    if (index < 0)
      throw new NotFoundError(
        `Unknown relation "${name}" (${this.relations.length} relations configured).`,
      );
    return index;
  }

  /**
   * Writes the query vector that ranks candidates of one side: `op_r(e_h)` to rank tails, or
   * (reciprocal) `op_{R+r}(e_t)` to rank heads. Without reciprocal relations, ranking heads
   * compares `op_r(candidate)` with `e_t`; `queryVector` then returns e_t and `transformsCandidates`
   * is true.
   */
  queryVector(
    relation: number,
    side: "tail" | "head",
    entity: number,
    out: Float32Array,
    outOff = 0,
  ): void {
    const r = this.relations[relation]!;
    const dim = this.dim;
    if (side === "tail") {
      const table = this.tables[r.lhsTable]!;
      if (!this.parity.applyOperators) table.readRow(entity, out, outOff);
      else {
        table.readRow(entity, this.rowScratch);
        const row = relation * dim;
        operatorForward(r.operator, this.relationParams, row, this.rowScratch, 0, out, outOff, dim);
      }
      return;
    }
    const table = this.tables[r.rhsTable]!;
    if (this.reciprocal && this.parity.applyOperators) {
      table.readRow(entity, this.rowScratch);
      const row = (this.relations.length + relation) * dim;
      operatorForward(r.operator, this.relationParams, row, this.rowScratch, 0, out, outOff, dim);
    } else {
      table.readRow(entity, out, outOff);
    }
  }

  /** True when ranking heads needs `op_r` applied to each candidate (non-reciprocal fixed mode). */
  transformsCandidates(side: "tail" | "head"): boolean {
    return side === "head" && !this.reciprocal && this.parity.applyOperators;
  }

  /** Score of one edge (the tail-ranking score; the original's form under parity). */
  score(lhs: number, relation: number, rhs: number): number {
    const r = this.relations[relation]!;
    const dim = this.dim;
    const query = new Float32Array(dim);
    this.queryVector(relation, "tail", lhs, query);
    const target = new Float32Array(dim);
    this.tables[r.rhsTable]!.readRow(rhs, target);
    if (this.parity.translateRhs) {
      for (let d = 0; d < dim; d++) target[d]! += this.relationParams[relation * dim + d]!;
      return compare("dot", query, 0, target, 0, dim);
    }
    return compare(this.comparator, query, 0, target, 0, dim);
  }
}
