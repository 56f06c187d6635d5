// The README's screenshots: opens a running explorer (the URL `evaluator explore` printed) in
// Debian's headless chromium and writes one PNG per view into docs/.
//   node scripts/readme-screenshots.mjs http://127.0.0.1:PORT/ [entity]
import { fileURLToPath } from "node:url";
import puppeteer from "puppeteer-core";

const [url, entity = "17"] = process.argv.slice(2);
if (!url) throw new Error("usage: node scripts/readme-screenshots.mjs URL [twhin entity]");
const docs = fileURLToPath(new URL("../docs/", import.meta.url));
const browser = await puppeteer.launch({
  executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
  headless: true,
  args: ["--no-sandbox", "--disable-dev-shm-usage", "--enable-unsafe-swiftshader"],
});
// Timeline on the page's own backend choice; the other views on wasm (software WebGL is slow).
const views = [
  ["timeline", "?view=timeline", { width: 1200, height: 760 }],
  ["why", "?backend=wasm&view=why", { width: 1460, height: 1000 }],
  ["twhin", "?backend=wasm&view=twhin", { width: 1100, height: 680 }],
];
for (const [view, query, viewport] of views) {
  const page = await browser.newPage();
  await page.setViewport(viewport);
  await page.goto(`${url}${query}`);
  await page.waitForFunction(
    "window.explorer && (window.explorer.ready || window.explorer.error)",
    {
      timeout: 120_000,
    },
  );
  const error = await page.evaluate(() => window.explorer.error);
  if (error) throw new Error(`the explorer failed: ${error}`);
  if (view === "twhin") {
    await page.select("#twhin-table", "user");
    await page.$eval(
      "#twhin-entity",
      (input, value) => {
        input.value = value;
        input.dispatchEvent(new Event("change", { bubbles: true }));
      },
      entity,
    );
  }
  await page.screenshot({ path: `${docs}${view}.png` });
  await page.close();
}
await browser.close();
