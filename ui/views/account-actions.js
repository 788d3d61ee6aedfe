// @ts-check
// What an account's buttons do, on its card and on the account view alike: Check now,
// Replace key (Relink), Forget, and on the card Rename and Details. One Check now, with its
// busy state, progress lines and errors wherever the account shows (account-card.js draws
// them). Listens on the list and on the account view's action bar, so buttons drawn later
// need no listener of their own.

import * as api from "../api.js";
import { t } from "../i18n.js";
import { $, announce, busy, el, focus, revealBelowHeader, showText, uid } from "../lib/dom.js";
import { providerFor } from "../lib/providers.js";
import { go, loadedView } from "../lib/router.js";
import { state } from "../lib/state.js";
import { asList, hasText } from "../lib/values.js";
import { accountSentence, accountTitle, codeSentence, errorSentence, progressText, statusInfo } from "../lib/wording.js";
import { cardFor, detailShows, placeOfCard, placeOfDetail, setChecking, setProgressLine, showAccountError } from "./account-card.js";
import { accountGone, loadAccounts, show as showHome, showForgetRevoke, updateAccount } from "./accounts.js";

/** @typedef {import("../shapes.js").AccountView} AccountView */

/** Answers the buttons of every card (#accounts) and of the account view (#account-actions). */
export function mount() {
  $("#accounts").addEventListener("click", (event) => {
    const button = /** @type {HTMLElement | null} */ (/** @type {Element} */ (event.target).closest(".account-actions > [data-action]"));
    const card = button && /** @type {HTMLElement} */ (button.closest("[data-account-id]"));
    const account = card && state.accounts.find((a) => a.id === card.dataset.accountId);
    if (!account) return;
    switch (button.dataset.action) {
      case "check":
        return checkNow(account);
      case "details":
        return go("account", (detail) => detail.show(account.id));
      case "rename":
        return openRename(account, card, button);
      case "relink":
        return replaceKey(account, button);
      case "forget":
        return openForgetConfirm(card, account, accountTitle(account), button);
    }
  });
  $("#account-actions").addEventListener("click", async (event) => {
    const button = /** @type {HTMLElement | null} */ (/** @type {Element} */ (event.target).closest("[data-action]"));
    const account = button && state.accounts.find((a) => a.id === state.detailId);
    if (!account) return;
    switch (button.dataset.action) {
      case "check":
        return checkNow(account);
      case "relink":
        return replaceKey(account, button);
      case "forget": {
        // Forgetting is confirmed on the card, where the list shows what remains.
        await showHome({ focus: false });
        const card = cardFor(account.id);
        if (card) $('[data-action="forget"]', card).click();
        return;
      }
    }
  });
}

/**
 * The guide and form for a new key of this account (errors show where the account shows).
 * @param {AccountView} account
 * @param {HTMLElement} from the button that asked
 */
function replaceKey(account, from) {
  return go("guide", (guide) => guide.showRelink(account, { from }));
}

/**
 * Checks an account's stored key again, showing it busy (with the provider's progress
 * lines) on its card and on the account view, then the outcome.
 * @param {AccountView} account
 */
async function checkNow(account) {
  if (state.checking.has(account.id)) return;
  state.checking.add(account.id);
  const line = t("account.checking_with", { provider: account.provider_name });
  const card = cardFor(account.id);
  if (card) setChecking(placeOfCard(card), true, line);
  if (detailShows(account.id)) setChecking(placeOfDetail(), true, line);
  const provider = providerFor(account);

  // Progress events carry no account id: show them only while one check runs.
  const stopProgress = await api.onLinkProgress((payload) => {
    if (state.checking.size !== 1 || !state.checking.has(account.id)) return;
    const text = progressText(provider, payload);
    if (!text) return;
    const current = cardFor(account.id);
    if (current) setProgressLine(placeOfCard(current).progress, text);
    if (detailShows(account.id)) setProgressLine(placeOfDetail().progress, text);
  });
  let view = null;
  let error = null;
  try {
    view = await api.checkAccount(account.id);
  } catch (err) {
    error = err;
  } finally {
    stopProgress();
    state.checking.delete(account.id);
  }

  const current = cardFor(account.id);
  const active = document.activeElement;
  const hadFocus = Boolean(current && current.contains(active)) || !active || active === document.body;
  if (detailShows(account.id)) setChecking(placeOfDetail(), false);
  if (view) {
    const fresh = updateAccount(view);
    if (fresh && fresh === current) setChecking(placeOfCard(fresh), false); // patched, not replaced
    else if (fresh && hadFocus && state.view === "home") focus($('[data-action="check"]', fresh));
    if (detailShows(view.id)) {
      focus($('#account-actions [data-action="check"]'));
      loadedView("account").loadHistory(view.id);
    }
    const status = statusInfo(view.status);
    announce(`${t("common.label_text", { label: accountTitle(view), text: status.text })}. ${accountSentence(view)}`);
    return;
  }
  if (error.code === "not_found") {
    await accountGone(codeSentence("not_found"));
    return;
  }
  if (current) setChecking(placeOfCard(current), false);
  showAccountError(account.id, errorSentence(error, provider));
}

// ---------------------------------------------------------------------------
// On the card: Rename and Forget open a small panel in place.

/**
 * @param {AccountView} account
 * @param {HTMLElement} item the card
 * @param {HTMLElement} renameButton
 */
function openRename(account, item, renameButton) {
  const existing = $(".rename-form", item);
  if (existing) {
    focus($("input", existing));
    return;
  }
  const heading = $(".account-label", item);
  const title = accountTitle(account);
  const inputId = uid("rename");
  const hintId = `${inputId}-hint`;
  const errorId = `${inputId}-error`;

  const input = el("input", {
    className: "text-input rename-input",
    attrs: { id: inputId, name: "label", type: "text", autocomplete: "off", spellcheck: "false", "aria-describedby": hintId },
  });
  input.value = hasText(account.label) ? account.label : title;
  const save = el("button", { className: "btn btn-primary btn-small", text: t("rename.save"), attrs: { type: "submit" } });
  const cancel = el("button", { className: "btn btn-secondary btn-small", text: t("common.cancel"), attrs: { type: "button" } });
  const errorNode = el("p", { className: "field-error", attrs: { id: errorId } });
  errorNode.hidden = true;
  const form = el(
    "form",
    { className: "rename-form", attrs: { novalidate: true, "aria-label": t("rename.form", { account: title }) } },
    el("label", { className: "field-label rename-label", text: t("rename.label"), attrs: { for: inputId } }),
    el("div", { className: "rename-row" }, input, save, cancel),
    errorNode,
    el("p", { className: "field-help", text: t("rename.hint"), attrs: { id: hintId } }),
  );

  let working = false;
  const close = () => {
    form.remove();
    heading.hidden = false;
    renameButton.setAttribute("aria-expanded", "false");
    focus(renameButton);
  };
  /** @param {string} message */
  const showError = (message) => {
    showText(errorNode, message);
    input.setAttribute("aria-invalid", "true");
    input.setAttribute("aria-describedby", `${errorId} ${hintId}`);
  };

  cancel.addEventListener("click", () => {
    if (!working) close();
  });
  form.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && !working) {
      event.preventDefault();
      event.stopPropagation();
      close();
    }
  });
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (working) return;
    working = true;
    errorNode.hidden = true;
    input.removeAttribute("aria-invalid");
    input.setAttribute("aria-describedby", hintId);
    input.readOnly = true;
    busy(save, true);
    form.setAttribute("aria-busy", "true");
    try {
      const view = await api.renameAccount(account.id, input.value);
      form.remove();
      const fresh = updateAccount(view);
      announce(t("rename.done", { account: accountTitle(view) }));
      if (fresh) focus($('[data-action="rename"]', fresh));
      else close();
    } catch (err) {
      working = false;
      input.readOnly = false;
      busy(save, false);
      form.removeAttribute("aria-busy");
      if (err.code === "not_found") {
        await accountGone(codeSentence("not_found"));
        return;
      }
      showError(err.code === "invalid_input" ? t("rename.invalid") : errorSentence(err));
      focus(input);
      input.select();
    }
  });

  heading.hidden = true;
  heading.after(form);
  renameButton.setAttribute("aria-expanded", "true");
  focus(input);
  input.select();
}

/**
 * Forget's question about each copy: one box per copy, unticked (nothing is deleted unless
 * asked). Returns the boxes' group, and a function giving the targets ticked.
 * @param {AccountView} account
 * @returns {{node: HTMLElement | null, chosen: () => string[]}}
 */
function forgetCopiesQuestion(account) {
  const copies = asList(account.copies);
  if (!copies.length) return { node: null, chosen: () => [] };
  /** @type {HTMLInputElement[]} */
  const boxes = [];
  const group = el("fieldset", { className: "forget-copies" }, el("legend", { text: t("forget.copies_question") }));
  for (const copy of copies) {
    const id = uid("forget-copy");
    const box = /** @type {HTMLInputElement} */ (el("input", { attrs: { type: "checkbox", id, value: copy.target, "data-copy": copy.target } }));
    boxes.push(box);
    group.append(el("div", { className: "check-row" }, box, el("label", { attrs: { for: id } }, t("forget.copy_delete"), " ", el("code", { text: copy.target }))));
  }
  group.append(el("p", { className: "muted", text: t("forget.copies_kept") }));
  return { node: group, chosen: () => boxes.filter((b) => b.checked).map((b) => b.value) };
}

/**
 * @param {HTMLElement} item the card
 * @param {AccountView} account
 * @param {string} title
 * @param {HTMLElement} forgetButton
 */
function openForgetConfirm(item, account, title, forgetButton) {
  const existing = $(".confirm", item);
  if (existing) {
    focus($("button", existing));
    return;
  }
  const questionId = uid("confirm-q");
  const cancel = el("button", { className: "btn btn-secondary btn-small", text: t("common.cancel"), attrs: { type: "button" } });
  const confirm = el("button", { className: "btn btn-danger btn-small", text: t("forget.confirm"), attrs: { type: "button", "data-action": "confirm-forget" } });
  const errorText = el("p", { className: "confirm-error", attrs: { role: "alert" } });
  errorText.hidden = true;
  const providerName = account.provider_name || t("common.the_provider");
  const copies = forgetCopiesQuestion(account);

  const panel = el(
    "div",
    { className: "confirm", attrs: { role: "group", "aria-labelledby": questionId } },
    el("p", { className: "confirm-question", text: t("forget.question", { account: title }), attrs: { id: questionId } }),
    el("p", { className: "confirm-detail", text: t("forget.detail", { provider: providerName }) }),
    copies.node,
    errorText,
    el("div", { className: "actions" }, cancel, confirm),
  );

  const close = () => {
    panel.remove();
    forgetButton.setAttribute("aria-expanded", "false");
    focus(forgetButton);
  };

  cancel.addEventListener("click", close);
  panel.addEventListener("keydown", (event) => {
    if (event.key === "Escape") {
      event.preventDefault();
      close();
    }
  });
  confirm.addEventListener("click", async () => {
    cancel.disabled = true;
    confirm.disabled = true;
    errorText.hidden = true;
    try {
      await api.forgetAccount(account.id, copies.chosen());
      announce(t("forget.done", { account: title }));
      await loadAccounts();
      const panelTitle = await showForgetRevoke(account, title);
      if (panelTitle) {
        // The whole panel in view, its heading clear of the header, then the focus on it.
        const panel = panelTitle.closest("section");
        if (panel) revealBelowHeader(panel, "start");
        panelTitle.focus({ preventScroll: true });
      } else {
        focus($("#home-title"));
      }
    } catch (err) {
      if (err.code === "not_found") {
        // Already gone: show the list as it is now.
        await accountGone();
        return;
      }
      showText(errorText, errorSentence(err));
      cancel.disabled = false;
      confirm.disabled = false;
      focus(cancel);
    }
  });

  forgetButton.setAttribute("aria-expanded", "true");
  item.append(panel);
  focus(cancel);
}
