// The simulation report renders in headless Chromium: sim/report.py draws a page from a stored
// summary (tests/sim/summary-fixture.json, a real small run's), the browser opens it from the disk
// and checks the last line, the figures, that the SVG charts drew their bars, and that the page
// asked for nothing over the network (no CDN). A screenshot goes to DAIBAN_SCREENSHOT_DIR.
import { chromium } from "playwright-core";
import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import assert from "node:assert/strict";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const shots = process.env.DAIBAN_SCREENSHOT_DIR || "browser-screenshots";
mkdirSync(shots, { recursive: true });
const fixture = path.join(root, "tests/sim/summary-fixture.json");
const page_file = path.join(shots, "sim-report.html");
execFileSync("python3", [path.join(root, "sim/report.py"), fixture, page_file]);
const summary = JSON.parse(readFileSync(fixture, "utf8"));

const browser = await chromium.launch({
  executablePath: "/usr/bin/chromium",
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run"],
});
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const requests = [];
  page.on("request", (request) => { if (!request.url().startsWith("file:")) requests.push(request.url()); });
  const errors = [];
  page.on("pageerror", (error) => errors.push(String(error)));
  await page.goto(pathToFileURL(page_file).href);
  assert.equal((await page.textContent("#last-line")).trim(), summary.line);
  assert.match(await page.title(), /Simulated day/);
  // One bar per district in each district chart, and each bar has a height.
  const districts = Object.keys(summary.districts).length;
  const bars = await page.$$eval("svg rect.bar", (rects) => rects.map((r) => r.getBoundingClientRect().height));
  assert.ok(bars.length >= 2 * districts, `only ${bars.length} bars`);
  assert.ok(bars.some((h) => h > 10), "the bars have no height");
  const svgBox = await page.$eval("svg", (svg) => svg.getBoundingClientRect().width);
  assert.ok(svgBox > 300, "the first chart is not drawn");
  const text = await page.textContent("body");
  assert.ok(text.includes(`${summary.city.on_time_rate}%`), "the on-time rate is missing");
  assert.ok(text.includes("历下区"), "district names are missing");
  assert.deepEqual(requests, [], "the report fetched something");
  assert.deepEqual(errors, []);
  await page.screenshot({ path: path.join(shots, "sim-report.png"), fullPage: true });
  console.log(`report renders: ${bars.length} bars, "${summary.line}"`);
} finally {
  await browser.close();
}
