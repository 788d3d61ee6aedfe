// @ts-check
// Keystep UI: boot. Reads the settings (for the language), mounts the accounts page, listens
// to the backend's events, lists the accounts and runs the start-up keychain check.
//
// The views are ES modules under ./views (one per view, each mounting its own listeners),
// reached through ./lib/router.js; ./lib holds what they share. Everything provider-specific
// comes from `list_providers` (in the active language): no module has provider ids or
// per-provider code. Only ./api.js talks to the backend; the UI branches on error `code`,
// never on message text. Every sentence comes from ./i18n.js (ui/locales); the backend's
// English `message` is kept in a small "Details" disclosure for precision.

import * as api from "./api.js";
import { resolveLanguage, setLanguage } from "./i18n.js";
import { $ } from "./lib/dom.js";
import { tryLoadProviders } from "./lib/providers.js";
import { adopt, escapeGoesBack, go, showView } from "./lib/router.js";
import { resetState, state } from "./lib/state.js";
import { refreshTimes } from "./lib/time.js";
import { hasText } from "./lib/values.js";
import * as actions from "./views/account-actions.js";
import * as home from "./views/accounts.js";
import * as overrides from "./views/host-overrides.js";
import * as notice from "./views/notice.js";

/** The backend's events: the tray, the schedule and other windows' changes. */
function listenToBackend() {
  api.onEvent("accounts-changed", () => {
    if (state.accountsLoaded) home.refreshAfterChange();
  });
  api.onEvent("checks-running", (payload) => home.setChecksRunning(Boolean(payload && /** @type {{running?: boolean}} */ (payload).running)));
  api.onEvent("open-account", (payload) => {
    const id = payload && /** @type {{id?: unknown}} */ (payload).id;
    if (hasText(id)) go("account", (detail) => detail.show(/** @type {string} */ (id)));
  });
  api.onEvent("add-account", () => go("picker", (picker) => picker.show()));
  api.onEvent("close-asked", () => import("./views/closing.js").then((closing) => closing.ask()));
}

async function boot() {
  // A page that starts (again: the UI harness restarts the app in the same document) starts
  // from nothing.
  resetState();
  adopt("home", home);
  actions.mount();
  notice.mount();
  $("#open-settings").addEventListener("click", () => go("settings", (settings) => settings.show()));
  escapeGoesBack();
  window.setInterval(refreshTimes, 30000);
  // The language comes first: everything after is worded in it.
  try {
    state.settings = await api.getSettings();
  } catch {
    state.settings = null;
  }
  state.lang = resolveLanguage(state.settings ? state.settings.language : "system");
  await setLanguage(state.lang);
  listenToBackend();
  await overrides.load();
  showView("home", { focus: false });
  // Warm the provider list so the picker opens instantly; errors show there.
  tryLoadProviders();
  await home.loadAccounts();
  // Once per start: match the account list with the keychain.
  await notice.runReconcile();
  // Start-up is over: what a test (or a screen reader's first pass) can wait for.
  document.body.dataset.ready = "true";
}

if (document.readyState === "loading") {
  document.addEventListener("DOMContentLoaded", boot, { once: true });
} else {
  boot();
}
