// @ts-check
// The question asked when the window is closed where no tray icon can bring Keystep back
// (the backend's close-asked event): keep checking in the background, or quit. The answer is
// saved in settings (when_closed; Settings can change it), then the backend closes the
// window as answered (close_window). Cancel or Escape keeps the window open. Never a silent
// stop: quitting is a choice the person makes here, having read what it means.

import * as api from "../api.js";
import { t } from "../i18n.js";
import { $, details, focus } from "../lib/dom.js";
import { state } from "../lib/state.js";
import { errorSentence } from "../lib/wording.js";

let mounted = false;

function mount() {
  if (mounted) return;
  mounted = true;
  const dialog = /** @type {HTMLDialogElement} */ ($("#close-question"));
  $("#close-cancel").addEventListener("click", () => dialog.close());
  $("#close-background").addEventListener("click", () => answer("background"));
  $("#close-quit").addEventListener("click", () => answer("quit"));
}

/** Shows the question (once: a second close while it is open changes nothing). */
export function ask() {
  mount();
  const dialog = /** @type {HTMLDialogElement} */ ($("#close-question"));
  $("#close-question-error").hidden = true;
  if (!dialog.open) dialog.showModal();
  focus($("#close-background"));
}

/**
 * Saves the answer with the other settings as stored, then lets the backend close.
 * @param {"background" | "quit"} choice
 */
async function answer(choice) {
  const dialog = /** @type {HTMLDialogElement} */ ($("#close-question"));
  const error = $("#close-question-error");
  error.hidden = true;
  try {
    const stored = state.settings || (await api.getSettings());
    state.settings = await api.saveSettings({ ...stored, when_closed: choice });
    dialog.close();
    await api.closeWindow();
  } catch (err) {
    const e = /** @type {{code?: string, message?: string}} */ (err);
    error.replaceChildren(t("closing.not_saved"), " ", errorSentence(e), " ", details(e.message, e.code) || "");
    error.hidden = false;
  }
}
