// @ts-check
// The provider picker: every system Keystep can connect, with a search (focused and empty
// each time the picker opens; Enter opens a lone match); a card opens that provider's guide.

import { language, t } from "../i18n.js";
import { $, announce, details, el } from "../lib/dom.js";
import { clearSecrets } from "../lib/fields.js";
import { loadProviders } from "../lib/providers.js";
import { go, showView } from "../lib/router.js";
import { state } from "../lib/state.js";
import { hasText, pick } from "../lib/values.js";
import { CATEGORY, errorSentence } from "../lib/wording.js";
import { showKeychainState } from "./keychain.js";

/** @typedef {import("../api.js").ProviderView} ProviderView */

export function mount() {
  $("#picker-retry").addEventListener("click", () => show());
  $("#picker-back").addEventListener("click", () => go("home", (home) => home.show()));
  const search = /** @type {HTMLInputElement} */ ($("#provider-search"));
  search.addEventListener("input", () => renderProviders(state.providers || []));
  search.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && search.value) {
      event.preventDefault();
      event.stopPropagation();
      search.value = "";
      renderProviders(state.providers || []);
    } else if (event.key === "Enter") {
      // One match: Enter opens it, as a person who typed its name expects.
      const shown = $("#providers").querySelectorAll("button[data-provider]");
      if (shown.length === 1) {
        event.preventDefault();
        /** @type {HTMLButtonElement} */ (shown[0]).click();
      }
    }
  });
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
 * Whether every word of the query is in the provider's name, category, summary or needs.
 * @param {ProviderView} provider
 * @param {string} query
 */
function matches(provider, query) {
  if (!query) return true;
  const category = pick(CATEGORY, provider.category);
  const haystack = [provider.name, provider.summary, provider.needs, category ? t(category) : provider.category]
    .filter(hasText)
    .join(" ")
    .toLocaleLowerCase(language());
  return query
    .toLocaleLowerCase(language())
    .split(/\s+/)
    .filter(Boolean)
    .every((word) => haystack.includes(word));
}

/** @param {ProviderView[]} providers */
function renderProviders(providers) {
  const grid = $("#providers");
  const query = /** @type {HTMLInputElement} */ ($("#provider-search")).value.trim();
  grid.replaceChildren();
  const shown = providers.filter((p) => matches(p, query));
  $("#provider-count").textContent = query
    ? shown.length
      ? t("picker.count_match", { count: shown.length })
      : t("picker.none_match", { query })
    : t("picker.count", { count: providers.length });
  if (!providers.length) {
    grid.append(el("li", { className: "muted", text: t("picker.none") }));
    return;
  }
  for (const provider of shown) {
    const categoryKey = pick(CATEGORY, provider.category);
    const category = categoryKey ? t(categoryKey) : hasText(provider.category) ? provider.category : "";
    // The button's name is all it shows (name, category, summary, needs): axe's
    // label-content-name-mismatch forbids a shorter aria-label on visible text.
    const button = el(
      "button",
      { className: "provider-card", attrs: { type: "button" } },
      el(
        "span",
        { className: "provider-card-head" },
        el("span", { className: "provider-initial", text: (provider.name || "?").trim().charAt(0).toUpperCase(), attrs: { "aria-hidden": "true" } }),
        el("span", { className: "provider-name", text: provider.name }),
        category ? el("span", { className: "chip chip-neutral provider-category", text: category }) : null,
      ),
      el(
        "span",
        { className: "provider-desc" },
        hasText(provider.summary) ? el("span", { className: "provider-summary", text: provider.summary }) : null,
        hasText(provider.needs) ? el("span", { className: "provider-needs" }, el("strong", { text: t("picker.needs") }), " ", provider.needs) : null,
      ),
    );
    button.dataset.provider = provider.id;
    button.addEventListener("click", () => go("guide", (guide) => guide.show(provider)));
    grid.append(el("li", {}, button));
  }
}
