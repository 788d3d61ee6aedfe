// @ts-check
// The credential form under a guide: its fields (from the provider) and the inline checks as
// the person types (preview_fields: nothing leaves the computer). Submitting it is
// connect.js.

import * as api from "../api.js";
import { t } from "../i18n.js";
import { $, el, focus, uid } from "../lib/dom.js";
import { cleanedValue, fieldInputs, formValues, setFieldMessage } from "../lib/fields.js";
import { state } from "../lib/state.js";
import { asList, hasText, own } from "../lib/values.js";
import { fieldOf, midSentence, notesByField, notesSentence, problemSentence } from "../lib/wording.js";

/**
 * @typedef {import("../shapes.js").AccountView} AccountView
 * @typedef {import("../shapes.js").ProviderView} ProviderView
 * @typedef {import("../shapes.js").FieldView} FieldView
 * @typedef {import("../shapes.js").FieldProblem} FieldProblem
 * @typedef {import("../shapes.js").Preview} Preview
 */

/**
 * Draws the form for a provider: a new link, or a new key for `opts.account`.
 * @param {ProviderView} provider
 * @param {{account?: AccountView|null, pasteAgain?: boolean}} [opts]
 */
export function renderForm(provider, opts = {}) {
  const account = opts.account || null;
  const relink = Boolean(account);
  const fields = asList(provider.fields);
  const hasPublic = fields.some((field) => field.secret !== true);
  if (relink) {
    $("#credentials-title").textContent = t("form.title_relink");
    $("#credentials-intro").textContent = hasPublic ? `${t("form.intro_relink", { provider: provider.name })} ${t("form.intro_relink_public")}` : t("form.intro_relink", { provider: provider.name });
  } else {
    $("#credentials-title").textContent = hasText(provider.needs) ? t("form.title_needs", { needs: provider.needs }) : t("form.title");
    $("#credentials-intro").textContent = t("form.intro", { provider: provider.name });
  }
  $("#paste-again").hidden = !opts.pasteAgain;
  $("#connect").textContent = relink ? t("form.replace") : t("form.connect");
  $("#form-errors").hidden = true;

  const container = $("#credential-fields");
  container.replaceChildren();
  fields.forEach((field) => container.append(renderField(field)));
  if (relink) prefill(account);
  // A provider whose API cannot name the company (names_company false) would otherwise
  // leave the account called after a service user: the person names it here.
  const naming = !relink && provider.names_company === false;
  $("#account-name-field").hidden = !naming;
  $("#account-name-help").textContent = naming ? t("form.name_help", { provider: provider.name }) : "";
  /** @type {HTMLInputElement} */ ($("#account-name")).value = "";
}

/** The name the person gave the new account, when the form asked for one. */
export function accountName() {
  if ($("#account-name-field").hidden) return "";
  return /** @type {HTMLInputElement} */ ($("#account-name")).value.trim();
}

/**
 * Relink mode: the account's stored non-secret values.
 * @param {AccountView} account
 */
function prefill(account) {
  const stored = account.fields && typeof account.fields === "object" ? account.fields : {};
  for (const input of fieldInputs()) {
    if (input.dataset.secret === "true" || !own(stored, input.name)) continue;
    const value = stored[input.name];
    if (typeof value !== "string") continue;
    if (input instanceof HTMLSelectElement) {
      if (Array.from(input.options).some((option) => option.value === value)) input.value = value;
    } else {
      input.value = value;
    }
  }
}

/** @param {FieldView} field */
function renderField(field) {
  const inputId = uid("field");
  const helpId = `${inputId}-help`;
  const errorId = `${inputId}-error`;
  const noteId = `${inputId}-note`;
  const describedBy = hasText(field.help) ? helpId : null;
  const control = isChoice(field) ? renderChoice(field, inputId, describedBy) : renderTextInput(field, inputId, describedBy);
  const input = /** @type {HTMLInputElement | HTMLSelectElement} */ (control.matches("input, select") ? control : control.querySelector("input"));
  input.dataset.errorId = errorId;
  input.dataset.noteId = noteId;

  const errorNode = el("p", { className: "field-error", attrs: { id: errorId } });
  errorNode.hidden = true;
  const noteNode = el("p", { className: "field-note", attrs: { id: noteId } });
  noteNode.hidden = true;

  const wrapper = el(
    "div",
    { className: "field" },
    el("label", { className: "field-label", text: field.label || field.key, attrs: { for: inputId } }),
    hasText(field.help) ? el("p", { className: "field-help", text: field.help, attrs: { id: helpId } }) : null,
    control,
    errorNode,
    // Polite, so "we removed https://" is heard after a paste without interrupting.
    el("div", { attrs: { "aria-live": "polite" } }, noteNode),
  );
  wrapper.dataset.field = field.key;
  input.addEventListener("input", () => {
    delete input.dataset.keptNote;
    schedulePreview();
  });
  input.addEventListener("change", () => schedulePreview());
  input.addEventListener("blur", () => {
    state.touched.add(field.key);
    showCleaned(field, input);
  });
  return wrapper;
}

/**
 * Leaving a field: a pasted address becomes the value Keystep uses ("acme" from
 * https://acme.example.com/people), and the note saying what was removed stays until the
 * person types there again.
 * @param {FieldView} field
 * @param {HTMLInputElement | HTMLSelectElement} input
 */
async function showCleaned(field, input) {
  const cleaned = field.secret === true || field.kind !== "subdomain" ? input.value : cleanedValue(field, input.value);
  if (!cleaned || cleaned === input.value) {
    schedulePreview(0);
    return;
  }
  window.clearTimeout(previewTimer);
  const raw = input.value;
  await runPreview();
  if (input.value !== raw) return;
  const note = document.getElementById(input.dataset.noteId || "");
  if (note && !note.hidden && note.textContent) input.dataset.keptNote = note.textContent;
  input.value = cleaned;
}

/** @param {FieldView} field */
function isChoice(field) {
  return field.kind === "choice" && Array.isArray(field.options) && field.options.length > 0;
}

/**
 * A choice (e.g. production or sandbox) is a select of the provider's options.
 * @param {FieldView} field
 * @param {string} inputId
 * @param {string | null} describedBy
 */
function renderChoice(field, inputId, describedBy) {
  const select = el(
    "select",
    { className: "text-input select-input", attrs: { id: inputId, name: field.key, "aria-describedby": describedBy } },
    field.options.map((option) => {
      const node = el("option", { text: option.label, attrs: { value: option.value } });
      node.selected = option.value === field.default;
      return node;
    }),
  );
  select.dataset.secret = "false";
  return select;
}

/**
 * A text input; a secret one is a password input with a Show/Hide toggle.
 * @param {FieldView} field
 * @param {string} inputId
 * @param {string | null} describedBy
 * @returns {HTMLElement}
 */
function renderTextInput(field, inputId, describedBy) {
  const secret = field.secret === true;
  // Keys and identifiers are compared character by character: monospace for them only.
  const code = secret || field.kind === "token" || field.kind === "identifier";
  const input = el("input", {
    className: code ? "text-input text-input-code" : "text-input",
    attrs: {
      id: inputId,
      name: field.key,
      type: secret ? "password" : "text",
      autocomplete: "off",
      spellcheck: "false",
      autocapitalize: "off",
      autocorrect: "off",
      placeholder: hasText(field.example) ? t("form.example", { example: field.example }) : null,
      "aria-describedby": describedBy,
    },
  });
  input.dataset.secret = secret ? "true" : "false";
  if (!secret) return input;

  const label = midSentence(field.label || field.key);
  const toggle = el("button", {
    className: "reveal",
    text: t("form.show"),
    attrs: { type: "button", "aria-pressed": "false", "aria-controls": inputId, "aria-label": t("form.show_label", { label }) },
  });
  toggle.addEventListener("click", () => {
    const reveal = input.type === "password";
    input.type = reveal ? "text" : "password";
    toggle.setAttribute("aria-pressed", String(reveal));
    toggle.textContent = reveal ? t("form.hide") : t("form.show");
    toggle.setAttribute("aria-label", reveal ? t("form.hide_label", { label }) : t("form.show_label", { label }));
  });
  return el("div", { className: "secret-input" }, input, toggle);
}

// ---------------------------------------------------------------------------
// Inline validation: preview_fields as the person types.

let previewTimer = 0;

function schedulePreview(wait = 300) {
  window.clearTimeout(previewTimer);
  previewTimer = window.setTimeout(() => runPreview(), wait);
}

/**
 * Asks the backend what it would do with the values (it sends nothing anywhere) and shows,
 * per field, the clean-up it applies and any problem. "empty" shows only once a field was
 * left or the form submitted.
 * @param {{submit?: boolean}} [opts]
 * @returns {Promise<Preview|null>} the preview, or null if it could not be had
 */
export async function runPreview(opts = {}) {
  const provider = state.provider;
  if (!provider) return null;
  state.previewRun += 1;
  const run = state.previewRun;
  const guideKey = state.guideKey;
  let preview;
  try {
    preview = await api.previewFields(provider.id, formValues());
  } catch {
    return null;
  }
  if (run !== state.previewRun || guideKey !== state.guideKey) return opts.submit ? preview : null;
  state.preview = preview;
  showPreview(provider, preview, opts);
  return preview;
}

/**
 * @param {ProviderView} provider
 * @param {Preview} preview
 * @param {{submit?: boolean}} [opts]
 */
export function showPreview(provider, preview, opts = {}) {
  const notes = notesByField(preview);
  const problems = asList(preview && preview.problems).filter((p) => p && hasText(p.field));
  for (const input of fieldInputs()) {
    const changes = notes.get(input.name) || [];
    setFieldMessage(input, "note", changes.length && input.value.trim() ? notesSentence(provider, input.name, changes) : input.dataset.keptNote || "");
    const problem = problems.find((p) => p.field === input.name);
    const shown = problem && (problem.problem !== "empty" || opts.submit || state.touched.has(input.name));
    setFieldMessage(input, "error", shown ? problemSentence(provider, problem) : "");
  }
}

/**
 * The error summary above the form: one link per problem, focused.
 * @param {ProviderView} provider
 * @param {FieldProblem[]} problems
 */
export function showErrorSummary(provider, problems) {
  const list = $("#form-errors-list");
  list.replaceChildren();
  for (const problem of problems) {
    const input = fieldInputs().find((i) => i.name === problem.field);
    const link = el("a", { text: problemSentence(provider, problem), attrs: { href: input ? `#${input.id}` : "#credentials" } });
    link.addEventListener("click", (event) => {
      event.preventDefault();
      if (input) focus(input);
    });
    list.append(el("li", {}, link));
  }
  const box = $("#form-errors");
  box.hidden = problems.length === 0;
  if (problems.length) focus(box);
}

export function clearFieldErrors() {
  for (const input of fieldInputs()) setFieldMessage(input, "error", "");
  $("#form-errors").hidden = true;
}

/**
 * @param {ProviderView} provider
 * @param {string} key
 */
export function isSecretField(provider, key) {
  const field = fieldOf(provider, key);
  return Boolean(field && field.secret === true);
}
