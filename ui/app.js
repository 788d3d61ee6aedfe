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
import { $, afterNextFrame } from "./lib/dom.js";
import { adopt, escapeGoesBack, go, showView } from "./lib/router.js";
import { resetState, state } from "./lib/state.js";
import { refreshTimes, titleTimesOnHover } from "./lib/time.js";
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

/**
 * The desktop's interface font first, when the backend named it: the stylesheet's own list
 * has no `system-ui`, which WebKitGTK was slow to resolve (src-tauri/src/font.rs). A name
 * that is not a plain family (the backend sends none) is left out.
 * @param {string | undefined} family
 */
function useDesktopFont(family) {
  const root = document.documentElement;
  if (family && /^[\p{L}\p{N} ._-]{1,64}$/u.test(family)) root.style.setProperty("--font", `"${family}", sans-serif`);
  else root.style.removeProperty("--font");
}

async function boot() {
  // A page that starts (again: the UI harness restarts the app in the same document) starts
  // from nothing.
  resetState();
  delete document.body.dataset.started;
  delete document.body.dataset.shownEarly;
  delete document.body.dataset.firstView;
  // Shown anyway if start-up's first answers are slow to come: a still page beats a blank one
  // (and says so, for the UI checks: what moves after that is this fallback's, not a bug's).
  const shown = window.setTimeout(() => {
    document.body.dataset.started = "true";
    document.body.dataset.shownEarly = "true";
  }, 1500);
  adopt("home", home);
  actions.mount();
  notice.mount();
  $("#open-settings").addEventListener("click", () => go("settings", (settings) => settings.show()));
  $("#quit").addEventListener("click", () => {
    api.quitApp().catch(() => /** @type {null} */ (null));
  });
  escapeGoesBack();
  window.setInterval(refreshTimes, 30000);
  titleTimesOnHover(document);
  // The window hands the first view's answers over with the page: nothing is awaited over
  // IPC before the first view is drawn. Without them (a reload, the UI harness), start-up's
  // questions go to the backend side by side: each IPC call is a round trip through the
  // webview's custom protocol, answered through the main thread while it paints
  // (docs/benchmarks.md, "Where start-up goes"). The answers are used in order either way.
  const first = api.takeFirstView();
  state.handedProviders = first ? first.providers : null;
  let listening = false;
  const listen = () => {
    if (!listening) listenToBackend();
    listening = true;
  };
  // Which way this start took, for the tests of both.
  document.body.dataset.firstView = first ? "handed" : "asked";
  const settingsAsked = first ? Promise.resolve(first.settings) : api.getSettings().catch(() => /** @type {null} */ (null));
  const overridesAsked = first ? Promise.resolve(first.host_overrides) : api.listHostOverrides().catch(() => /** @type {import("./shapes.js").HostOverride[]} */ ([]));
  // Without an answer, as with a tray: the tray's own menu then has Quit.
  const desktopAsked = first ? Promise.resolve(first.desktop) : api.getDesktop().catch(() => /** @type {import("./api.js").DesktopView} */ ({ tray: true }));
  const accountsAsked = first ? Promise.resolve(first.accounts) : api.listAccounts();
  // Handled by loadAccounts, which only gets to it once the language is set.
  accountsAsked.catch(() => /** @type {void} */ (undefined));
  // The language comes first: everything after is worded in it.
  state.settings = await settingsAsked;
  state.lang = resolveLanguage(state.settings ? state.settings.language : "system");
  // The accounts' providers come with a handed-over first view; otherwise the guides (all
  // fifteen providers' words) are asked once the cards are drawn (home.loadAccounts): the
  // first view never waits for them, however many providers there are.
  await setLanguage(state.lang);
  // A reload asks its questions before it draws anyway: it listens at once, as the answers
  // come, so no change is missed. A start with the answers handed over listens once drawn.
  if (!first) listen();
  overrides.show(await overridesAsked);
  // No tray icon: the window's Quit is the only one (before start-up shows the header, so
  // nothing moves when it appears).
  const desktop = await desktopAsked;
  $("#quit").hidden = desktop.tray;
  useDesktopFont(desktop.font);
  showView("home", { focus: false });
  // The language and the banner are known: what shows now stays where it is.
  window.clearTimeout(shown);
  document.body.dataset.started = "true";
  // Drawn, the first view is shown before anything else is asked: the event listeners, the
  // guides, the last uses (each an IPC call) and the keychain check wait for its first frame.
  // Of the events sent before the page listens, only accounts-changed can come so early (the
  // tray and the start-up check wait for the page to settle); it is caught up below. A close
  // asked in that frame is asked again by the next click on the window's close button.
  // The mark is the benchmark's "first view is in the page" (benches/keystep/window.rs).
  const drawn = () => {
    performance.mark("keystep:drawn");
    return afterNextFrame().then(listen);
  };
  await home.loadAccounts(accountsAsked, { afterDrawn: first ? drawn : undefined });
  // Not yet when the accounts could not be listed (the error is drawn instead of the cards).
  listen();
  // Once per start: match the account list with the keychain.
  await notice.runReconcile();
  // The handed-over accounts are as the window was made: what changed before the page
  // listened to accounts-changed shows now (cards that did not change stay as they are).
  if (first) await home.refreshAfterChange();
  // Start-up is over: what a test (or a screen reader's first pass) can wait for.
  document.body.dataset.ready = "true";
}

if (document.readyState === "loading") {
  document.addEventListener("DOMContentLoaded", boot, { once: true });
} else {
  boot();
}
