// @ts-check
// Keystep UI wording: every sentence a person reads comes from ui/locales/<lang>.js.
//
// The catalogues are ES modules (not JSON fetched at run time) because module imports are
// what the app's CSP (script-src 'self', no connect-src 'self') and Tauri's custom protocol
// already load for app.js; a fetch would need the CSP widened. Keys are flat ("home.title");
// a plural key has ".one"/".other" variants picked with Intl.PluralRules from `count`.
// `{name}` placeholders are filled from params; provider text (from list_providers) is data
// and never passes through here except as a param. English comes with the first page (it is
// also the fallback for a missing key); another language is imported when first chosen.

import en from "./locales/en.js";

/** @typedef {"en"|"fr"} Lang */
/** @typedef {Readonly<Record<string, string>>} Catalogue */

/** The catalogues of the languages other than English, imported when first needed. */
const LATER = Object.freeze({ fr: () => import("./locales/fr.js") });

/**
 * The catalogues loaded so far.
 * @type {Partial<Record<Lang, Catalogue>>}
 */
const catalogues = { en };

/** The languages Keystep speaks, as settings.language values (besides "system"). */
export const LANGUAGES = Object.freeze(/** @type {Lang[]} */ (["en", "fr"]));

/** @type {Lang} */
let current = "en";

/**
 * @param {Catalogue} catalogue
 * @param {string} key
 * @returns {string | undefined}
 */
function lookup(catalogue, key) {
  return Object.prototype.hasOwnProperty.call(catalogue, key) && typeof catalogue[key] === "string" ? catalogue[key] : undefined;
}

/**
 * "en" or "fr" for a settings.language value; "system" (or anything else) follows the
 * system's preferred languages (navigator.languages), English when none is spoken here.
 * @param {string} [preference]
 * @returns {Lang}
 */
export function resolveLanguage(preference) {
  if (isLang(preference)) return preference;
  const tags = Array.isArray(navigator.languages) && navigator.languages.length ? navigator.languages : [navigator.language];
  for (const tag of tags) {
    const base = String(tag || "").toLowerCase().split(/[-_]/)[0];
    if (isLang(base)) return base;
  }
  return "en";
}

/**
 * @param {unknown} value
 * @returns {value is Lang}
 */
function isLang(value) {
  return LANGUAGES.includes(/** @type {Lang} */ (value));
}

/** The active language ("en" or "fr"). */
export function language() {
  return current;
}

/**
 * Switches the language (importing its catalogue the first time) and re-words the static
 * markup (elements with data-i18n). A catalogue that cannot be loaded leaves English.
 * @param {string} lang
 */
export async function setLanguage(lang) {
  let next = isLang(lang) ? lang : "en";
  if (!catalogues[next]) {
    try {
      catalogues[next] = (await LATER[/** @type {keyof typeof LATER} */ (next)]()).default;
    } catch {
      next = "en";
    }
  }
  current = next;
  document.documentElement.lang = current;
  translateStatic(document);
}

/** French words elided before a vowel ("de Acme" is "d’Acme"), and what they become. */
const ELIDED = Object.freeze({ de: "d’", De: "D’", que: "qu’", Que: "Qu’", jusque: "jusqu’", lorsque: "lorsqu’", puisque: "puisqu’" });
/** A word that opens with a vowel sound French elides before (a brand's h is not one). */
const VOWEL_FIRST = /^[aeiouyàâäéèêëîïôöùûüÿæœ]/i;

/**
 * Fills `{name}` placeholders; unknown ones are left as they are. In French, "de {account}"
 * and "que {label}" are elided when the value opens with a vowel: « la clé d’Acme ».
 * @param {string} template
 * @param {Record<string, unknown>} [params]
 */
export function fill(template, params = {}) {
  /** @param {string} name */
  const value = (name) => (Object.prototype.hasOwnProperty.call(params, name) && params[name] !== undefined && params[name] !== null ? String(params[name]) : null);
  let text = String(template);
  if (current === "fr") {
    text = text.replace(/(?<!\p{L})(de|De|que|Que|jusque|lorsque|puisque) \{([a-z_]+)\}/gu, (whole, /** @type {keyof typeof ELIDED} */ word, /** @type {string} */ name) => {
      const filled = value(name);
      return filled !== null && VOWEL_FIRST.test(filled) ? `${ELIDED[word]}{${name}}` : whole;
    });
  }
  return text.replace(/\{([a-z_]+)\}/g, (whole, /** @type {string} */ name) => {
    const filled = value(name);
    return filled === null ? whole : filled;
  });
}

/**
 * The sentence for `key` in the active language (English if the key is missing there;
 * the key itself if it is missing everywhere, which the locale check in tests/ui forbids).
 * With a numeric `count` param, the plural variant `key.one` / `key.other` is used.
 * @param {string} key
 * @param {Record<string, unknown>} [params]
 */
export function t(key, params = {}) {
  const catalogue = catalogues[current];
  let text;
  if (typeof params.count === "number") {
    const rule = pluralCategory(params.count);
    text = lookup(catalogue, `${key}.${rule}`) ?? lookup(catalogue, `${key}.other`) ?? lookup(en, `${key}.${rule}`) ?? lookup(en, `${key}.other`);
    params = { ...params, count: formatNumber(params.count) };
  }
  if (text === undefined) text = lookup(catalogue, key) ?? lookup(en, key);
  if (text === undefined) return key;
  return fill(text, params);
}

/**
 * The plural category of `n` in the active language, as Intl.PluralRules says it. For a whole
 * number from 0 to 999,999 CLDR's rules are short: "one" for 1 in English, for 0 and 1 in
 * French, else "other"; so the cards' counts ("12 min ago") ask no Intl service. The first one
 * a page makes loads ICU's data into the web process: 2–5 ms and ~2 MiB, kept (issue 25).
 * @param {number} n
 * @returns {string}
 */
export function pluralCategory(n) {
  if (Number.isInteger(n) && n >= 0 && n < 1e6) {
    if (current === "en") return n === 1 ? "one" : "other";
    if (current === "fr") return n < 2 ? "one" : "other";
  }
  return formatter("plural", (lang) => new Intl.PluralRules(lang)).select(n);
}

/**
 * Words the static markup: `data-i18n="key"` sets the text of an element that holds only
 * text; `data-i18n-attr="aria-label:key title:key"` sets attributes.
 * @param {ParentNode} root
 */
export function translateStatic(root) {
  for (const node of /** @type {NodeListOf<HTMLElement>} */ (root.querySelectorAll("[data-i18n]"))) node.textContent = t(node.dataset.i18n);
  for (const node of /** @type {NodeListOf<HTMLElement>} */ (root.querySelectorAll("[data-i18n-attr]"))) {
    for (const pair of node.dataset.i18nAttr.split(/\s+/).filter(Boolean)) {
      const at = pair.indexOf(":");
      if (at > 0) node.setAttribute(pair.slice(0, at), t(pair.slice(at + 1)));
    }
  }
}

// ---------------------------------------------------------------------------
// Numbers, lists and times in the active language.

/** @type {Map<string, any>} */
const formatters = new Map();

/**
 * The active language's formatter of `kind`, made once: making an Intl formatter costs far
 * more than using one, and drawing the cards used to make several per card.
 * @template T
 * @param {string} kind
 * @param {(lang: string) => T} make
 * @returns {T}
 */
function formatter(kind, make) {
  const key = `${current}|${kind}`;
  let made = formatters.get(key);
  if (made === undefined) {
    made = make(current);
    formatters.set(key, made);
  }
  return made;
}

/**
 * A number in the active language. A whole number from 0 to 999 is its digits in English and
 * French alike (grouping starts at 1,000), so the cards' "12 min ago" make no formatter:
 * making the first Intl.NumberFormat cost WebKit 5–7 ms of the first view (issue 25).
 * @param {unknown} value
 */
export function formatNumber(value) {
  if (Number.isInteger(value) && /** @type {number} */ (value) >= 0 && /** @type {number} */ (value) < 1000) return String(value);
  return typeof value === "number" && Number.isFinite(value) ? formatter("number", (lang) => new Intl.NumberFormat(lang)).format(value) : String(value);
}

/**
 * "a, b and c" / « a, b et c ».
 * @param {unknown[]} items
 */
export function joinList(items) {
  const list = items.map(String);
  try {
    return formatter("and", (lang) => new Intl.ListFormat(lang, { style: "long", type: "conjunction" })).format(list);
  } catch {
    return list.join(", ");
  }
}

/**
 * "a, b or c" / « a, b ou c ».
 * @param {unknown[]} items
 */
export function joinChoices(items) {
  const list = items.map(String);
  try {
    return formatter("or", (lang) => new Intl.ListFormat(lang, { style: "long", type: "disjunction" })).format(list);
  } catch {
    return list.join(", ");
  }
}

/**
 * A time Keystep recorded (Unix seconds), not a missing one.
 * @param {unknown} value
 * @returns {value is number}
 */
export function isTimestamp(value) {
  return typeof value === "number" && Number.isFinite(value) && value > 0;
}

/**
 * A full date and time, for titles and the check history.
 * @param {unknown} unixSeconds
 */
export function formatDateTime(unixSeconds) {
  if (!isTimestamp(unixSeconds)) return "";
  return formatter("datetime", (lang) => new Intl.DateTimeFormat(lang, { dateStyle: "medium", timeStyle: "short" })).format(new Date(unixSeconds * 1000));
}

/**
 * A date without a time ("expires 3 Mar 2027").
 * @param {unknown} unixSeconds
 */
export function formatDate(unixSeconds) {
  if (!isTimestamp(unixSeconds)) return "";
  return formatter("date", (lang) => new Intl.DateTimeFormat(lang, { dateStyle: "medium" })).format(new Date(unixSeconds * 1000));
}

/**
 * @param {number} seconds
 * @returns {{unit: keyof typeof AGO, n: number}}
 */
function span(seconds, round = Math.floor) {
  if (seconds < 60) return { unit: "now", n: 0 };
  const minutes = round(seconds / 60);
  if (minutes < 60) return { unit: "minutes", n: minutes };
  const hours = round(seconds / 3600);
  if (hours < 24) return { unit: "hours", n: hours };
  return { unit: "days", n: round(seconds / 86400) };
}

const AGO = { now: "time.just_now", minutes: "time.minutes_ago", hours: "time.hours_ago", days: "time.days_ago" };
const AHEAD = { now: "time.any_moment", minutes: "time.in_minutes", hours: "time.in_hours", days: "time.in_days" };

/**
 * "just now", "12 min ago", "2 h ago", "5 days ago"; "" for no time.
 * @param {unknown} unixSeconds
 * @param {number} [now]
 */
export function ago(unixSeconds, now = Date.now() / 1000) {
  if (!isTimestamp(unixSeconds)) return "";
  const { unit, n } = span(Math.max(0, Math.floor(now - unixSeconds)));
  return t(AGO[unit], { count: n });
}

/**
 * "in 12 min", "in 3 h", "in 2 days", "any moment now"; "" for no time.
 * @param {unknown} unixSeconds
 * @param {number} [now]
 */
export function ahead(unixSeconds, now = Date.now() / 1000) {
  if (!isTimestamp(unixSeconds)) return "";
  // Rounded, not cut: a check due in 5 h 59 min on a 6-hour schedule is "in 6 h".
  const { unit, n } = span(Math.max(0, Math.floor(unixSeconds - now)), Math.round);
  return t(AHEAD[unit], { count: n });
}

/**
 * `{retry}` in provider messages: "in 30 seconds" / "in 2 minutes" / "in a moment".
 * @param {unknown} seconds
 */
export function retryPhrase(seconds) {
  if (typeof seconds !== "number" || !Number.isFinite(seconds) || seconds <= 0) return t("time.retry_soon");
  if (seconds < 90) return t("time.retry_seconds", { count: Math.ceil(seconds) });
  return t("time.retry_minutes", { count: Math.ceil(seconds / 60) });
}
