import { type CosineNeighbour, cosineNeighbours } from "../shared/cosine-neighbours.js";
import type { TwhinManifest, TwhinTable } from "../shared/explorer-manifest.js";
import { element, formatNumber } from "./dom.js";

/** What the TwHIN view shows now (read by the browser test). */
export interface TwhinState {
  table: string;
  entity: number;
  neighbours: CosineNeighbour[];
}

const NEIGHBOURS = 10;
const PALETTE = [
  "#4c78a8",
  "#f58518",
  "#54a24b",
  "#e45756",
  "#72b7b2",
  "#b279a2",
  "#ff9da6",
  "#9d755d",
  "#bab0ac",
  "#eeca3b",
];

/**
 * The TwHIN view: nearest neighbours (cosine) of a chosen user or Tweet from the exported
 * tables, and a 2-D PCA projection of the table coloured by the generated graph's planted
 * communities, or of all tables coloured by entity type where there are none.
 */
export class TwhinView {
  readonly root = element("section", { id: "twhin" });
  state: TwhinState | undefined;

  constructor(
    private readonly manifest: TwhinManifest,
    private readonly vectors: ReadonlyMap<string, Float32Array>,
    private readonly onChange: () => void,
  ) {}

  /** Shows `entity` of `table` with its neighbours. */
  show(tableName: string, entity: number): void {
    const table =
      this.manifest.tables.find((entry) => entry.name === tableName) ?? this.manifest.tables[0];
    if (!table) return;
    const row = Math.max(0, Math.min(table.rows - 1, entity));
    const neighbours = cosineNeighbours(
      this.vectors.get(table.name) as Float32Array,
      table.rows,
      table.dim,
      row,
      NEIGHBOURS,
    );
    this.state = { table: table.name, entity: row, neighbours };
    const label = (index: number) => table.names?.[index] ?? `${table.name} ${index}`;
    const community = (index: number) =>
      table.communities ? ` · community ${table.communities[index]}` : "";
    const tableSelect = element(
      "select",
      {
        id: "twhin-table",
        onchange: (event) => this.show((event.target as HTMLSelectElement).value, 0),
      },
      this.manifest.tables.map((entry) =>
        element("option", { value: entry.name, selected: entry.name === table.name }, [
          `${entry.name} (${entry.rows})`,
        ]),
      ),
    );
    const entityInput = element("input", {
      id: "twhin-entity",
      type: "number",
      min: 0,
      max: table.rows - 1,
      value: row,
      onchange: (event) => this.show(table.name, Number((event.target as HTMLInputElement).value)),
    });
    const canvas = element("canvas", { width: 520, height: 420, class: "projection" });
    this.root.replaceChildren(
      element("h2", {}, ["TwHIN"]),
      element("div", { class: "controls" }, [
        element("label", {}, ["Table ", tableSelect]),
        element("label", {}, ["Entity ", entityInput]),
      ]),
      element("div", { class: "twhin-body" }, [
        element("div", {}, [
          element("h3", {}, [`Nearest neighbours of ${label(row)}${community(row)}`]),
          element(
            "ol",
            { class: "neighbours" },
            neighbours.map((neighbour) =>
              element(
                "li",
                { "data-row": neighbour.row, onclick: () => this.show(table.name, neighbour.row) },
                [
                  `${label(neighbour.row)}${community(neighbour.row)} — cosine ${formatNumber(neighbour.similarity, 3)}`,
                ],
              ),
            ),
          ),
        ]),
        element("figure", {}, [
          canvas,
          element("figcaption", {}, [this.draw(canvas, table, row, neighbours)]),
        ]),
      ]),
    );
    this.onChange();
  }

  /** Draws the projection; returns its caption. */
  private draw(
    canvas: HTMLCanvasElement,
    table: TwhinTable,
    row: number,
    neighbours: readonly CosineNeighbour[],
  ): string {
    const joint = !this.manifest.tables.some((entry) => entry.communities)
      ? this.manifest.joint
      : null;
    const points = joint ? joint.points : table.projection;
    const colours: string[] = [];
    if (joint) {
      this.manifest.tables.forEach((entry, index) => {
        for (let i = 0; i < entry.rows; i++)
          colours.push(PALETTE[index % PALETTE.length] as string);
      });
    } else {
      for (let i = 0; i < table.rows; i++)
        colours.push(PALETTE[(table.communities?.[i] ?? 0) % PALETTE.length] as string);
    }
    const offset = joint
      ? this.manifest.tables
          .slice(0, this.manifest.tables.indexOf(table))
          .reduce((sum, entry) => sum + entry.rows, 0)
      : 0;
    const context = canvas.getContext("2d") as CanvasRenderingContext2D;
    const xs = points.filter((_value, index) => index % 2 === 0);
    const ys = points.filter((_value, index) => index % 2 === 1);
    const [minX, maxX, minY, maxY] = [
      Math.min(...xs),
      Math.max(...xs),
      Math.min(...ys),
      Math.max(...ys),
    ];
    const at = (index: number): [number, number] => [
      12 + (((points[index * 2] as number) - minX) / (maxX - minX || 1)) * (canvas.width - 24),
      canvas.height -
        12 -
        (((points[index * 2 + 1] as number) - minY) / (maxY - minY || 1)) * (canvas.height - 24),
    ];
    context.fillStyle = "#fff";
    context.fillRect(0, 0, canvas.width, canvas.height);
    context.globalAlpha = 0.55;
    colours.forEach((colour, index) => {
      const [x, y] = at(index);
      context.fillStyle = colour;
      context.fillRect(x - 1.5, y - 1.5, 3, 3);
    });
    context.globalAlpha = 1;
    context.strokeStyle = "#111";
    for (const neighbour of neighbours) {
      const [x, y] = at(offset + neighbour.row);
      context.strokeRect(x - 3, y - 3, 6, 6);
    }
    const [x, y] = at(offset + row);
    context.fillStyle = "#111";
    context.beginPath();
    context.arc(x, y, 5, 0, 2 * Math.PI);
    context.fill();
    const variance = joint ? joint.explainedVariance : table.explainedVariance;
    const share = `${formatNumber(variance[0] * 100, 1)}% + ${formatNumber(variance[1] * 100, 1)}% of the variance`;
    return joint
      ? `PCA of all tables, coloured by entity type (${this.manifest.tables.map((entry, index) => `${entry.name}: ${PALETTE[index % PALETTE.length]}`).join(", ")}); ${share}. ● the entity, □ its neighbours.`
      : `PCA of the ${table.name} table${table.communities ? ", coloured by planted community" : ""}; ${share}. ● the entity, □ its neighbours.`;
  }
}
