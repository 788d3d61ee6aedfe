// @ts-check
// Settings: how often keys are checked, notifications, start at login, the rotation
// reminder, what closing the window does without a tray icon, and the language (applied to
// the whole window at once when saved).

import * as api from "../api.js";
import { resolveLanguage, setLanguage, t } from "../i18n.js";
import { $, busy, details, el, focus, revealBelowHeader } from "../lib/dom.js";
import { clearSecrets, setFieldMessage } from "../lib/fields.js";
import { tryLoadProviders } from "../lib/providers.js";
import { loadedView, renderCrumbs, showView } from "../lib/router.js";
import { state } from "../lib/state.js";
import { errorSentence } from "../lib/wording.js";
import * as home from "./accounts.js";
import * as overrides from "./host-overrides.js";
import { renderNotice } from "./notice.js";

/** @typedef {import("../shapes.js").SettingsView} SettingsView */

/** @type {Readonly<SettingsView>} */
const DEFAULT_SETTINGS = Object.freeze({ check_interval_hours: 6, notifications: true, start_at_login: false, rotation_reminder_days: null, language: "system", when_closed: "ask" });

export function mount() {
  $("#settings-back").addEventListener("click", () => home.show());
  $("#settings-form").addEventListener("submit", saveSettings);
  // A change makes "Settings saved." untrue until the next save; a fixed interval is no
  // longer wrong, so its error goes at once rather than at the next Save.
  $("#settings-form").addEventListener("input", (event) => {
    $("#settings-status").textContent = "";
    const interval = controls().interval;
    if (event.target === interval && interval.getAttribute("aria-invalid") === "true" && intervalOk(readSettings().check_interval_hours)) {
      setFieldMessage(interval, "error", "");
    }
  });
}

/**
 * Whether a check interval is one Keystep takes: whole hours, 1 to 168.
 * @param {number} hours
 */
function intervalOk(hours) {
  return Number.isInteger(hours) && hours >= 1 && hours <= 168;
}

/**
 * Marks the interval wrong, focused, with its label and the sentence in view.
 * @param {HTMLInputElement} interval
 */
function intervalWrong(interval) {
  setFieldMessage(interval, "error", t("settings.interval_invalid"));
  focus(interval, /** @type {HTMLElement | null} */ (interval.closest(".field")));
}

/** Shows the settings as stored. */
export async function show() {
  clearSecrets();
  showView("settings");
  $("#settings-status").textContent = "";
  $("#settings-errors").hidden = true;
  const loading = $("#settings-loading");
  loading.hidden = false;
  try {
    state.settings = await api.getSettings();
  } catch (err) {
    showSettingsError(err);
  } finally {
    loading.hidden = true;
  }
  fillSettings(state.settings || DEFAULT_SETTINGS);
}

/** The form's controls, by what they hold. */
function controls() {
  return {
    interval: /** @type {HTMLInputElement} */ ($("#setting-interval")),
    notifications: /** @type {HTMLInputElement} */ ($("#setting-notifications")),
    login: /** @type {HTMLInputElement} */ ($("#setting-login")),
    rotation: /** @type {HTMLSelectElement} */ ($("#setting-rotation")),
    language: /** @type {HTMLSelectElement} */ ($("#setting-language")),
    closed: /** @type {HTMLSelectElement} */ ($("#setting-closed")),
  };
}

/** @param {SettingsView} settings */
function fillSettings(settings) {
  const form = controls();
  form.interval.value = String(settings.check_interval_hours);
  form.notifications.checked = settings.notifications === true;
  form.login.checked = settings.start_at_login === true;
  const days = settings.rotation_reminder_days;
  const value = typeof days === "number" ? String(days) : "";
  if (value && !Array.from(form.rotation.options).some((o) => o.value === value)) {
    form.rotation.append(el("option", { text: t("settings.rotation_days", { count: days }), attrs: { value } }));
  }
  form.rotation.value = value;
  form.language.value = ["system", "en", "fr"].includes(settings.language) ? settings.language : "system";
  form.closed.value = ["ask", "background", "quit"].includes(settings.when_closed) ? settings.when_closed : "ask";
  setFieldMessage(form.interval, "error", "");
}

/** @returns {SettingsView} */
function readSettings() {
  const form = controls();
  const interval = Number(form.interval.value.trim());
  const rotation = form.rotation.value;
  return {
    check_interval_hours: Number.isInteger(interval) ? interval : NaN,
    notifications: form.notifications.checked,
    start_at_login: form.login.checked,
    rotation_reminder_days: rotation ? Number(rotation) : null,
    language: form.language.value,
    when_closed: form.closed.value,
  };
}

/** @param {{code?: string, message?: string}} err */
function showSettingsError(err) {
  const box = $("#settings-errors");
  $("#settings-errors-text").replaceChildren(errorSentence(err), " ", details(err.message, err.code) || "");
  box.hidden = false;
  focus(box);
}

/** @param {SubmitEvent} event */
async function saveSettings(event) {
  event.preventDefault();
  const form = $("#settings-form");
  if (form.getAttribute("aria-busy") === "true") return;
  const wanted = readSettings();
  const interval = controls().interval;
  $("#settings-errors").hidden = true;
  setFieldMessage(interval, "error", "");
  if (!intervalOk(wanted.check_interval_hours)) {
    intervalWrong(interval);
    return;
  }
  form.setAttribute("aria-busy", "true");
  busy($("#settings-save"), true);
  try {
    state.settings = await api.saveSettings(wanted);
  } catch (err) {
    if (err.code === "invalid_input" && err.field === "check_interval_hours") {
      intervalWrong(interval);
    } else {
      showSettingsError(err);
    }
    return;
  } finally {
    form.removeAttribute("aria-busy");
    busy($("#settings-save"), false);
  }
  await applyLanguage(state.settings.language);
  fillSettings(state.settings);
  // Said where the person is: beside Save (which keeps the focus), in view, announced.
  const status = $("#settings-status");
  status.textContent = t("settings.saved");
  revealBelowHeader(status);
}

/**
 * Switches the whole window to a settings.language value, at once: the static markup, the
 * providers (asked again in the new language) and every view drawn so far.
 * @param {string} preference
 */
async function applyLanguage(preference) {
  const lang = resolveLanguage(preference);
  if (lang === state.lang && document.documentElement.lang === lang) return;
  state.lang = lang;
  await setLanguage(lang);
  await tryLoadProviders();
  // Provider text in the open guide comes back in the new language; typed values stay.
  const guide = loadedView("guide");
  if (guide) guide.reword();
  home.reword();
  const picker = loadedView("picker");
  if (picker) picker.reword();
  renderNotice();
  overrides.render();
  renderCrumbs();
}
