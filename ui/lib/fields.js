// @ts-check
// Form fields shared by the views: a field's error or note, tied to its input with
// aria-describedby (the credential form and the settings form), and the credential form's
// inputs, which hold the pasted key. clearSecrets() is the one place a pasted key is wiped
// from the page: every way out of the guide calls it.

import { t } from "../i18n.js";
import { $$ } from "./dom.js";
import { own } from "./values.js";

/** @typedef {HTMLInputElement | HTMLSelectElement} FieldInput */

/**
 * Shows (or clears, with "") a field's error or note, and ties it to the input.
 * @param {FieldInput} input carries data-error-id / data-note-id: the ids of its messages
 * @param {"error"|"note"} kind
 * @param {string} message
 */
export function setFieldMessage(input, kind, message) {
  const nodeId = kind === "error" ? input.dataset.errorId : input.dataset.noteId;
  const node = document.getElementById(nodeId);
  if (!node) return;
  node.textContent = message || "";
  node.hidden = !message;
  if (kind === "error") {
    if (message) input.setAttribute("aria-invalid", "true");
    else input.removeAttribute("aria-invalid");
  }
  const ids = (input.getAttribute("aria-describedby") || "").split(/\s+/).filter((id) => id && id !== nodeId);
  if (message) ids.unshift(nodeId);
  if (ids.length) input.setAttribute("aria-describedby", ids.join(" "));
  else input.removeAttribute("aria-describedby");
}

/**
 * Inputs of the current credential form, in field order.
 * @returns {FieldInput[]}
 */
export function fieldInputs() {
  return $$("#credential-fields input[name], #credential-fields select[name]");
}

/** Every value of the credential form, secret ones included. */
export function formValues() {
  // fromEntries defines properties, which stays safe with a frozen Object.prototype
  // whatever the field keys are.
  return Object.fromEntries(fieldInputs().map((input) => [input.name, input.value]));
}

/** The credential form's non-secret values (kept across a language change). */
export function publicValues() {
  return Object.fromEntries(fieldInputs().filter((input) => input.dataset.secret !== "true").map((input) => [input.name, input.value]));
}

/**
 * Puts non-secret values back into the credential form.
 * @param {Record<string, string>} values
 */
export function restoreValues(values) {
  for (const input of fieldInputs()) {
    if (input.dataset.secret === "true" || !own(values, input.name)) continue;
    input.value = values[input.name];
  }
}

/** Empties every secret input of the credential form and hides what was revealed. */
export function clearSecrets() {
  for (const input of fieldInputs()) {
    if (input.dataset.secret === "true") {
      input.value = "";
      /** @type {HTMLInputElement} */ (input).type = "password";
    }
  }
  for (const toggle of $$("#credential-fields .reveal")) {
    toggle.setAttribute("aria-pressed", "false");
    toggle.textContent = t("form.show");
  }
}

/**
 * Marks one credential field as wrong; null if the form has no such field.
 * @param {string} fieldKey
 * @param {string} message
 */
export function markFieldError(fieldKey, message) {
  const input = fieldInputs().find((candidate) => candidate.name === fieldKey);
  if (!input) return null;
  setFieldMessage(input, "error", message);
  return input;
}

/**
 * What a non-secret value looks like once cleaned, as the backend's normalizer does it (a
 * pasted address becomes its subdomain): shown in the box when the person leaves it, and
 * in messages.
 * @param {import("../shapes.js").FieldView} field
 * @param {string} value
 */
export function cleanedValue(field, value) {
  let v = String(value).trim();
  if (field.kind === "subdomain") {
    v = v.replace(/^[a-z]+:\/\//i, "").split(/[/?#]/)[0];
    if (typeof field.domain === "string" && field.domain && v.toLowerCase().endsWith(`.${field.domain.toLowerCase()}`)) v = v.slice(0, -(field.domain.length + 1));
  }
  return v;
}

/**
 * The address a subdomain field's value stands for ("acme" → "acme.example.com"); "" for
 * any other field.
 * @param {import("../shapes.js").FieldView} field
 * @param {string} value
 */
export function addressOf(field, value) {
  if (field.kind !== "subdomain" || typeof field.domain !== "string" || !field.domain) return "";
  const sub = cleanedValue(field, value);
  return sub ? `${sub}.${field.domain}` : "";
}
