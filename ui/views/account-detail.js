// @ts-check
// One account: its facts, its permissions and its check history. Its Check now / Replace
// key / Forget are answered by account-actions.js, like the card's.

import * as api from "../api.js";
import { ago, ahead, formatDate, formatDateTime, formatNumber, isTimestamp, t } from "../i18n.js";
import { $, details, el, focus, showText } from "../lib/dom.js";
import { clearSecrets } from "../lib/fields.js";
import { providerFor, tryLoadProviders } from "../lib/providers.js";
import { renderCrumbs, showView } from "../lib/router.js";
import { state } from "../lib/state.js";
import { asList, hasText } from "../lib/values.js";
import { accountSentence, accountTitle, codeTitle, errorSentence, keyAgeText, statusInfo } from "../lib/wording.js";
import { actionButtons, couldntCheckNote, gotNoAnswer, setCheckButton, statusChips } from "./account-card.js";
import { accountGone, show as showHome, updateAccount } from "./accounts.js";
import { copiesSection } from "./copies.js";
import { loadAssistant } from "./assistant.js";
import { permissionSection } from "./permissions.js";
import { purposeOf } from "./purpose.js";

/** @typedef {import("../shapes.js").AccountView} AccountView */

export function mount() {
  $("#account-back").addEventListener("click", () => showHome());
}

/**
 * Shows one account (from its card's Details, or the tray's open-account).
 * @param {string} id
 */
export async function show(id) {
  clearSecrets();
  await tryLoadProviders();
  let account = state.accounts.find((a) => a.id === id);
  if (!account) {
    try {
      state.accounts = await api.listAccounts();
    } catch {
      // Shown below as "no longer linked".
    }
    account = state.accounts.find((a) => a.id === id);
  }
  if (!account) {
    await accountGone(t("account.gone"));
    return;
  }
  state.detailId = id;
  render(account);
  showView("account");
  await Promise.all([loadHistory(id), loadUse(id), loadAssistant(id)]);
}

/**
 * The account's recent use by scripts, and the lines to copy to use it from one.
 * @param {string} id
 */
export async function loadUse(id) {
  let use;
  try {
    use = await api.recentUse(id);
  } catch {
    // The check history says what is wrong with the account; this section just stays empty.
    return;
  }
  if (state.detailId !== id) return;
  const list = $("#use-runs");
  list.replaceChildren();
  for (const run of use.runs) {
    const parts = [t("use.run", { command: run.command, when: ago(run.started_at) })];
    if (run.mode === "env") parts.push(t("use.env_mode"));
    else parts.push(t("use.requests", { count: run.requests }));
    if (typeof run.last_status === "number") parts.push(t("use.last_status", { status: String(run.last_status) }));
    parts.push(typeof run.exit_status === "number" ? t("use.exit", { status: String(run.exit_status) }) : t("use.running"));
    list.append(el("li", { text: parts.join(" · ") }));
  }
  $("#use-empty").hidden = use.runs.length > 0;
  $("#use-run").textContent = use.example ? use.example.run : "";
  $("#use-curl").textContent = use.example ? use.example.curl : "";
}

/**
 * Draws the account's facts and buttons (keeping focus on the button that had it).
 * @param {AccountView} account
 */
export function render(account) {
  const provider = providerFor(account);
  $("#account-provider").textContent = account.provider_name || "";
  $("#account-title").textContent = accountTitle(account);
  const view = $('[data-view="account"]');
  view.dataset.accountId = account.id;
  view.dataset.status = hasText(account.status) ? account.status : "unknown";
  if (!state.checking.has(account.id)) $("#account-progress").replaceChildren();

  const actions = $("#account-actions");
  const buttons = actionButtons(account, { on: "detail" });
  const active = /** @type {HTMLElement} */ (document.activeElement);
  const hadFocus = actions.contains(active) ? active.dataset.action : null;
  actions.replaceChildren(...buttons);
  if (state.checking.has(account.id)) setCheckButton(buttons[0], true);
  if (hadFocus) focus($(`[data-action="${hadFocus}"]`, actions));

  const body = $("#account-body");
  body.replaceChildren();
  body.append(
    el(
      "div",
      { className: "card account-summary" },
      statusChips(account, "account-summary-head"),
      el("p", { className: "account-message", text: accountSentence(account) }),
      couldntCheckNote(account),
      details(account.message, account.last_code),
    ),
  );

  /** @type {HTMLElement[]} */
  const rows = [];
  /**
   * @param {string} term
   * @param {unknown} value
   * @param {boolean} [mono]
   */
  const addRow = (term, value, mono = false) => {
    if (value === undefined || value === null || value === "" || (typeof value === "string" && !value.trim())) return;
    const dd = el("dd");
    if (value instanceof Node) dd.append(value);
    else if (mono) dd.append(el("code", { text: value }));
    else dd.textContent = String(value);
    rows.push(el("div", { className: "detail-row" }, el("dt", { text: term }), dd));
  };
  addRow(t("detail.handle"), account.handle, true);
  addRow(t("detail.company"), account.company);
  if (typeof account.head_count === "number") addRow(t("detail.people"), account.head_count_more ? t("detail.people_more", { count: formatNumber(account.head_count) }) : formatNumber(account.head_count));
  addRow(t("detail.checked_as"), account.user);
  if (provider && asList(provider.purposes).length) addRow(t("detail.purpose"), purposeControl(account, provider));
  addRow(t("detail.key"), account.fingerprint, true);
  addRow(t("detail.key_age"), keyAgeText(account));
  if (isTimestamp(account.expires_at)) addRow(t("detail.expires"), formatDate(account.expires_at));
  const when = (/** @type {number} */ ts) => `${formatDateTime(ts)} (${ago(ts)})`;
  if (gotNoAnswer(account)) addRow(t("detail.last_check"), t("detail.no_answer", { when: when(account.checked_at) }));
  const providerName = account.provider_name || (provider && provider.name) || t("common.the_provider");
  addRow(t("detail.last_verified", { provider: providerName }), isTimestamp(account.verified_at) ? when(account.verified_at) : t("account.never_checked"));
  if (account.status !== "needs_relink" && isTimestamp(account.next_check_at)) addRow(t("detail.next_check"), `${formatDateTime(account.next_check_at)} (${ahead(account.next_check_at)})`);
  if (state.settings && typeof state.settings.rotation_reminder_days === "number") addRow(t("detail.rotation"), t("detail.rotation_every", { count: state.settings.rotation_reminder_days }));
  body.append(el("section", { className: "card result-section", attrs: { "aria-label": t("detail.facts") } }, el("dl", { className: "details" }, rows)));
  body.append(copiesSection(account));

  const permissions = permissionSection(account.permissions, account.provider_name || (provider && provider.name) || "", { provider, purpose: account.purpose });
  if (permissions) body.append(el("div", { className: "card" }, permissions));
  renderCrumbs();
}

/**
 * What the key is for, and a choice to hold it to another purpose: the key is checked again
 * at once, and the permissions below follow.
 * @param {AccountView} account
 * @param {import("../shapes.js").ProviderView} provider
 */
function purposeControl(account, provider) {
  const current = purposeOf(provider, hasText(account.purpose) ? account.purpose : "full");
  const select = el("select", { className: "text-input select-input purpose-select", attrs: { "aria-label": t("detail.purpose_change"), "data-action": "purpose" } });
  for (const purpose of asList(provider.purposes)) {
    const option = el("option", { text: purpose.label, attrs: { value: purpose.id } });
    /** @type {HTMLOptionElement} */ (option).selected = Boolean(current && purpose.id === current.id);
    select.append(option);
  }
  const note = el("span", { className: "inline-note", attrs: { role: "status" } });
  select.addEventListener("change", async () => {
    const id = /** @type {HTMLSelectElement} */ (select).value;
    note.className = "inline-note";
    note.textContent = t("detail.purpose_checking");
    try {
      updateAccount(await api.setAccountPurpose(account.id, id));
    } catch (err) {
      note.textContent = errorSentence(err);
      note.classList.add("inline-note-error");
    }
  });
  return el("span", { className: "purpose-control" }, select, note);
}

/**
 * The account's recent checks, newest first.
 * @param {string} id
 */
export async function loadHistory(id) {
  const loading = $("#history-loading");
  const errorNode = $("#history-error");
  const wrap = $("#history-wrap");
  const empty = $("#history-empty");
  loading.hidden = false;
  errorNode.hidden = true;
  let checks;
  try {
    checks = await api.listChecks(id);
  } catch (err) {
    loading.hidden = true;
    if (state.detailId !== id) return;
    showText(errorNode, errorSentence(err));
    wrap.hidden = true;
    empty.hidden = true;
    return;
  }
  loading.hidden = true;
  if (state.detailId !== id) return;
  const account = state.accounts.find((a) => a.id === id);
  const provider = providerFor(account);
  const rows = $("#history-rows");
  rows.replaceChildren();
  for (const check of checks) {
    const status = statusInfo(check.status);
    const missing = asList(check.missing);
    const reason = hasText(check.code) ? codeTitle(check.code, provider) : t("history.verified");
    rows.append(
      el(
        "tr",
        { attrs: { "data-code": check.code || "ok" } },
        el("td", {}, el("time", { text: formatDateTime(check.at), attrs: { datetime: isTimestamp(check.at) ? new Date(check.at * 1000).toISOString() : null } }), el("span", { className: "muted history-ago", text: ` (${ago(check.at)})` })),
        el("td", {}, el("span", { className: `chip chip-${status.tone}`, text: status.text }), " ", el("span", { text: reason })),
        el(
          "td",
          {},
          missing.length
            ? el("span", {}, t("history.missing"), " ", missing.map((name, i) => [i ? ", " : "", el("code", { text: name })]))
            : el("span", { className: "muted", text: asList(check.granted).length ? t("history.all_granted") : "—" }),
        ),
      ),
    );
  }
  wrap.hidden = checks.length === 0;
  empty.hidden = checks.length !== 0;
}
