// @ts-check
// Submitting the credential form: the values are checked first (nothing leaves the computer
// while a field is wrong), then linked or relinked with the provider's progress lines and a
// Cancel; result.js shows the outcome.

import * as api from "../api.js";
import { t } from "../i18n.js";
import { $, announce, focus } from "../lib/dom.js";
import { clearSecrets, fieldInputs, formValues } from "../lib/fields.js";
import { go } from "../lib/router.js";
import { state } from "../lib/state.js";
import { asList, hasText } from "../lib/values.js";
import { NOT_STORED, notesByField, progressText } from "../lib/wording.js";
import { refreshAfterChange } from "./accounts.js";
import { accountName, clearFieldErrors, isSecretField, runPreview, showErrorSummary, showPreview } from "./form.js";

/** Submit, Cancel, and Escape while connecting. */
export function mount() {
  $("#connect-cancel").addEventListener("click", () => cancelConnect());
  $('[data-view="guide"]').addEventListener("keydown", (event) => {
    if (event.key === "Escape" && state.connecting) {
      event.preventDefault();
      cancelConnect();
    }
  });
  $("#credentials").addEventListener("submit", onSubmit);
}

/**
 * The form while a link or relink runs: disabled, a status line, Cancel instead of Back.
 * @param {boolean} on
 */
export function setConnecting(on) {
  state.connecting = on;
  const form = $("#credentials");
  /** @type {HTMLFieldSetElement} */ ($("#credentials-fieldset")).disabled = on;
  form.setAttribute("aria-busy", on ? "true" : "false");
  $("#connect-spinner").hidden = !on;
  const connect = $("#connect");
  if (on) connect.setAttribute("aria-disabled", "true");
  else connect.removeAttribute("aria-disabled");
  $("#connect-cancel").hidden = !on;
  $("#guide-back").hidden = on;
  const provider = state.provider;
  $("#connect-status-text").textContent = on && provider ? (state.mode === "relink" ? t("connect.checking_new", { provider: provider.name }) : t("connect.checking", { provider: provider.name })) : "";
}

/**
 * Cancel: stop waiting and return to the form. The answer, when it comes, is ignored.
 * @param {{quiet?: boolean}} [opts] quiet: leaving the guide, nothing to say or focus
 */
export function cancelConnect(opts = {}) {
  if (!state.connecting) return;
  state.connectRun += 1;
  setConnecting(false);
  // The key went out with the submission: like any submission, it leaves the form.
  clearSecrets();
  $("#connect-cancelled").hidden = false;
  if (!opts.quiet) {
    announce(t("connect.cancelled"));
    focus($("#credentials-title"));
  }
}

/** @param {SubmitEvent} event */
async function onSubmit(event) {
  event.preventDefault();
  if (state.connecting || !state.provider) return;
  const provider = state.provider;
  const relinkAccount = state.mode === "relink" ? state.relinkAccount : null;
  $("#connect-cancelled").hidden = true;

  // Check the values first (nothing leaves the computer): a problem is shown on its field
  // and in the summary, and nothing is sent.
  const preview = await runPreview({ submit: true });
  if (state.connecting) return;
  const problems = asList(preview && preview.problems).filter((p) => p && hasText(p.field) && !(relinkAccount && p.problem === "empty" && !isSecretField(provider, p.field)));
  if (problems.length) {
    showPreview(provider, preview, { submit: true });
    showErrorSummary(provider, problems);
    return;
  }
  clearFieldErrors();
  const fields = formValues();
  const notes = notesByField(preview);

  state.connectRun += 1;
  const run = state.connectRun;
  setConnecting(true);
  const stopProgress = await api.onLinkProgress((payload) => {
    if (state.connecting && run === state.connectRun) {
      const text = progressText(provider, payload);
      if (text) $("#connect-status-text").textContent = text;
    }
  });
  let summary = null;
  let error = null;
  try {
    summary = relinkAccount ? await api.relinkAccount(relinkAccount.id, fields) : await api.linkAccount(provider.id, fields, { purpose: state.purpose, name: accountName() });
  } catch (err) {
    error = err;
  } finally {
    stopProgress();
  }
  // Success or failure: no secret stays in the DOM.
  if (run !== state.connectRun) {
    // Cancelled meanwhile: the answer is ignored; a linked account shows in the list.
    if (summary) {
      announce(t("connect.late_success", { provider: provider.name }));
      if (state.view === "home") refreshAfterChange();
    }
    return;
  }
  // A key that was verified but could not be stored stays in the form, so "Try again"
  // after unlocking the keychain needs no new token (many providers show one only once).
  const verifiedNotStored = Boolean(error && NOT_STORED.has(error.code));
  if (!verifiedNotStored) {
    clearSecrets();
    // The emptied key field is not the person's doing: a preview still under way (from
    // leaving the field for Connect) is dropped, and "enter a value" waits until they
    // leave it empty themselves.
    state.previewRun += 1;
    for (const input of fieldInputs()) if (input.dataset.secret === "true") state.touched.delete(input.name);
  }
  setConnecting(false);

  await go("result", (result) => {
    if (error) result.showFailure(provider, error, relinkAccount, fields);
    else if (relinkAccount) result.showRelinked(provider, summary || {}, relinkAccount, notes);
    else result.showSuccess(provider, summary || {}, notes);
  });
}
