// Test-only: every view of the UI in Debian's Chromium (driven by playwright-core, no
// browser download), with the IPC stubbed (stub.js) and served with the app's CSP.
//
//   node tests/ui/browse.mjs axe  [BASE_URL]          axe-core on every scenario, light and dark
//                                                     (English), and dark in French; any serious
//                                                     or critical violation fails (exit 1)
//   node tests/ui/browse.mjs shots OUT_DIR [BASE_URL]  a full-page PNG of every scenario in
//                                                     light and dark, English and French
//                                                     (KEYSTEP_SHOT_VIEWPORT=1: the window
//                                                     only, scrolled as the view left it)
//
// BASE_URL defaults to http://127.0.0.1:$KEYSTEP_UI_PORT (8766); tests/ui/run.sh starts
// serve.py there first. CHROMIUM overrides /usr/bin/chromium.
import { readFileSync, mkdirSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { chromium } from "playwright-core";

const require = createRequire(import.meta.url);
const axeSource = readFileSync(require.resolve("axe-core/axe.min.js"), "utf8");

// name, query, hash, viewport height (tall pages show whole in screenshots).
export const SCENARIOS = [
  ["home-empty", "", "home"],
  ["home", "?seed=lifecycle", "home"],
  ["home-few", "?accounts=3", "home"],
  ["keychain-problem", "?seed=problem&accounts=2", "home"],
  ["host-overrides", "?seed=lifecycle&overrides=1", "home"],
  ["close-question", "?accounts=3", "close-question"],
  ["confirm", "?seed=lifecycle", "confirm"],
  ["checking", "?seed=lifecycle&slow=check_account", "checking"],
  ["check-all", "?seed=lifecycle&slow=check_all_accounts", "check-all"],
  ["rename-error", "?seed=lifecycle", "rename-error"],
  ["forgotten", "?seed=lifecycle", "forgotten"],
  ["account", "?seed=lifecycle", "account"],
  ["account-limited", "?seed=lifecycle", "account-limited"],
  ["account-advice", "?seed=lifecycle", "account-advice"],
  ["picker", "", "picker"],
  ["picker-search", "", "picker-search"],
  ["picker-none", "", "picker-none"],
  ["guide", "", "guide"],
  ["guide-step", "", "guide-step"],
  ["form", "", "form"],
  ["form-errors", "", "form-errors"],
  ["connecting", "", "connecting"],
  ["cancelled", "", "cancelled"],
  ["success", "", "success"],
  ["error-bad", "", "error-bad"],
  ["error-missing", "", "error-missing"],
  ["error-rate", "", "error-rate"],
  ["error-tenant", "", "error-tenant"],
  ["error-unreachable", "", "error-unreachable"],
  ["already-linked", "?accounts=1", "already-linked"],
  ["relink", "?seed=lifecycle", "relink"],
  ["relinked", "?seed=lifecycle", "relinked"],
  ["settings", "", "settings"],
  ["settings-error", "", "settings-error"],
];

const mode = process.argv[2];
const out = mode === "shots" ? process.argv[3] : null;
const base = (mode === "shots" ? process.argv[4] : process.argv[3]) || `http://127.0.0.1:${process.env.KEYSTEP_UI_PORT || 8766}`;
if (!["axe", "shots"].includes(mode) || (mode === "shots" && !out)) {
  console.error("usage: browse.mjs axe [BASE_URL] | browse.mjs shots OUT_DIR [BASE_URL]");
  process.exit(2);
}

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
});

async function open(context, query, hash) {
  const page = await context.newPage();
  const errors = [];
  page.on("pageerror", (err) => errors.push(String(err)));
  // ?lang=fr: the stub's settings.language; a short stub delay keeps the run quick (the
  // scenarios wait for what they need, not for time).
  const extra = new URLSearchParams(query);
  if (context.__lang === "fr") extra.set("lang", "fr");
  if (!extra.has("delay")) extra.set("delay", "40");
  await page.goto(`${base}/tests/ui/harness.html?${extra}#${hash}`);
  await page.waitForSelector("body[data-harness=done]", { timeout: 30000 });
  const report = await page.$("#harness-report");
  if (report) errors.push((await report.textContent()).trim());
  return { page, errors };
}

let failed = 0;
let passed = 0;
const ok = (name) => {
  passed += 1;
  console.log(`ok - ${name}`);
};
const bad = (name, lines) => {
  failed += 1;
  console.log(`not ok - ${name}`);
  for (const line of lines) console.log(`    ${line}`);
};

const runs =
  mode === "axe"
    ? [
        { scheme: "light", lang: "en" },
        { scheme: "dark", lang: "en" },
        // French words are longer: the wordiest views once more, in French.
        { scheme: "dark", lang: "fr", only: ["home", "picker", "guide", "form", "success", "error-missing", "account", "account-advice", "settings", "close-question"] },
      ]
    : [
        { scheme: "light", lang: "en" },
        { scheme: "dark", lang: "en" },
        { scheme: "light", lang: "fr" },
        { scheme: "dark", lang: "fr" },
      ];

if (out) mkdirSync(out, { recursive: true });
for (const run of runs) {
  const context = await browser.newContext({
    colorScheme: run.scheme,
    locale: run.lang === "fr" ? "fr-FR" : "en-GB",
    // KEYSTEP_SHOT_WIDTH / _HEIGHT: another window size (800×600, the smallest a person is
    // likely to use, for a look at every view).
    viewport: { width: Number(process.env.KEYSTEP_SHOT_WIDTH) || 960, height: Number(process.env.KEYSTEP_SHOT_HEIGHT) || 720 },
    // axe is injected as a script: let it past the page's CSP (the selftest checks the CSP).
    bypassCSP: mode === "axe",
    reducedMotion: "reduce",
  });
  context.__lang = run.lang;
  const todo = SCENARIOS.filter(([name]) => !run.only || run.only.includes(name));
  // Two pages at a time: the stub's timers, not the CPU, set most of each scenario's pace.
  const worker = async () => {
    for (let next = todo.shift(); next; next = todo.shift()) await visit(context, run, next);
  };
  await Promise.all([worker(), worker()]);
  await context.close();
}

async function visit(context, run, [name, query, hash]) {
  {
    const label = `${name} (${run.scheme}, ${run.lang})`;
    let page;
    try {
      const opened = await open(context, query, hash);
      page = opened.page;
      if (opened.errors.length) {
        bad(`${label}: the scenario ran`, opened.errors);
        return;
      }
      if (mode === "axe") {
        await page.addScriptTag({ content: axeSource });
        const result = await page.evaluate(async () => {
          // eslint-disable-next-line no-undef
          const r = await axe.run(document, { resultTypes: ["violations"] });
          return r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 3).map((n) => n.target.join(" ") + (n.failureSummary ? ` — ${n.failureSummary.split("\n").slice(1, 2).join(" ").trim()}` : "")) }));
        });
        const serious = result.filter((v) => v.impact === "serious" || v.impact === "critical");
        const lesser = result.filter((v) => !serious.includes(v));
        if (serious.length) bad(`axe: no serious or critical violation in ${label}`, serious.flatMap((v) => [`${v.impact} ${v.id}: ${v.help}`, ...v.nodes.map((n) => `  at ${n}`)]));
        else ok(`axe: no serious or critical violation in ${label}${lesser.length ? ` (minor: ${lesser.map((v) => v.id).join(", ")})` : ""}`);
      } else {
        // Full page from the top: a scrolled page would draw the sticky header mid-image.
        // KEYSTEP_SHOT_VIEWPORT=1: only the window, as the scenario left it (what a person
        // sees when the view opens, scrolled where the view scrolled itself).
        if (process.env.KEYSTEP_SHOT_VIEWPORT === "1") {
          await page.screenshot({ path: join(out, `${name}-${run.scheme}-${run.lang}.png`) });
        } else {
          await page.evaluate(() => window.scrollTo(0, 0));
          await page.screenshot({ path: join(out, `${name}-${run.scheme}-${run.lang}.png`), fullPage: true });
        }
      }
    } catch (err) {
      bad(`${label}: the scenario ran`, [String(err && err.message ? err.message : err)]);
    } finally {
      if (page) await page.close();
    }
  }
}
// The picker at 800×600, the smallest window a person is likely to use, in both languages:
// no sideways scroll, and no card whose name, other names or kind line is cut short.
if (mode === "axe") {
  for (const lang of ["en", "fr"]) {
    const context = await browser.newContext({ colorScheme: "light", locale: lang === "fr" ? "fr-FR" : "en-GB", viewport: { width: 800, height: 600 }, reducedMotion: "reduce" });
    context.__lang = lang;
    for (const [name, query, hash] of SCENARIOS.filter(([n]) => n === "picker" || n === "picker-search")) {
      const label = `${name} fits 800×600 (${lang})`;
      try {
        const { page, errors } = await open(context, query, hash);
        const fit = await page.evaluate(() => {
          const root = document.documentElement;
          const cut = Array.from(document.querySelectorAll("#providers .provider-card"))
            .filter((c) => c.scrollWidth > c.clientWidth + 1 || Array.from(c.querySelectorAll(".provider-card-head, .provider-kind")).some((n) => n.scrollWidth > n.clientWidth + 1))
            .map((c) => c.getAttribute("data-provider"));
          return { window: window.innerWidth, width: root.clientWidth, scroll: root.scrollWidth, cards: document.querySelectorAll("#providers .provider-card").length, cut };
        });
        if (errors.length) bad(`${label}: the scenario ran`, errors);
        else if (fit.window !== 800 || fit.scroll > fit.width || fit.cut.length || !fit.cards) bad(label, [JSON.stringify(fit)]);
        else ok(`${label}: ${fit.cards} cards, no sideways scroll`);
        await page.close();
      } catch (err) {
        bad(`${label}: the scenario ran`, [String(err && err.message ? err.message : err)]);
      }
    }
    await context.close();
  }
}
// The narrow window (the app's minimum width is 480 px).
if (mode === "shots") {
  const context = await browser.newContext({ colorScheme: "light", locale: "en-GB", viewport: { width: 480, height: 800 }, reducedMotion: "reduce" });
  context.__lang = "en";
  for (const [name, query, hash] of SCENARIOS.filter(([n]) => ["home", "guide", "form", "success", "account", "settings", "error-missing"].includes(n))) {
    const { page } = await open(context, query, hash);
    await page.evaluate(() => window.scrollTo(0, 0));
    await page.screenshot({ path: join(out, `narrow-${name}.png`), fullPage: true });
    await page.close();
  }
  await context.close();
}
await browser.close();
if (mode === "axe") console.log(`${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
