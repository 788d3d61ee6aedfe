// @ts-check
// The account view's "Use with an AI assistant": the snippet each assistant takes to start
// keystep mcp for this account, the sensitive categories it shares with assistants (each
// change recorded by the backend), and its fields' keystep:// references for another server.

import * as api from "../api.js";
import { t } from "../i18n.js";
import { $, el } from "../lib/dom.js";
import { state } from "../lib/state.js";
import { errorSentence } from "../lib/wording.js";

/** @typedef {import("../shapes.js").AssistantView} AssistantView */

/** Each assistant's name and where its snippet goes, by its id. */
const ASSISTANTS = {
  "claude-desktop": ["assistant.name.claude_desktop", "assistant.where.claude_desktop"],
  "claude-code": ["assistant.name.claude_code", "assistant.where.claude_code"],
  cursor: ["assistant.name.cursor", "assistant.where.cursor"],
  vscode: ["assistant.name.vscode", "assistant.where.vscode"],
};

/** Each sensitive category's name. */
const CATEGORIES = {
  pay: "assistant.category.pay",
  bank: "assistant.category.bank",
  national_id: "assistant.category.national_id",
  date_of_birth: "assistant.category.date_of_birth",
  home_address: "assistant.category.home_address",
  health: "assistant.category.health",
  demographics: "assistant.category.demographics",
  background: "assistant.category.background",
};

/** The assistant last chosen, kept while the window is open. */
let chosen = "claude-desktop";

/**
 * Loads and draws the section for account `id`.
 * @param {string} id
 */
export async function loadAssistant(id) {
  let view;
  try {
    view = await api.assistantSetup(id);
  } catch {
    // The account's own status says what is wrong; this section stays as it was.
    return;
  }
  if (state.detailId !== id) return;
  render(id, view);
}

/**
 * @param {string} id
 * @param {AssistantView} view
 */
function render(id, view) {
  const select = /** @type {HTMLSelectElement} */ ($("#assistant-choice"));
  const known = view.snippets.filter((s) => Object.prototype.hasOwnProperty.call(ASSISTANTS, s.assistant));
  select.replaceChildren(...known.map((s) => el("option", { text: t(ASSISTANTS[s.assistant][0]), attrs: { value: s.assistant } })));
  if (!known.some((s) => s.assistant === chosen) && known.length) chosen = known[0].assistant;
  select.value = chosen;
  const show = () => {
    chosen = select.value;
    const snippet = known.find((s) => s.assistant === chosen);
    $("#assistant-snippet").textContent = snippet ? snippet.text : "";
    $("#assistant-where").textContent = snippet ? t(ASSISTANTS[snippet.assistant][1]) : "";
  };
  select.onchange = show;
  show();
  $("#assistant-not-found").hidden = view.keystep_found;

  const list = $("#assistant-categories");
  list.replaceChildren(
    ...view.categories.filter((c) => Object.prototype.hasOwnProperty.call(CATEGORIES, c.category)).map((c) => {
      const box = /** @type {HTMLInputElement} */ (el("input", { attrs: { type: "checkbox", "data-category": c.category } }));
      box.checked = c.shared;
      box.addEventListener("change", () => share(id, c.category, box.checked));
      const label = el("label", { className: "assistant-category" }, box, " ", t(CATEGORIES[c.category]));
      const item = el("li", {}, label);
      if (!c.known) item.append(el("span", { className: "muted", text: ` (${t("assistant.category_unknown")})` }));
      return item;
    }),
  );
  $("#assistant-references").replaceChildren(
    ...view.references.map((r) => el("li", {}, el("code", { text: r.field }), " → ", el("code", { text: r.reference }))),
  );
}

/**
 * Shares or withholds one category, then redraws from the backend's answer.
 * @param {string} id
 * @param {import("../shapes.js").FieldCategory} category
 * @param {boolean} shared
 */
async function share(id, category, shared) {
  const note = $("#assistant-note");
  note.className = "inline-note";
  note.textContent = "";
  try {
    const view = await api.shareAccountFields(id, category, shared);
    if (state.detailId !== id) return;
    render(id, view);
    note.textContent = t(shared ? "assistant.now_shared" : "assistant.now_withheld", { category: t(CATEGORIES[category]) });
  } catch (err) {
    note.textContent = errorSentence(err);
    note.classList.add("inline-note-error");
    await loadAssistant(id);
  }
}
