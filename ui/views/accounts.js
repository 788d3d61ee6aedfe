// @ts-check
// Home: the linked accounts as cards, "Check all now", the empty state, and after a forget
// the steps to revoke the key in the provider. The first page: app.js imports it (with the
// card, the account actions and the start-up notice); every other view loads when needed.

import * as api from "../api.js";
import { t } from "../i18n.js";
import { $, $$, announce, busy, details, el, focus } from "../lib/dom.js";
import { clearSecrets } from "../lib/fields.js";
import { knowsProvidersOf, providerFor, tryLoadProviders } from "../lib/providers.js";
import { go, loadedView, showView } from "../lib/router.js";
import { state } from "../lib/state.js";
import { hasText, own } from "../lib/values.js";
import { errorSentence, revokeText } from "../lib/wording.js";
import { accountItem, cardFor, detailShows, patchCard } from "./account-card.js";
import { revokeSteps } from "./revoke.js";

/** @typedef {import("../shapes.js").AccountView} AccountView */

/** Attaches home's listeners (the cards' buttons: account-actions.js). */
export function mount() {
  const add = $("#add-account");
  add.addEventListener("click", () => go("picker", (picker) => picker.show()));
  // Start-up asks for no guide the cards do not need: the picker's are asked as a pointer
  // or the focus reaches its button, before the click (once; later calls reuse the answer).
  for (const intent of ["pointerenter", "focus"]) add.addEventListener(intent, () => void tryLoadProviders());
  $("#check-all").addEventListener("click", () => checkAll());
  $("#home-retry").addEventListener("click", () => loadAccounts());
}

/**
 * Shows home with the accounts as they are now.
 * @param {{focus?: HTMLElement|null|false}} [opts]
 */
export async function show(opts = {}) {
  clearSecrets();
  showView("home", opts);
  await loadAccounts();
}

/**
 * Lists the accounts and draws them at once, with their last known statuses from the book;
 * the providers (for their sentences) are asked after that and redraw them, in place.
 * @param {Promise<AccountView[]>} [asked] list_accounts already under way (start-up asks it
 *   side by side with its other questions)
 * @param {{afterDrawn?: () => Promise<void>}} [opts] awaited once the cards are in the page
 *   and before the providers and the last uses are asked (start-up waits for the first frame)
 */
export async function loadAccounts(asked, { afterDrawn } = {}) {
  const loading = $("#home-loading");
  const errorBox = $("#home-error");
  loading.hidden = state.accountsLoaded;
  errorBox.hidden = true;
  const hadProviders = Boolean(state.providers);
  try {
    const accounts = await (asked || api.listAccounts());
    state.accountsLoaded = true;
    // At start-up a long list is drawn a screenful first, the rest once that is painted: the
    // first paint waits for what shows, not for a hundred cards out of view (issue 25).
    const rest = renderAccounts(accounts, { upTo: afterDrawn ? FIRST_SCREEN : Infinity });
    loading.hidden = true;
    if (afterDrawn) await afterDrawn();
    if (rest) rest();
    // The guides (for the cards' provider sentences) after the cards, unless the window
    // handed over the accounts' providers with the first view: drawing them never waits for
    // every provider's words. Asked once; later calls reuse the answer.
    if (!knowsProvidersOf(accounts)) {
      await tryLoadProviders();
      if (!hadProviders && state.providers && state.view === "home") renderAccounts(state.accounts);
    }
    await loadLastUses();
  } catch (err) {
    $("#home-error-message").replaceChildren(errorSentence(err), " ", details(err.message, err.code) || "");
    errorBox.hidden = false;
    $("#accounts").hidden = true;
    $("#home-empty").hidden = true;
  } finally {
    loading.hidden = true;
  }
}

/**
 * Asks when each account was last used by `keystep run` and adds it to the cards, in place.
 * Nothing is said when the use log cannot be read: the line is a convenience.
 */
async function loadLastUses() {
  let uses;
  try {
    uses = await api.listLastUses();
  } catch {
    return;
  }
  state.lastUses = new Map(uses.map((u) => [u.account, u]));
  for (const account of state.accounts) {
    if (state.lastUses.has(account.id)) updateAccount(account);
  }
}

/**
 * Cards drawn before a start-up's first paint: more than a tall window shows. In static
 * copies of the page in WebKitGTK, 100 cards painted ~18 ms later than 5, though all but a
 * few were out of view (`content-visibility` spares their painting, not all of their cost).
 */
const FIRST_SCREEN = 12;

/** Counts the draws, so a screenful's rest is not added to a list drawn again since. */
let draws = 0;

/**
 * Draws the cards (or the empty state): the first `upTo` of them when told, in the order
 * they show.
 * @param {AccountView[]} accounts
 * @param {{upTo?: number}} [opts]
 * @returns {(() => void) | null} what adds the cards left out, if any were
 */
export function renderAccounts(accounts, { upTo = Infinity } = {}) {
  draws += 1;
  state.accounts = accounts.slice();
  const list = $("#accounts");
  const empty = $("#home-empty");
  const addButton = $("#add-account");
  // Keep focus on a card's button across a redraw (accounts-changed while someone tabs).
  const active = /** @type {HTMLElement | null} */ (document.activeElement);
  const activeCard = active && active.closest ? /** @type {HTMLElement | null} */ (active.closest("[data-account-id]")) : null;
  const keep = activeCard && list.contains(activeCard) ? { id: activeCard.dataset.accountId, action: active.dataset.action } : null;
  if ($$(".rename-form, .confirm", list).length) {
    // Someone is typing a name or confirming a forget: refresh cards in place.
    for (const account of accounts) updateAccount(account);
    for (const card of $$("[data-account-id]", list)) {
      if (!accounts.some((a) => a.id === card.dataset.accountId)) card.remove();
    }
    renderCheckAll();
    return null;
  }
  if (!accounts.length) {
    list.replaceChildren();
    list.hidden = true;
    empty.hidden = false;
    $("#home-lede").hidden = true;
    placeOnce($("#home-empty-actions"), addButton);
    renderCheckAll();
    return null;
  }

  empty.hidden = true;
  $("#home-lede").hidden = false;
  placeOnce($("#home-actions"), addButton);
  // The drawn cards by account, found once (not once per account: a hundred cards).
  const drawn = new Map($$("[data-account-id]", list).map((card) => [card.dataset.accountId, card]));
  /** @param {AccountView} account */
  const cardOf = (account) => cardNowOrAgain(account, drawn.get(account.id) || null);
  const ordered = needsAttentionFirst(accounts);
  const now = ordered.length > upTo ? ordered.slice(0, upTo) : ordered;
  placeCards(list, now.map(cardOf));
  list.hidden = false;
  renderCheckAll();
  if (keep) {
    const card = cardFor(keep.id);
    const again = card && (keep.action ? $(`[data-action="${keep.action}"]`, card) : null);
    if (again && again !== document.activeElement) focus(again);
  }
  showNewAccount();
  if (now === ordered) return null;
  const draw = draws;
  return () => {
    // Drawn again since (an accounts-changed), every card then: nothing is left to add.
    if (draw !== draws) return;
    list.append(...ordered.slice(now.length).map(cardOf));
  };
}

/**
 * Puts a node at the end of a parent unless it is there already (moving it would take its
 * focus away).
 * @param {HTMLElement} parent
 * @param {HTMLElement} node
 */
function placeOnce(parent, node) {
  if (node.parentElement !== parent) parent.append(node);
}

/**
 * The card for an account as it should look now: the drawn one when it would draw the same
 * (a redraw then leaves it, its focus and any click on its way alone), else a new one.
 * @param {AccountView} account
 * @param {HTMLElement|null} old its card as drawn, if it is
 * @returns {HTMLElement}
 */
function cardNowOrAgain(account, old) {
  const label = old && $(".account-label", old);
  const fresh = accountItem(account, label ? label.id : undefined);
  if (old && old.classList.contains("account-new")) markNew(fresh);
  return old && old.isEqualNode(fresh) ? old : fresh;
}

/**
 * Puts the cards in the list, touching only what changed: nothing when every card stays,
 * the changed cards alone when the order stays, else the whole list in one change.
 * @param {HTMLElement} list
 * @param {HTMLElement[]} cards
 */
function placeCards(list, cards) {
  const drawn = Array.from(list.children);
  const sameOrder = drawn.length === cards.length && cards.every((card, i) => card.dataset.accountId === /** @type {HTMLElement} */ (drawn[i]).dataset.accountId);
  if (!sameOrder) {
    list.replaceChildren(...cards);
    return;
  }
  cards.forEach((card, i) => {
    if (drawn[i] !== card) drawn[i].replaceWith(card);
  });
}

/** How soon an account needs a look: failing first, then limited, unknown, working. */
const ATTENTION = { failing: 0, needs_relink: 0, limited: 1, unknown: 2, ok: 3 };

/**
 * The accounts that need attention first (failing, then limited), each group in the book's
 * order, so trouble is found without scrolling.
 * @param {AccountView[]} accounts
 */
function needsAttentionFirst(accounts) {
  /** @param {AccountView} a */
  const rank = (a) => (own(ATTENTION, a.status) ? ATTENTION[/** @type {keyof typeof ATTENTION} */ (a.status)] : 2);
  return accounts.slice().sort((a, b) => rank(a) - rank(b));
}

/** The account just linked, once: marked, scrolled into view, its card focused. */
function showNewAccount() {
  const card = state.newAccountId ? cardFor(state.newAccountId) : null;
  if (!card) return;
  state.newAccountId = null;
  // One card is "just linked": the latest.
  for (const other of $$(".account-new", $("#accounts"))) {
    other.classList.remove("account-new");
    other.removeAttribute("tabindex");
  }
  markNew(card);
  focus(card);
}

/**
 * Marks the card of the account just linked (it keeps the mark across redraws).
 * @param {HTMLElement} card
 */
function markNew(card) {
  card.classList.add("account-new");
  card.setAttribute("tabindex", "-1");
}

/**
 * Keeps the list's copy of an account current and redraws its card (and the account view,
 * if it shows it) in place. Returns the card as it is now, if drawn.
 * @param {AccountView} view
 * @returns {HTMLElement | null}
 */
export function updateAccount(view) {
  const index = state.accounts.findIndex((a) => a.id === view.id);
  if (index >= 0) state.accounts[index] = view;
  else state.accounts.push(view);
  if (state.relinkAccount && state.relinkAccount.id === view.id) state.relinkAccount = view;
  if (detailShows(view.id)) loadedView("account").render(view);
  const old = cardFor(view.id);
  if (!old) return null;
  const fresh = cardNowOrAgain(view, old);
  if (fresh === old) return old;
  if ($(".rename-form, .confirm", old)) {
    // Someone is typing a name or confirming a forget here: refresh only the facts.
    patchCard(old, fresh);
    return old;
  }
  old.replaceWith(fresh);
  return fresh;
}

/**
 * The account is no longer linked (not_found, or gone from the list): show the list as it
 * is now, with focus on its heading, and say so when there is something to say.
 * @param {string} [sentence]
 */
export async function accountGone(sentence) {
  if (state.view === "home") {
    await loadAccounts();
    focus($("#home-title"));
  } else {
    await show();
  }
  if (sentence) announce(sentence);
}

// ---------------------------------------------------------------------------
// "Check all now" and the background checks.

/** The Check all button and the running line, as state.checksRunning says. */
export function renderCheckAll() {
  const button = $("#check-all");
  const running = state.checksRunning;
  button.hidden = state.accounts.length === 0;
  busy(button, running);
  $("#check-all-spinner").hidden = !running;
  $("#check-all-text").textContent = running ? t("home.checking_all") : t("home.check_all");
  $("#checks-running").textContent = running ? t("home.checks_running") : "";
}

/**
 * checks-running: every account is being checked (by "Check all" or the schedule), or not.
 * @param {boolean} running
 */
export function setChecksRunning(running) {
  const was = state.checksRunning;
  state.checksRunning = Boolean(running);
  renderCheckAll();
  if (was && !running && state.accountsLoaded) refreshAfterChange();
}

async function checkAll() {
  if (state.checksRunning) return;
  setChecksRunning(true);
  // Resolves when every account was checked; the UI keeps working meanwhile.
  try {
    await api.checkAllAccounts();
    setChecksRunning(false);
    announce(t("home.checked_all"));
  } catch (err) {
    setChecksRunning(false);
    announce(errorSentence(err));
  }
}

/** accounts-changed: redraw what shows accounts, without moving focus. */
export async function refreshAfterChange() {
  let accounts;
  try {
    accounts = await api.listAccounts();
  } catch {
    return;
  }
  // An account with a provider not yet known (linked from the command line, say) is drawn
  // in its provider's words at once.
  if (!knowsProvidersOf(accounts)) await tryLoadProviders();
  if (state.view === "home") {
    state.accountsLoaded = true;
    $("#home-loading").hidden = true;
    renderAccounts(accounts);
    // A run from the command line changes the use log, not the book: the cards' "used … by"
    // lines are asked again (after the cards, as at start-up).
    await loadLastUses();
    return;
  }
  state.accounts = accounts;
  if (state.view === "account") {
    const account = accounts.find((a) => a.id === state.detailId);
    if (account) {
      const detail = loadedView("account");
      detail.render(account);
      detail.loadHistory(account.id);
    } else {
      await accountGone(t("account.gone"));
    }
  }
}

/**
 * Redraws the cards of these accounts if the backend changed them (not while in use).
 * @param {string[]} ids
 */
export async function refreshCards(ids) {
  const stale = ids.filter((id) => {
    const card = cardFor(id);
    return card && card.dataset.status !== "needs_relink";
  });
  if (!stale.length) return;
  let accounts;
  try {
    accounts = await api.listAccounts();
  } catch {
    return;
  }
  for (const view of accounts.filter((a) => stale.includes(a.id))) {
    const card = cardFor(view.id);
    const inUse = card && (card.contains(document.activeElement) || $(".rename-form, .confirm", card) || state.checking.has(view.id));
    if (!inUse) updateAccount(view);
  }
}

/**
 * After a forget: a dismissible panel on home with the steps to revoke the key in the
 * provider. Resolves to its heading.
 * @param {AccountView} account
 * @param {string} title
 */
export async function showForgetRevoke(account, title) {
  await tryLoadProviders();
  const provider = providerFor(account);
  const providerName = account.provider_name || (provider && provider.name) || t("common.the_provider");
  const panel = revokeSteps({
    heading: t("revoke.forget_heading", { provider: providerName }),
    intro: t("revoke.forget_intro", { account: title, provider: providerName }),
    fact: hasText(account.fingerprint) ? [t("revoke.ends_in"), " ", el("code", { text: account.fingerprint }), "."] : null,
    steps: [revokeText(provider, providerName)],
    onDismiss: () => {
      panel.remove();
      focus($("#home-title"));
    },
  });
  $("#home-revoke").replaceChildren(panel);
  return $(".revoke-title", panel);
}

/** The language changed: the cards and Check all in the new one. */
export function reword() {
  if (state.accountsLoaded) renderAccounts(state.accounts);
  renderCheckAll();
}
