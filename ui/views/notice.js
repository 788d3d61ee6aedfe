// @ts-check
// The notice on home after the start-up keychain check (reconcile_accounts): keys lost from
// the keychain, keychain items no account owns (orphans: restored as accounts when the
// account list was lost, or removed, one by one), a keychain
// that could not be listed (with Try again), and safe mode, when Keystep could not read its
// account list and changes nothing.

import * as api from "../api.js";
import { t } from "../i18n.js";
import { $, announce, busy, details, el, focus, isBusy, showText, uid } from "../lib/dom.js";
import { state } from "../lib/state.js";
import { hasText, pick } from "../lib/values.js";
import { codeNext, errorSentence } from "../lib/wording.js";
import { refreshAfterChange, refreshCards, renderAccounts } from "./accounts.js";

/** @typedef {import("../shapes.js").Orphan} Orphan */

export function mount() {
  $("#notice-dismiss").addEventListener("click", dismissNotice);
}

/** Matches the account list with the keychain (once per start, and on Try again). */
export async function runReconcile() {
  let result;
  try {
    result = await api.reconcileAccounts();
  } catch (err) {
    result = { needs_relink: [], orphans: [], problem: err, notice: null, safe_mode: null };
  }
  state.reconcile = {
    needs_relink: result.needs_relink.slice(),
    orphans: result.orphans.slice(),
    problem: result.problem,
    notice: result.notice,
    safeMode: result.safe_mode || null,
  };
  // Safe mode: the account list could not be read, so every action that changes something
  // is hidden (the backend refuses them too, with read_only).
  document.body.classList.toggle("read-only", Boolean(state.reconcile.safeMode));
  renderNotice();
  if (state.reconcile.safeMode) renderAccounts(state.accounts);
  if (result.needs_relink.length) await refreshCards(result.needs_relink);
}

/** Draws the notice from state.reconcile (hidden when there is nothing to say). */
export function renderNotice() {
  const box = $("#notice");
  const content = $("#notice-content");
  content.replaceChildren();
  const found = state.reconcile;
  if (!found) {
    box.hidden = true;
    return;
  }
  if (found.safeMode) content.append(safeModeBlock(found.safeMode));
  if (found.notice) content.append(startNoticeBlock(found.notice));

  const lost = found.needs_relink.length;
  if (lost) content.append(el("p", { className: "notice-text", text: t("notice.lost", { count: lost }) }));
  if (found.orphans.length) content.append(orphanBlock(found.orphans));
  if (found.problem) {
    const retry = el("button", { className: "btn btn-secondary btn-small", text: t("common.try_again"), attrs: { type: "button", id: "notice-retry" } });
    retry.addEventListener("click", async () => {
      if (isBusy(retry)) return;
      busy(retry, true);
      retry.textContent = t("account.checking");
      await runReconcile();
      if (!box.hidden) {
        focus($("#notice-retry") || $("#notice-title"));
      } else {
        announce(t("notice.all_match"));
        focus($("#home-title"));
      }
    });
    content.append(
      el(
        "div",
        { className: "notice-problem" },
        el("p", { className: "notice-text", text: `${errorSentence(found.problem)} ${codeNext(found.problem.code)}` }),
        // Try again before Details: opening Details grows the banner below the button.
        retry,
        details(found.problem.message, found.problem.code),
      ),
    );
  }
  box.dataset.tone = found.safeMode || found.problem || lost || found.orphans.length ? "attention" : "info";
  box.hidden = content.childElementCount === 0;
  // Safe mode stays on screen for as long as it lasts.
  $("#notice-dismiss").hidden = Boolean(found.safeMode);
}

const START_NOTICE = { recovered: "notice.recovered", none_rebuilt: "notice.none_rebuilt", rebuild_failed: "notice.rebuild_failed" };

/**
 * What start-up did to a damaged account list, worded from its code; the system's words in Details.
 * @param {import("../shapes.js").StartNotice} notice
 */
function startNoticeBlock(notice) {
  const key = pick(START_NOTICE, notice.code) || "notice.rebuild_failed";
  return el(
    "div",
    { className: "notice-start", attrs: { "data-code": String(notice.code) } },
    el("p", { className: "notice-text", text: t(key, { kept_as: notice.kept_as, count: notice.rebuilt }) }),
    details(notice.detail, null),
  );
}

const SAFE_REASON = { too_new: "safe.too_new", unreadable: "safe.unreadable", damaged: "safe.damaged" };

/**
 * Why Keystep is read-only, and what the accounts shown are.
 * @param {import("../shapes.js").SafeMode} safe
 */
function safeModeBlock(safe) {
  const why = pick(SAFE_REASON, safe.reason) || "safe.unreadable";
  return el(
    "div",
    { className: "notice-safe", attrs: { id: "safe-mode", "data-reason": String(safe.reason) } },
    el("p", { className: "notice-text notice-strong", text: t("safe.title") }),
    el("p", { className: "notice-text", text: t(why) }),
    el("p", { className: "notice-text", text: t(safe.rebuilt ? "safe.rebuilt" : "safe.not_rebuilt") }),
    details(safe.detail, "read_only"),
  );
}

/** @param {Orphan[]} orphans */
function orphanBlock(orphans) {
  const introId = uid("orphans-intro");
  const list = el("ul", { className: "orphans", attrs: { id: "orphans", role: "list", "aria-labelledby": introId } });
  for (const orphan of orphans) list.append(orphanItem(orphan));
  return el(
    "div",
    { className: "notice-orphans" },
    el("p", { className: "notice-text", text: t("notice.orphans", { count: orphans.length }), attrs: { id: introId } }),
    list,
    el("p", { className: "notice-hint", text: t("notice.orphans_hint") }),
  );
}

/**
 * One leftover item: Restore makes it an account again (the account list was lost, the key
 * kept), Remove deletes the keychain item. Either way the row goes.
 * @param {Orphan} orphan
 */
function orphanItem(orphan) {
  const labelId = uid("orphan-label");
  const label = hasText(orphan.label) ? orphan.label : t("notice.orphan_unnamed");
  /** @type {(action: string, text: string) => HTMLButtonElement} */
  const button = (action, text) => el("button", { className: "btn btn-secondary btn-small", text, attrs: { type: "button", "data-action": action, "aria-describedby": labelId } });
  const restore = button("restore-orphan", t("notice.restore_orphan"));
  const remove = button("remove-orphan", t("notice.remove_orphan"));
  const errorText = el("p", { className: "orphan-error", attrs: { role: "alert" } });
  errorText.hidden = true;
  const item = el("li", { className: "orphan" }, el("span", { className: "orphan-label", text: label, attrs: { id: labelId } }), el("span", { className: "orphan-actions" }, restore, remove), errorText);
  item.dataset.orphanId = orphan.account;
  /**
   * @param {HTMLButtonElement} pressed
   * @param {() => Promise<unknown>} act
   * @param {string} said
   * @returns {Promise<unknown>} what `act` gave, or undefined when it failed
   */
  const settle = async (pressed, act, said) => {
    if (isBusy(restore) || isBusy(remove)) return;
    busy(pressed, true);
    errorText.hidden = true;
    let done;
    try {
      done = await act();
    } catch (err) {
      busy(pressed, false);
      showText(errorText, errorSentence(err));
      focus(pressed);
      return;
    }
    announce(said);
    const found = state.reconcile;
    found.orphans = found.orphans.filter((o) => o.account !== orphan.account);
    const next = item.nextElementSibling || item.previousElementSibling;
    if (next) item.remove();
    else renderNotice();
    if (next) focus($("button", next));
    else focus($("#notice").hidden ? $("#home-title") : $("#notice-title"));
    return done;
  };
  restore.addEventListener("click", async () => {
    const account = /** @type {import("../shapes.js").AccountView | undefined} */ (await settle(restore, () => api.restoreOrphan(orphan.account), t("notice.orphan_restored", { label })));
    if (!account || typeof account !== "object") return;
    // Where the focus went, found again after the list is drawn anew.
    const next = /** @type {HTMLElement | null} */ (document.activeElement && document.activeElement.closest("[data-orphan-id]"));
    const nextId = next ? next.dataset.orphanId : null;
    // Back in the list, then checked at once: its details come from the provider again.
    const refocus = () => {
      const again = nextId ? $(`[data-orphan-id="${nextId}"] button`) : null;
      if (again && document.activeElement !== again) focus(again);
    };
    await refreshAfterChange();
    refocus();
    if (account.status === "unknown") {
      await api.checkAccount(account.id).catch(() => /** @type {null} */ (null));
      await refreshCards([account.id]);
      refocus();
    }
  });
  remove.addEventListener("click", () => {
    settle(remove, () => api.removeOrphan(orphan.account), t("notice.orphan_removed", { label }));
  });
  return item;
}

function dismissNotice() {
  $("#notice").hidden = true;
  focus($("#home-title"));
}
