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

function isTimestamp(value) {
  return typeof value === "number" && Number.isFinite(value) && value > 0;
}

/** "just now", "3 min ago", "2 h ago", "5 days ago"; "" for no time. */
function ago(unixSeconds) {
  if (!isTimestamp(unixSeconds)) return "";
  const seconds = Math.max(0, Math.floor(Date.now() / 1000 - unixSeconds));
  if (seconds < 60) return "just now";
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min ago`;
  const hours = Math.floor(minutes / 60);
  if (hours < 24) return `${hours} h ago`;
  const days = Math.floor(hours / 24);
  return days === 1 ? "1 day ago" : `${days} days ago`;
}

// The relative times shown on account cards, by `data-kind`.
const TIME_TEXT = {
  checked: (ts) => (isTimestamp(ts) ? `checked ${ago(ts)}` : "not checked yet"),
  key: (ts) => (isTimestamp(ts) ? `key added ${ago(ts)}` : ""),
};

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
  accounts: [], // the last list shown on home
  mode: "link", // "link" adds an account; "relink" replaces an account's key
  relinkAccount: null, // the account whose key is being replaced
  guideKey: "", // which form the guide shows: "link:<provider>" or "relink:<account>"
  checking: new Set(), // ids of accounts being checked now
  reconcile: null, // what reconcile_accounts found at start-up
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
  const inForm = state.view === "guide" || state.view === "result";
  if (inForm && state.mode === "relink" && state.relinkAccount) {
    const account = state.relinkAccount;
    trail.push({ label: `Replace key: ${accountTitle(account)}`, go: () => backToGuide() });
  } else {
    if (state.view !== "home") trail.push({ label: "Add account", go: () => openPicker() });
    if (inForm && state.provider) {
      const provider = state.provider;
      trail.push({ label: provider.name, go: () => openGuide(provider) });
    }
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
  state.accounts = accounts.slice();
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

function accountTitle(account) {
  if (!account) return "";
  if (hasText(account.label)) return account.label;
  if (hasText(account.company)) return account.company;
  return account.provider_name || "this account";
}

/** The card of an account on home, if shown. */
function cardFor(id) {
  return $$("#accounts [data-account-id]").find((node) => node.dataset.accountId === id) || null;
}

/** Keep the list's copy of an account current and redraw its card in place. */
function updateAccount(view) {
  const index = state.accounts.findIndex((a) => a.id === view.id);
  if (index >= 0) state.accounts[index] = view;
  else state.accounts.push(view);
  if (state.relinkAccount && state.relinkAccount.id === view.id) state.relinkAccount = view;
  const old = cardFor(view.id);
  if (!old) return null;
  const fresh = accountItem(view);
  if ($(".rename-form, .confirm", old)) {
    // Someone is typing a name or confirming a forget here: refresh only the facts.
    patchCard(old, fresh);
    return old;
  }
  old.replaceWith(fresh);
  return fresh;
}

function patchCard(card, fresh) {
  card.dataset.status = fresh.dataset.status;
  $(".account-side", card).replaceWith($(".account-side", fresh));
  $(".account-meta", card).replaceWith($(".account-meta", fresh));
  const message = $(".account-message", card);
  const freshMessage = $(".account-message", fresh);
  if (message && freshMessage) message.replaceWith(freshMessage);
  else if (message) message.remove();
  else if (freshMessage) $(".account-meta", card).before(freshMessage);
}

function timeNode(kind, ts) {
  const text = TIME_TEXT[kind](ts);
  if (!text) return null;
  const node = el("time", { className: `card-time card-time-${kind}`, text });
  node.dataset.kind = kind;
  if (isTimestamp(ts)) {
    const date = new Date(ts * 1000);
    node.dateTime = date.toISOString();
    node.title = date.toLocaleString();
    node.dataset.ts = String(ts);
  }
  return node;
}

function accountItem(account) {
  const labelId = uid("account-label");
  const status = statusInfo(account.status);
  const title = accountTitle(account);
  const needsRelink = account.status === "needs_relink";
  const keyIsBad = needsRelink || account.status === "failing";

  const metaParts = [];
  if (hasText(account.fingerprint)) {
    metaParts.push(el("span", { className: "fingerprint", attrs: { title: "The end of the key, so you can recognise it" } }, "Key ", el("code", { text: account.fingerprint })));
  }
  metaParts.push(timeNode("key", account.changed_at));
  metaParts.push(timeNode("checked", isTimestamp(account.checked_at) ? account.checked_at : account.verified_at));
  const meta = el("p", { className: "account-meta" });
  metaParts.filter(Boolean).forEach((part, index) => {
    if (index > 0) meta.append(el("span", { className: "meta-sep", text: "·", attrs: { "aria-hidden": "true" } }));
    meta.append(part);
  });

  const action = (name, text, className) =>
    el("button", { className: `btn btn-small ${className}`, text, attrs: { type: "button", "data-action": name, "aria-describedby": labelId } });
  const relinkButton = action("relink", needsRelink ? "Relink" : "Replace key", keyIsBad ? "btn-primary" : "btn-tool");
  const checkButton = action("check", "Check now", "btn-tool");
  const renameButton = action("rename", "Rename", "btn-tool");
  const forgetButton = action("forget", "Forget", "btn-quiet btn-forget");
  forgetButton.setAttribute("aria-expanded", "false");
  renameButton.setAttribute("aria-expanded", "false");
  const ordered = keyIsBad ? [relinkButton, checkButton, renameButton] : [checkButton, renameButton, relinkButton];

  const progress = el("p", { className: "account-progress", attrs: { role: "status" } });
  const errorText = el("p", { className: "account-error", attrs: { role: "alert" } });
  errorText.hidden = true;

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
      el("div", { className: "account-side" }, el("span", { className: `chip chip-${status.tone}`, text: status.text })),
    ),
    progress,
    errorText,
    el("div", { className: "account-actions" }, ordered, forgetButton),
  );
  item.dataset.accountId = account.id;
  item.dataset.status = hasText(account.status) ? account.status : "unknown";

  checkButton.addEventListener("click", () => checkNow(account));
  renameButton.addEventListener("click", () => openRename(account, item, renameButton));
  relinkButton.addEventListener("click", () => openRelink(account, { from: relinkButton }));
  forgetButton.addEventListener("click", () => openForgetConfirm(item, account, title, forgetButton));

  if (state.checking.has(account.id)) setCardBusy(item, true, `Checking the key with ${account.provider_name}…`);
  return item;
}

function showCardError(id, message) {
  const card = cardFor(id);
  if (!card) {
    announce(message);
    return;
  }
  const node = $(".account-error", card);
  node.textContent = message;
  node.hidden = false;
}

function hideCardError(card) {
  const node = $(".account-error", card);
  node.textContent = "";
  node.hidden = true;
}

function setCardBusy(card, on, line) {
  const button = $('[data-action="check"]', card);
  const progress = $(".account-progress", card);
  card.classList.toggle("is-busy", on);
  if (on) card.setAttribute("aria-busy", "true");
  else card.removeAttribute("aria-busy");
  // aria-disabled rather than disabled: the button keeps keyboard focus while busy.
  if (on) button.setAttribute("aria-disabled", "true");
  else button.removeAttribute("aria-disabled");
  button.textContent = on ? "Checking…" : "Check now";
  if (on) setCardProgress(card, line);
  else progress.replaceChildren();
}

function setCardProgress(card, line) {
  $(".account-progress", card).replaceChildren(el("span", { className: "spinner", attrs: { "aria-hidden": "true" } }), el("span", { text: line }));
}

async function checkNow(account) {
  if (state.checking.has(account.id)) return;
  const card = cardFor(account.id);
  if (!card) return;
  state.checking.add(account.id);
  hideCardError(card);
  setCardBusy(card, true, `Checking the key with ${account.provider_name}…`);

  // Progress events carry no account id: show them only while one check runs.
  const stopProgress = await api.onLinkProgress((line) => {
    if (state.checking.size !== 1 || !state.checking.has(account.id)) return;
    const current = cardFor(account.id);
    if (current) setCardProgress(current, line);
  });
  let view = null;
  let error = null;
  try {
    view = await api.checkAccount(account.id);
  } catch (err) {
    error = err;
  } finally {
    stopProgress();
    state.checking.delete(account.id);
  }

  const current = cardFor(account.id);
  const active = document.activeElement;
  const hadFocus = Boolean(current && current.contains(active)) || !active || active === document.body;
  if (view) {
    const fresh = updateAccount(view);
    if (fresh && fresh === current) setCardBusy(fresh, false); // patched, not replaced
    else if (fresh && hadFocus) focusElement($('[data-action="check"]', fresh));
    const status = statusInfo(view.status);
    announce(`${accountTitle(view)}: ${status.text}.${hasText(view.message) ? ` ${view.message}` : ""}`);
    return;
  }
  if (error.code === "not_found") {
    await loadAccounts();
    announce(error.message);
    focusElement($("#home-title"));
    return;
  }
  if (current) {
    setCardBusy(current, false);
    showCardError(account.id, error.message);
  }
}

function openRename(account, item, renameButton) {
  const existing = $(".rename-form", item);
  if (existing) {
    focusElement($("input", existing));
    return;
  }
  const heading = $(".account-label", item);
  const title = accountTitle(account);
  const inputId = uid("rename");
  const hintId = `${inputId}-hint`;
  const errorId = `${inputId}-error`;

  const input = el("input", {
    className: "text-input rename-input",
    attrs: { id: inputId, name: "label", type: "text", autocomplete: "off", spellcheck: "false", "aria-describedby": hintId },
  });
  input.value = hasText(account.label) ? account.label : title;
  const save = el("button", { className: "btn btn-primary btn-small", text: "Save", attrs: { type: "submit" } });
  const cancel = el("button", { className: "btn btn-secondary btn-small", text: "Cancel", attrs: { type: "button" } });
  const errorNode = el("p", { className: "field-error", attrs: { id: errorId } });
  errorNode.hidden = true;
  const form = el(
    "form",
    { className: "rename-form", attrs: { novalidate: true, "aria-label": `Rename ${title}` } },
    el("label", { className: "field-label rename-label", text: "Account name", attrs: { for: inputId } }),
    el("div", { className: "rename-row" }, input, save, cancel),
    errorNode,
    el("p", { className: "field-help", text: "Enter saves, Escape cancels.", attrs: { id: hintId } }),
  );

  let busy = false;
  const close = () => {
    form.remove();
    heading.hidden = false;
    renameButton.setAttribute("aria-expanded", "false");
    focusElement(renameButton);
  };
  const showError = (message) => {
    errorNode.textContent = message;
    errorNode.hidden = false;
    input.setAttribute("aria-invalid", "true");
    input.setAttribute("aria-describedby", `${errorId} ${hintId}`);
  };

  cancel.addEventListener("click", () => {
    if (!busy) close();
  });
  form.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && !busy) {
      event.preventDefault();
      event.stopPropagation();
      close();
    }
  });
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (busy) return;
    busy = true;
    errorNode.hidden = true;
    input.removeAttribute("aria-invalid");
    input.setAttribute("aria-describedby", hintId);
    input.readOnly = true;
    save.setAttribute("aria-disabled", "true");
    form.setAttribute("aria-busy", "true");
    try {
      const view = await api.renameAccount(account.id, input.value);
      form.remove();
      const fresh = updateAccount(view);
      announce(`Renamed to ${accountTitle(view)}.`);
      if (fresh) focusElement($('[data-action="rename"]', fresh));
      else close();
    } catch (err) {
      busy = false;
      input.readOnly = false;
      save.removeAttribute("aria-disabled");
      form.removeAttribute("aria-busy");
      if (err.code === "not_found") {
        await loadAccounts();
        announce(err.message);
        focusElement($("#home-title"));
        return;
      }
      showError(err.message);
      focusElement(input);
      input.select();
    }
  });

  heading.hidden = true;
  heading.after(form);
  renameButton.setAttribute("aria-expanded", "true");
  focusElement(input);
  input.select();
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
      const panelTitle = await showForgetRevoke(account, title);
      focusElement(panelTitle || $("#home-title"));
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
    const format = TIME_TEXT[time.dataset.kind] || TIME_TEXT.checked;
    time.textContent = format(Number(time.dataset.ts));
  }
}

// ---------------------------------------------------------------------------
// Revoking a key in the provider (after a forget or a key replacement).

function providerFor(account) {
  const providers = state.providers || [];
  return providers.find((p) => p.id === account.provider) || null;
}

/**
 * The "revoke it in the provider" steps. Only one exists at a time (#revoke-steps).
 * @param {{heading: string, intro: string, steps: Array<string|Array<string|Node>|null>, onDismiss?: () => void}} opts
 */
function revokeSteps(opts) {
  const existing = document.getElementById("revoke-steps");
  if (existing) existing.remove();
  const titleId = "revoke-steps-title";
  const section = el(
    "section",
    { className: "revoke", attrs: { id: "revoke-steps", "aria-labelledby": titleId } },
    el("h2", { className: "revoke-title", text: opts.heading, attrs: { id: titleId, tabindex: "-1" } }),
    el("p", { className: "revoke-intro", text: opts.intro }),
    el(
      "ol",
      { className: "revoke-list", attrs: { role: "list" } },
      opts.steps
        .filter((step) => hasText(step) || Array.isArray(step))
        .map((step, index) =>
          el("li", {}, el("span", { className: "revoke-number", text: String(index + 1), attrs: { "aria-hidden": "true" } }), el("span", {}, step)),
        ),
    ),
  );
  if (opts.onDismiss) {
    const dismiss = el("button", { className: "btn btn-secondary btn-small", text: "Done", attrs: { type: "button", id: "revoke-dismiss" } });
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

function revokeText(provider, providerName) {
  return provider && hasText(provider.revoke) ? provider.revoke : `Sign in to ${providerName} and delete the key you created for Keystep.`;
}

/** After a forget: a dismissible panel on home. Resolves to its heading. */
async function showForgetRevoke(account, title) {
  await loadProviders().catch(() => null);
  const provider = providerFor(account);
  const providerName = account.provider_name || (provider && provider.name) || "the provider";
  const panel = revokeSteps({
    heading: `Now revoke the key in ${providerName}`,
    intro: `Keystep deleted the key for ${title} from your keychain. The key itself still works in ${providerName} until you revoke it there.`,
    steps: [revokeText(provider, providerName), hasText(account.fingerprint) ? ["The key to revoke ends in ", el("code", { text: account.fingerprint }), "."] : null],
    onDismiss: () => {
      panel.remove();
      focusElement($("#home-title"));
    },
  });
  $("#home-revoke").replaceChildren(panel);
  return $(".revoke-title", panel);
}

// ---------------------------------------------------------------------------
// Start-up keychain check (reconcile_accounts) and its notice.

async function runReconcile() {
  let result;
  try {
    result = await api.reconcileAccounts();
  } catch (err) {
    result = { needs_relink: [], orphans: [], problem: err, notice: null };
  }
  state.reconcile = {
    needs_relink: result.needs_relink.slice(),
    orphans: result.orphans.slice(),
    problem: result.problem,
    notice: result.notice,
  };
  renderNotice();
  if (result.needs_relink.length) await refreshCards(result.needs_relink);
}

/** Redraws the cards of these accounts if the backend changed them (not while in use). */
async function refreshCards(ids) {
  const stale = ids.filter((id) => {
    const card = cardFor(id);
    return card && card.dataset.status !== "needs_relink";
  });
  if (!stale.length) return;
  let accounts;
  try {
    accounts = await api.listAccounts();
  } catch {
    return;
  }
  for (const view of accounts.filter((a) => stale.includes(a.id))) {
    const card = cardFor(view.id);
    const inUse = card && (card.contains(document.activeElement) || $(".rename-form, .confirm", card) || state.checking.has(view.id));
    if (!inUse) updateAccount(view);
  }
}

function renderNotice() {
  const box = $("#notice");
  const content = $("#notice-content");
  content.replaceChildren();
  const found = state.reconcile;
  if (!found) {
    box.hidden = true;
    return;
  }
  if (hasText(found.notice)) content.append(el("p", { className: "notice-text", text: found.notice }));

  const lost = found.needs_relink.length;
  if (lost) {
    content.append(
      el("p", {
        className: "notice-text",
        text: lost === 1 ? "1 account lost its key from the keychain. Relink it." : `${lost} accounts lost their key from the keychain. Relink them.`,
      }),
    );
  }
  if (found.orphans.length) content.append(orphanBlock(found.orphans));
  if (found.problem) {
    const retry = el("button", { className: "btn btn-secondary btn-small", text: "Try again", attrs: { type: "button", id: "notice-retry" } });
    retry.addEventListener("click", async () => {
      if (retry.getAttribute("aria-disabled") === "true") return;
      retry.setAttribute("aria-disabled", "true");
      retry.textContent = "Checking…";
      await runReconcile();
      if (!box.hidden) {
        focusElement($("#notice-retry") || $("#notice-title"));
      } else {
        announce("Keystep checked your keychain. Everything matches.");
        focusElement($("#home-title"));
      }
    });
    content.append(el("div", { className: "notice-problem" }, el("p", { className: "notice-text", text: found.problem.message }), retry));
  }
  box.dataset.tone = found.problem || lost || found.orphans.length ? "attention" : "info";
  box.hidden = content.childElementCount === 0;
}

function orphanBlock(orphans) {
  const introId = uid("orphans-intro");
  const list = el("ul", { className: "orphans", attrs: { id: "orphans", role: "list", "aria-labelledby": introId } });
  for (const orphan of orphans) list.append(orphanItem(orphan));
  const count = orphans.length;
  return el(
    "div",
    { className: "notice-orphans" },
    el("p", {
      className: "notice-text",
      text: count === 1 ? "Your keychain holds a Keystep key that belongs to no account:" : `Your keychain holds ${count} Keystep keys that belong to no account:`,
      attrs: { id: introId },
    }),
    list,
    el("p", { className: "notice-hint", text: "Removing one deletes only the keychain item. To stop the key itself, revoke it in its system too." }),
  );
}

function orphanItem(orphan) {
  const labelId = uid("orphan-label");
  const label = hasText(orphan.label) ? orphan.label : "Keystep key";
  const button = el("button", { className: "btn btn-secondary btn-small", text: "Remove from keychain", attrs: { type: "button", "aria-describedby": labelId } });
  const errorText = el("p", { className: "orphan-error", attrs: { role: "alert" } });
  errorText.hidden = true;
  const item = el(
    "li",
    { className: "orphan" },
    el("span", { className: "orphan-label", text: label, attrs: { id: labelId } }),
    button,
    errorText,
  );
  item.dataset.orphanId = orphan.account;

  button.addEventListener("click", async () => {
    if (button.getAttribute("aria-disabled") === "true") return;
    button.setAttribute("aria-disabled", "true");
    button.textContent = "Removing…";
    errorText.hidden = true;
    try {
      await api.removeOrphan(orphan.account);
    } catch (err) {
      button.removeAttribute("aria-disabled");
      button.textContent = "Remove from keychain";
      errorText.textContent = err.message;
      errorText.hidden = false;
      focusElement(button);
      return;
    }
    announce(`Removed “${label}” from your keychain.`);
    const found = state.reconcile;
    found.orphans = found.orphans.filter((o) => o.account !== orphan.account);
    const next = item.nextElementSibling || item.previousElementSibling;
    if (next) {
      item.remove();
      focusElement($("button", next));
      return;
    }
    renderNotice();
    focusElement($("#notice").hidden ? $("#home-title") : $("#notice-title"));
  });
  return item;
}

function dismissNotice() {
  $("#notice").hidden = true;
  focusElement($("#home-title"));
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
  state.mode = "link";
  state.relinkAccount = null;
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
  state.mode = "link";
  state.relinkAccount = null;
  state.provider = provider;
  if (state.guideKey !== `link:${provider.id}` || state.freshForm) {
    state.freshForm = false;
    renderGuide(provider);
  } else {
    clearSecrets();
  }
  showView("guide");
}

/**
 * The guide and form in relink mode: a new key for an existing account.
 * @param {object} account AccountView
 * @param {{from?: HTMLElement, pasteAgain?: boolean}} [opts] `from`: the button that
 *   asked (errors show on its card); `pasteAgain`: the key the person pasted was cleared
 */
async function openRelink(account, opts = {}) {
  clearSecrets();
  let providers;
  try {
    providers = await loadProviders();
  } catch (err) {
    showCardError(account.id, err.message);
    return;
  }
  const provider = providers.find((p) => p.id === account.provider);
  if (!provider) {
    showCardError(account.id, `This version of Keystep can't connect ${account.provider_name || "this system"}, so it can't replace the key.`);
    return;
  }
  state.mode = "relink";
  state.relinkAccount = account;
  state.provider = provider;
  state.freshForm = false;
  renderGuide(provider, { account, pasteAgain: Boolean(opts.pasteAgain) });
  const secret = fieldInputs().find((input) => input.dataset.secret === "true");
  showView("guide", { focus: opts.pasteAgain && secret ? secret : undefined });
}

/** Back to the form already shown (crumb), keeping what was typed except secrets. */
function backToGuide() {
  clearSecrets();
  showView("guide");
}

function renderGuide(provider, opts = {}) {
  const account = opts.account || null;
  const relink = Boolean(account);
  const title = accountTitle(account);
  state.guideKey = relink ? `relink:${account.id}` : `link:${provider.id}`;
  $('[data-view="guide"]').dataset.mode = relink ? "relink" : "link";

  if (relink) {
    $("#guide-title").textContent = `Replace the key for ${title}`;
    $("#guide-lede").textContent =
      account.status === "needs_relink"
        ? `Keystep no longer has this account's key. Create a new key in ${provider.name}, then paste it below. Keystep checks it before it saves anything.`
        : `Create a new key in ${provider.name}, then paste it below. Keystep checks it before it replaces the current key${hasText(account.fingerprint) ? ` (ending ${account.fingerprint})` : ""}.`;
  } else {
    $("#guide-title").textContent = `Connect ${provider.name}`;
    $("#guide-lede").textContent = `Follow these steps in ${provider.name}, then paste what you created into the form below. Keystep checks it before it saves anything.`;
  }

  const rotateWarning = $("#rotate-warning");
  if (relink && hasText(provider.rotate_warning)) {
    $("#rotate-warning-text").textContent = provider.rotate_warning;
    rotateWarning.hidden = false;
  } else {
    rotateWarning.hidden = true;
  }

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
  $("#guide-steps-title").textContent = relink ? "Create a new key" : "Create the key";
  providerSteps.forEach((step, index) => steps.append(renderStep(provider, step, index)));

  const fields = Array.isArray(provider.fields) ? provider.fields : [];
  const hasPublic = fields.some((field) => field.secret !== true);
  if (relink) {
    $("#credentials-title").textContent = "Paste the new key";
    $("#credentials-intro").textContent =
      `Keystep checks it with ${provider.name}, then swaps it in for the current key.` +
      (hasPublic ? " The other details come from the account; change them only if they changed." : "");
  } else {
    $("#credentials-title").textContent = hasText(provider.needs) ? `Paste your ${provider.needs}` : "Enter the details";
    $("#credentials-intro").textContent = `Keystep checks this with ${provider.name}, then keeps it in your system keychain.`;
  }
  $("#paste-again").hidden = !opts.pasteAgain;
  $("#connect").textContent = relink ? "Replace key" : "Connect";

  const container = $("#credential-fields");
  container.replaceChildren();
  fields.forEach((field) => container.append(renderField(field)));
  if (relink) prefill(account);
  setConnecting(false);
}

/** Relink mode: the account's stored non-secret values. */
function prefill(account) {
  const stored = account.fields && typeof account.fields === "object" ? account.fields : {};
  for (const input of fieldInputs()) {
    if (input.dataset.secret === "true" || !Object.prototype.hasOwnProperty.call(stored, input.name)) continue;
    const value = stored[input.name];
    if (typeof value !== "string") continue;
    if (input.tagName === "SELECT") {
      if (Array.from(input.options).some((option) => option.value === value)) input.value = value;
    } else {
      input.value = value;
    }
  }
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
  const what = state.mode === "relink" ? "the new key" : "the key";
  $("#connect-status-text").textContent = on && state.provider ? `Checking ${what} with ${state.provider.name}…` : "";
  for (const crumb of $$("#crumbs button")) crumb.disabled = on;
}

async function onSubmit(event) {
  event.preventDefault();
  if (state.connecting || !state.provider) return;
  const provider = state.provider;
  const relinkAccount = state.mode === "relink" ? state.relinkAccount : null;

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
    summary = relinkAccount ? await api.relinkAccount(relinkAccount.id, fields) : await api.linkAccount(provider.id, fields);
  } catch (err) {
    error = err;
  } finally {
    // Success or failure: no secret stays in the DOM.
    stopProgress();
    clearSecrets();
    setConnecting(false);
  }

  if (error) showFailure(provider, error, relinkAccount);
  else if (relinkAccount) showRelinked(provider, summary || {}, relinkAccount);
  else showSuccess(provider, summary || {});
}

// ---------------------------------------------------------------------------
// Result.

function resetResult(mode = "link") {
  const result = $("#result");
  result.dataset.state = "";
  delete result.dataset.code;
  result.dataset.mode = mode;
  $('[data-view="result"]').dataset.mode = mode;
  result.className = "result";
  $("#result-body").replaceChildren();
  $("#result-icon").textContent = "";
  $("#retry").hidden = true;
  $("#done").hidden = true;
  $("#result-cancel").hidden = true;
  $("#relink-existing").hidden = true;
}

/** The start every success result shares: state, the result frame and its icon. */
function beginSuccess(mode, provider, summary) {
  state.lastSummary = summary;
  state.lastError = null;
  state.freshForm = true; // the next visit to a guide starts with an empty form
  resetResult(mode);
  const result = $("#result");
  result.dataset.state = "success";
  result.classList.add("result-success");
  const status = statusInfo(summary.status);
  $("#result-icon").textContent = status.tone === "ok" ? "✓" : "!";
  $("#result-icon").dataset.tone = status.tone;
  return summary.provider_name || provider.name;
}

function showSuccess(provider, summary) {
  const providerName = beginSuccess("link", provider, summary);
  $("#result-title").textContent = `${providerName} is connected`;
  $("#result-message").textContent = hasText(summary.message) ? summary.message : `Keystep connected to ${providerName}.`;

  renderSummary($("#result-body"), summary, providerName, null);

  $("#done").hidden = false;
  showView("result", { focus: $("#result-title") });
  announce(`${providerName} is connected. ${$("#result-message").textContent}`);
}

/** Relink mode succeeded: the new key is in; tell the person to revoke the old one. */
function showRelinked(provider, summary, before) {
  if (hasText(summary.id)) updateAccount(summary);
  const providerName = beginSuccess("relink", provider, summary);
  const title = accountTitle(summary.label ? summary : before);
  $("#result-title").textContent = "Key replaced";
  $("#result-message").textContent = hasText(summary.message) ? summary.message : `Keystep now uses the new key for ${title}.`;

  const oldPrint = before.fingerprint;
  const newPrint = summary.fingerprint;
  const tellApart = hasText(oldPrint) && hasText(newPrint) && oldPrint !== newPrint;
  const revoke = revokeSteps({
    heading: `Now revoke the old key in ${providerName}`,
    intro: `Keystep uses the new key for ${title} from now on. Revoke the old one in ${providerName} so nobody can use it:`,
    steps: [
      revokeText(provider, providerName),
      tellApart
        ? ["Revoke the key ending in ", el("code", { text: oldPrint }), ". Keep the new one, ending in ", el("code", { text: newPrint }), "."]
        : "Keep the key you just pasted into Keystep.",
    ],
  });
  renderSummary($("#result-body"), summary, providerName, revoke);

  $("#done").hidden = false;
  showView("result", { focus: $("#result-title") });
  announce(`Key replaced for ${title}. Now revoke the old key in ${providerName}.`);
}

/** Notes, then `lead` (if any), details, permissions and where the key is kept. */
function renderSummary(body, summary, providerName, lead) {
  const status = statusInfo(summary.status);
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
  if (lead) body.append(lead);

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
}

function showFailure(provider, error, relinkAccount = null) {
  state.lastError = error;
  state.lastSummary = null;
  resetResult(relinkAccount ? "relink" : "link");
  const code = error && typeof error.code === "string" ? error.code : "internal";
  const message = error && hasText(error.message) ? error.message : "Something went wrong. Please try again.";
  const result = $("#result");
  result.dataset.state = "error";
  result.dataset.code = code;
  const existingId = code === "already_linked" && hasText(error.account_id) ? error.account_id : null;
  // A duplicate is a detour, not a failure: amber, not red.
  result.classList.add(existingId ? "result-attention" : "result-error");

  $("#result-icon").textContent = "!";
  $("#result-icon").dataset.tone = existingId ? "attention" : "error";
  if (existingId) $("#result-title").textContent = "This account is already linked";
  else $("#result-title").textContent = relinkAccount ? "We couldn't replace the key" : "We couldn't connect";
  $("#result-message").textContent = message;

  const body = $("#result-body");
  if (relinkAccount && !existingId) {
    body.append(el("p", { className: "result-hint", text: `${accountTitle(relinkAccount)} keeps its current key.` }));
  }
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
  if (existingId) {
    body.append(el("p", { className: "result-hint", text: "For safety, Keystep cleared the key you pasted: you'll paste it once more." }));
  }
  body.append(el("p", { className: "error-code", text: `Error code: ${code}` }));

  $("#result-cancel").hidden = false;
  if (existingId) offerRelinkExisting(existingId);
  else $("#retry").hidden = false;
  showView("result", { focus: result });
  announce(`${$("#result-title").textContent}. ${message}`);
}

/** already_linked: the primary action replaces the key of the account that exists. */
function offerRelinkExisting(accountId) {
  const button = $("#relink-existing");
  button.dataset.accountId = accountId;
  const label = (account) => (account ? `Replace the key of ${accountTitle(account)}` : "Replace the key of the linked account");
  button.textContent = label(state.accounts.find((a) => a.id === accountId));
  button.hidden = false;
  if (!state.accounts.some((a) => a.id === accountId)) {
    api
      .listAccounts()
      .then((accounts) => {
        state.accounts = accounts;
        if (button.dataset.accountId === accountId) button.textContent = label(accounts.find((a) => a.id === accountId));
      })
      .catch(() => {});
  }
}

async function relinkExisting() {
  const id = $("#relink-existing").dataset.accountId;
  let account = state.accounts.find((a) => a.id === id);
  if (!account) {
    try {
      state.accounts = await api.listAccounts();
    } catch (err) {
      announce(err.message);
      return;
    }
    account = state.accounts.find((a) => a.id === id);
  }
  if (!account) {
    // Forgotten meanwhile: nothing to replace; the list shows what there is.
    announce("That account is no longer linked.");
    goHome();
    return;
  }
  await openRelink(account, { pasteAgain: true });
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
  $("#guide-back").addEventListener("click", () => (state.mode === "relink" ? goHome() : openPicker()));
  $("#credentials").addEventListener("submit", onSubmit);
  $("#done").addEventListener("click", () => goHome());
  $("#result-cancel").addEventListener("click", () => goHome());
  $("#retry").addEventListener("click", retry);
  $("#relink-existing").addEventListener("click", relinkExisting);
  $("#notice-dismiss").addEventListener("click", dismissNotice);
  window.setInterval(refreshTimes, 30000);
}

async function boot() {
  wire();
  showView("home", { focus: false });
  // Warm the provider list so the picker opens instantly; errors show there.
  loadProviders().catch(() => {});
  await loadAccounts();
  // Once per start: match the account list with the keychain.
  await runReconcile();
}

if (document.readyState === "loading") {
  document.addEventListener("DOMContentLoaded", boot, { once: true });
} else {
  boot();
}
