import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { barChart, histogramChart, lineChart, rocChart } from "./charts.js";
import { writeReport } from "./html-report.js";
import { renderSvg, svgToPng } from "./render.js";

const PNG_MAGIC = [0x89, 0x50, 0x4e, 0x47];

describe("report rendering", () => {
  it("renders a line chart to SVG with one path per series", async () => {
    const svg = await renderSvg(
      lineChart("loss", [
        { name: "train", x: [0, 1, 2], y: [1, 0.5, 0.25] },
        { name: "eval", x: [0, 2], y: [1.1, 0.4] },
      ]),
    );
    expect(svg.startsWith("<svg")).toBe(true);
    expect(svg).toContain("loss");
    expect((svg.match(/class="mark-line/g) ?? []).length).toBeGreaterThanOrEqual(1);
    expect((svg.match(/<path/g) ?? []).length).toBeGreaterThanOrEqual(2);
  });

  it("drops non-finite points instead of failing", async () => {
    const svg = await renderSvg(
      histogramChart("scores", [0.1, Number.NaN, 0.4, Number.POSITIVE_INFINITY, 0.9]),
    );
    expect(svg).toContain("scores");
  });

  it("rasterises to PNG", async () => {
    const png = svgToPng(await renderSvg(barChart("hits", { "hits@1": 0.2, "hits@10": 0.5 })), 400);
    expect(Array.from(png.slice(0, 4))).toEqual(PNG_MAGIC);
  });

  it("writes a self-contained HTML report and one PNG per plot", async () => {
    const dir = mkdtempSync(join(tmpdir(), "tml-report-"));
    const written = await writeReport(dir, {
      title: "Evaluation <test>",
      sections: [
        {
          heading: "Metrics",
          table: {
            columns: ["task", "auc"],
            rows: [
              ["fav", 0.75],
              ["reply", null],
            ],
          },
        },
        {
          heading: "Curves",
          plots: [
            {
              name: "roc",
              spec: rocChart("ROC", [{ name: "fav", x: [0, 0.5, 1], y: [0, 0.8, 1] }]),
            },
          ],
        },
      ],
    });
    const html = readFileSync(written.html, "utf8");
    expect(html).toContain("Evaluation &#60;test&#62;");
    expect(html).toContain("<td>0.7500</td>");
    expect(html).toContain('data-plot="roc"><svg');
    expect(html).not.toMatch(/<script|src="http/);
    expect(written.pngs).toEqual([join(dir, "plots", "roc.png")]);
    expect(Array.from(readFileSync(written.pngs[0] as string).subarray(0, 4))).toEqual(PNG_MAGIC);
  });
});
