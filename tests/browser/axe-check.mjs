// Opens each web page in the system's Chromium (headless, driven by playwright-core; no browser is downloaded),
// runs axe-core (WCAG 2.0/2.1 A and AA, best practices), records every request the page makes, and follows each
// note marker to its note and the note's back-link to the marker.
// usage: node tests/browser/axe-check.mjs FILE.html...   (QIBRIEF_CHROMIUM: the browser, default /usr/bin/chromium)
// Prints one JSON object per page; exit 0 when every page is clean, 1 when not, 2 when the browser fails.
// playwright-core and axe-core come from .tools/ (bash scripts/install.sh --test).
import { createRequire } from "node:module";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
const tools = path.join(here, "..", "..", ".tools", "node_modules");
const require = createRequire(import.meta.url);
const { chromium } = require(path.join(tools, "playwright-core"));
const axePath = path.join(tools, "axe-core", "axe.min.js");
const executablePath = process.env.QIBRIEF_CHROMIUM || "/usr/bin/chromium";
const FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
               "--disable-sync", "--no-first-run"];
const TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"];

async function checkPage(context, file) {
  const url = pathToFileURL(path.resolve(file)).href;
  const report = { file, violations: [], requests: [], outside: [], notes: 0, navigation: [] };
  const page = await context.newPage();
  // Every request is recorded; only the page itself and data: URLs may load, anything else is stopped.
  page.on("request", (request) => report.requests.push(request.url()));
  await page.route("**/*", (route) => {
    const wanted = route.request().url();
    if (wanted === url || wanted.startsWith("data:")) return route.continue();
    report.outside.push(wanted);
    return route.abort();
  });
  await page.goto(url, { waitUntil: "load" });
  report.outside.push(...report.requests.filter((r) => r !== url && !r.startsWith("data:") && !report.outside.includes(r)));

  await page.addScriptTag({ path: axePath });
  const results = await page.evaluate(async (tags) => {
    const r = await window.axe.run(document, { runOnly: { type: "tag", values: tags }, resultTypes: ["violations"] });
    return r.violations.map((v) => ({ id: v.id, impact: v.impact, nodes: v.nodes.length,
                                      first: v.nodes[0] && { target: v.nodes[0].target.join(" "), summary: v.nodes[0].failureSummary } }));
  }, TAGS);
  report.violations = results;

  // Follow each marker to its note and the note's back-link to the marker, clicking as a reader would.
  const count = await page.locator("a.footnote-ref").count();
  report.notes = count;
  const landed = (id) => page.evaluate((id) => {
    const target = document.querySelector(":target");
    if (!target || target.id !== id) return `:target is ${target ? "#" + target.id : "nothing"}`;
    const box = target.getBoundingClientRect();
    return box.bottom > 0 && box.top < window.innerHeight ? "" : `#${id} is not in view (top ${Math.round(box.top)})`;
  }, id);
  for (let k = 1; k <= count; k++) {
    await page.click(`#fnref${k}`);
    let wrong = await landed(`fn${k}`);
    if (wrong) { report.navigation.push(`marker ${k}: ${wrong}`); continue; }
    await page.click(`#fn${k} a.footnote-back`);
    wrong = await landed(`fnref${k}`);
    if (wrong) report.navigation.push(`note ${k}'s back-link: ${wrong}`);
  }
  await page.close();
  return report;
}

const files = process.argv.slice(2);
if (!files.length) {
  console.error("usage: node tests/browser/axe-check.mjs FILE.html...");
  process.exit(2);
}
const profile = mkdtempSync(path.join(tmpdir(), "qibrief-chromium-"));
let context;
try {
  context = await chromium.launchPersistentContext(profile, { executablePath, headless: true, args: FLAGS });
} catch (error) {
  console.error(`cannot start ${executablePath}: ${error.message.split("\n")[0]}`);
  rmSync(profile, { recursive: true, force: true });
  process.exit(2);
}
let clean = true;
try {
  for (const file of files) {
    const report = await checkPage(context, file);
    clean &&= !report.violations.length && !report.outside.length && !report.navigation.length && report.notes > 0;
    console.log(JSON.stringify(report));
  }
} finally {
  await context.close();
  rmSync(profile, { recursive: true, force: true });
}
process.exit(clean ? 0 : 1);
