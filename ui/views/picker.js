// @ts-check
// The provider picker: every system Keystep can connect, grouped as HR and payroll, and
// recruiting, each card saying what kind of credential it takes and whether that key has
// permissions to tick, before the guide starts. The search (focused and empty each time the
// picker opens) matches names, the other names people use (`aliases`), kinds and summaries;
// arrow keys move between it and the cards, and Enter opens the lone or first match.

import { language, t } from "../i18n.js";
import { $, announce, details, el } from "../lib/dom.js";
import { clearSecrets } from "../lib/fields.js";
import { loadProviders } from "../lib/providers.js";
import { go, showView } from "../lib/router.js";
import { state } from "../lib/state.js";
import { hasText, pick } from "../lib/values.js";
import { CATEGORY, errorSentence } from "../lib/wording.js";
import { showKeychainState } from "./keychain.js";

/** @typedef {import("../shapes.js").ProviderView} ProviderView */

/** The groups, in the order shown; a category Keystep does not know goes last, unheaded. */
const GROUPS = [
  { category: "hris", heading: "picker.group.hris" },
  { category: "ats", heading: "picker.group.ats" },
];

/** The credential's kind, by how the key is sent; the rest are one key or token. */
const KIND = { client_credentials: "picker.kind.client_credentials", basic: "picker.kind.basic" };

export function mount() {
  $("#picker-retry").addEventListener("click", () => show());
  $("#picker-back").addEventListener("click", () => go("home", (home) => home.show()));
  const search = /** @type {HTMLInputElement} */ ($("#provider-search"));
  $("#picker-clear").addEventListener("click", () => {
    search.value = "";
    renderProviders(state.providers || []);
    search.focus();
  });
  search.addEventListener("input", () => renderProviders(state.providers || []));
  search.addEventListener("keydown", (event) => {
    const shown = cards();
    if (event.key === "Escape" && search.value) {
      event.preventDefault();
      event.stopPropagation();
      search.value = "";
      renderProviders(state.providers || []);
    } else if (event.key === "Enter" && search.value.trim() && shown.length) {
      // Someone who typed a name expects Enter to open it: the lone match, or the first.
      event.preventDefault();
      shown[0].click();
    } else if (event.key === "ArrowDown" && shown.length) {
      event.preventDefault();
      shown[0].focus();
    }
  });
  // Arrow keys walk the cards in reading order; up from the first goes back to the search.
  $("#providers").addEventListener("keydown", (event) => {
    const shown = cards();
    const at = shown.indexOf(/** @type {HTMLButtonElement} */ (event.target));
    if (at < 0) return;
    const step = { ArrowDown: 1, ArrowRight: 1, ArrowUp: -1, ArrowLeft: -1 }[event.key];
    if (!step) return;
    event.preventDefault();
    const next = at + step;
    if (next < 0) search.focus();
    else if (next < shown.length) shown[next].focus();
  });
}

/** The cards shown, in reading order. */
function cards() {
  return /** @type {HTMLButtonElement[]} */ (Array.from($("#providers").querySelectorAll("button[data-provider]")));
}

/**
 * Shows the picker (from "Add account", the crumbs, or the tray's add-account).
 * @param {{focus?: HTMLElement|null|false}} [opts]
 */
export async function show(opts = {}) {
  if (state.reconcile && state.reconcile.safeMode) {
    // The tray's "Add account…" in safe mode: nothing can be linked, and the notice says why.
    showView("home");
    announce(t("safe.title"));
    return;
  }
  clearSecrets();
  state.mode = "link";
  state.relinkAccount = null;
  // Each "Add account" starts from every system, with the search box ready for typing.
  const search = /** @type {HTMLInputElement} */ ($("#provider-search"));
  search.value = "";
  showView("picker", { focus: search, ...opts });
  showKeychainState();
  const loading = $("#picker-loading");
  const errorBox = $("#picker-error");
  errorBox.hidden = true;
  loading.hidden = Boolean(state.providers && state.providersLang === state.lang);
  try {
    const providers = await loadProviders();
    renderProviders(providers);
  } catch (err) {
    $("#picker-error-message").replaceChildren(errorSentence(err), " ", details(err.message, err.code) || "");
    errorBox.hidden = false;
  } finally {
    loading.hidden = true;
  }
}

/** The language changed: the cards again, if drawn. */
export function reword() {
  if ($("#providers").childElementCount) renderProviders(state.providers || []);
}

/**
 * What the person will paste, as a kind ("API key + company subdomain"), from how the key
 * is sent and the form's fields: the provider's own words for it are in its guide.
 * @param {ProviderView} provider
 */
export function credentialKind(provider) {
  const fields = provider.fields || [];
  const kindKey = pick(KIND, provider.credential_kind);
  const secret = fields.find((f) => f.secret);
  const kind = kindKey ? t(kindKey) : t(secret && /token/.test(secret.key) ? "picker.kind.token" : "picker.kind.key");
  return fields.some((f) => f.kind === "subdomain") ? t("picker.kind.with_subdomain", { kind }) : kind;
}

/**
 * Whether the key has permissions to tick (some purpose names one), or none: then its
 * reach is its creator's, or everything (`full_access`).
 * @param {ProviderView} provider
 */
export function scopesLine(provider) {
  if ((provider.purposes || []).some((p) => Array.isArray(p.permissions) && p.permissions.length)) return t("picker.scopes.some");
  return provider.lifetime && provider.lifetime.full_access === true ? t("picker.scopes.full_access") : t("picker.scopes.none");
}

/**
 * The words a search looks in: name, other names, group, kind, summary and needs.
 * @param {ProviderView} provider
 */
function haystack(provider) {
  const category = pick(CATEGORY, provider.category);
  const group = GROUPS.find((g) => g.category === provider.category);
  const aliases = Array.isArray(provider.aliases) ? provider.aliases : [];
  return [provider.name, ...aliases, category ? t(category) : provider.category, group ? t(group.heading) : "", credentialKind(provider), provider.summary, provider.needs]
    .filter(hasText)
    .join(" ")
    .toLocaleLowerCase(language());
}

/**
 * Whether every word of the query is in the provider's words.
 * @param {ProviderView} provider
 * @param {string[]} words
 */
function matches(provider, words) {
  const text = haystack(provider);
  return words.every((word) => text.includes(word));
}

/**
 * One provider's card.
 * @param {ProviderView} provider
 * @param {boolean} first whether Enter in the search opens it
 */
function card(provider, first) {
  const aliases = Array.isArray(provider.aliases) ? provider.aliases.filter(hasText) : [];
  // The button's name is all it shows (name, other names, summary, kind, scopes): axe's
  // label-content-name-mismatch forbids a shorter aria-label on visible text.
  const button = el(
    "button",
    { className: first ? "provider-card is-first" : "provider-card", attrs: { type: "button" } },
    el("span", { className: "provider-initial", text: (provider.name || "?").trim().charAt(0).toUpperCase(), attrs: { "aria-hidden": "true" } }),
    el(
      "span",
      { className: "provider-card-head" },
      el("span", { className: "provider-name", text: provider.name }),
      aliases.length ? el("span", { className: "provider-aka", text: t("picker.aka", { names: aliases.join(", ") }) }) : null,
      first ? el("kbd", { className: "provider-enter", text: t("picker.enter_key"), attrs: { "aria-hidden": "true" } }) : null,
    ),
    hasText(provider.summary) ? el("span", { className: "provider-summary", text: provider.summary }) : null,
    el(
      "span",
      { className: "provider-kind" },
      el("span", { className: "provider-credential", text: credentialKind(provider) }),
      " · ",
      el("span", { className: "provider-scopes", text: scopesLine(provider) }),
    ),
  );
  button.dataset.provider = provider.id;
  button.addEventListener("click", () => go("guide", (guide) => guide.show(provider)));
  return el("li", {}, button);
}

/** @param {ProviderView[]} providers */
function renderProviders(providers) {
  const box = $("#providers");
  const query = /** @type {HTMLInputElement} */ ($("#provider-search")).value.trim();
  const words = query.toLocaleLowerCase(language()).split(/\s+/).filter(Boolean);
  const shown = providers.filter((p) => matches(p, words));
  const firstShown = (GROUPS.map((g) => shown.find((p) => p.category === g.category)).find(Boolean) || shown[0]) ?? null;
  let count = t("picker.count", { count: providers.length });
  if (query && shown.length && firstShown) count = t("picker.enter_opens", { matches: t("picker.count_match", { count: shown.length }), provider: firstShown.name });
  else if (query) count = t("picker.none_match", { query });
  $("#provider-count").textContent = count;
  $("#picker-empty").hidden = !(query && providers.length && !shown.length);
  box.replaceChildren();
  if (!providers.length) {
    box.append(el("p", { className: "muted", text: t("picker.none") }));
    return;
  }
  const known = new Set(GROUPS.map((g) => g.category));
  const groups = [...GROUPS.map((g) => ({ ...g, members: shown.filter((p) => p.category === g.category) })), { category: "", heading: "", members: shown.filter((p) => !known.has(p.category)) }];
  for (const group of groups) {
    if (!group.members.length) continue;
    const headingId = group.category ? `picker-group-${group.category}` : "";
    box.append(
      el(
        "section",
        { className: "provider-group", attrs: { "data-group": group.category || "other", "aria-labelledby": headingId || null } },
        group.heading ? el("h2", { className: "provider-group-title", text: t(group.heading), attrs: { id: headingId } }) : null,
        el("ul", { className: "provider-grid", attrs: { role: "list" } }, group.members.map((p) => card(p, Boolean(query) && p === firstShown))),
      ),
    );
  }
}
