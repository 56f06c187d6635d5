import { join } from "node:path";
import { pathInside, writeFileAtomic } from "@tml/core";
import type { ChartSpec } from "./charts.js";
import { renderSvg, svgToPng } from "./render.js";

/** A table of results (metric rows, ranked candidates…). */
export interface ReportTable {
  columns: string[];
  rows: (string | number | null)[][];
}

/** A plot: `name` becomes the PNG file name (letters, digits, `-`, `_`). */
export interface ReportPlot {
  name: string;
  spec: ChartSpec;
}

/** One section of a report: a heading, optional prose, a table and plots. */
export interface ReportSection {
  heading: string;
  text?: string;
  table?: ReportTable;
  plots?: ReportPlot[];
}

/** A whole report: rendered to one self-contained `report.html` plus one PNG per plot. */
export interface Report {
  title: string;
  subtitle?: string;
  sections: ReportSection[];
}

/** Paths written by `writeReport`. */
export interface WrittenReport {
  html: string;
  pngs: string[];
}

const STYLE = `body{font-family:system-ui,-apple-system,"DejaVu Sans",sans-serif;margin:2rem auto;max-width:1100px;color:#222;padding:0 1rem}
h1{margin-bottom:.2rem}.subtitle{color:#666;margin-top:0}h2{border-bottom:1px solid #ddd;padding-bottom:.3rem;margin-top:2rem}
table{border-collapse:collapse;margin:1rem 0;font-size:.9rem}th,td{border:1px solid #ddd;padding:.3rem .6rem;text-align:right}
th{background:#f4f4f4}td:first-child,th:first-child{text-align:left}.plots{display:flex;flex-wrap:wrap;gap:1rem}
figure{margin:0;border:1px solid #eee;padding:.5rem}figure svg{max-width:100%;height:auto}`;

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function formatCell(value: string | number | null): string {
  if (value === null) return "—";
  if (typeof value === "number") {
    if (Number.isInteger(value)) return String(value);
    return Math.abs(value) >= 1e4 || Math.abs(value) < 1e-3
      ? value.toExponential(3)
      : value.toFixed(4);
  }
  return escapeHtml(value);
}

function renderTable(table: ReportTable): string {
  const head = table.columns.map((c) => `<th>${escapeHtml(c)}</th>`).join("");
  const body = table.rows
    .map((row) => `<tr>${row.map((v) => `<td>${formatCell(v)}</td>`).join("")}</tr>`)
    .join("\n");
  return `<table><thead><tr>${head}</tr></thead><tbody>\n${body}\n</tbody></table>`;
}

/**
 * Renders a report to `<dir>/report.html` (self-contained: inline SVG plots and CSS, no scripts or
 * network, opens from disk) and `<dir>/plots/<name>.png`. Every file is written atomically.
 */
export async function writeReport(
  dir: string,
  report: Report,
  options: { png?: boolean } = {},
): Promise<WrittenReport> {
  const pngs: string[] = [];
  const parts: string[] = [];
  for (const section of report.sections) {
    parts.push(`<section><h2>${escapeHtml(section.heading)}</h2>`);
    if (section.text) parts.push(`<p>${escapeHtml(section.text)}</p>`);
    if (section.table) parts.push(renderTable(section.table));
    if (section.plots && section.plots.length > 0) {
      parts.push('<div class="plots">');
      for (const plot of section.plots) {
        if (!/^[\w-]+$/.test(plot.name))
          throw new RangeError(`Plot name "${plot.name}" must be letters, digits, - or _.`);
        const svg = await renderSvg(plot.spec);
        parts.push(`<figure data-plot="${plot.name}">${svg}</figure>`);
        if (options.png !== false) {
          const path = pathInside(dir, "plots", `${plot.name}.png`);
          writeFileAtomic(path, svgToPng(svg));
          pngs.push(path);
        }
      }
      parts.push("</div>");
    }
    parts.push("</section>");
  }
  const subtitle = report.subtitle ? `<p class="subtitle">${escapeHtml(report.subtitle)}</p>` : "";
  const html = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(report.title)}</title>
<meta name="viewport" content="width=device-width, initial-scale=1"><style>${STYLE}</style></head>
<body><h1>${escapeHtml(report.title)}</h1>${subtitle}
${parts.join("\n")}
</body></html>
`;
  const htmlPath = join(dir, "report.html");
  writeFileAtomic(htmlPath, html);
  return { html: htmlPath, pngs };
}
