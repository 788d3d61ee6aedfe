// @ts-check
// The guide for one provider: how to create the key, step by step (with its links, the
// scopes to tick and a "you are here" mark), above the credential form (form.js, submitted
// by connect.js). The same view replaces the key of an existing account (relink mode).

import * as api from "../api.js";
import { t } from "../i18n.js";
import { $, $$, details, el, focus, icon, revealBelowHeader, showText, uid } from "../lib/dom.js";
import { clearSecrets, fieldInputs, publicValues, restoreValues, setFieldMessage } from "../lib/fields.js";
import { loadProviders } from "../lib/providers.js";
import { go, showView } from "../lib/router.js";
import { state } from "../lib/state.js";
import { asList, hasText } from "../lib/values.js";
import { accountTitle, errorSentence } from "../lib/wording.js";
import { showAccountError } from "./account-card.js";
import { renderChecklist } from "./checklist.js";
import * as connect from "./connect.js";
import { renderForm } from "./form.js";
import { showKeychainState } from "./keychain.js";
import { DEFAULT_PURPOSE, forPurpose, isUnconfirmed, renderPurposeChoice, shownPermission } from "./purpose.js";

/**
 * @typedef {import("../shapes.js").AccountView} AccountView
 * @typedef {import("../shapes.js").ProviderView} ProviderView
 * @typedef {import("../shapes.js").StepView} StepView
 */

export function mount() {
  $("#guide-back").addEventListener("click", () => (state.mode === "relink" ? go("home", (home) => home.show()) : go("picker", (picker) => picker.show())));
  connect.mount();
}

/**
 * Leaving the guide for anything but the result stops waiting for a link under way.
 * @param {import("../lib/state.js").ViewName} next
 */
export function leave(next) {
  if (next !== "result") connect.cancelConnect({ quiet: true });
}

/**
 * The guide and form to link a new account of `provider` (what was typed for the same
 * provider stays, secrets aside, unless the last link succeeded).
 * @param {ProviderView} provider
 */
export function show(provider) {
  state.mode = "link";
  state.relinkAccount = null;
  state.provider = provider;
  if (state.guideKey !== `link:${provider.id}:${state.lang}` || state.freshForm) {
    if (!state.provider || state.guideKey.indexOf(`link:${provider.id}:`) !== 0) state.purpose = DEFAULT_PURPOSE;
    const keep = state.guideKey === `link:${provider.id}:${state.providersLang}` && !state.freshForm ? publicValues() : null;
    state.freshForm = false;
    renderGuide(provider);
    if (keep) restoreValues(keep);
  } else {
    clearSecrets();
  }
  $("#connect-cancelled").hidden = true;
  showView("guide");
}

/**
 * The guide and form in relink mode: a new key for an existing account.
 * @param {AccountView} account
 * @param {{from?: HTMLElement, pasteAgain?: boolean}} [opts] `from`: the button that
 *   asked (errors show on its card); `pasteAgain`: the key the person pasted was cleared
 */
export async function showRelink(account, opts = {}) {
  clearSecrets();
  showKeychainState();
  let providers;
  try {
    providers = await loadProviders();
  } catch (err) {
    showAccountError(account.id, errorSentence(err));
    return;
  }
  const provider = providers.find((p) => p.id === account.provider);
  if (!provider) {
    showAccountError(account.id, t("relink.unknown_provider", { provider: account.provider_name || "" }));
    return;
  }
  state.mode = "relink";
  state.relinkAccount = account;
  // A new key for the same use: the account's purpose (older accounts: everything).
  state.purpose = hasText(account.purpose) ? account.purpose : "full";
  state.provider = provider;
  state.freshForm = false;
  renderGuide(provider, { account, pasteAgain: Boolean(opts.pasteAgain) });
  $("#connect-cancelled").hidden = true;
  const secret = fieldInputs().find((input) => input.dataset.secret === "true");
  showView("guide", { focus: opts.pasteAgain && secret ? secret : undefined });
}

/** Back to the form already shown (crumb), keeping what was typed except secrets. */
export function showAgain() {
  clearSecrets();
  showView("guide");
}

/**
 * "Try again" after a failure: the same form (non-secret values kept, secrets cleared),
 * focused on the field the backend complained about, else the key, else the form heading.
 */
export function retry() {
  // A key field emptied after sending is not the person's mistake (connect.js): no
  // "enter a value" in red on it until they leave it empty themselves.
  for (const input of fieldInputs()) {
    if (input.dataset.secret === "true" && !input.value && !state.touched.has(input.name)) setFieldMessage(input, "error", "");
  }
  const invalid = fieldInputs().find((input) => input.getAttribute("aria-invalid") === "true");
  const secret = fieldInputs().find((input) => input.dataset.secret === "true");
  const target = invalid || secret || $("#credentials-title");
  showView("guide", { focus: false });
  setCurrentStep(state.currentStep, { focus: false });
  target.scrollIntoView({ block: "center" });
  focus(target);
}

/**
 * "Link anyway" came too late (the backend no longer holds the key): the same form, saying
 * the key was cleared and must be pasted again, the focus on the key.
 */
export function pasteAgain() {
  $("#paste-again").hidden = false;
  retry();
}

/**
 * "Show step 3": the guide with the step that fits the failure marked and focused.
 * @param {number} index
 */
export function showStep(index) {
  showView("guide", { focus: false });
  setCurrentStep(index);
}

/** The language changed: the provider's text in the new one; typed values stay. */
export function reword() {
  if (!state.provider || !state.providers) return;
  const fresh = state.providers.find((p) => p.id === state.provider.id);
  if (!fresh) return;
  const keep = publicValues();
  state.provider = fresh;
  if (state.mode === "relink" && state.relinkAccount) renderGuide(fresh, { account: state.relinkAccount });
  else renderGuide(fresh);
  restoreValues(keep);
}

/**
 * @param {ProviderView} provider
 * @param {{account?: AccountView|null, pasteAgain?: boolean}} [opts]
 */
function renderGuide(provider, opts = {}) {
  const account = opts.account || null;
  const relink = Boolean(account);
  const title = accountTitle(account);
  state.guideKey = relink ? `relink:${account.id}:${state.lang}` : `link:${provider.id}:${state.lang}`;
  state.touched = new Set();
  state.preview = null;
  $('[data-view="guide"]').dataset.mode = relink ? "relink" : "link";
  $('[data-view="guide"]').dataset.provider = provider.id;

  if (relink) {
    $("#guide-title").textContent = t("guide.relink_title", { account: title });
    $("#guide-lede").textContent =
      account.status === "needs_relink"
        ? t("guide.relink_lost", { provider: provider.name })
        : hasText(account.fingerprint)
          ? t("guide.relink_lede_print", { provider: provider.name, fingerprint: account.fingerprint })
          : t("guide.relink_lede", { provider: provider.name });
  } else {
    $("#guide-title").textContent = t("guide.title", { provider: provider.name });
    $("#guide-lede").textContent = t("guide.lede", { provider: provider.name });
  }

  // Callouts shown only when the provider has something to say.
  showText($("#rotate-warning-text"), relink && hasText(provider.rotate_warning) ? provider.rotate_warning : "", $("#rotate-warning"));
  showText($("#guide-prerequisite-text"), hasText(provider.prerequisite) ? provider.prerequisite : "", $("#guide-prerequisite"));
  // A key that never expires and cannot be narrowed: said before the guide.
  const fullAccess = Boolean(provider.lifetime && provider.lifetime.full_access === true);
  showText($("#guide-full-access-text"), fullAccess ? t("guide.full_access", { provider: provider.name }) : "", $("#guide-full-access"));

  // What the key is for comes before the guide (not when replacing a key: it keeps its use).
  const oldChoice = document.getElementById("guide-purpose");
  if (oldChoice) oldChoice.remove();
  if (!relink && asList(provider.purposes).length) {
    $("#guide-steps-title").before(
      renderPurposeChoice(provider, state.purpose, (id) => {
        state.purpose = id;
        renderSteps(provider, relink, { keep: true });
      }),
    );
  }
  renderSteps(provider, relink);

  renderForm(provider, { account, pasteAgain: opts.pasteAgain });
  connect.setConnecting(false);
}

/**
 * The guide's steps, their checklists kept to the chosen purpose's permissions.
 * @param {ProviderView} provider
 * @param {boolean} relink
 * @param {{keep?: boolean}} [opts] keep: stay on the current step (the purpose changed)
 */
function renderSteps(provider, relink, opts = {}) {
  const steps = $("#guide-steps");
  const current = opts.keep ? state.currentStep : 0;
  steps.replaceChildren();
  const providerSteps = asList(provider.steps);
  $("#guide-steps-title").hidden = providerSteps.length === 0;
  $("#guide-steps-title").textContent = relink ? t("guide.steps_relink") : t("guide.steps");
  providerSteps.forEach((step, index) => steps.append(renderStep(provider, step, index, providerSteps.length)));
  setCurrentStep(current, { focus: false });
}

/**
 * Marks step `index` as the one to do now: earlier steps are done (✓), the progress line
 * says "Step 2 of 4", and focus moves to the step's heading unless told otherwise.
 * @param {number} index
 * @param {{focus?: boolean}} [opts]
 */
function setCurrentStep(index, opts = {}) {
  const items = $$("#guide-steps > li");
  if (!items.length) {
    $("#step-progress").textContent = "";
    $("#step-progress-fill").dataset.progress = "0";
    return;
  }
  const current = Math.max(0, Math.min(index, items.length - 1));
  state.currentStep = current;
  items.forEach((item, i) => {
    item.classList.toggle("is-current", i === current);
    item.classList.toggle("is-done", i < current);
    if (i === current) item.setAttribute("aria-current", "step");
    else item.removeAttribute("aria-current");
    $(".step-state", item).textContent = i < current ? t("guide.step_done") : i === current ? t("guide.step_current") : "";
    const nav = $(".step-nav", item);
    if (nav) nav.hidden = i !== current;
  });
  $("#step-progress").textContent = t("guide.progress", { current: current + 1, total: items.length });
  // The bar's width comes from a class (no inline styles under the CSP): 0-100 in steps of 5.
  const percent = Math.round(((current + 1) / items.length) * 20) * 5;
  $("#step-progress-fill").dataset.progress = String(percent);
  if (opts.focus !== false) {
    const heading = $(".step-title", items[current]);
    focus(heading);
  }
}

/**
 * @param {ProviderView} provider
 * @param {StepView} step
 * @param {number} index
 * @param {number} total
 */
function renderStep(provider, step, index, total) {
  const titleId = uid("step-title");
  const item = el("li", { className: "step", attrs: { "aria-labelledby": titleId } });
  item.dataset.step = step.id;
  item.append(el("span", { className: "step-number", text: String(index + 1), attrs: { "aria-hidden": "true" } }));

  const body = el("div", { className: "step-content" });
  body.append(
    el(
      "h3",
      { className: "step-title", attrs: { id: titleId, tabindex: "-1" } },
      el("span", { className: "visually-hidden", text: t("common.label_text", { label: t("guide.step_n", { n: index + 1, total }), text: "" }) }),
      step.title,
      el("span", { className: "step-state visually-hidden" }),
    ),
  );
  if (hasText(step.body)) body.append(el("p", { className: "step-body", text: step.body }));

  if (hasText(step.link_label)) {
    const note = el("span", { className: "inline-note", attrs: { role: "status" } });
    const linkButton = el(
      "button",
      { className: "btn btn-secondary btn-small", attrs: { type: "button", "data-action": "open-link" } },
      el("span", { text: step.link_label }),
      icon("external", "icon btn-trailing-icon"),
    );
    linkButton.addEventListener("click", async () => {
      setCurrentStep(index, { focus: false });
      note.textContent = "";
      note.className = "inline-note";
      try {
        await api.openGuideLink(provider.id, step.id);
        note.textContent = t("guide.opened");
        note.classList.add("inline-note-ok");
      } catch (err) {
        // Nothing opened: say so, and give the address to copy into a browser.
        note.textContent = t("guide.open_failed");
        note.classList.add("inline-note-error");
        if (hasText(err.url)) {
          const address = el("input", { className: "text-input copy-address", attrs: { type: "text", readonly: "", value: err.url, "aria-label": t("guide.address_label") } });
          address.addEventListener("focus", () => /** @type {HTMLInputElement} */ (address).select());
          note.append(" ", t("guide.copy_address"), " ", address);
        }
        note.append(" ", details(err.message, err.code) || "");
      }
    });
    body.append(el("div", { className: "step-actions" }, linkButton, note));
  }

  const checklist = forPurpose(provider, state.purpose, asList(step.checklist));
  if (checklist.length) {
    const shown = checklist.map((name) => (isUnconfirmed(provider, name) ? `${shownPermission(provider, name)} — ${t("purpose.unconfirmed", { provider: provider.name })}` : shownPermission(provider, name)));
    body.append(renderChecklist(shown, t("guide.tick")));
  }

  if (hasText(step.warning)) {
    body.append(el("div", { className: "callout callout-warning callout-compact step-warning" }, el("p", {}, icon("warning", "icon warn-icon"), el("strong", { text: t("guide.important") }), " ", step.warning)));
  }

  // Previous / next: moves the "you are here" mark; nothing typed is lost.
  const nav = el("div", { className: "step-nav" });
  if (index > 0) {
    const previous = el("button", { className: "btn btn-quiet btn-small", text: t("guide.previous"), attrs: { type: "button", "data-action": "step-previous" } });
    previous.addEventListener("click", () => setCurrentStep(index - 1));
    nav.append(previous);
  }
  const last = index === total - 1;
  const next = el("button", { className: "btn btn-secondary btn-small", text: last ? t("guide.to_form") : t("guide.next"), attrs: { type: "button", "data-action": "step-next" } });
  next.addEventListener("click", () => {
    if (!last) {
      setCurrentStep(index + 1);
      return;
    }
    const first = fieldInputs()[0];
    revealBelowHeader($("#credentials"), "start");
    focus(first || $("#credentials-title"));
  });
  nav.append(next);
  body.append(nav);
  item.addEventListener("focusin", (event) => {
    // Working inside a step (its link, its copy button) makes it the current one.
    if (/** @type {Element} */ (event.target).closest("[data-action='open-link'], .checklist-actions button") && state.currentStep !== index) setCurrentStep(index, { focus: false });
  });

  item.append(body);
  return item;
}
