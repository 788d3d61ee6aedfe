// Keystep UI wording: every sentence a person reads comes from ui/locales/<lang>.js.
//
// The catalogues are ES modules (not JSON fetched at run time) because module imports are
// what the app's CSP (script-src 'self', no connect-src 'self') and Tauri's custom protocol
// already load for app.js; a fetch would need the CSP widened. Keys are flat ("home.title");
// a plural key has ".one"/".other" variants picked with Intl.PluralRules from `count`.
// `{name}` placeholders are filled from params; provider text (from list_providers) is data
// and never passes through here except as a param.

import en from "./locales/en.js";
import fr from "./locales/fr.js";

const CATALOGUES = Object.freeze({ en, fr });

/** The languages Keystep speaks, as settings.language values (besides "system"). */
export const LANGUAGES = Object.freeze(["en", "fr"]);

let current = "en";

function lookup(catalogue, key) {
  return Object.prototype.hasOwnProperty.call(catalogue, key) && typeof catalogue[key] === "string" ? catalogue[key] : undefined;
}

/**
 * "en" or "fr" for a settings.language value; "system" (or anything else) follows the
 * system's preferred languages (navigator.languages), English when none is spoken here.
 * @param {string} [preference]
 */
export function resolveLanguage(preference) {
  if (LANGUAGES.includes(preference)) return preference;
  const tags = Array.isArray(navigator.languages) && navigator.languages.length ? navigator.languages : [navigator.language];
  for (const tag of tags) {
    const base = String(tag || "").toLowerCase().split(/[-_]/)[0];
    if (LANGUAGES.includes(base)) return base;
  }
  return "en";
}

/** The active language ("en" or "fr"). */
export function language() {
  return current;
}

/** Switches the language and re-words the static markup (elements with data-i18n). */
export function setLanguage(lang) {
  current = LANGUAGES.includes(lang) ? lang : "en";
  document.documentElement.lang = current;
  translateStatic(document);
}

/** Fills `{name}` placeholders; unknown ones are left as they are. */
export function fill(template, params = {}) {
  return String(template).replace(/\{([a-z_]+)\}/g, (whole, name) =>
    Object.prototype.hasOwnProperty.call(params, name) && params[name] !== undefined && params[name] !== null ? String(params[name]) : whole,
  );
}

/**
 * The sentence for `key` in the active language (English if the key is missing there;
 * the key itself if it is missing everywhere, which the locale check in tests/ui forbids).
 * With a numeric `count` param, the plural variant `key.one` / `key.other` is used.
 * @param {string} key
 * @param {Record<string, unknown>} [params]
 */
export function t(key, params = {}) {
  const catalogue = CATALOGUES[current];
  let text;
  if (typeof params.count === "number") {
    const rule = new Intl.PluralRules(current).select(params.count);
    text = lookup(catalogue, `${key}.${rule}`) ?? lookup(catalogue, `${key}.other`) ?? lookup(en, `${key}.${rule}`) ?? lookup(en, `${key}.other`);
    params = { ...params, count: formatNumber(params.count) };
  }
  if (text === undefined) text = lookup(catalogue, key) ?? lookup(en, key);
  if (text === undefined) return key;
  return fill(text, params);
}

/**
 * Words the static markup: `data-i18n="key"` sets the text of an element that holds only
 * text; `data-i18n-attr="aria-label:key title:key"` sets attributes.
 * @param {ParentNode} root
 */
export function translateStatic(root) {
  for (const node of root.querySelectorAll("[data-i18n]")) node.textContent = t(node.dataset.i18n);
  for (const node of root.querySelectorAll("[data-i18n-attr]")) {
    for (const pair of node.dataset.i18nAttr.split(/\s+/).filter(Boolean)) {
      const at = pair.indexOf(":");
      if (at > 0) node.setAttribute(pair.slice(0, at), t(pair.slice(at + 1)));
    }
  }
}

// ---------------------------------------------------------------------------
// Numbers, lists and times in the active language.

export function formatNumber(value) {
  return typeof value === "number" && Number.isFinite(value) ? value.toLocaleString(current) : String(value);
}

/** "a, b and c" / « a, b et c ». */
export function joinList(items) {
  const list = items.map(String);
  try {
    return new Intl.ListFormat(current, { style: "long", type: "conjunction" }).format(list);
  } catch {
    return list.join(", ");
  }
}

/** "a, b or c" / « a, b ou c ». */
export function joinChoices(items) {
  const list = items.map(String);
  try {
    return new Intl.ListFormat(current, { style: "long", type: "disjunction" }).format(list);
  } catch {
    return list.join(", ");
  }
}

export function isTimestamp(value) {
  return typeof value === "number" && Number.isFinite(value) && value > 0;
}

/** A full date and time, for titles and the check history. */
export function formatDateTime(unixSeconds) {
  if (!isTimestamp(unixSeconds)) return "";
  return new Intl.DateTimeFormat(current, { dateStyle: "medium", timeStyle: "short" }).format(new Date(unixSeconds * 1000));
}

/** A date without a time ("expires 3 Mar 2027"). */
export function formatDate(unixSeconds) {
  if (!isTimestamp(unixSeconds)) return "";
  return new Intl.DateTimeFormat(current, { dateStyle: "medium" }).format(new Date(unixSeconds * 1000));
}

function span(seconds) {
  const minutes = Math.floor(seconds / 60);
  if (seconds < 60) return { unit: "now", n: 0 };
  if (minutes < 60) return { unit: "minutes", n: minutes };
  const hours = Math.floor(minutes / 60);
  if (hours < 24) return { unit: "hours", n: hours };
  return { unit: "days", n: Math.floor(hours / 24) };
}

const AGO = { now: "time.just_now", minutes: "time.minutes_ago", hours: "time.hours_ago", days: "time.days_ago" };
const AHEAD = { now: "time.any_moment", minutes: "time.in_minutes", hours: "time.in_hours", days: "time.in_days" };

/** "just now", "12 min ago", "2 h ago", "5 days ago"; "" for no time. */
export function ago(unixSeconds, now = Date.now() / 1000) {
  if (!isTimestamp(unixSeconds)) return "";
  const { unit, n } = span(Math.max(0, Math.floor(now - unixSeconds)));
  return t(AGO[unit], { count: n });
}

/** "in 12 min", "in 3 h", "in 2 days", "any moment now"; "" for no time. */
export function ahead(unixSeconds, now = Date.now() / 1000) {
  if (!isTimestamp(unixSeconds)) return "";
  const { unit, n } = span(Math.max(0, Math.floor(unixSeconds - now)));
  return t(AHEAD[unit], { count: n });
}

/** `{retry}` in provider messages: "in 30 seconds" / "in 2 minutes" / "in a moment". */
export function retryPhrase(seconds) {
  if (typeof seconds !== "number" || !Number.isFinite(seconds) || seconds <= 0) return t("time.retry_soon");
  if (seconds < 90) return t("time.retry_seconds", { count: Math.ceil(seconds) });
  return t("time.retry_minutes", { count: Math.ceil(seconds / 60) });
}
