// @ts-check
// A list of scopes or permissions with a "Copy the list" button: in a guide step (what to
// tick) and on a missing_permission result (what to add).

import { t } from "../i18n.js";
import { el, icon, uid } from "../lib/dom.js";

/**
 * @param {string[]} items
 * @param {string} label
 * @param {{className?: string, mark?: "check"|"cross"}} [opts]
 */
export function renderChecklist(items, label, opts = {}) {
  const labelId = uid("checklist-label");
  const note = el("span", { className: "inline-note", attrs: { role: "status" } });
  const copyButton = el("button", { className: "btn btn-secondary btn-small", text: t("guide.copy_list"), attrs: { type: "button", "data-action": "copy-list" } });
  let timer = 0;
  copyButton.addEventListener("click", async () => {
    window.clearTimeout(timer);
    note.className = "inline-note";
    note.textContent = "";
    try {
      if (!navigator.clipboard || typeof navigator.clipboard.writeText !== "function") throw new Error("no clipboard");
      await navigator.clipboard.writeText(items.join("\n"));
      note.textContent = t("guide.copied");
      note.classList.add("inline-note-ok");
      timer = window.setTimeout(() => {
        note.textContent = "";
      }, 4000);
    } catch {
      note.textContent = t("guide.copy_failed");
      note.classList.add("inline-note-error");
    }
  });

  return el(
    "div",
    { className: `checklist-block ${opts.className || ""}`.trim() },
    el("p", { className: "checklist-label", text: label, attrs: { id: labelId } }),
    el(
      "ul",
      { className: "checklist", attrs: { role: "list", "aria-labelledby": labelId } },
      items.map((name) => el("li", {}, icon(opts.mark || "check", "icon checklist-mark"), el("code", { text: name }))),
    ),
    el("div", { className: "checklist-actions" }, copyButton, note),
  );
}
