// @ts-check
// What a key is for: the wizard's short choice before the guide (`read` preselected, one
// sentence each), the guide's checklists kept to that purpose's permissions, and a
// permission shown as the provider's screen shows it (a checkbox's label with the scope id
// beside it).

import { t } from "../i18n.js";
import { el, uid } from "../lib/dom.js";
import { asList, hasText } from "../lib/values.js";

/**
 * @typedef {import("../shapes.js").ProviderView} ProviderView
 * @typedef {import("../shapes.js").PurposeView} PurposeView
 */

/** The purpose chosen when nobody chose one: the least a sync needs. */
export const DEFAULT_PURPOSE = "read";

/**
 * The provider's purpose `id`, or its first.
 * @param {ProviderView} provider
 * @param {string} id
 * @returns {PurposeView|null}
 */
export function purposeOf(provider, id) {
  const all = asList(provider && provider.purposes);
  return all.find((p) => p && p.id === id) || all[0] || null;
}

/**
 * `name` as the provider's screen shows it: its label with the id beside it, or the name.
 * @param {ProviderView|null|undefined} provider
 * @param {string} name
 */
export function shownPermission(provider, name) {
  const labels = (provider && provider.permission_labels) || {};
  const label = Object.prototype.hasOwnProperty.call(labels, name) ? labels[name] : "";
  return hasText(label) ? `${label} (${name})` : name;
}

/**
 * The items of a step's checklist that purpose `id` needs, in the step's order.
 * @param {ProviderView} provider
 * @param {string} id
 * @param {string[]} items
 */
export function forPurpose(provider, id, items) {
  const purpose = purposeOf(provider, id);
  if (!purpose) return items;
  const needed = asList(purpose.permissions);
  return items.filter((name) => needed.includes(name));
}

/**
 * Whether only the original guide names `name` (the guide says to skip it if not offered).
 * @param {ProviderView|null|undefined} provider
 * @param {string} name
 */
export function isUnconfirmed(provider, name) {
  return asList(provider && provider.unconfirmed).includes(name);
}

/**
 * The choice "What is the key for?": one radio per purpose with its sentence.
 * @param {ProviderView} provider
 * @param {string} selected
 * @param {(id: string) => void} onChange
 */
export function renderPurposeChoice(provider, selected, onChange) {
  const titleId = uid("purpose-title");
  const fieldset = el("fieldset", { className: "card purpose-choice", attrs: { id: "guide-purpose", "aria-labelledby": titleId } });
  fieldset.append(el("legend", { className: "section-title", text: t("purpose.title"), attrs: { id: titleId } }));
  fieldset.append(el("p", { className: "field-help", text: t("purpose.hint") }));
  for (const purpose of asList(provider.purposes)) {
    const inputId = uid("purpose");
    const summaryId = uid("purpose-summary");
    const input = el("input", { attrs: { type: "radio", name: "purpose", id: inputId, value: purpose.id, "aria-describedby": summaryId } });
    /** @type {HTMLInputElement} */ (input).checked = purpose.id === selected;
    input.addEventListener("change", () => {
      if (/** @type {HTMLInputElement} */ (input).checked) onChange(purpose.id);
    });
    fieldset.append(
      el(
        "div",
        { className: "purpose-option" },
        input,
        el("label", { attrs: { for: inputId } }, el("strong", { text: purpose.label })),
        el("p", { className: "field-help", text: purpose.summary, attrs: { id: summaryId } }),
      ),
    );
  }
  return fieldset;
}
