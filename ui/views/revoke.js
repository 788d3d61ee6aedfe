// @ts-check
// "Revoke the key in the provider" as a checklist: after a forget (on home) and after a key
// replacement (on the result). Only one exists at a time (#revoke-steps).

import { t } from "../i18n.js";
import { el, uid } from "../lib/dom.js";
import { hasText } from "../lib/values.js";

/**
 * @param {{heading: string, intro: string, fact?: Array<string|Node>|null, steps: Array<string|Array<string|Node>|null>, onDismiss?: () => void}} opts
 *   fact: what identifies the key (its ending), said as a fact above the steps, not ticked
 */
export function revokeSteps(opts) {
  const existing = document.getElementById("revoke-steps");
  if (existing) existing.remove();
  const titleId = "revoke-steps-title";
  const steps = opts.steps.filter((step) => hasText(step) || Array.isArray(step));
  const section = el(
    "section",
    { className: "revoke", attrs: { id: "revoke-steps", "aria-labelledby": titleId } },
    el("h2", { className: "revoke-title", text: opts.heading, attrs: { id: titleId, tabindex: "-1" } }),
    el("p", { className: "revoke-intro", text: opts.intro }),
    opts.fact ? el("p", { className: "revoke-fact" }, opts.fact) : null,
    el(
      "ol",
      { className: "revoke-list", attrs: { role: "list" } },
      steps.map((step) => {
        const boxId = uid("revoke-step");
        const box = el("input", { attrs: { type: "checkbox", id: boxId } });
        return el("li", {}, box, el("label", { attrs: { for: boxId } }, step));
      }),
    ),
  );
  if (opts.onDismiss) {
    const dismiss = el("button", { className: "btn btn-secondary btn-small", text: t("common.done"), attrs: { type: "button", id: "revoke-dismiss" } });
    dismiss.addEventListener("click", opts.onDismiss);
    section.addEventListener("keydown", (event) => {
      if (event.key === "Escape") {
        event.preventDefault();
        opts.onDismiss();
      }
    });
    section.append(el("div", { className: "revoke-actions" }, dismiss));
  }
  return section;
}
