// @ts-check
// An account as the window draws it: its card on home, and what the account view shares
// with the card (status chips, the "couldn't check" note, the action buttons, and the busy,
// progress and error lines of a check). Drawing only: what the buttons do is in
// account-actions.js, which listens on the list and on the account view.

import { ago, isTimestamp, t } from "../i18n.js";
import { $, $$, announce, busy, el, icon, showText, uid } from "../lib/dom.js";
import { providerFor } from "../lib/providers.js";
import { state } from "../lib/state.js";
import { timeNode } from "../lib/time.js";
import { hasText } from "../lib/values.js";
import { accountSentence, accountTitle, codeTitle, keyAgeText, statusInfo } from "../lib/wording.js";

/** @typedef {import("../shapes.js").AccountView} AccountView */

/**
 * The card of an account on home, if drawn (it stays drawn while another view shows).
 * @param {string} id
 * @returns {HTMLElement | null}
 */
export function cardFor(id) {
  return $$("#accounts [data-account-id]").find((node) => node.dataset.accountId === id) || null;
}

/**
 * The status chip.
 * @param {AccountView} account
 */
function statusChip(account) {
  const status = statusInfo(account.status);
  return el("span", { className: `chip chip-${status.tone} chip-status`, text: status.text });
}

/**
 * What the key's lifetime says, when it says something: "Expires in 12 days", "Dies if
 * unused for 30 days — last used 3 days ago" (core's coded state, worded here).
 * @param {AccountView} account
 * @returns {{text: string, tone: string} | null}
 */
export function lifeInfo(account) {
  const life = account.life;
  if (!life || typeof life !== "object") return null;
  if (life.state === "expires" && life.soon === true && typeof life.days_left === "number") {
    const n = life.days_left;
    if (n < 0) return { text: t("account.expired_days", { count: -n }), tone: "error" };
    return { text: n === 0 ? t("account.expires_today") : t("account.expires_in", { count: n }), tone: "attention" };
  }
  if (life.state === "dies_unused" && typeof life.days === "number") {
    const tone = life.soon === true ? "attention" : "neutral";
    if (!isTimestamp(life.last_used_at)) return { text: t("account.dies_unused_never", { days: life.days }), tone };
    return { text: t("account.dies_unused", { days: life.days, ago: ago(life.last_used_at) }), tone };
  }
  return null;
}

/**
 * The chips beside the status: sandbox, rotation due, expiry or life without use.
 * @param {AccountView} account
 */
export function extraChips(account) {
  const chips = [];
  if (account.sandbox === true) chips.push(el("span", { className: "chip chip-neutral chip-sandbox", text: t("account.sandbox") }));
  const life = lifeInfo(account);
  if (life) {
    chips.push(el("span", { className: `chip chip-${life.tone} chip-expiry`, text: life.text }));
  } else if (account.expiry_warning === true) {
    const past = isTimestamp(account.expires_at) && account.expires_at * 1000 <= Date.now();
    chips.push(el("span", { className: `chip ${past ? "chip-error" : "chip-attention"} chip-expiry`, text: past ? t("account.expired") : t("account.expires_soon") }));
  }
  if (account.rotation_due === true) chips.push(el("span", { className: "chip chip-neutral chip-rotation", text: t("account.rotation_due") }));
  return chips;
}

/**
 * The status and the chips beside it, in a box of `className`.
 * @param {AccountView} account
 * @param {string} className
 */
export function statusChips(account, className) {
  return el("div", { className }, statusChip(account), extraChips(account));
}

/**
 * A transient trouble that has not (yet) turned the status to "Couldn't check".
 * @param {AccountView} account
 */
export function couldntCheckNote(account) {
  const trouble = account.couldnt_check;
  if (!trouble || typeof trouble !== "object" || account.status === "unknown") return null;
  const note = el("p", { className: "account-note" }, icon("info", "icon note-icon"));
  const text = el("span", {
    text: t("account.trouble", { count: typeof trouble.attempts === "number" ? trouble.attempts : 1, reason: codeTitle(trouble.code, providerFor(account) || { name: account.provider_name }), provider: account.provider_name || "" }),
  });
  note.append(text);
  const retry = timeNode("retry", trouble.next_try_at);
  if (retry) note.append(" ", el("span", { text: t("account.retry_at") }), " ", retry);
  return note;
}

/**
 * Whether the account's last check got no answer from its provider (the backend keeps that
 * trouble on the account until a check gets one): its `checked_at` dates an attempt, not a
 * verdict on the key.
 * @param {AccountView} account
 */
export function gotNoAnswer(account) {
  return Boolean(account.couldnt_check && typeof account.couldnt_check === "object" && isTimestamp(account.checked_at));
}

/**
 * Key ending, key age, last and next check, separated by dots.
 * @param {AccountView} account
 */
function metaLine(account) {
  const parts = [];
  if (hasText(account.fingerprint)) {
    parts.push(el("span", { className: "fingerprint", attrs: { title: t("account.fingerprint_title") } }, t("account.key_ending"), " ", el("code", { text: account.fingerprint })));
  }
  const age = keyAgeText(account);
  if (age) parts.push(el("span", { className: "key-age", text: age }));
  if (gotNoAnswer(account)) {
    // Its last check got no answer: when it was tried, and when the provider last answered
    // ("checked just now" beside it read as if the key had just been confirmed).
    parts.push(timeNode("tried", account.checked_at));
    if (isTimestamp(account.verified_at)) parts.push(timeNode("answered", account.verified_at));
  } else {
    parts.push(timeNode("checked", isTimestamp(account.checked_at) ? account.checked_at : account.verified_at));
  }
  if (account.status !== "needs_relink") parts.push(timeNode("next", account.next_check_at));
  // Its latest use by `keystep run` or an AI assistant (list_last_uses, asked once the
  // cards are drawn): "used 3 h ago by sync.py", "used by Claude Desktop, 2 min ago".
  const used = state.lastUses.get(account.id);
  if (used) parts.push(timeNode(used.assistant ? "used_by_assistant" : "used", used.at, "", used.command));
  const meta = el("p", { className: "account-meta" });
  parts.filter(Boolean).forEach((part, index) => {
    if (index > 0) meta.append(el("span", { className: "meta-sep", text: "·", attrs: { "aria-hidden": "true" } }));
    meta.append(part);
  });
  return meta;
}

/**
 * An account's buttons, one set for both places: on a card (small; with Details and Rename;
 * each described by the card's heading) or on the account view. A key that no longer
 * works leads with a primary Relink / Replace key. Each carries data-action, which
 * account-actions.js answers.
 * @param {AccountView} account
 * @param {{on: "card", labelId: string} | {on: "detail"}} where
 * @returns {HTMLButtonElement[]}
 */
export function actionButtons(account, where) {
  const needsRelink = account.status === "needs_relink";
  const keyIsBad = needsRelink || account.status === "failing";
  const relinkText = needsRelink ? t("account.relink") : t("account.replace_key");
  if (where.on === "detail") {
    /** @type {(name: string, text: string, look: string) => HTMLButtonElement} */
    const button = (name, text, look) => el("button", { className: `btn ${look}`, text, attrs: { type: "button", "data-action": name } });
    return [button("check", t("account.check_now"), "btn-secondary"), button("relink", relinkText, keyIsBad ? "btn-primary" : "btn-secondary"), button("forget", t("account.forget"), "btn-secondary btn-forget")];
  }
  /** @type {(name: string, text: string, look: string) => HTMLButtonElement} */
  const button = (name, text, look) =>
    el("button", { className: `btn btn-small ${look}`, text, attrs: { type: "button", "data-action": name, "aria-describedby": where.labelId } });
  const relink = button("relink", relinkText, keyIsBad ? "btn-primary" : "btn-tool");
  const check = button("check", t("account.check_now"), "btn-tool");
  const rename = button("rename", t("account.rename"), "btn-tool");
  const details = button("details", t("account.details"), "btn-tool");
  const forget = button("forget", t("account.forget"), "btn-quiet btn-forget");
  forget.setAttribute("aria-expanded", "false");
  rename.setAttribute("aria-expanded", "false");
  return [...(keyIsBad ? [relink, check, details, rename] : [check, details, rename, relink]), forget];
}

/**
 * An account's card on home.
 * @param {AccountView} account
 * @param {string} [labelId] the id its title keeps (a redraw reuses the drawn card's, so an
 *   unchanged card draws identically and can stay in place)
 */
export function accountItem(account, labelId = uid("account-label")) {
  const title = accountTitle(account);
  const sentence = accountSentence(account);

  const progress = el("p", { className: "account-progress", attrs: { role: "status" } });
  const errorText = el("p", { className: "account-error", attrs: { role: "alert" } });
  errorText.hidden = true;

  const item = el(
    "li",
    { className: "account-card" },
    el(
      "div",
      { className: "account-row" },
      el(
        "div",
        { className: "account-main" },
        el(
          "p",
          { className: "account-provider" },
          account.provider_name,
          hasText(account.handle) ? el("code", { className: "account-handle", text: account.handle, attrs: { title: t("account.handle_title") } }) : null,
        ),
        el("h2", { className: "account-label", text: title, attrs: { id: labelId } }),
        sentence ? el("p", { className: "account-message", text: sentence }) : null,
        couldntCheckNote(account),
        metaLine(account),
      ),
      statusChips(account, "account-side"),
    ),
    progress,
    errorText,
    el("div", { className: "account-actions" }, actionButtons(account, { on: "card", labelId })),
  );
  item.dataset.accountId = account.id;
  item.dataset.status = hasText(account.status) ? account.status : "unknown";

  if (state.checking.has(account.id)) setChecking(placeOfCard(item), true, t("account.checking_with", { provider: account.provider_name }));
  return item;
}

/**
 * Refreshes only the facts of a card someone is typing in (a name, a forget to confirm).
 * @param {HTMLElement} card
 * @param {HTMLElement} fresh the card as accountItem would draw it now
 */
export function patchCard(card, fresh) {
  card.dataset.status = fresh.dataset.status;
  for (const part of [".account-side", ".account-meta", ".account-message", ".account-note"]) {
    const now = $(part, card);
    const next = $(part, fresh);
    if (now && next) now.replaceWith(next);
    else if (now) now.remove();
    else if (next) $(".account-main", card).append(next);
  }
}

// ---------------------------------------------------------------------------
// A check under way, and its errors, wherever the account shows.

/**
 * Where a check of an account shows: a card, or the account view.
 * @typedef {object} Place
 * @property {HTMLElement|null} card the card (busy as a whole), or null for the account view
 * @property {HTMLElement} progress its status line
 * @property {HTMLElement} error its error line
 * @property {HTMLElement|null} check its Check now button
 */

/**
 * @param {HTMLElement} card
 * @returns {Place}
 */
export function placeOfCard(card) {
  return { card, progress: $(".account-progress", card), error: $(".account-error", card), check: $('[data-action="check"]', card) };
}

/**
 * The account view's place (#account-progress, #account-error, its Check now).
 * @returns {Place}
 */
export function placeOfDetail() {
  return { card: null, progress: $("#account-progress"), error: $("#account-error"), check: $('#account-actions [data-action="check"]') };
}

/**
 * Whether the account view shows this account now.
 * @param {string} id
 */
export function detailShows(id) {
  return state.view === "account" && state.detailId === id;
}

/**
 * The Check now button while a check runs: "Checking…", and it keeps focus.
 * @param {HTMLElement | null} button
 * @param {boolean} on
 */
export function setCheckButton(button, on) {
  if (!button) return;
  busy(button, on);
  button.textContent = on ? t("account.checking") : t("account.check_now");
}

/**
 * A status line with a spinner.
 * @param {HTMLElement | null} node
 * @param {string} line
 */
export function setProgressLine(node, line) {
  if (!node) return;
  node.replaceChildren(el("span", { className: "spinner", attrs: { "aria-hidden": "true" } }), el("span", { text: line }));
}

/**
 * Shows a check of the account under way (with what runs), or over.
 * @param {Place} place
 * @param {boolean} on
 * @param {string} [line]
 */
export function setChecking(place, on, line = "") {
  if (place.card) {
    place.card.classList.toggle("is-busy", on);
    if (on) place.card.setAttribute("aria-busy", "true");
    else place.card.removeAttribute("aria-busy");
  }
  setCheckButton(place.check, on);
  if (on) {
    showText(place.error, "");
    setProgressLine(place.progress, line);
  } else {
    place.progress.replaceChildren();
  }
}

/**
 * Says what went wrong with an account's action where it shows: on the account view if it
 * shows the account, on its card, else aloud.
 * @param {string} id
 * @param {string} message
 */
export function showAccountError(id, message) {
  const card = cardFor(id);
  if (detailShows(id)) showText(placeOfDetail().error, message);
  if (!card) {
    announce(message);
    return;
  }
  showText(placeOfCard(card).error, message);
}
