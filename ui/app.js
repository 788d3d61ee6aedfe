// Keystep UI: boot and views.
//
// Everything provider-specific comes from `list_providers`; this file has no
// provider ids and no per-provider code. It only talks to the backend through
// ./api.js and only branches on error `code`, never on message text.

import * as api from "./api.js";

// ---------------------------------------------------------------------------
// Small DOM helpers. Nodes are built with createElement/textContent only:
// provider text is data, never markup.

let idCounter = 0;
function uid(prefix) {
  idCounter += 1;
  return `${prefix}-${idCounter}`;
}

/**
 * Create an element.
 * @param {string} tag
 * @param {{className?: string, text?: unknown, attrs?: Record<string, unknown>}} [opts]
 * @param {...(Node|string|null|undefined|false|Array)} children
 */
function el(tag, opts = {}, ...children) {
  const node = document.createElement(tag);
  if (opts.className) node.className = opts.className;
  if (opts.text !== undefined && opts.text !== null) node.textContent = String(opts.text);
  if (opts.attrs) {
    for (const [name, value] of Object.entries(opts.attrs)) {
      if (value === undefined || value === null || value === false) continue;
      node.setAttribute(name, value === true ? "" : String(value));
    }
  }
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    node.append(child);
  }
  return node;
}

const $ = (selector, root = document) => root.querySelector(selector);
const $$ = (selector, root = document) => Array.from(root.querySelectorAll(selector));

// Small stroke icons (UI chrome, not data). Built with createElementNS.
const ICONS = {
  lock: ["M6 10V7a6 6 0 0 1 12 0v3", "M5 10h14v10H5z", "M12 14v2.5"],
  info: ["M12 11v5.5", "M12 7.6v.1", "M12 21a9 9 0 1 0 0-18 9 9 0 0 0 0 18z"],
  external: ["M14 4h6v6", "M20 4l-9 9", "M18 14v5a1 1 0 0 1-1 1H5a1 1 0 0 1-1-1V7a1 1 0 0 1 1-1h5"],
  check: ["M5 12.5l4.5 4.5L19 7.5"],
};

function icon(name, className = "icon") {
  const NS = "http://www.w3.org/2000/svg";
  const svg = document.createElementNS(NS, "svg");
  svg.setAttribute("viewBox", "0 0 24 24");
  svg.setAttribute("width", "16");
  svg.setAttribute("height", "16");
  svg.setAttribute("aria-hidden", "true");
  svg.setAttribute("focusable", "false");
  svg.setAttribute("class", className);
  for (const d of ICONS[name] || []) {
    const path = document.createElementNS(NS, "path");
    path.setAttribute("d", d);
    svg.append(path);
  }
  return svg;
}

function hasText(value) {
  return typeof value === "string" && value.trim() !== "";
}

function asList(value) {
  return Array.isArray(value) ? value.filter((item) => item !== null && item !== undefined && String(item).trim() !== "") : [];
}

// ---------------------------------------------------------------------------
// Wording that depends on data values (never on provider ids).

function categoryLabel(category) {
  switch (category) {
    case "hris":
      return "HR system";
    case "ats":
      return "Recruiting";
    default:
      return hasText(category) ? category : "";
  }
}

// The statuses keystep-core's `account::Status` sends.
function statusInfo(status) {
  switch (status) {
    case "ok":
      return { tone: "ok", text: "Working" };
    case "failing":
      return { tone: "error", text: "Not working" };
    case "needs_relink":
      return { tone: "error", text: "Needs relinking" };
    case "limited":
      return { tone: "attention", text: "Missing permissions" };
    case "unknown":
      return { tone: "attention", text: "Couldn't check" };
    default:
      return { tone: "attention", text: "Check needed" };
  }
}

function checkedAgo(verifiedAt) {
  if (typeof verifiedAt !== "number" || !Number.isFinite(verifiedAt) || verifiedAt <= 0) return "not checked yet";
  const seconds = Math.max(0, Math.floor(Date.now() / 1000 - verifiedAt));
  if (seconds < 60) return "checked just now";
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `checked ${minutes} min ago`;
  const hours = Math.floor(minutes / 60);
  if (hours < 24) return `checked ${hours} h ago`;
  const days = Math.floor(hours / 24);
  return days === 1 ? "checked 1 day ago" : `checked ${days} days ago`;
}

function waitText(seconds) {
  if (typeof seconds !== "number" || !Number.isFinite(seconds) || seconds <= 0) return "";
  if (seconds < 90) {
    const s = Math.ceil(seconds);
    return `Wait about ${s} second${s === 1 ? "" : "s"} before you try again.`;
  }
  const m = Math.ceil(seconds / 60);
  return `Wait about ${m} minute${m === 1 ? "" : "s"} before you try again.`;
}

// ---------------------------------------------------------------------------
// State.

const state = {
  view: "home",
  providers: null, // Array once loaded
  providersPromise: null,
  provider: null, // the provider shown in the guide
  connecting: false,
  freshForm: false,
  lastError: null,
  lastSummary: null,
};

// ---------------------------------------------------------------------------
// Announcements and views.

const VIEWS = ["home", "picker", "guide", "result"];

function announce(text) {
  const region = $("#announcer");
  region.textContent = "";
  // A fresh text node after a tick makes screen readers repeat equal messages.
  window.setTimeout(() => {
    region.textContent = text;
  }, 50);
}

function focusElement(node) {
  if (!node) return;
  node.focus({ preventScroll: false });
}

/**
 * Show exactly one view.
 * @param {"home"|"picker"|"guide"|"result"} name
 * @param {{focus?: HTMLElement|null|false}} [opts] element to focus; the view heading by default
 */
function showView(name, opts = {}) {
  state.view = name;
  for (const view of $$("[data-view]")) {
    view.hidden = view.dataset.view !== name;
  }
  document.body.dataset.currentView = name;
  renderCrumbs();
  if (opts.focus === false) return;
  window.scrollTo(0, 0);
  const target = opts.focus || $(`[data-view="${name}"] h1`);
  focusElement(target);
}

function renderCrumbs() {
  const list = $("#crumbs");
  list.replaceChildren();
  const trail = [{ label: "Accounts", go: () => goHome() }];
  if (state.view !== "home") trail.push({ label: "Add account", go: () => openPicker() });
  if ((state.view === "guide" || state.view === "result") && state.provider) {
    const provider = state.provider;
    trail.push({ label: provider.name, go: () => openGuide(provider) });
  }
  if (state.view === "result") trail.push({ label: "Result" });

  trail.forEach((crumb, index) => {
    const last = index === trail.length - 1;
    let node;
    if (last) {
      node = el("span", { className: "crumb-current", text: crumb.label, attrs: { "aria-current": "page" } });
    } else {
      node = el("button", { className: "crumb-link", text: crumb.label, attrs: { type: "button" } });
      node.disabled = state.connecting;
      node.addEventListener("click", crumb.go);
    }
    list.append(el("li", {}, node));
  });
}

// ---------------------------------------------------------------------------
// Home: the accounts list.

async function goHome(opts = {}) {
  clearSecrets();
  showView("home", opts);
  await loadAccounts();
}

async function loadAccounts() {
  const loading = $("#home-loading");
  const errorBox = $("#home-error");
  loading.hidden = false;
  errorBox.hidden = true;
  try {
    const accounts = await api.listAccounts();
    renderAccounts(accounts);
  } catch (err) {
    $("#home-error-message").textContent = err.message;
    errorBox.hidden = false;
    $("#accounts").hidden = true;
    $("#home-empty").hidden = true;
  } finally {
    loading.hidden = true;
  }
}

function renderAccounts(accounts) {
  const list = $("#accounts");
  const empty = $("#home-empty");
  const addButton = $("#add-account");
  list.replaceChildren();

  if (!accounts.length) {
    list.hidden = true;
    empty.hidden = false;
    $("#home-lede").hidden = true;
    $("#home-empty-actions").append(addButton);
    return;
  }

  empty.hidden = true;
  $("#home-lede").hidden = false;
  $("#home-actions").append(addButton);
  for (const account of accounts) list.append(accountItem(account));
  list.hidden = false;
}

function accountItem(account) {
  const labelId = uid("account-label");
  const status = statusInfo(account.status);
  const title = hasText(account.label) ? account.label : hasText(account.company) ? account.company : account.provider_name;

  const time = el("time", { className: "checked-ago", text: checkedAgo(account.verified_at) });
  if (typeof account.verified_at === "number" && account.verified_at > 0) {
    const date = new Date(account.verified_at * 1000);
    time.dateTime = date.toISOString();
    time.title = date.toLocaleString();
    time.dataset.ts = String(account.verified_at);
  }

  const meta = el("p", { className: "account-meta" });
  if (hasText(account.fingerprint)) {
    meta.append(el("span", { className: "fingerprint", attrs: { title: "The end of the key, so you can recognise it" } }, "Key ", el("code", { text: account.fingerprint })));
    meta.append(el("span", { className: "meta-sep", text: "·", attrs: { "aria-hidden": "true" } }));
  }
  meta.append(time);

  const forgetButton = el("button", {
    className: "btn btn-quiet btn-small",
    text: "Forget",
    attrs: { type: "button", "aria-describedby": labelId, "aria-expanded": "false" },
  });

  const item = el(
    "li",
    { className: "account-card" },
    el(
      "div",
      { className: "account-row" },
      el(
        "div",
        { className: "account-main" },
        el("p", { className: "account-provider", text: account.provider_name }),
        el("h2", { className: "account-label", text: title, attrs: { id: labelId } }),
        hasText(account.message) ? el("p", { className: "account-message", text: account.message }) : null,
        meta,
      ),
      el("div", { className: "account-side" }, el("span", { className: `chip chip-${status.tone}`, text: status.text }), forgetButton),
    ),
  );
  item.dataset.accountId = account.id;

  forgetButton.addEventListener("click", () => openForgetConfirm(item, account, title, forgetButton));
  return item;
}

function openForgetConfirm(item, account, title, forgetButton) {
  const existing = $(".confirm", item);
  if (existing) {
    focusElement($("button", existing));
    return;
  }
  const questionId = uid("confirm-q");
  const cancel = el("button", { className: "btn btn-secondary btn-small", text: "Cancel", attrs: { type: "button" } });
  const confirm = el("button", { className: "btn btn-danger btn-small", text: "Forget account", attrs: { type: "button" } });
  const errorText = el("p", { className: "confirm-error", attrs: { role: "alert" } });
  errorText.hidden = true;
  const providerName = account.provider_name || "the provider";

  const panel = el(
    "div",
    { className: "confirm", attrs: { role: "group", "aria-labelledby": questionId } },
    el("p", { className: "confirm-question", text: `Forget ${title}?`, attrs: { id: questionId } }),
    el("p", {
      className: "confirm-detail",
      text: `Keystep will delete this key from your keychain. The key still works in ${providerName} until you revoke it there.`,
    }),
    errorText,
    el("div", { className: "actions" }, cancel, confirm),
  );

  const close = () => {
    panel.remove();
    forgetButton.setAttribute("aria-expanded", "false");
    forgetButton.disabled = false;
    focusElement(forgetButton);
  };

  cancel.addEventListener("click", close);
  panel.addEventListener("keydown", (event) => {
    if (event.key === "Escape") {
      event.preventDefault();
      close();
    }
  });
  confirm.addEventListener("click", async () => {
    cancel.disabled = true;
    confirm.disabled = true;
    errorText.hidden = true;
    try {
      await api.forgetAccount(account.id);
      announce(`Forgot ${title}.`);
      await loadAccounts();
      focusElement($("#home-title"));
    } catch (err) {
      if (err.code === "not_found") {
        // Already gone: show the list as it is now.
        await loadAccounts();
        focusElement($("#home-title"));
        return;
      }
      errorText.textContent = err.message;
      errorText.hidden = false;
      cancel.disabled = false;
      confirm.disabled = false;
      focusElement(cancel);
    }
  });

  forgetButton.setAttribute("aria-expanded", "true");
  item.append(panel);
  focusElement(cancel);
}

function refreshTimes() {
  for (const time of $$("#accounts time[data-ts]")) {
    time.textContent = checkedAgo(Number(time.dataset.ts));
  }
}

// ---------------------------------------------------------------------------
// Provider picker.

function loadProviders() {
  if (state.providers) return Promise.resolve(state.providers);
  if (!state.providersPromise) {
    state.providersPromise = api
      .listProviders()
      .then((providers) => {
        state.providers = providers;
        return providers;
      })
      .finally(() => {
        state.providersPromise = null;
      });
  }
  return state.providersPromise;
}

async function openPicker() {
  clearSecrets();
  showView("picker");
  const loading = $("#picker-loading");
  const errorBox = $("#picker-error");
  errorBox.hidden = true;
  loading.hidden = Boolean(state.providers);
  try {
    const providers = await loadProviders();
    renderProviders(providers);
  } catch (err) {
    $("#picker-error-message").textContent = err.message;
    errorBox.hidden = false;
  } finally {
    loading.hidden = true;
  }
}

function renderProviders(providers) {
  const grid = $("#providers");
  grid.replaceChildren();
  if (!providers.length) {
    grid.append(el("li", { className: "muted", text: "No systems are available in this version of Keystep." }));
    return;
  }
  for (const provider of providers) {
    const nameId = uid("provider-name");
    const descId = uid("provider-desc");
    const category = categoryLabel(provider.category);
    const button = el(
      "button",
      { className: "provider-card", attrs: { type: "button", "aria-labelledby": nameId, "aria-describedby": descId } },
      el(
        "span",
        { className: "provider-card-head" },
        el("span", { className: "provider-initial", text: (provider.name || "?").trim().charAt(0).toUpperCase(), attrs: { "aria-hidden": "true" } }),
        el("span", { className: "provider-name", text: provider.name, attrs: { id: nameId } }),
      ),
      el(
        "span",
        { className: "provider-desc", attrs: { id: descId } },
        category ? el("span", { className: "chip chip-neutral", text: category }) : null,
        hasText(provider.summary) ? el("span", { className: "provider-summary", text: provider.summary }) : null,
        hasText(provider.needs) ? el("span", { className: "provider-needs", text: `Needs: ${provider.needs}` }) : null,
      ),
    );
    button.dataset.provider = provider.id;
    button.addEventListener("click", () => openGuide(provider));
    grid.append(el("li", {}, button));
  }
}

// ---------------------------------------------------------------------------
// Guide + credential form.

/** Inputs of the current credential form, in field order. */
function fieldInputs() {
  return $$("#credential-fields input[name], #credential-fields select[name]");
}

function clearSecrets() {
  for (const input of fieldInputs()) {
    if (input.dataset.secret === "true") {
      input.value = "";
      input.type = "password";
    }
  }
  for (const toggle of $$("#credential-fields .reveal")) {
    toggle.setAttribute("aria-pressed", "false");
    toggle.textContent = "Show";
  }
}

function clearFieldErrors() {
  for (const input of fieldInputs()) {
    input.removeAttribute("aria-invalid");
    const errorId = input.dataset.errorId;
    const describedBy = (input.getAttribute("aria-describedby") || "").split(/\s+/).filter((id) => id && id !== errorId);
    if (describedBy.length) input.setAttribute("aria-describedby", describedBy.join(" "));
    else input.removeAttribute("aria-describedby");
  }
  for (const message of $$("#credential-fields .field-error")) {
    message.textContent = "";
    message.hidden = true;
  }
}

function markFieldError(fieldKey, message) {
  const input = fieldInputs().find((candidate) => candidate.name === fieldKey);
  if (!input) return null;
  const errorNode = document.getElementById(input.dataset.errorId);
  errorNode.textContent = message;
  errorNode.hidden = false;
  input.setAttribute("aria-invalid", "true");
  const describedBy = (input.getAttribute("aria-describedby") || "").split(/\s+/).filter(Boolean);
  if (!describedBy.includes(errorNode.id)) describedBy.unshift(errorNode.id);
  input.setAttribute("aria-describedby", describedBy.join(" "));
  return input;
}

function openGuide(provider) {
  if (state.provider !== provider || state.freshForm) {
    state.freshForm = false;
    state.provider = provider;
    renderGuide(provider);
  } else {
    clearSecrets();
  }
  showView("guide");
}

function renderGuide(provider) {
  $("#guide-title").textContent = `Connect ${provider.name}`;
  $("#guide-lede").textContent = `Follow these steps in ${provider.name}, then paste what you created into the form below. Keystep checks it before it saves anything.`;

  const prerequisite = $("#guide-prerequisite");
  if (hasText(provider.prerequisite)) {
    $("#guide-prerequisite-text").textContent = provider.prerequisite;
    prerequisite.hidden = false;
  } else {
    prerequisite.hidden = true;
  }

  const steps = $("#guide-steps");
  steps.replaceChildren();
  const providerSteps = Array.isArray(provider.steps) ? provider.steps : [];
  $("#guide-steps-title").hidden = providerSteps.length === 0;
  providerSteps.forEach((step, index) => steps.append(renderStep(provider, step, index)));

  $("#credentials-title").textContent = hasText(provider.needs) ? `Paste your ${provider.needs}` : "Enter the details";
  $("#credentials-intro").textContent = `Keystep checks this with ${provider.name}, then keeps it in your system keychain.`;

  const container = $("#credential-fields");
  container.replaceChildren();
  const fields = Array.isArray(provider.fields) ? provider.fields : [];
  fields.forEach((field) => container.append(renderField(field)));
  setConnecting(false);
}

function renderStep(provider, step, index) {
  const titleId = uid("step-title");
  const item = el("li", { className: "step" });
  item.dataset.step = step.id;
  item.append(el("span", { className: "step-number", text: String(index + 1), attrs: { "aria-hidden": "true" } }));

  const body = el("div", { className: "step-content" });
  body.append(el("h3", { className: "step-title", text: step.title, attrs: { id: titleId } }));
  if (hasText(step.body)) body.append(el("p", { className: "step-body", text: step.body }));

  if (hasText(step.link_label)) {
    const note = el("span", { className: "inline-note", attrs: { role: "status" } });
    const linkButton = el(
      "button",
      { className: "btn btn-secondary btn-small", attrs: { type: "button" } },
      el("span", { text: step.link_label }),
      icon("external", "icon btn-trailing-icon"),
    );
    linkButton.addEventListener("click", async () => {
      note.textContent = "";
      note.className = "inline-note";
      try {
        await api.openGuideLink(provider.id, step.id);
        note.textContent = "Opened in your browser";
        note.classList.add("inline-note-ok");
      } catch (err) {
        note.textContent = `Couldn't open it. ${err.message}`;
        note.classList.add("inline-note-error");
      }
    });
    body.append(el("div", { className: "step-actions" }, linkButton, note));
  }

  const checklist = asList(step.checklist);
  if (checklist.length) body.append(renderChecklist(checklist, "Tick these permissions:"));

  if (hasText(step.warning)) {
    body.append(
      el(
        "div",
        { className: "callout callout-warning callout-compact" },
        el("p", {}, el("strong", { text: "Important: " }), step.warning),
      ),
    );
  }

  item.append(body);
  return item;
}

function renderChecklist(items, label) {
  const labelId = uid("checklist-label");
  const note = el("span", { className: "inline-note", attrs: { role: "status" } });
  const copyButton = el("button", { className: "btn btn-secondary btn-small", text: "Copy list", attrs: { type: "button" } });
  let timer = 0;
  copyButton.addEventListener("click", async () => {
    window.clearTimeout(timer);
    note.className = "inline-note";
    note.textContent = "";
    try {
      if (!navigator.clipboard || typeof navigator.clipboard.writeText !== "function") throw new Error("no clipboard");
      await navigator.clipboard.writeText(items.join("\n"));
      note.textContent = "Copied";
      note.classList.add("inline-note-ok");
      timer = window.setTimeout(() => {
        note.textContent = "";
      }, 4000);
    } catch {
      note.textContent = "Couldn't copy";
      note.classList.add("inline-note-error");
    }
  });

  return el(
    "div",
    { className: "checklist-block" },
    el("p", { className: "checklist-label", text: label, attrs: { id: labelId } }),
    el(
      "ul",
      { className: "checklist", attrs: { role: "list", "aria-labelledby": labelId } },
      items.map((name) => el("li", {}, el("code", { text: name }))),
    ),
    el("div", { className: "checklist-actions" }, copyButton, note),
  );
}

function renderField(field) {
  const inputId = uid("field");
  const helpId = `${inputId}-help`;
  const errorId = `${inputId}-error`;
  const describedBy = hasText(field.help) ? helpId : null;
  const control = isChoice(field)
    ? renderChoice(field, inputId, describedBy)
    : renderTextInput(field, inputId, describedBy);
  const input = control.matches("input, select") ? control : control.querySelector("input");
  input.dataset.errorId = errorId;

  const errorNode = el("p", { className: "field-error", attrs: { id: errorId } });
  errorNode.hidden = true;

  const wrapper = el(
    "div",
    { className: "field" },
    el("label", { className: "field-label", text: field.label || field.key, attrs: { for: inputId } }),
    hasText(field.help) ? el("p", { className: "field-help", text: field.help, attrs: { id: helpId } }) : null,
    control,
    errorNode,
  );
  wrapper.dataset.field = field.key;
  return wrapper;
}

function isChoice(field) {
  return field.kind === "choice" && Array.isArray(field.options) && field.options.length > 0;
}

// A choice (e.g. production or sandbox) is a select of the provider's options.
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

function renderTextInput(field, inputId, describedBy) {
  const secret = field.secret === true;
  const input = el("input", {
    className: "text-input",
    attrs: {
      id: inputId,
      name: field.key,
      type: secret ? "password" : "text",
      autocomplete: "off",
      spellcheck: "false",
      autocapitalize: "off",
      autocorrect: "off",
      placeholder: hasText(field.example) ? field.example : null,
      "aria-describedby": describedBy,
    },
  });
  input.dataset.secret = secret ? "true" : "false";
  if (!secret) return input;

  const toggle = el("button", {
    className: "reveal",
    text: "Show",
    attrs: { type: "button", "aria-pressed": "false", "aria-controls": inputId, "aria-label": `Show ${field.label || "value"}` },
  });
  toggle.addEventListener("click", () => {
    const reveal = input.type === "password";
    input.type = reveal ? "text" : "password";
    toggle.setAttribute("aria-pressed", String(reveal));
    toggle.textContent = reveal ? "Hide" : "Show";
    toggle.setAttribute("aria-label", `${reveal ? "Hide" : "Show"} ${field.label || "value"}`);
  });
  return el("div", { className: "secret-input" }, input, toggle);
}

function setConnecting(on) {
  state.connecting = on;
  const form = $("#credentials");
  $("#credentials-fieldset").disabled = on;
  form.setAttribute("aria-busy", on ? "true" : "false");
  $("#connect-spinner").hidden = !on;
  $("#connect-status-text").textContent = on && state.provider ? `Checking the key with ${state.provider.name}…` : "";
  for (const crumb of $$("#crumbs button")) crumb.disabled = on;
}

async function onSubmit(event) {
  event.preventDefault();
  if (state.connecting || !state.provider) return;
  const provider = state.provider;

  clearFieldErrors();
  // Every field, secret ones included. fromEntries defines properties, which
  // stays safe with a frozen Object.prototype whatever the field keys are.
  const fields = Object.fromEntries(fieldInputs().map((input) => [input.name, input.value]));

  setConnecting(true);
  const stopProgress = await api.onLinkProgress((line) => {
    if (state.connecting) $("#connect-status-text").textContent = line;
  });
  let summary = null;
  let error = null;
  try {
    summary = await api.linkAccount(provider.id, fields);
  } catch (err) {
    error = err;
  } finally {
    // Success or failure: no secret stays in the DOM.
    stopProgress();
    clearSecrets();
    setConnecting(false);
  }

  if (error) showFailure(provider, error);
  else showSuccess(provider, summary || {});
}

// ---------------------------------------------------------------------------
// Result.

function resetResult() {
  const result = $("#result");
  result.dataset.state = "";
  delete result.dataset.code;
  result.className = "result";
  $("#result-body").replaceChildren();
  $("#result-icon").textContent = "";
  $("#retry").hidden = true;
  $("#done").hidden = true;
  $("#result-cancel").hidden = true;
}

function showSuccess(provider, summary) {
  state.lastSummary = summary;
  state.lastError = null;
  state.freshForm = true; // the next visit to a guide starts with an empty form
  resetResult();
  const result = $("#result");
  result.dataset.state = "success";
  result.classList.add("result-success");
  const status = statusInfo(summary.status);
  const providerName = summary.provider_name || provider.name;

  $("#result-icon").textContent = status.tone === "ok" ? "✓" : "!";
  $("#result-icon").dataset.tone = status.tone;
  $("#result-title").textContent = `${providerName} is connected`;
  $("#result-message").textContent = hasText(summary.message) ? summary.message : `Keystep connected to ${providerName}.`;

  const body = $("#result-body");
  const notes = asList(summary.notes);
  if (notes.length) {
    body.append(
      el(
        "ul",
        { className: "notes", attrs: { role: "list", "aria-label": "Notes" } },
        notes.map((note) => el("li", {}, icon("info", "icon note-icon"), el("span", { text: note }))),
      ),
    );
  }

  // Account details.
  const rows = [];
  const addRow = (term, value, mono = false) => {
    if (value === undefined || value === null || String(value).trim() === "") return;
    rows.push(el("div", { className: "detail-row" }, el("dt", { text: term }), el("dd", {}, mono ? el("code", { text: value }) : String(value))));
  };
  addRow("Account", summary.label);
  if (summary.company !== summary.label) addRow("Company", summary.company);
  if (typeof summary.head_count === "number") addRow("People", summary.head_count.toLocaleString());
  addRow("Checked as", summary.user);
  addRow("Key", summary.fingerprint, true);
  addRow("Status", status.text);
  if (rows.length) {
    body.append(el("section", { className: "result-section", attrs: { "aria-label": "Account details" } }, el("dl", { className: "details" }, rows)));
  }

  // Permissions.
  const permissions = summary.permissions && typeof summary.permissions === "object" ? summary.permissions : null;
  if (permissions) {
    const section = el("section", { className: "result-section" }, el("h2", { className: "section-title", text: "Permissions" }));
    const granted = asList(permissions.granted);
    const missing = asList(permissions.missing);
    const extra = asList(permissions.extra);
    const unchecked = asList(permissions.unchecked);
    if (granted.length) {
      section.append(
        el("p", { className: "perm-label", text: "The key has what Keystep needs:" }),
        el(
          "ul",
          { className: "perm-list perm-granted", attrs: { role: "list" } },
          granted.map((name) => el("li", {}, icon("check", "icon perm-mark"), el("code", { text: name }))),
        ),
      );
    }
    if (missing.length) {
      section.append(
        el(
          "div",
          { className: "callout callout-warning callout-compact" },
          el("p", { text: "These permissions are missing. Some checks may not work until you add them:" }),
          el("ul", { className: "perm-list", attrs: { role: "list" } }, missing.map((name) => el("li", {}, el("code", { text: name })))),
        ),
      );
    }
    if (extra.length) {
      section.append(
        el(
          "div",
          { className: "callout callout-info callout-compact" },
          el("p", {}, el("strong", { text: "Tip: " }), `This key can do more than Keystep needs. For safety, you could remove these permissions in ${providerName}:`),
          el("ul", { className: "perm-list", attrs: { role: "list" } }, extra.map((name) => el("li", {}, el("code", { text: name })))),
        ),
      );
    }
    if (unchecked.length) {
      section.append(
        el("p", { className: "perm-label muted", text: "Keystep couldn't check these:" }),
        el("ul", { className: "perm-list", attrs: { role: "list" } }, unchecked.map((name) => el("li", {}, el("code", { text: name })))),
      );
    }
    if (section.childElementCount > 1) body.append(section);
  }

  if (hasText(summary.stored_in)) {
    body.append(el("p", { className: "stored-in" }, icon("lock", "icon stored-icon"), el("span", { text: `Saved in ${summary.stored_in}.` })));
  }

  $("#done").hidden = false;
  showView("result", { focus: $("#result-title") });
  announce(`${providerName} is connected. ${$("#result-message").textContent}`);
}

function showFailure(provider, error) {
  state.lastError = error;
  state.lastSummary = null;
  resetResult();
  const code = error && typeof error.code === "string" ? error.code : "internal";
  const message = error && hasText(error.message) ? error.message : "Something went wrong. Please try again.";
  const result = $("#result");
  result.dataset.state = "error";
  result.dataset.code = code;
  result.classList.add("result-error");

  $("#result-icon").textContent = "!";
  $("#result-icon").dataset.tone = "error";
  $("#result-title").textContent = "We couldn't connect";
  $("#result-message").textContent = message;

  const body = $("#result-body");
  const missing = asList(error.missing);
  if (code === "missing_permission" && missing.length) {
    body.append(renderChecklist(missing, `Add these permissions to the key in ${provider.name}, then try again:`));
  }
  const wait = code === "rate_limited" ? waitText(error.retry_after_secs) : "";
  if (wait) body.append(el("p", { className: "result-hint", text: wait }));

  // The form keeps non-secret values; point at the field the backend named.
  if (code === "invalid_input" && hasText(error.field)) {
    const input = markFieldError(error.field, message);
    if (input) {
      const label = $(`label[for="${input.id}"]`);
      body.append(el("p", { className: "result-hint", text: `Check the “${label ? label.textContent : error.field}” field.` }));
    }
  }
  body.append(el("p", { className: "error-code", text: `Error code: ${code}` }));

  $("#retry").hidden = false;
  $("#result-cancel").hidden = false;
  showView("result", { focus: result });
  announce(`We couldn't connect. ${message}`);
}

function retry() {
  // Back to the same form: non-secret values are kept, secrets were cleared.
  // Focus the field the backend complained about, else the form heading.
  const invalid = fieldInputs().find((input) => input.getAttribute("aria-invalid") === "true");
  const target = invalid || $("#credentials-title");
  showView("guide", { focus: false });
  target.scrollIntoView({ block: "center" });
  focusElement(target);
}

// ---------------------------------------------------------------------------
// Boot.

function wire() {
  $("#add-account").addEventListener("click", () => openPicker());
  $("#home-retry").addEventListener("click", () => loadAccounts());
  $("#picker-retry").addEventListener("click", () => openPicker());
  $("#picker-back").addEventListener("click", () => goHome());
  $("#guide-back").addEventListener("click", () => openPicker());
  $("#credentials").addEventListener("submit", onSubmit);
  $("#done").addEventListener("click", () => goHome());
  $("#result-cancel").addEventListener("click", () => goHome());
  $("#retry").addEventListener("click", retry);
  window.setInterval(refreshTimes, 30000);
}

function boot() {
  wire();
  showView("home", { focus: false });
  loadAccounts();
  // Warm the provider list so the picker opens instantly; errors show there.
  loadProviders().catch(() => {});
}

if (document.readyState === "loading") {
  document.addEventListener("DOMContentLoaded", boot, { once: true });
} else {
  boot();
}
