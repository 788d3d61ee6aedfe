// Test-only: the UI's locale files agree with each other and with the code.
//   node tests/ui/locales.mjs
// - en and fr have exactly the same keys, each with the same {placeholders};
// - a plural key has both .one and .other;
// - every key the code names (a "ns.key" string literal in any module under ui/ but the
//   locales themselves, ui/**/*.js, whose namespace is a locale namespace, a data-i18n /
//   data-i18n-attr value in ui/index.html) exists;
// - every key in the locales is named somewhere (no dead wording).
// Prints TAP-like "ok - ..." / "not ok - ..." lines; exits 1 on a failure.
import { mkdtempSync, readFileSync, readdirSync, writeFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, dirname } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const ui = join(root, "ui");
let failed = 0;
const ok = (name) => console.log(`ok - ${name}`);
const bad = (name, detail) => {
  failed += 1;
  console.log(`not ok - ${name}`);
  if (detail) console.log(`    ${detail}`);
};
const check = (name, problems) => (problems.length ? bad(name, problems.slice(0, 20).join("\n    ")) : ok(name));

// The locale modules are ES modules in a folder without package.json: load copies as .mjs.
const tmp = mkdtempSync(join(tmpdir(), "keystep-locales-"));
async function load(lang) {
  const file = join(tmp, `${lang}.mjs`);
  writeFileSync(file, readFileSync(join(ui, "locales", `${lang}.js`), "utf8"));
  return (await import(pathToFileURL(file).href)).default;
}
const locales = { en: await load("en"), fr: await load("fr") };
rmSync(tmp, { recursive: true, force: true });

const placeholders = (text) => [...String(text).matchAll(/\{([a-z_]+)\}/g)].map((m) => m[1]).sort().join(",");
const base = (key) => key.replace(/\.(zero|one|two|few|many|other)$/, "");

check(
  "every locale value is a non-empty string",
  Object.entries(locales).flatMap(([lang, cat]) => Object.entries(cat).filter(([, v]) => typeof v !== "string" || !v.trim()).map(([k]) => `${lang}: ${k}`)),
);
const enKeys = Object.keys(locales.en);
const frKeys = Object.keys(locales.fr);
check("fr has every en key", enKeys.filter((k) => !(k in locales.fr)).map((k) => `missing in fr: ${k}`));
check("en has every fr key", frKeys.filter((k) => !(k in locales.en)).map((k) => `missing in en: ${k}`));
check(
  "placeholders match between en and fr",
  enKeys.filter((k) => k in locales.fr && placeholders(locales.en[k]) !== placeholders(locales.fr[k])).map((k) => `${k}: en {${placeholders(locales.en[k])}} fr {${placeholders(locales.fr[k])}}`),
);
const plurals = new Set(enKeys.filter((k) => base(k) !== k).map(base));
check(
  "plural keys have .one and .other in both languages",
  [...plurals].flatMap((k) => ["en", "fr"].flatMap((lang) => ["one", "other"].filter((v) => !(`${k}.${v}` in locales[lang])).map((v) => `${lang}: ${k}.${v}`))),
);
check("plural keys use {count}", [...plurals].filter((k) => !locales.en[`${k}.other`].includes("{count}")).map((k) => k));

// French typography and language (issue #21): the catalogue is French through and through.
// - a no-break space (U+00A0, as the provider files' rule in core) before : ; ! ? » and after «,
//   so a line never starts with the sign (« aucun compte » then a lone « : » on the next);
// - no English word a French sentence would not hold (placeholders, commands and the
//   system's own names aside): what slipped in when a sentence was half translated.
const ENGLISH = new RegExp(
  `\\b(${[
    "the", "and", "your", "you", "with", "this", "that", "these", "please", "account", "accounts", "check", "checks", "checked", "checking",
    "key", "keys", "not", "will", "again", "now", "here", "when", "where", "what", "how", "only", "once", "is", "are", "was", "of", "to",
    "for", "from", "it", "its", "all", "by", "in", "no", "yes", "saved", "save", "link", "linked", "settings", "cancel", "done", "back",
    "try", "error", "failed", "open", "close", "quit", "remove", "replace", "forget", "rename", "next", "step", "new", "old", "keep",
    "working", "loading", "show", "hide", "copy", "copied", "paste", "missing", "limited", "ago", "just", "last", "never", "system",
  ].join("|")})\\b`,
  "i",
);
const NAMES = [/Secret Service/g, /GNOME Keyring/g, /KWallet/g, /keystep [a-z]+/g, /KEYSTEP_\S*/g, /gnome-shell-extension-appindicator/g, /AppIndicator/g, /Authorization/g, /Bearer/g, /Token/g, /https?:\/\/\S*/g, /curl/g];
const french = Object.entries(locales.fr);
check(
  "fr: a no-break space before : ; ! ? » and after «",
  french.filter(([, v]) => / [:;!?»]|« /.test(v)).map(([k, v]) => `${k}: ${v}`),
);
check(
  "fr: no English left in a French sentence",
  french
    .map(([k, v]) => [k, NAMES.reduce((text, name) => text.replace(name, ""), v.replace(/\{[a-z_]+\}/g, ""))])
    .filter(([, v]) => ENGLISH.test(v))
    .map(([k, v]) => `${k}: “${v.match(ENGLISH)[0]}” in ${locales.fr[k]}`),
);

// Keys the code names.
const namespaces = new Set(enKeys.map((k) => k.split(".")[0]));
const used = new Map(); // key -> where
// Every module at any depth (ui/lib, ui/views, …), but not the catalogues.
const sources = readdirSync(ui, { recursive: true })
  .map((f) => String(f).split("\\").join("/"))
  .filter((f) => f.endsWith(".js") && !f.startsWith("locales/"))
  .sort();
for (const file of sources) {
  const text = readFileSync(join(ui, file), "utf8");
  for (const m of text.matchAll(/["'`]([a-z_]+(?:\.[a-z0-9_]+)+)["'`]/g)) {
    if (namespaces.has(m[1].split(".")[0]) && !/\.(js|json|css|html)$/.test(m[1])) used.set(m[1], `ui/${file}`);
  }
  // A key built at run time would escape this check: forbid t() on anything but a literal
  // or a lookup of one of the literal maps.
  for (const m of text.matchAll(/\bt\(\s*`/g)) used.set(`<template literal in ui/${file} at ${m.index}>`, "dynamic");
}
const html = readFileSync(join(ui, "index.html"), "utf8");
for (const m of html.matchAll(/data-i18n="([^"]+)"/g)) used.set(m[1], "ui/index.html");
for (const m of html.matchAll(/data-i18n-attr="([^"]+)"/g)) {
  for (const pair of m[1].split(/\s+/)) used.set(pair.slice(pair.indexOf(":") + 1), "ui/index.html");
}
check("no key is built at run time (t(`…`))", [...used.entries()].filter(([, where]) => where === "dynamic").map(([k]) => k));
const exists = (key) => ["en", "fr"].every((lang) => key in locales[lang] || (`${key}.one` in locales[lang] && `${key}.other` in locales[lang]));
check(
  "every key the code names exists in both locales",
  [...used.entries()].filter(([k, where]) => where !== "dynamic" && !exists(k)).map(([k, where]) => `${k} (${where})`),
);
check("every locale key is used by the code", [...new Set(enKeys.map((k) => (plurals.has(base(k)) ? base(k) : k)))].filter((k) => !used.has(k)));
check("the code names at least 100 keys (the scan works)", used.size >= 100 ? [] : [`only ${used.size}`]);

// Error codes: the UI needs a title, a sentence and a next step for each.
const api = readFileSync(join(ui, "api.js"), "utf8");
const codes = [...api.slice(api.indexOf("ERROR_CODES"), api.indexOf("]);", api.indexOf("ERROR_CODES"))).matchAll(/"([a-z_]+)"/g)].map((m) => m[1]);
check(
  "every error code has its title, text and next step",
  codes.length < 10 ? ["could not read ERROR_CODES from ui/api.js"] : codes.flatMap((c) => ["title", "text", "next"].filter((p) => !exists(`error.${c}.${p}`)).map((p) => `error.${c}.${p}`)),
);

process.exit(failed ? 1 : 0);
