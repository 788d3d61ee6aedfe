// @ts-check
// The outcome of a link or a key replacement: success (with the account's facts, its
// permissions and where the key is kept), a replaced key (with the steps to revoke the old
// one), or a failure worded from its code, with the step of the guide that fits it, Try
// again, Link anyway (missing permissions) or Replace the key of the account already linked.

import * as api from "../api.js";
import { formatNumber, retryPhrase, t } from "../i18n.js";
import { $, announce, details, el, icon } from "../lib/dom.js";
import { addressOf, cleanedValue, markFieldError } from "../lib/fields.js";
import { go, showView } from "../lib/router.js";
import { state } from "../lib/state.js";
import { asList, hasText, own, pick } from "../lib/values.js";
import { NOT_STORED, accountTitle, codeSentence, codeTitle, context, copyStepIndex, errorSentence, fieldOf, isKnownCode, notesByField, notesSentence, outcomeNext, outcomeSentence, revokeText, statusInfo, successLine } from "../lib/wording.js";
import { accountGone, show as showHome, updateAccount } from "./accounts.js";
import { renderChecklist } from "./checklist.js";
import { permissionSection } from "./permissions.js";
import { revokeSteps } from "./revoke.js";

/**
 * @typedef {import("../shapes.js").AccountView} AccountView
 * @typedef {import("../shapes.js").ProviderView} ProviderView
 * @typedef {import("../shapes.js").FieldView} FieldView
 */


export function mount() {
  $("#done").addEventListener("click", () => showHome());
  $("#result-cancel").addEventListener("click", () => showHome());
  $("#retry").addEventListener("click", () => go("guide", (guide) => guide.retry()));
  $("#link-anyway").addEventListener("click", linkAnyway);
  $("#result-show-step").addEventListener("click", () => go("guide", (guide) => guide.showStep(Number($("#result-show-step").dataset.step || "0"))));
  $("#relink-existing").addEventListener("click", relinkExisting);
}

/**
 * @param {"link"|"relink"} [mode]
 */
function resetResult(mode = "link") {
  const result = $("#result");
  result.dataset.state = "";
  delete result.dataset.code;
  result.dataset.mode = mode;
  $('[data-view="result"]').dataset.mode = mode;
  result.className = "result";
  $("#result-body").replaceChildren();
  $("#result-icon").textContent = "";
  for (const id of ["#retry", "#done", "#result-cancel", "#relink-existing", "#result-show-step", "#link-anyway"]) $(id).hidden = true;
  delete $("#result-show-step").dataset.step;
  // What "Link anyway" links lives no longer than the result that offers it.
  state.linkAnyway = null;
}

// ---------------------------------------------------------------------------
// Failure.

/**
 * @param {ProviderView} provider
 * @param {any} error a KeystepError (code, message, missing, retry_after_secs, field, account_id)
 * @param {AccountView|null} [relinkAccount] set in relink mode
 * @param {Record<string, string>} [sent] the values sent (non-secret ones fill the sentences)
 */
export function showFailure(provider, error, relinkAccount = null, sent = {}) {
  state.lastError = error;
  state.lastSummary = null;
  resetResult(relinkAccount ? "relink" : "link");
  const code = error && isKnownCode(error.code) ? error.code : "internal";
  const result = $("#result");
  result.dataset.state = "error";
  result.dataset.code = code;
  const existingId = code === "already_linked" && hasText(error.account_id) ? error.account_id : null;
  // A duplicate is a detour, not a failure: amber, not red.
  result.classList.add(existingId ? "result-attention" : "result-error");

  $("#result-icon").textContent = "!";
  $("#result-icon").dataset.tone = existingId ? "attention" : "error";
  const notStored = NOT_STORED.has(code);
  const title = notStored ? t("result.not_stored_title") : codeTitle(code, provider, error);
  $("#result-title").textContent = relinkAccount && !existingId && !notStored ? t("result.not_replaced") : title;
  // Non-secret values typed (or stored) fill the provider's {subdomain}-style placeholders.
  /** @type {Record<string, string>} */
  const publicFields = {};
  for (const field of asList(provider.fields)) {
    if (field.secret === true) continue;
    const value = own(sent, field.key) && hasText(sent[field.key]) ? sent[field.key] : relinkAccount && relinkAccount.fields && relinkAccount.fields[field.key];
    if (hasText(value)) publicFields[field.key] = cleanedValue(field, value);
  }
  const missing = asList(error.missing);
  $("#result-message").textContent = outcomeSentence(provider, code, { missing, retry_after_secs: error.retry_after_secs, fields: publicFields });

  const body = $("#result-body");
  if (notStored) {
    body.append(el("p", { className: "result-hint", attrs: { id: "not-stored" }, text: t(code === "storage_failed" ? "result.not_stored_disk" : "result.not_stored_keychain", { provider: provider.name }) }));
    body.append(el("p", { className: "result-hint", text: t("result.form_kept") }));
  }
  if (relinkAccount && !existingId) body.append(el("p", { className: "result-hint", text: t("result.keeps_key", { account: accountTitle(relinkAccount) }) }));
  if (code === "missing_permission" && missing.length) {
    body.append(renderChecklist(missing, t("result.add_permissions", { provider: provider.name }), { className: "missing-list", mark: "cross" }));
    // The backend holds the verified key under this id; the window keeps no key.
    if (!relinkAccount && hasText(error.pending)) {
      body.append(el("p", { className: "result-hint", text: t("result.limited_hint") }));
      state.linkAnyway = { provider, pending: error.pending };
      $("#link-anyway").hidden = false;
    }
  }
  if (code === "rate_limited" || code === "blocked") {
    if (typeof error.retry_after_secs === "number" && error.retry_after_secs > 0) body.append(el("p", { className: "result-hint", text: t("result.wait", { when: retryPhrase(error.retry_after_secs) }) }));
  }
  // The form keeps non-secret values; point at the field the backend named.
  if (code === "invalid_input" && hasText(error.field)) {
    const input = markFieldError(error.field, t("error.invalid_input.text"));
    const field = fieldOf(provider, error.field);
    if (input) body.append(el("p", { className: "result-hint", text: t("result.check_field", { label: field ? field.label : error.field }) }));
  }
  for (const address of addressesUsed(provider, sent)) body.append(el("p", { className: "result-hint", text: t("result.address_tried", { address }) }));
  body.append(el("p", { className: "result-next" }, el("strong", { text: t("result.next") }), " ", outcomeNext(provider, code, context(provider, error))));
  if (existingId) body.append(el("p", { className: "result-hint", text: t("result.cleared") }));

  const stepIndex = relevantStep(provider, code, missing);
  state.currentStep = stepIndex >= 0 ? stepIndex : state.currentStep;
  if (stepIndex >= 0) {
    const step = asList(provider.steps)[stepIndex];
    const show = $("#result-show-step");
    show.textContent = t("result.show_step", { n: stepIndex + 1, title: step.title });
    show.dataset.step = String(stepIndex);
    show.hidden = false;
  }
  body.append(details(error.message, code));

  $("#result-cancel").hidden = false;
  if (existingId) offerRelinkExisting(existingId);
  else $("#retry").hidden = false;
  // The page opens at its top, the focus on its heading: focusing the primary action, at
  // the bottom of a long result, scrolled the headline out of an 800×600 window. The
  // actions follow in Tab order; the title and message are announced below.
  showView("result");
  announce(`${$("#result-title").textContent} ${$("#result-message").textContent}`);
}

/**
 * The guide step to look at again after a failure, if one fits the code.
 * @param {ProviderView} provider
 * @param {string} code
 * @param {string[]} missing
 */
function relevantStep(provider, code, missing) {
  const steps = asList(provider && provider.steps);
  if (!steps.length) return -1;
  if (code === "missing_permission") {
    const byName = steps.findIndex((s) => asList(s.checklist).some((name) => missing.includes(name)));
    if (byName >= 0) return byName;
    return steps.findIndex((s) => asList(s.checklist).length > 0);
  }
  // A refused key: the step where it was copied (the provider file says which), not the
  // last step with a warning, which for a provider with a later warning was another step.
  if (code === "bad_credentials") {
    const copy = copyStepIndex(provider);
    return copy >= 0 ? copy : steps.length - 1;
  }
  if (code === "wrong_tenant") return 0;
  return -1;
}

/**
 * The addresses a subdomain field made of the values sent (acme.example.com), so
 * the person sees which company Keystep talked to.
 * @param {ProviderView} provider
 * @param {Record<string, string> | undefined} values
 * @returns {string[]}
 */
function addressesUsed(provider, values) {
  if (!values) return [];
  return asList(provider.fields)
    .filter((field) => field.secret !== true && own(values, field.key) && hasText(values[field.key]))
    .map((field) => addressOf(field, values[field.key]))
    .filter(hasText);
}

/**
 * already_linked: the primary action replaces the key of the account that exists.
 * @param {string} accountId
 */
function offerRelinkExisting(accountId) {
  const button = $("#relink-existing");
  button.dataset.accountId = accountId;
  /** @param {AccountView | undefined} account */
  const label = (account) => (account ? t("result.replace_existing", { account: accountTitle(account) }) : t("result.replace_existing_unnamed"));
  button.textContent = label(state.accounts.find((a) => a.id === accountId));
  button.hidden = false;
  if (!state.accounts.some((a) => a.id === accountId)) {
    api
      .listAccounts()
      .then((accounts) => {
        state.accounts = accounts;
        if (button.dataset.accountId === accountId) button.textContent = label(accounts.find((a) => a.id === accountId));
      })
      .catch(() => {});
  }
}

async function relinkExisting() {
  const id = $("#relink-existing").dataset.accountId;
  let account = state.accounts.find((a) => a.id === id);
  if (!account) {
    try {
      state.accounts = await api.listAccounts();
    } catch (err) {
      announce(errorSentence(err));
      return;
    }
    account = state.accounts.find((a) => a.id === id);
  }
  if (!account) {
    // Forgotten meanwhile: nothing to replace; the list shows what there is.
    await accountGone(t("account.gone"));
    return;
  }
  await go("guide", (guide) => guide.showRelink(account, { pasteAgain: true }));
}

/**
 * "Link anyway": links the key the backend verified and holds, accepting what it lacks;
 * only its id goes out. Held no longer (ten minutes, once): back to the form to paste it.
 */
async function linkAnyway() {
  const held = state.linkAnyway;
  state.linkAnyway = null;
  if (!held) return;
  $("#link-anyway").hidden = true;
  try {
    const summary = await api.linkPending(held.pending);
    showSuccess(held.provider, summary || {}, new Map());
  } catch (err) {
    if (err && err.code === "not_found") await go("guide", (guide) => guide.pasteAgain());
    else showFailure(held.provider, err, null, {});
  }
}

// ---------------------------------------------------------------------------
// Success.

/**
 * The start every success result shares: state, the result frame and its icon.
 * @param {"link"|"relink"} mode
 * @param {ProviderView} provider
 * @param {Partial<AccountView>} summary
 */
function beginSuccess(mode, provider, summary) {
  state.lastSummary = /** @type {AccountView} */ (summary);
  state.lastError = null;
  state.freshForm = true; // the next visit to a guide starts with an empty form
  resetResult(mode);
  const result = $("#result");
  result.dataset.state = "success";
  result.classList.add("result-success");
  const status = statusInfo(summary.status);
  $("#result-icon").textContent = status.tone === "ok" ? "✓" : "!";
  $("#result-icon").dataset.tone = status.tone;
  return summary.provider_name || provider.name;
}

/**
 * Notes from preview_fields, one line per field; the link's own (the same codes) otherwise.
 * @param {ProviderView} provider
 * @param {Map<string, string[]>} notes
 * @param {Partial<AccountView>} summary
 */
function noteLines(provider, notes, summary) {
  const byField = notes && notes.size ? notes : notesByField(summary);
  return Array.from(byField.entries())
    .map(([key, changes]) => {
      const field = fieldOf(provider, key);
      const sentence = notesSentence(provider, key, changes);
      return sentence ? t("common.label_text", { label: field ? field.label : key, text: sentence }) : "";
    })
    .filter(Boolean);
}

/** Where a key is kept, by the store's code. */
const STORE = { secret_service: "store.secret_service", macos_keychain: "store.macos_keychain", windows_credentials: "store.windows_credentials", memory: "store.memory" };

/**
 * A new account is linked.
 * @param {ProviderView} provider
 * @param {Partial<AccountView>} summary
 * @param {Map<string, string[]>} notes the clean-ups preview_fields reported, by field
 */
export function showSuccess(provider, summary, notes) {
  const providerName = beginSuccess("link", provider, summary);
  $("#result-title").textContent = t("result.connected", { provider: providerName });
  $("#result-message").textContent = successLine(provider, summary);
  renderSummary($("#result-body"), summary, providerName, null, noteLines(provider, notes, summary), addressesUsed(provider, summary.fields));
  state.newAccountId = hasText(summary.id) ? summary.id : null;
  $("#done").hidden = false;
  showView("result");
  announce(`${$("#result-title").textContent}. ${$("#result-message").textContent}`);
}

/**
 * Relink mode succeeded: the new key is in; tell the person to revoke the old one.
 * @param {ProviderView} provider
 * @param {Partial<AccountView>} summary
 * @param {AccountView} before the account as it was
 * @param {Map<string, string[]>} notes
 */
export function showRelinked(provider, summary, before, notes) {
  if (hasText(summary.id)) updateAccount(/** @type {AccountView} */ (summary));
  const providerName = beginSuccess("relink", provider, summary);
  const title = accountTitle(summary.label ? summary : before);
  $("#result-title").textContent = t("result.replaced");
  $("#result-message").textContent = t("result.replaced_text", { account: title });

  const oldPrint = before.fingerprint;
  const newPrint = summary.fingerprint;
  const tellApart = hasText(oldPrint) && hasText(newPrint) && oldPrint !== newPrint;
  const revoke = revokeSteps({
    heading: t("revoke.old_heading", { provider: providerName }),
    intro: t("revoke.old_intro", { account: title, provider: providerName }),
    steps: [
      revokeText(provider, providerName),
      tellApart ? [t("revoke.old_ends_in"), " ", el("code", { text: oldPrint }), ". ", t("revoke.keep_new"), " ", el("code", { text: newPrint }), "."] : t("revoke.keep_pasted"),
    ],
  });
  renderSummary($("#result-body"), summary, providerName, revoke, noteLines(provider, notes, summary), addressesUsed(provider, summary.fields));
  // The new key went to each copy in a team store too: how each one took it.
  const outcomes = asList(summary.copy_outcomes);
  if (outcomes.length) {
    const list = el("ul", { className: "copy-outcomes" });
    for (const o of outcomes) {
      const said = o.ok ? t("result.copy_written", { version: o.version || "" }) : codeSentence(o.code);
      list.append(el("li", { attrs: { "data-target": o.target, "data-ok": o.ok ? "true" : "false" } }, el("code", { text: o.target }), " ", el("span", { text: said })));
    }
    $("#result-body").append(el("section", { className: "result-section", attrs: { "aria-label": t("result.copies_title") } }, el("h3", { className: "subsection-title", text: t("result.copies_title") }), list));
  }
  $("#done").hidden = false;
  showView("result");
  announce(`${t("result.replaced")}. ${t("revoke.old_heading", { provider: providerName })}`);
}

/**
 * Notes, then `lead` (if any), details, permissions and where the key is kept.
 * @param {HTMLElement} body
 * @param {Partial<AccountView>} summary
 * @param {string} providerName
 * @param {HTMLElement | null} lead
 * @param {string[]} notes
 * @param {string[]} [addresses] the addresses Keystep talked to (a subdomain field's)
 */
function renderSummary(body, summary, providerName, lead, notes, addresses = []) {
  const status = statusInfo(summary.status);
  if (notes.length) {
    body.append(
      el(
        "ul",
        { className: "notes", attrs: { role: "list", "aria-label": t("result.notes") } },
        notes.map((note) => el("li", {}, icon("info", "icon note-icon"), el("span", { text: note }))),
      ),
    );
  }
  if (lead) body.append(lead);

  /** @type {HTMLElement[]} */
  const rows = [];
  /**
   * @param {string} term
   * @param {unknown} value
   * @param {boolean} [mono]
   */
  const addRow = (term, value, mono = false) => {
    if (value === undefined || value === null || String(value).trim() === "") return;
    rows.push(el("div", { className: "detail-row" }, el("dt", { text: term }), el("dd", {}, mono ? el("code", { text: value }) : String(value))));
  };
  addRow(t("detail.account"), summary.label);
  if (summary.company !== summary.label) addRow(t("detail.company"), summary.company);
  if (typeof summary.head_count === "number") addRow(t("detail.people"), summary.head_count_more ? t("detail.people_more", { count: formatNumber(summary.head_count) }) : formatNumber(summary.head_count));
  addRow(t("detail.checked_as"), summary.user);
  for (const address of addresses) addRow(t("detail.address"), address);
  addRow(t("detail.key"), summary.fingerprint, true);
  addRow(t("detail.status"), status.text);
  if (rows.length) body.append(el("section", { className: "result-section", attrs: { "aria-label": t("detail.facts") } }, el("dl", { className: "details" }, rows)));

  const permissions = permissionSection(summary.permissions, providerName, { provider: state.provider, purpose: summary.purpose });
  if (permissions) body.append(permissions);

  if (summary.stored_in) {
    // The store is a code; the label is the keychain item's name, as the person finds it there.
    const where = t(pick(STORE, summary.stored_in.store) || "store.keychain", { label: summary.stored_in.label });
    body.append(el("p", { className: "stored-in" }, icon("lock", "icon stored-icon"), el("span", {}, t("result.stored_in"), " ", el("span", { text: where }))));
  }
}
