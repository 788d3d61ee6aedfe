// @ts-check
// Which view shows, and the crumbs above it. Every view is an ES module under ui/views/ that
// exports mount() (attaches its listeners, once per page) and how it shows. A view opens
// another view only through go() here, which imports that view's module (and links its
// stylesheet) the first time it is needed: the first page loads only the accounts page,
// which app.js imports. Static imports run one way, app.js → views → lib, and never from
// the first page to a view loaded later (tests/ui/run.sh checks it).

import { t } from "../i18n.js";
import { $, $$, el, focus } from "./dom.js";
import { state } from "./state.js";
import { accountTitle } from "./wording.js";

/**
 * @typedef {import("./state.js").ViewName} ViewName
 * @typedef {{mount: () => void, leave?: (next: ViewName) => void}} ViewModule
 *   leave(next): called when another view is about to show
 */

/** @type {readonly ViewName[]} */
export const VIEWS = Object.freeze(["home", "account", "picker", "guide", "result", "settings"]);

/** Each view's module, imported when the view is first needed. */
const MODULES = {
  home: () => import("../views/accounts.js"),
  account: () => import("../views/account-detail.js"),
  picker: () => import("../views/picker.js"),
  guide: () => import("../views/guide.js"),
  result: () => import("../views/result.js"),
  settings: () => import("../views/settings.js"),
};

/**
 * Each view's own stylesheet under ui/styles/, linked with its module; index.html links the
 * first page's (base, forms, parts, accounts).
 * @type {Readonly<Record<ViewName, string | null>>}
 */
const STYLES = Object.freeze({
  home: null,
  account: "account-detail.css",
  picker: "picker.css",
  guide: "guide.css",
  result: "result.css",
  settings: "settings.css",
});

/** The stylesheets linked so far, by URL: each resolves once it applies. */
const linked = new Map();

/**
 * Links a stylesheet of ui/styles/ (once) and resolves when it applies, so a view never
 * shows unstyled. A sheet that fails to load resolves too: the view still works.
 * @param {string} file
 * @returns {Promise<unknown>}
 */
function linkStyles(file) {
  const href = new URL(`../styles/${file}`, import.meta.url).href;
  if (!linked.has(href)) {
    const link = el("link", { attrs: { rel: "stylesheet", href } });
    linked.set(
      href,
      new Promise((resolve) => {
        link.addEventListener("load", resolve, { once: true });
        link.addEventListener("error", resolve, { once: true });
      }),
    );
    document.head.append(link);
  }
  return linked.get(href);
}

/**
 * A view's module and its stylesheet, loaded.
 * @template {ViewName} K
 * @param {K} name
 * @returns {Promise<ModuleOf<K>>}
 */
async function load(name) {
  const styles = STYLES[name];
  const [module] = await Promise.all([MODULES[name](), styles ? linkStyles(styles) : null]);
  return /** @type {ModuleOf<K>} */ (module);
}

/**
 * @template {ViewName} K
 * @typedef {Awaited<ReturnType<(typeof MODULES)[K]>>} ModuleOf
 */

/** @type {Map<ViewName, ViewModule>} */
const loaded = new Map();
/** The view roots whose module has attached its listeners (a new page has new roots). */
const mounted = new WeakSet();

/**
 * Remembers a view's module and mounts it on this page's markup, once.
 * @template {ViewModule} M
 * @param {ViewName} name
 * @param {M} module
 * @returns {M}
 */
export function adopt(name, module) {
  loaded.set(name, module);
  const root = $(`[data-view="${name}"]`);
  if (root && !mounted.has(root)) {
    mounted.add(root);
    module.mount();
  }
  return module;
}

/**
 * Calls `use` with a view's module: at once when it is loaded already (so a click answers
 * in the same task, as before views were modules), after importing it otherwise.
 * @template {ViewName} K
 * @template R
 * @param {K} name
 * @param {(module: ModuleOf<K>) => R} use
 * @returns {R | Promise<R>}
 */
export function go(name, use) {
  const module = /** @type {ModuleOf<K> | undefined} */ (loaded.get(name));
  if (module) return use(adopt(name, module));
  return load(name).then((imported) => use(adopt(name, imported)));
}

/**
 * A view's module if it was loaded already, else null (nothing of it is on screen then).
 * @template {ViewName} K
 * @param {K} name
 * @returns {ModuleOf<K> | null}
 */
export function loadedView(name) {
  const module = /** @type {ModuleOf<K> | undefined} */ (loaded.get(name));
  return module ? adopt(name, module) : null;
}

/**
 * Show exactly one view.
 * @param {ViewName} name
 * @param {{focus?: HTMLElement|null|false}} [opts] element to focus; the view heading by default
 */
export function showView(name, opts = {}) {
  if (name !== state.view) {
    const leaving = loaded.get(state.view);
    if (leaving && leaving.leave) leaving.leave(name);
  }
  state.view = VIEWS.includes(name) ? name : "home";
  for (const view of $$("[data-view]")) {
    view.hidden = view.dataset.view !== state.view;
  }
  document.body.dataset.currentView = state.view;
  $("#open-settings").hidden = state.view === "settings";
  renderCrumbs();
  if (opts.focus === false) return;
  window.scrollTo(0, 0);
  const target = opts.focus || $(`[data-view="${state.view}"] h1`);
  focus(target);
}

/** @type {(() => unknown) | null} one step back: the crumb before the current one */
let back = null;
let escapeBound = false;

/**
 * Escape goes back one step, on every view, as the crumbs would: picker → accounts, guide →
 * picker, result → guide (a success → Done), account or settings → accounts. What handles
 * Escape itself first (the search box, rename, the Forget confirmation, Cancel while
 * connecting, a dialog) prevents the default, and this does nothing. Bound once per page.
 */
export function escapeGoesBack() {
  if (escapeBound) return;
  escapeBound = true;
  document.addEventListener("keydown", (event) => {
    if (event.key !== "Escape" || event.defaultPrevented || state.connecting) return;
    if (document.querySelector("dialog[open]")) return;
    const done = /** @type {HTMLButtonElement | null} */ ($("#done"));
    if (state.view === "result" && done && !done.hidden) {
      event.preventDefault();
      done.click();
    } else if (back) {
      event.preventDefault();
      back();
    }
  });
}

/** The trail above the view: Accounts › Add account › (the provider) › Result. */
export function renderCrumbs() {
  const list = $("#crumbs");
  list.replaceChildren();
  /** @type {Array<{label: string, open?: () => unknown}>} */
  const trail = [{ label: t("nav.accounts"), open: () => go("home", (home) => home.show()) }];
  const inForm = state.view === "guide" || state.view === "result";
  const backToGuide = () => go("guide", (guide) => guide.showAgain());
  if (state.view === "settings") {
    trail.push({ label: t("nav.settings") });
  } else if (state.view === "account") {
    const account = state.accounts.find((a) => a.id === state.detailId);
    trail.push({ label: account ? accountTitle(account) : t("nav.account") });
  } else if (inForm && state.mode === "relink" && state.relinkAccount) {
    trail.push({ label: t("nav.replace_key", { account: accountTitle(state.relinkAccount) }), open: backToGuide });
  } else {
    if (state.view !== "home") trail.push({ label: t("nav.add_account"), open: () => go("picker", (picker) => picker.show()) });
    if (inForm && state.provider) {
      const provider = state.provider;
      trail.push({ label: provider.name, open: () => (state.view === "guide" ? null : backToGuide()) });
    }
  }
  if (state.view === "result") trail.push({ label: t("nav.result") });

  back = trail.length > 1 ? trail[trail.length - 2].open || null : null;
  trail.forEach((crumb, index) => {
    const last = index === trail.length - 1;
    let node;
    if (last) {
      node = el("span", { className: "crumb-current", text: crumb.label, attrs: { "aria-current": "page" } });
    } else {
      node = el("button", { className: "crumb-link", text: crumb.label, attrs: { type: "button" } });
      node.addEventListener("click", () => crumb.open());
    }
    list.append(el("li", {}, node));
  });
}
