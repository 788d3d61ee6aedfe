// Keystep UI: boot, views and events.
//
// Everything provider-specific comes from `list_providers` (in the active language); this
// file has no provider ids and no per-provider code. It talks to the backend only through
// ./api.js and branches on error `code`, never on message text. Every sentence it shows
// comes from ./i18n.js (ui/locales); the backend's English `message` is kept in a small
// "Details" disclosure for precision.

import * as api from "./api.js";
import { ago, ahead, fill, formatDate, formatDateTime, formatNumber, isTimestamp, joinChoices, joinList, language, resolveLanguage, retryPhrase, setLanguage, t } from "./i18n.js";

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
  for (const child of children.flat(Infinity)) {
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
  cross: ["M6.5 6.5l11 11", "M17.5 6.5l-11 11"],
  warning: ["M12 4l9 16H3z", "M12 10v4.5", "M12 17.4v.1"],
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

function own(object, key) {
  return Boolean(object) && typeof object === "object" && Object.prototype.hasOwnProperty.call(object, key);
}

/** A "Details" disclosure holding the backend's English sentence (and the code). */
function details(message, code) {
  if (!hasText(message) && !hasText(code)) return null;
  return el(
    "details",
    { className: "tech-details" },
    el("summary", { text: t("common.details") }),
    hasText(message) ? el("p", { className: "tech-message", text: message, attrs: { lang: "en" } }) : null,
    hasText(code) ? el("p", { className: "error-code" }, t("common.error_code"), " ", el("code", { text: code })) : null,
  );
}

// ---------------------------------------------------------------------------
// Wording that depends on data values (never on provider ids). Every key is written out
// in full so the locale check in tests/ui can see it.

const CATEGORY = { hris: "category.hris", ats: "category.ats" };

const STATUS = {
  ok: { tone: "ok", key: "status.ok" },
  limited: { tone: "attention", key: "status.limited" },
  failing: { tone: "error", key: "status.failing" },
  needs_relink: { tone: "error", key: "status.needs_relink" },
  unknown: { tone: "unknown", key: "status.unknown" },
};

function statusInfo(status) {
  const known = own(STATUS, status) ? STATUS[status] : { tone: "unknown", key: "status.pending" };
  return { tone: known.tone, text: t(known.key) };
}

// Per code: a heading, the generic sentence, and what to do next.
const CODE_TEXT = {
  invalid_input: ["error.invalid_input.title", "error.invalid_input.text", "error.invalid_input.next"],
  bad_credentials: ["error.bad_credentials.title", "error.bad_credentials.text", "error.bad_credentials.next"],
  missing_permission: ["error.missing_permission.title", "error.missing_permission.text", "error.missing_permission.next"],
  wrong_tenant: ["error.wrong_tenant.title", "error.wrong_tenant.text", "error.wrong_tenant.next"],
  rate_limited: ["error.rate_limited.title", "error.rate_limited.text", "error.rate_limited.next"],
  blocked: ["error.blocked.title", "error.blocked.text", "error.blocked.next"],
  unreachable: ["error.unreachable.title", "error.unreachable.text", "error.unreachable.next"],
  provider_error: ["error.provider_error.title", "error.provider_error.text", "error.provider_error.next"],
  unexpected_response: ["error.unexpected_response.title", "error.unexpected_response.text", "error.unexpected_response.next"],
  keychain_unavailable: ["error.keychain_unavailable.title", "error.keychain_unavailable.text", "error.keychain_unavailable.next"],
  storage_failed: ["error.storage_failed.title", "error.storage_failed.text", "error.storage_failed.next"],
  not_found: ["error.not_found.title", "error.not_found.text", "error.not_found.next"],
  already_linked: ["error.already_linked.title", "error.already_linked.text", "error.already_linked.next"],
  read_only: ["error.read_only.title", "error.read_only.text", "error.read_only.next"],
  host_changed: ["error.host_changed.title", "error.host_changed.text", "error.host_changed.next"],
  internal: ["error.internal.title", "error.internal.text", "error.internal.next"],
};

function codeText(code) {
  return own(CODE_TEXT, code) ? CODE_TEXT[code] : CODE_TEXT.internal;
}

/** The short heading of an outcome code ("The key was not accepted"). */
function codeTitle(code, provider, extra = {}) {
  return t(codeText(code)[0], context(provider, extra));
}

/** Values for `{placeholders}` in text about a provider and an outcome. */
function context(provider, extra = {}) {
  return {
    provider: (provider && provider.name) || t("common.the_provider"),
    retry: retryPhrase(extra.retry_after_secs),
    missing: asList(extra.missing).length ? joinList(asList(extra.missing)) : undefined,
    ...(extra.fields || {}),
  };
}

/**
 * What went wrong, in the active language: the provider's own advice for the code when it
 * has some (filled in completely), else the generic sentence.
 */
function outcomeSentence(provider, code, extra = {}) {
  const params = context(provider, extra);
  const messages = provider && provider.messages && typeof provider.messages === "object" ? provider.messages : {};
  if (own(messages, code) && hasText(messages[code])) {
    const template = messages[code];
    const usable = !(template.includes("{missing}") && !params.missing);
    const filled = fill(template, params);
    if (usable && !/\{[a-z_]+\}/.test(filled)) return filled;
  }
  return t(codeText(code)[1], params);
}

/** The provider's success line, the first template whose placeholders are all known. */
function successLine(provider, account) {
  const known = {
    company: hasText(account.company) ? account.company : undefined,
    head_count: typeof account.head_count === "number" ? formatNumber(account.head_count) : undefined,
    user: hasText(account.user) ? account.user : undefined,
  };
  for (const template of asList(provider && provider.success)) {
    const filled = fill(template, known);
    if (!/\{[a-z_]+\}/.test(filled)) return filled;
  }
  return t("result.connected_generic", { provider: account.provider_name || (provider && provider.name) || "" });
}

const NOTE = {
  trimmed_whitespace: "note.trimmed_whitespace",
  removed_quotes: "note.removed_quotes",
  removed_authorization_prefix: "note.removed_authorization_prefix",
  removed_bearer_prefix: "note.removed_bearer_prefix",
  removed_token_prefix: "note.removed_token_prefix",
  removed_scheme: "note.removed_scheme",
  removed_path: "note.removed_path",
  removed_domain: "note.removed_domain",
  unusual_format: "note.unusual_format",
};

const PROBLEM = {
  empty: "problem.empty",
  too_long: "problem.too_long",
  inner_space: "problem.inner_space",
  invisible: "problem.invisible",
  not_a_subdomain: "problem.not_a_subdomain",
  other_domain: "problem.other_domain",
  not_an_option: "problem.not_an_option",
  unknown_field: "problem.unknown_field",
  same_value: "problem.same_value",
  swapped: "problem.swapped",
  pasted_together: "problem.pasted_together",
};

function fieldOf(provider, key) {
  return asList(provider && provider.fields).find((field) => field.key === key) || null;
}

function fieldParams(provider, key, otherKey) {
  const field = fieldOf(provider, key);
  const other = fieldOf(provider, otherKey);
  return {
    provider: provider ? provider.name : "",
    label: field ? field.label : key,
    field: key,
    example: field && hasText(field.example) ? field.example : "",
    domain: field && hasText(field.domain) ? `.${field.domain}` : "",
    other_label: other ? other.label : otherKey || "",
    options: field ? joinChoices(asList(field.options).map((o) => o.label)) : "",
  };
}

/** The notes of one field as one sentence: "We removed “https://” in front of it and “.example.com”." */
function notesSentence(provider, key, changes) {
  const parts = changes.filter((c) => own(NOTE, c) && c !== "unusual_format").map((c) => t(NOTE[c], fieldParams(provider, key)));
  const sentences = [];
  if (parts.length) sentences.push(t("note.we_removed", { what: joinList(parts) }));
  if (changes.includes("unusual_format")) sentences.push(t(NOTE.unusual_format, fieldParams(provider, key)));
  return sentences.join(" ");
}

function problemSentence(provider, problem) {
  const key = own(PROBLEM, problem.problem) ? PROBLEM[problem.problem] : "problem.invalid";
  return t(key, fieldParams(provider, problem.field, problem.other));
}

/** Groups preview notes by field, in form order: Map(field -> [change]). */
function notesByField(preview) {
  const byField = new Map();
  for (const note of asList(preview && preview.notes)) {
    if (!note || !hasText(note.field) || !hasText(note.change)) continue;
    if (!byField.has(note.field)) byField.set(note.field, []);
    byField.get(note.field).push(note.change);
  }
  return byField;
}

// ---------------------------------------------------------------------------
// State.

const state = {
  view: "home",
  lang: "en",
  settings: null,
  providers: null, // Array once loaded (in state.providersLang)
  providersLang: null,
  providersPromise: null,
  provider: null, // the provider shown in the guide
  connecting: false,
  connectRun: 0, // bumped by each submission and by Cancel: a stale result is ignored
  freshForm: false,
  lastError: null,
  lastSummary: null,
  accounts: [], // the last list shown on home
  accountsLoaded: false,
  mode: "link", // "link" adds an account; "relink" replaces an account's key
  relinkAccount: null, // the account whose key is being replaced
  guideKey: "", // which form the guide shows: "link:<provider>" or "relink:<account>", plus the language
  currentStep: 0,
  touched: new Set(), // fields left once (their "empty" problem may show)
  preview: null, // the last preview_fields answer for the current form
  previewRun: 0,
  checking: new Set(), // ids of accounts being checked now
  checksRunning: false,
  detailId: null, // the account shown in the account view
  reconcile: null, // what reconcile_accounts found at start-up
  keychain: "ready", // get_keychain_state, asked when a link or a relink starts
  hostOverrides: [], // KEYSTEP_*_URL overrides in effect (list_host_overrides)
};

// ---------------------------------------------------------------------------
// Announcements and views.

const VIEWS = ["home", "account", "picker", "guide", "result", "settings"];

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
 * @param {"home"|"account"|"picker"|"guide"|"result"|"settings"} name
 * @param {{focus?: HTMLElement|null|false}} [opts] element to focus; the view heading by default
 */
function showView(name, opts = {}) {
  if (state.view === "guide" && name !== "guide" && name !== "result" && state.connecting) cancelConnect({ quiet: true });
  state.view = VIEWS.includes(name) ? name : "home";
  for (const view of $$("[data-view]")) {
    view.hidden = view.dataset.view !== state.view;
  }
  document.body.dataset.currentView = state.view;
  $("#open-settings").hidden = state.view === "settings";
  renderCrumbs();
  if (opts.focus === false) return;
  window.scrollTo(0, 0);
  const target = opts.focus || $(`[data-view="${state.view}"] h1`);
  focusElement(target);
}

function renderCrumbs() {
  const list = $("#crumbs");
  list.replaceChildren();
  const trail = [{ label: t("nav.accounts"), go: () => goHome() }];
  const inForm = state.view === "guide" || state.view === "result";
  if (state.view === "settings") {
    trail.push({ label: t("nav.settings") });
  } else if (state.view === "account") {
    const account = state.accounts.find((a) => a.id === state.detailId);
    trail.push({ label: account ? accountTitle(account) : t("nav.account") });
  } else if (inForm && state.mode === "relink" && state.relinkAccount) {
    trail.push({ label: t("nav.replace_key", { account: accountTitle(state.relinkAccount) }), go: () => backToGuide() });
  } else {
    if (state.view !== "home") trail.push({ label: t("nav.add_account"), go: () => openPicker() });
    if (inForm && state.provider) {
      const provider = state.provider;
      trail.push({ label: provider.name, go: () => (state.view === "guide" ? null : backToGuide()) });
    }
  }
  if (state.view === "result") trail.push({ label: t("nav.result") });

  trail.forEach((crumb, index) => {
    const last = index === trail.length - 1;
    let node;
    if (last) {
      node = el("span", { className: "crumb-current", text: crumb.label, attrs: { "aria-current": "page" } });
    } else {
      node = el("button", { className: "crumb-link", text: crumb.label, attrs: { type: "button" } });
      node.addEventListener("click", crumb.go);
    }
    list.append(el("li", {}, node));
  });
}

// ---------------------------------------------------------------------------
// Providers, in the active language.

function loadProviders() {
  const lang = state.lang;
  if (state.providers && state.providersLang === lang) return Promise.resolve(state.providers);
  if (!state.providersPromise || state.providersPromise.lang !== lang) {
    const promise = api
      .listProviders(lang)
      .then((providers) => {
        if (state.lang === lang) {
          state.providers = providers;
          state.providersLang = lang;
        }
        return providers;
      })
      .finally(() => {
        if (state.providersPromise === promise) state.providersPromise = null;
      });
    promise.lang = lang;
    state.providersPromise = promise;
  }
  return state.providersPromise;
}

function providerFor(account) {
  const providers = state.providers || [];
  return providers.find((p) => p.id === (account && account.provider)) || null;
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
  loading.hidden = state.accountsLoaded;
  errorBox.hidden = true;
  try {
    const [accounts] = await Promise.all([api.listAccounts(), loadProviders().catch(() => null)]);
    state.accountsLoaded = true;
    renderAccounts(accounts);
  } catch (err) {
    $("#home-error-message").replaceChildren(t(codeText(err.code)[1], context(null, err)), " ", details(err.message, err.code) || "");
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
  // Keep focus on a card's button across a redraw (accounts-changed while someone tabs).
  const active = document.activeElement;
  const activeCard = active && active.closest ? active.closest("[data-account-id]") : null;
  const keep = activeCard && list.contains(activeCard) ? { id: activeCard.dataset.accountId, action: active.dataset.action } : null;
  if ($$(".rename-form, .confirm", list).length) {
    // Someone is typing a name or confirming a forget: refresh cards in place.
    for (const account of accounts) updateAccount(account);
    for (const card of $$("[data-account-id]", list)) {
      if (!accounts.some((a) => a.id === card.dataset.accountId)) card.remove();
    }
    renderCheckAll();
    return;
  }
  list.replaceChildren();

  if (!accounts.length) {
    list.hidden = true;
    empty.hidden = false;
    $("#home-lede").hidden = true;
    $("#home-empty-actions").append(addButton);
    renderCheckAll();
    return;
  }

  empty.hidden = true;
  $("#home-lede").hidden = false;
  $("#home-actions").append(addButton);
  for (const account of accounts) list.append(accountItem(account));
  list.hidden = false;
  renderCheckAll();
  if (keep) {
    const card = cardFor(keep.id);
    const again = card && (keep.action ? $(`[data-action="${keep.action}"]`, card) : null);
    if (again) focusElement(again);
  }
}

function accountTitle(account) {
  if (!account) return "";
  if (hasText(account.label)) return account.label;
  if (hasText(account.company)) return account.company;
  return account.provider_name || t("common.this_account");
}

/** The card of an account on home, if shown. */
function cardFor(id) {
  return $$("#accounts [data-account-id]").find((node) => node.dataset.accountId === id) || null;
}

/** Keep the list's copy of an account current and redraw its card (and detail) in place. */
function updateAccount(view) {
  const index = state.accounts.findIndex((a) => a.id === view.id);
  if (index >= 0) state.accounts[index] = view;
  else state.accounts.push(view);
  if (state.relinkAccount && state.relinkAccount.id === view.id) state.relinkAccount = view;
  if (state.view === "account" && state.detailId === view.id) renderAccountDetail(view);
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
  for (const part of [".account-side", ".account-meta", ".account-message", ".account-note"]) {
    const now = $(part, card);
    const next = $(part, fresh);
    if (now && next) now.replaceWith(next);
    else if (now) now.remove();
    else if (next) $(".account-main", card).append(next);
  }
}

// The relative times shown on cards and the detail view, by `data-kind`.
const TIME_TEXT = {
  checked: (ts) => (isTimestamp(ts) ? t("account.checked", { when: ago(ts) }) : t("account.never_checked")),
  next: (ts) => (isTimestamp(ts) ? t("account.next_check", { when: ahead(ts) }) : ""),
  retry: (ts) => (isTimestamp(ts) ? ahead(ts) : ""),
  ago: (ts) => ago(ts),
};

function timeNode(kind, ts, className = "") {
  const text = TIME_TEXT[kind](ts);
  if (!text) return null;
  const node = el("time", { className: `card-time card-time-${kind} ${className}`.trim(), text });
  node.dataset.kind = kind;
  if (isTimestamp(ts)) {
    node.dateTime = new Date(ts * 1000).toISOString();
    node.title = formatDateTime(ts);
    node.dataset.ts = String(ts);
  }
  return node;
}

function keyAgeText(account) {
  if (typeof account.key_age_days === "number" && Number.isFinite(account.key_age_days)) {
    return t("account.key_age", { count: account.key_age_days });
  }
  if (isTimestamp(account.changed_at)) return t("account.key_age", { count: Math.floor((Date.now() / 1000 - account.changed_at) / 86400) });
  return "";
}

/** The chips beside the status: rotation due, expiry. */
function extraChips(account) {
  const chips = [];
  if (account.expiry_warning === true) {
    const past = isTimestamp(account.expires_at) && account.expires_at * 1000 <= Date.now();
    chips.push(el("span", { className: `chip ${past ? "chip-error" : "chip-attention"} chip-expiry`, text: past ? t("account.expired") : t("account.expires_soon") }));
  }
  if (account.rotation_due === true) chips.push(el("span", { className: "chip chip-neutral chip-rotation", text: t("account.rotation_due") }));
  return chips;
}

/** What the account's state means, in the active language. */
function accountSentence(account) {
  // Safe mode: the account is only a keychain label; nothing is known of its key.
  if (state.reconcile && state.reconcile.safeMode) return t("safe.card");
  const provider = providerFor(account);
  const fields = account.fields && typeof account.fields === "object" ? account.fields : {};
  switch (account.status) {
    case "ok":
      return successLine(provider, account);
    case "limited": {
      const missing = asList(account.permissions && account.permissions.missing);
      return missing.length ? t("account.limited_missing", { missing: joinList(missing) }) : t("account.limited");
    }
    case "needs_relink":
      return t("account.needs_relink", { provider: account.provider_name || "" });
    case "failing":
      return outcomeSentence(provider, hasText(account.last_code) ? account.last_code : "bad_credentials", { fields, missing: account.permissions && account.permissions.missing });
    case "unknown": {
      const trouble = account.couldnt_check && hasText(account.couldnt_check.code) ? account.couldnt_check.code : account.last_code;
      return t("account.unknown", { reason: codeTitle(hasText(trouble) ? trouble : "unreachable", providerFor(account)) });
    }
    default:
      return "";
  }
}

/** A transient trouble that has not (yet) turned the status to "Couldn't check". */
function couldntCheckNote(account) {
  const trouble = account.couldnt_check;
  if (!trouble || typeof trouble !== "object" || account.status === "unknown") return null;
  const note = el("p", { className: "account-note" }, icon("info", "icon note-icon"));
  const text = el("span", {
    text: t("account.trouble", { count: typeof trouble.attempts === "number" ? trouble.attempts : 1, reason: codeTitle(trouble.code, providerFor(account)), provider: account.provider_name || "" }),
  });
  note.append(text);
  const retry = timeNode("retry", trouble.next_try_at);
  if (retry) note.append(" ", el("span", { text: t("account.retry_at") }), " ", retry);
  return note;
}

function metaLine(account) {
  const parts = [];
  if (hasText(account.fingerprint)) {
    parts.push(el("span", { className: "fingerprint", attrs: { title: t("account.fingerprint_title") } }, t("account.key_ending"), " ", el("code", { text: account.fingerprint })));
  }
  const age = keyAgeText(account);
  if (age) parts.push(el("span", { className: "key-age", text: age }));
  parts.push(timeNode("checked", isTimestamp(account.checked_at) ? account.checked_at : account.verified_at));
  if (account.status !== "needs_relink") parts.push(timeNode("next", account.next_check_at));
  const meta = el("p", { className: "account-meta" });
  parts.filter(Boolean).forEach((part, index) => {
    if (index > 0) meta.append(el("span", { className: "meta-sep", text: "·", attrs: { "aria-hidden": "true" } }));
    meta.append(part);
  });
  return meta;
}

function accountItem(account) {
  const labelId = uid("account-label");
  const status = statusInfo(account.status);
  const title = accountTitle(account);
  const needsRelink = account.status === "needs_relink";
  const keyIsBad = needsRelink || account.status === "failing";
  const sentence = accountSentence(account);

  const action = (name, text, className) =>
    el("button", { className: `btn btn-small ${className}`, text, attrs: { type: "button", "data-action": name, "aria-describedby": labelId } });
  const relinkButton = action("relink", needsRelink ? t("account.relink") : t("account.replace_key"), keyIsBad ? "btn-primary" : "btn-tool");
  const checkButton = action("check", t("account.check_now"), "btn-tool");
  const renameButton = action("rename", t("account.rename"), "btn-tool");
  const detailsButton = action("details", t("account.details"), "btn-tool");
  const forgetButton = action("forget", t("account.forget"), "btn-quiet btn-forget");
  forgetButton.setAttribute("aria-expanded", "false");
  renameButton.setAttribute("aria-expanded", "false");
  const ordered = keyIsBad ? [relinkButton, checkButton, detailsButton, renameButton] : [checkButton, detailsButton, renameButton, relinkButton];

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
        sentence ? el("p", { className: "account-message", text: sentence }) : null,
        couldntCheckNote(account),
        metaLine(account),
      ),
      el("div", { className: "account-side" }, el("span", { className: `chip chip-${status.tone} chip-status`, text: status.text }), extraChips(account)),
    ),
    progress,
    errorText,
    el("div", { className: "account-actions" }, ordered, forgetButton),
  );
  item.dataset.accountId = account.id;
  item.dataset.status = hasText(account.status) ? account.status : "unknown";

  checkButton.addEventListener("click", () => checkNow(account));
  detailsButton.addEventListener("click", () => openAccount(account.id));
  renameButton.addEventListener("click", () => openRename(account, item, renameButton));
  relinkButton.addEventListener("click", () => openRelink(account, { from: relinkButton }));
  forgetButton.addEventListener("click", () => openForgetConfirm(item, account, title, forgetButton));

  if (state.checking.has(account.id)) setCardBusy(item, true, t("account.checking_with", { provider: account.provider_name }));
  return item;
}

function showCardError(id, message) {
  const card = cardFor(id);
  if (state.view === "account" && state.detailId === id) {
    const node = $("#account-error");
    node.textContent = message;
    node.hidden = false;
  }
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

function setBusyButton(button, on) {
  if (!button) return;
  // aria-disabled rather than disabled: the button keeps keyboard focus while busy.
  if (on) button.setAttribute("aria-disabled", "true");
  else button.removeAttribute("aria-disabled");
  button.textContent = on ? t("account.checking") : t("account.check_now");
}

function setCardBusy(card, on, line) {
  const progress = $(".account-progress", card);
  card.classList.toggle("is-busy", on);
  if (on) card.setAttribute("aria-busy", "true");
  else card.removeAttribute("aria-busy");
  setBusyButton($('[data-action="check"]', card), on);
  if (on) setProgressLine(progress, line);
  else progress.replaceChildren();
}

function setProgressLine(node, line) {
  if (!node) return;
  node.replaceChildren(el("span", { className: "spinner", attrs: { "aria-hidden": "true" } }), el("span", { text: line }));
}

/** The localized line for a link-progress payload ("" keeps the line shown: the payload's own line is English). */
function progressText(provider, payload) {
  const check = asList(provider && provider.checks).find((c) => c && c.id === payload.check);
  return check && hasText(check.doing) ? check.doing : "";
}

async function checkNow(account) {
  if (state.checking.has(account.id)) return;
  state.checking.add(account.id);
  const card = cardFor(account.id);
  const line = t("account.checking_with", { provider: account.provider_name });
  if (card) {
    hideCardError(card);
    setCardBusy(card, true, line);
  }
  if (state.view === "account" && state.detailId === account.id) setDetailBusy(true, line);
  const provider = providerFor(account);

  // Progress events carry no account id: show them only while one check runs.
  const stopProgress = await api.onLinkProgress((payload) => {
    if (state.checking.size !== 1 || !state.checking.has(account.id)) return;
    const text = progressText(provider, payload);
    if (!text) return;
    const current = cardFor(account.id);
    if (current) setProgressLine($(".account-progress", current), text);
    if (state.view === "account" && state.detailId === account.id) setProgressLine($("#account-progress"), text);
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
  if (state.view === "account" && state.detailId === account.id) setDetailBusy(false);
  if (view) {
    const fresh = updateAccount(view);
    if (fresh && fresh === current) setCardBusy(fresh, false); // patched, not replaced
    else if (fresh && hadFocus && state.view === "home") focusElement($('[data-action="check"]', fresh));
    if (state.view === "account" && state.detailId === view.id) {
      focusElement($('#account-actions [data-action="check"]'));
      loadHistory(view.id);
    }
    const status = statusInfo(view.status);
    announce(`${accountTitle(view)}: ${status.text}. ${accountSentence(view)}`);
    return;
  }
  if (error.code === "not_found") {
    await goHome();
    announce(t(codeText("not_found")[1]));
    return;
  }
  if (current) setCardBusy(current, false);
  showCardError(account.id, t(codeText(error.code)[1], context(provider, error)));
}

function setDetailBusy(on, line) {
  const button = $('#account-actions [data-action="check"]');
  setBusyButton(button, on);
  const progress = $("#account-progress");
  if (on) {
    $("#account-error").hidden = true;
    setProgressLine(progress, line);
  } else {
    progress.replaceChildren();
  }
}

// ---------------------------------------------------------------------------
// "Check all now" and the background checks.

function renderCheckAll() {
  const button = $("#check-all");
  const running = state.checksRunning;
  button.hidden = state.accounts.length === 0;
  if (running) button.setAttribute("aria-disabled", "true");
  else button.removeAttribute("aria-disabled");
  $("#check-all-spinner").hidden = !running;
  $("#check-all-text").textContent = running ? t("home.checking_all") : t("home.check_all");
  $("#checks-running").textContent = running ? t("home.checks_running") : "";
}

function setChecksRunning(running) {
  const was = state.checksRunning;
  state.checksRunning = Boolean(running);
  renderCheckAll();
  if (was && !running && state.accountsLoaded) refreshAfterChange();
}

async function checkAll() {
  if (state.checksRunning) return;
  setChecksRunning(true);
  // Resolves when every account was checked; the UI keeps working meanwhile.
  try {
    await api.checkAllAccounts();
    setChecksRunning(false);
    announce(t("home.checked_all"));
  } catch (err) {
    setChecksRunning(false);
    announce(t(codeText(err.code)[1], context(null, err)));
  }
}

/** accounts-changed: redraw what shows accounts, without moving focus. */
async function refreshAfterChange() {
  let accounts;
  try {
    accounts = await api.listAccounts();
  } catch {
    return;
  }
  if (state.view === "home") {
    state.accountsLoaded = true;
    $("#home-loading").hidden = true;
    renderAccounts(accounts);
    return;
  }
  state.accounts = accounts;
  if (state.view === "account") {
    const account = accounts.find((a) => a.id === state.detailId);
    if (account) {
      renderAccountDetail(account);
      loadHistory(account.id);
    } else {
      await goHome();
      announce(t("account.gone"));
    }
  }
}

// ---------------------------------------------------------------------------
// One account: details, permissions and history.

async function openAccount(id) {
  clearSecrets();
  await loadProviders().catch(() => null);
  let account = state.accounts.find((a) => a.id === id);
  if (!account) {
    try {
      state.accounts = await api.listAccounts();
    } catch {
      // Shown below as "no longer linked".
    }
    account = state.accounts.find((a) => a.id === id);
  }
  if (!account) {
    await goHome();
    announce(t("account.gone"));
    return;
  }
  state.detailId = id;
  renderAccountDetail(account);
  showView("account");
  await loadHistory(id);
}

function renderAccountDetail(account) {
  const provider = providerFor(account);
  $("#account-provider").textContent = account.provider_name || "";
  $("#account-title").textContent = accountTitle(account);
  const view = $('[data-view="account"]');
  view.dataset.accountId = account.id;
  view.dataset.status = hasText(account.status) ? account.status : "unknown";
  if (!state.checking.has(account.id)) $("#account-progress").replaceChildren();

  const actions = $("#account-actions");
  const needsRelink = account.status === "needs_relink";
  const check = el("button", { className: "btn btn-secondary", text: t("account.check_now"), attrs: { type: "button", "data-action": "check" } });
  const relink = el("button", { className: `btn ${needsRelink || account.status === "failing" ? "btn-primary" : "btn-secondary"}`, text: needsRelink ? t("account.relink") : t("account.replace_key"), attrs: { type: "button", "data-action": "relink" } });
  const forget = el("button", { className: "btn btn-quiet btn-forget", text: t("account.forget"), attrs: { type: "button", "data-action": "forget" } });
  check.addEventListener("click", () => checkNow(state.accounts.find((a) => a.id === account.id) || account));
  relink.addEventListener("click", () => openRelink(account, { from: relink }));
  forget.addEventListener("click", async () => {
    await goHome({ focus: false });
    const card = cardFor(account.id);
    if (card) $('[data-action="forget"]', card).click();
  });
  const hadFocus = actions.contains(document.activeElement) ? document.activeElement.dataset.action : null;
  actions.replaceChildren(check, relink, forget);
  if (state.checking.has(account.id)) setBusyButton(check, true);
  if (hadFocus) focusElement($(`[data-action="${hadFocus}"]`, actions));

  const body = $("#account-body");
  body.replaceChildren();
  const status = statusInfo(account.status);
  body.append(
    el(
      "div",
      { className: "card account-summary" },
      el("div", { className: "account-summary-head" }, el("span", { className: `chip chip-${status.tone} chip-status`, text: status.text }), extraChips(account)),
      el("p", { className: "account-message", text: accountSentence(account) }),
      couldntCheckNote(account),
      details(account.message, account.last_code),
    ),
  );

  const rows = [];
  const addRow = (term, value, mono = false) => {
    if (value === undefined || value === null || value === "" || (typeof value === "string" && !value.trim())) return;
    const dd = el("dd");
    if (value instanceof Node) dd.append(value);
    else if (mono) dd.append(el("code", { text: value }));
    else dd.textContent = String(value);
    rows.push(el("div", { className: "detail-row" }, el("dt", { text: term }), dd));
  };
  addRow(t("detail.company"), account.company);
  if (typeof account.head_count === "number") addRow(t("detail.people"), formatNumber(account.head_count));
  addRow(t("detail.checked_as"), account.user);
  addRow(t("detail.key"), account.fingerprint, true);
  addRow(t("detail.key_age"), keyAgeText(account));
  if (isTimestamp(account.expires_at)) addRow(t("detail.expires"), formatDate(account.expires_at));
  addRow(t("detail.last_verified"), isTimestamp(account.verified_at) ? `${formatDateTime(account.verified_at)} (${ago(account.verified_at)})` : t("account.never_checked"));
  if (account.status !== "needs_relink" && isTimestamp(account.next_check_at)) addRow(t("detail.next_check"), `${formatDateTime(account.next_check_at)} (${ahead(account.next_check_at)})`);
  if (state.settings && typeof state.settings.rotation_reminder_days === "number") addRow(t("detail.rotation"), t("detail.rotation_every", { count: state.settings.rotation_reminder_days }));
  body.append(el("section", { className: "card result-section", attrs: { "aria-label": t("detail.facts") } }, el("dl", { className: "details" }, rows)));

  const permissions = permissionSection(account.permissions, account.provider_name || (provider && provider.name) || "");
  if (permissions) body.append(el("div", { className: "card" }, permissions));
  renderCrumbs();
}

async function loadHistory(id) {
  const loading = $("#history-loading");
  const errorNode = $("#history-error");
  const wrap = $("#history-wrap");
  const empty = $("#history-empty");
  loading.hidden = false;
  errorNode.hidden = true;
  let checks;
  try {
    checks = await api.listChecks(id);
  } catch (err) {
    loading.hidden = true;
    if (state.detailId !== id) return;
    errorNode.textContent = t(codeText(err.code)[1], context(null, err));
    errorNode.hidden = false;
    wrap.hidden = true;
    empty.hidden = true;
    return;
  }
  loading.hidden = true;
  if (state.detailId !== id) return;
  const account = state.accounts.find((a) => a.id === id);
  const provider = providerFor(account);
  const rows = $("#history-rows");
  rows.replaceChildren();
  for (const check of checks) {
    const status = statusInfo(check.status);
    const missing = asList(check.missing);
    const reason = hasText(check.code) ? codeTitle(check.code, provider) : t("history.verified");
    rows.append(
      el(
        "tr",
        { attrs: { "data-code": check.code || "ok" } },
        el("td", {}, el("time", { text: formatDateTime(check.at), attrs: { datetime: isTimestamp(check.at) ? new Date(check.at * 1000).toISOString() : null } }), el("span", { className: "muted history-ago", text: ` (${ago(check.at)})` })),
        el("td", {}, el("span", { className: `chip chip-${status.tone}`, text: status.text }), " ", el("span", { text: reason })),
        el(
          "td",
          {},
          missing.length
            ? el("span", {}, t("history.missing"), " ", missing.map((name, i) => [i ? ", " : "", el("code", { text: name })]))
            : el("span", { className: "muted", text: asList(check.granted).length ? t("history.all_granted") : "—" }),
        ),
      ),
    );
  }
  wrap.hidden = checks.length === 0;
  empty.hidden = checks.length !== 0;
}

// ---------------------------------------------------------------------------
// Rename, forget.

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
  const save = el("button", { className: "btn btn-primary btn-small", text: t("rename.save"), attrs: { type: "submit" } });
  const cancel = el("button", { className: "btn btn-secondary btn-small", text: t("common.cancel"), attrs: { type: "button" } });
  const errorNode = el("p", { className: "field-error", attrs: { id: errorId } });
  errorNode.hidden = true;
  const form = el(
    "form",
    { className: "rename-form", attrs: { novalidate: true, "aria-label": t("rename.form", { account: title }) } },
    el("label", { className: "field-label rename-label", text: t("rename.label"), attrs: { for: inputId } }),
    el("div", { className: "rename-row" }, input, save, cancel),
    errorNode,
    el("p", { className: "field-help", text: t("rename.hint"), attrs: { id: hintId } }),
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
      announce(t("rename.done", { account: accountTitle(view) }));
      if (fresh) focusElement($('[data-action="rename"]', fresh));
      else close();
    } catch (err) {
      busy = false;
      input.readOnly = false;
      save.removeAttribute("aria-disabled");
      form.removeAttribute("aria-busy");
      if (err.code === "not_found") {
        await loadAccounts();
        announce(t(codeText("not_found")[1]));
        focusElement($("#home-title"));
        return;
      }
      showError(err.code === "invalid_input" ? t("rename.invalid") : t(codeText(err.code)[1], context(null, err)));
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
  const cancel = el("button", { className: "btn btn-secondary btn-small", text: t("common.cancel"), attrs: { type: "button" } });
  const confirm = el("button", { className: "btn btn-danger btn-small", text: t("forget.confirm"), attrs: { type: "button", "data-action": "confirm-forget" } });
  const errorText = el("p", { className: "confirm-error", attrs: { role: "alert" } });
  errorText.hidden = true;
  const providerName = account.provider_name || t("common.the_provider");

  const panel = el(
    "div",
    { className: "confirm", attrs: { role: "group", "aria-labelledby": questionId } },
    el("p", { className: "confirm-question", text: t("forget.question", { account: title }), attrs: { id: questionId } }),
    el("p", { className: "confirm-detail", text: t("forget.detail", { provider: providerName }) }),
    errorText,
    el("div", { className: "actions" }, cancel, confirm),
  );

  const close = () => {
    panel.remove();
    forgetButton.setAttribute("aria-expanded", "false");
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
      announce(t("forget.done", { account: title }));
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
      errorText.textContent = t(codeText(err.code)[1], context(null, err));
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
  for (const time of $$("time[data-ts]")) {
    const format = TIME_TEXT[time.dataset.kind];
    if (format) time.textContent = format(Number(time.dataset.ts));
  }
}

// ---------------------------------------------------------------------------
// Revoking a key in the provider (after a forget or a key replacement).

/**
 * The "revoke it in the provider" steps, as a checklist. Only one exists at a time (#revoke-steps).
 * @param {{heading: string, intro: string, steps: Array<string|Array<string|Node>|null>, onDismiss?: () => void}} opts
 */
function revokeSteps(opts) {
  const existing = document.getElementById("revoke-steps");
  if (existing) existing.remove();
  const titleId = "revoke-steps-title";
  const steps = opts.steps.filter((step) => hasText(step) || Array.isArray(step));
  const section = el(
    "section",
    { className: "revoke", attrs: { id: "revoke-steps", "aria-labelledby": titleId } },
    el("h2", { className: "revoke-title", text: opts.heading, attrs: { id: titleId, tabindex: "-1" } }),
    el("p", { className: "revoke-intro", text: opts.intro }),
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

function revokeText(provider, providerName) {
  return provider && hasText(provider.revoke) ? provider.revoke : t("revoke.generic", { provider: providerName });
}

/** After a forget: a dismissible panel on home. Resolves to its heading. */
async function showForgetRevoke(account, title) {
  await loadProviders().catch(() => null);
  const provider = providerFor(account);
  const providerName = account.provider_name || (provider && provider.name) || t("common.the_provider");
  const panel = revokeSteps({
    heading: t("revoke.forget_heading", { provider: providerName }),
    intro: t("revoke.forget_intro", { account: title, provider: providerName }),
    steps: [
      revokeText(provider, providerName),
      hasText(account.fingerprint) ? [t("revoke.ends_in"), " ", el("code", { text: account.fingerprint })] : null,
    ],
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
    result = { needs_relink: [], orphans: [], problem: err, notice: null, safe_mode: null };
  }
  state.reconcile = {
    needs_relink: result.needs_relink.slice(),
    orphans: result.orphans.slice(),
    problem: result.problem,
    notice: result.notice,
    safeMode: result.safe_mode || null,
  };
  // Safe mode: the account list could not be read, so every action that changes something
  // is hidden (the backend refuses them too, with read_only).
  document.body.classList.toggle("read-only", Boolean(state.reconcile.safeMode));
  renderNotice();
  if (state.reconcile.safeMode) renderAccounts(state.accounts);
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
  if (found.safeMode) content.append(safeModeBlock(found.safeMode));
  if (found.notice) content.append(startNoticeBlock(found.notice));

  const lost = found.needs_relink.length;
  if (lost) content.append(el("p", { className: "notice-text", text: t("notice.lost", { count: lost }) }));
  if (found.orphans.length) content.append(orphanBlock(found.orphans));
  if (found.problem) {
    const retry = el("button", { className: "btn btn-secondary btn-small", text: t("common.try_again"), attrs: { type: "button", id: "notice-retry" } });
    retry.addEventListener("click", async () => {
      if (retry.getAttribute("aria-disabled") === "true") return;
      retry.setAttribute("aria-disabled", "true");
      retry.textContent = t("account.checking");
      await runReconcile();
      if (!box.hidden) {
        focusElement($("#notice-retry") || $("#notice-title"));
      } else {
        announce(t("notice.all_match"));
        focusElement($("#home-title"));
      }
    });
    content.append(
      el(
        "div",
        { className: "notice-problem" },
        el("p", { className: "notice-text", text: `${t(codeText(found.problem.code)[1], context(null, found.problem))} ${t(codeText(found.problem.code)[2])}` }),
        details(found.problem.message, found.problem.code),
        retry,
      ),
    );
  }
  box.dataset.tone = found.safeMode || found.problem || lost || found.orphans.length ? "attention" : "info";
  box.hidden = content.childElementCount === 0;
  // Safe mode stays on screen for as long as it lasts.
  $("#notice-dismiss").hidden = Boolean(found.safeMode);
}

const SAFE_REASON = { too_new: "safe.too_new", unreadable: "safe.unreadable", damaged: "safe.damaged" };

const START_NOTICE = { recovered: "notice.recovered", none_rebuilt: "notice.none_rebuilt", rebuild_failed: "notice.rebuild_failed" };

/** What start-up did to a damaged account list, worded from its code; the system's words in Details. */
function startNoticeBlock(notice) {
  const key = own(START_NOTICE, notice.code) ? START_NOTICE[notice.code] : "notice.rebuild_failed";
  return el(
    "div",
    { className: "notice-start", attrs: { "data-code": String(notice.code) } },
    el("p", { className: "notice-text", text: t(key, { kept_as: notice.kept_as, count: notice.rebuilt }) }),
    details(notice.detail, null),
  );
}

/** Why Keystep is read-only, and what the accounts shown are. */
function safeModeBlock(safe) {
  const why = own(SAFE_REASON, safe.reason) ? SAFE_REASON[safe.reason] : "safe.unreadable";
  return el(
    "div",
    { className: "notice-safe", attrs: { id: "safe-mode", "data-reason": String(safe.reason) } },
    el("p", { className: "notice-text notice-strong", text: t("safe.title") }),
    el("p", { className: "notice-text", text: t(why) }),
    el("p", { className: "notice-text", text: t(safe.rebuilt ? "safe.rebuilt" : "safe.not_rebuilt") }),
    details(safe.detail, "read_only"),
  );
}

function orphanBlock(orphans) {
  const introId = uid("orphans-intro");
  const list = el("ul", { className: "orphans", attrs: { id: "orphans", role: "list", "aria-labelledby": introId } });
  for (const orphan of orphans) list.append(orphanItem(orphan));
  return el(
    "div",
    { className: "notice-orphans" },
    el("p", { className: "notice-text", text: t("notice.orphans", { count: orphans.length }), attrs: { id: introId } }),
    list,
    el("p", { className: "notice-hint", text: t("notice.orphans_hint") }),
  );
}

function orphanItem(orphan) {
  const labelId = uid("orphan-label");
  const label = hasText(orphan.label) ? orphan.label : t("notice.orphan_unnamed");
  const button = el("button", { className: "btn btn-secondary btn-small", text: t("notice.remove_orphan"), attrs: { type: "button", "aria-describedby": labelId } });
  const errorText = el("p", { className: "orphan-error", attrs: { role: "alert" } });
  errorText.hidden = true;
  const item = el("li", { className: "orphan" }, el("span", { className: "orphan-label", text: label, attrs: { id: labelId } }), button, errorText);
  item.dataset.orphanId = orphan.account;
  button.addEventListener("click", async () => {
    if (button.getAttribute("aria-disabled") === "true") return;
    button.setAttribute("aria-disabled", "true");
    errorText.hidden = true;
    try {
      await api.removeOrphan(orphan.account);
    } catch (err) {
      button.removeAttribute("aria-disabled");
      errorText.textContent = t(codeText(err.code)[1], context(null, err));
      errorText.hidden = false;
      focusElement(button);
      return;
    }
    announce(t("notice.orphan_removed", { label }));
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

/**
 * Asks whether the keychain could store a key now and says so on the picker, the guide and
 * the form: most providers show a token once, so a locked keychain must be known before the
 * person creates one, not after.
 */
const KEYCHAIN_TEXT = {
  locked: ["keychain.locked.title", "keychain.locked.text"],
  absent: ["keychain.absent.title", "keychain.absent.text"],
};

async function showKeychainState() {
  let found = "ready";
  try {
    found = String((await api.getKeychainState()).state);
  } catch {
    found = "ready"; // the link itself will say what is wrong
  }
  state.keychain = found;
  const known = found === "locked" || found === "absent";
  for (const box of $$("[data-keychain-warning]")) {
    box.hidden = !known;
    if (!known) continue;
    const [title, text] = KEYCHAIN_TEXT[found];
    $("[data-keychain-title]", box).textContent = t(title);
    $("[data-keychain-text]", box).textContent = t(text);
  }
}

async function openPicker(opts = {}) {
  if (state.reconcile && state.reconcile.safeMode) {
    // The tray's "Add account…" in safe mode: nothing can be linked, and the notice says why.
    showView("home");
    announce(t("safe.title"));
    return;
  }
  clearSecrets();
  state.mode = "link";
  state.relinkAccount = null;
  showView("picker", opts);
  showKeychainState();
  const loading = $("#picker-loading");
  const errorBox = $("#picker-error");
  errorBox.hidden = true;
  loading.hidden = Boolean(state.providers && state.providersLang === state.lang);
  try {
    const providers = await loadProviders();
    renderProviders(providers);
  } catch (err) {
    $("#picker-error-message").replaceChildren(t(codeText(err.code)[1], context(null, err)), " ", details(err.message, err.code) || "");
    errorBox.hidden = false;
  } finally {
    loading.hidden = true;
  }
}

function matches(provider, query) {
  if (!query) return true;
  const haystack = [provider.name, provider.summary, provider.needs, CATEGORY[provider.category] ? t(CATEGORY[provider.category]) : provider.category]
    .filter(hasText)
    .join(" ")
    .toLocaleLowerCase(language());
  return query
    .toLocaleLowerCase(language())
    .split(/\s+/)
    .filter(Boolean)
    .every((word) => haystack.includes(word));
}

function renderProviders(providers) {
  const grid = $("#providers");
  const query = $("#provider-search").value.trim();
  grid.replaceChildren();
  const shown = providers.filter((p) => matches(p, query));
  $("#provider-count").textContent = query
    ? shown.length
      ? t("picker.count_match", { count: shown.length })
      : t("picker.none_match", { query })
    : t("picker.count", { count: providers.length });
  if (!providers.length) {
    grid.append(el("li", { className: "muted", text: t("picker.none") }));
    return;
  }
  for (const provider of shown) {
    const category = own(CATEGORY, provider.category) ? t(CATEGORY[provider.category]) : hasText(provider.category) ? provider.category : "";
    // The button's name is all it shows (name, category, summary, needs): axe's
    // label-content-name-mismatch forbids a shorter aria-label on visible text.
    const button = el(
      "button",
      { className: "provider-card", attrs: { type: "button" } },
      el(
        "span",
        { className: "provider-card-head" },
        el("span", { className: "provider-initial", text: (provider.name || "?").trim().charAt(0).toUpperCase(), attrs: { "aria-hidden": "true" } }),
        el("span", { className: "provider-name", text: provider.name }),
        category ? el("span", { className: "chip chip-neutral provider-category", text: category }) : null,
      ),
      el(
        "span",
        { className: "provider-desc" },
        hasText(provider.summary) ? el("span", { className: "provider-summary", text: provider.summary }) : null,
        hasText(provider.needs) ? el("span", { className: "provider-needs" }, el("strong", { text: t("picker.needs") }), " ", provider.needs) : null,
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

function formValues() {
  // fromEntries defines properties, which stays safe with a frozen Object.prototype
  // whatever the field keys are.
  return Object.fromEntries(fieldInputs().map((input) => [input.name, input.value]));
}

function publicValues() {
  return Object.fromEntries(fieldInputs().filter((input) => input.dataset.secret !== "true").map((input) => [input.name, input.value]));
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
    toggle.textContent = t("form.show");
  }
}

function setFieldMessage(input, kind, message) {
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

function clearFieldErrors() {
  for (const input of fieldInputs()) setFieldMessage(input, "error", "");
  $("#form-errors").hidden = true;
}

function markFieldError(fieldKey, message) {
  const input = fieldInputs().find((candidate) => candidate.name === fieldKey);
  if (!input) return null;
  setFieldMessage(input, "error", message);
  return input;
}

async function openGuide(provider) {
  state.mode = "link";
  state.relinkAccount = null;
  state.provider = provider;
  if (state.guideKey !== `link:${provider.id}:${state.lang}` || state.freshForm) {
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

function restoreValues(values) {
  for (const input of fieldInputs()) {
    if (input.dataset.secret === "true" || !own(values, input.name)) continue;
    input.value = values[input.name];
  }
}

/**
 * The guide and form in relink mode: a new key for an existing account.
 * @param {object} account AccountView
 * @param {{from?: HTMLElement, pasteAgain?: boolean}} [opts] `from`: the button that
 *   asked (errors show on its card); `pasteAgain`: the key the person pasted was cleared
 */
async function openRelink(account, opts = {}) {
  clearSecrets();
  showKeychainState();
  let providers;
  try {
    providers = await loadProviders();
  } catch (err) {
    showCardError(account.id, t(codeText(err.code)[1], context(null, err)));
    return;
  }
  const provider = providers.find((p) => p.id === account.provider);
  if (!provider) {
    showCardError(account.id, t("relink.unknown_provider", { provider: account.provider_name || "" }));
    return;
  }
  state.mode = "relink";
  state.relinkAccount = account;
  state.provider = provider;
  state.freshForm = false;
  renderGuide(provider, { account, pasteAgain: Boolean(opts.pasteAgain) });
  $("#connect-cancelled").hidden = true;
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
  const providerSteps = asList(provider.steps);
  $("#guide-steps-title").hidden = providerSteps.length === 0;
  $("#guide-steps-title").textContent = relink ? t("guide.steps_relink") : t("guide.steps");
  providerSteps.forEach((step, index) => steps.append(renderStep(provider, step, index, providerSteps.length)));
  setCurrentStep(0, { focus: false });

  const fields = asList(provider.fields);
  const hasPublic = fields.some((field) => field.secret !== true);
  if (relink) {
    $("#credentials-title").textContent = t("form.title_relink");
    $("#credentials-intro").textContent = hasPublic ? `${t("form.intro_relink", { provider: provider.name })} ${t("form.intro_relink_public")}` : t("form.intro_relink", { provider: provider.name });
  } else {
    $("#credentials-title").textContent = hasText(provider.needs) ? t("form.title_needs", { needs: provider.needs }) : t("form.title");
    $("#credentials-intro").textContent = t("form.intro", { provider: provider.name });
  }
  $("#paste-again").hidden = !opts.pasteAgain;
  $("#connect").textContent = relink ? t("form.replace") : t("form.connect");
  $("#form-errors").hidden = true;

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
    if (input.dataset.secret === "true" || !own(stored, input.name)) continue;
    const value = stored[input.name];
    if (typeof value !== "string") continue;
    if (input.tagName === "SELECT") {
      if (Array.from(input.options).some((option) => option.value === value)) input.value = value;
    } else {
      input.value = value;
    }
  }
}

/**
 * Marks step `index` as the one to do now: earlier steps are done (✓), the progress line
 * says "Step 2 of 4", and focus moves to the step's heading unless told otherwise.
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
    heading.scrollIntoView({ block: "nearest" });
    focusElement(heading);
  }
}

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
      el("span", { className: "visually-hidden", text: `${t("guide.step_n", { n: index + 1, total })}: ` }),
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
        note.textContent = t("guide.open_failed");
        note.classList.add("inline-note-error");
        note.append(" ", details(err.message, err.code) || "");
      }
    });
    body.append(el("div", { className: "step-actions" }, linkButton, note));
  }

  const checklist = asList(step.checklist);
  if (checklist.length) body.append(renderChecklist(checklist, t("guide.tick")));

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
    $("#credentials").scrollIntoView({ block: "start" });
    focusElement(first || $("#credentials-title"));
  });
  nav.append(next);
  body.append(nav);
  item.addEventListener("focusin", (event) => {
    // Working inside a step (its link, its copy button) makes it the current one.
    if (event.target.closest("[data-action='open-link'], .checklist-actions button") && state.currentStep !== index) setCurrentStep(index, { focus: false });
  });

  item.append(body);
  return item;
}

function renderChecklist(items, label, opts = {}) {
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

function renderField(field) {
  const inputId = uid("field");
  const helpId = `${inputId}-help`;
  const errorId = `${inputId}-error`;
  const noteId = `${inputId}-note`;
  const describedBy = hasText(field.help) ? helpId : null;
  const control = isChoice(field) ? renderChoice(field, inputId, describedBy) : renderTextInput(field, inputId, describedBy);
  const input = control.matches("input, select") ? control : control.querySelector("input");
  input.dataset.errorId = errorId;
  input.dataset.noteId = noteId;

  const errorNode = el("p", { className: "field-error", attrs: { id: errorId } });
  errorNode.hidden = true;
  const noteNode = el("p", { className: "field-note", attrs: { id: noteId } });
  noteNode.hidden = true;

  const wrapper = el(
    "div",
    { className: "field" },
    el("label", { className: "field-label", text: field.label || field.key, attrs: { for: inputId } }),
    hasText(field.help) ? el("p", { className: "field-help", text: field.help, attrs: { id: helpId } }) : null,
    control,
    errorNode,
    // Polite, so "we removed https://" is heard after a paste without interrupting.
    el("div", { attrs: { "aria-live": "polite" } }, noteNode),
  );
  wrapper.dataset.field = field.key;
  input.addEventListener("input", () => schedulePreview());
  input.addEventListener("change", () => schedulePreview());
  input.addEventListener("blur", () => {
    state.touched.add(field.key);
    schedulePreview(0);
  });
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
      placeholder: hasText(field.example) ? t("form.example", { example: field.example }) : null,
      "aria-describedby": describedBy,
    },
  });
  input.dataset.secret = secret ? "true" : "false";
  if (!secret) return input;

  const label = field.label || field.key;
  const toggle = el("button", {
    className: "reveal",
    text: t("form.show"),
    attrs: { type: "button", "aria-pressed": "false", "aria-controls": inputId, "aria-label": t("form.show_label", { label }) },
  });
  toggle.addEventListener("click", () => {
    const reveal = input.type === "password";
    input.type = reveal ? "text" : "password";
    toggle.setAttribute("aria-pressed", String(reveal));
    toggle.textContent = reveal ? t("form.hide") : t("form.show");
    toggle.setAttribute("aria-label", reveal ? t("form.hide_label", { label }) : t("form.show_label", { label }));
  });
  return el("div", { className: "secret-input" }, input, toggle);
}

// --- Inline validation: preview_fields as the person types ----------------------------

let previewTimer = 0;

function schedulePreview(wait = 300) {
  window.clearTimeout(previewTimer);
  previewTimer = window.setTimeout(() => runPreview(), wait);
}

/**
 * Asks the backend what it would do with the values (it sends nothing anywhere) and shows,
 * per field, the clean-up it applies and any problem. "empty" shows only once a field was
 * left or the form submitted.
 * @returns {Promise<object|null>} the preview, or null if it could not be had
 */
async function runPreview(opts = {}) {
  const provider = state.provider;
  if (!provider) return null;
  state.previewRun += 1;
  const run = state.previewRun;
  const guideKey = state.guideKey;
  let preview;
  try {
    preview = await api.previewFields(provider.id, formValues());
  } catch {
    return null;
  }
  if (run !== state.previewRun || guideKey !== state.guideKey) return opts.submit ? preview : null;
  state.preview = preview;
  showPreview(provider, preview, opts);
  return preview;
}

function showPreview(provider, preview, opts = {}) {
  const notes = notesByField(preview);
  const problems = asList(preview && preview.problems).filter((p) => p && hasText(p.field));
  for (const input of fieldInputs()) {
    const changes = notes.get(input.name) || [];
    setFieldMessage(input, "note", changes.length && input.value.trim() ? notesSentence(provider, input.name, changes) : "");
    const problem = problems.find((p) => p.field === input.name);
    const shown = problem && (problem.problem !== "empty" || opts.submit || state.touched.has(input.name));
    setFieldMessage(input, "error", shown ? problemSentence(provider, problem) : "");
  }
}

/** The error summary above the form: one link per problem, focused. */
function showErrorSummary(provider, problems) {
  const list = $("#form-errors-list");
  list.replaceChildren();
  for (const problem of problems) {
    const input = fieldInputs().find((i) => i.name === problem.field);
    const link = el("a", { text: problemSentence(provider, problem), attrs: { href: input ? `#${input.id}` : "#credentials" } });
    link.addEventListener("click", (event) => {
      event.preventDefault();
      if (input) focusElement(input);
    });
    list.append(el("li", {}, link));
  }
  const box = $("#form-errors");
  box.hidden = problems.length === 0;
  if (problems.length) focusElement(box);
}

// --- Connecting, with Cancel --------------------------------------------------------

function setConnecting(on) {
  state.connecting = on;
  const form = $("#credentials");
  $("#credentials-fieldset").disabled = on;
  form.setAttribute("aria-busy", on ? "true" : "false");
  $("#connect-spinner").hidden = !on;
  const connect = $("#connect");
  if (on) connect.setAttribute("aria-disabled", "true");
  else connect.removeAttribute("aria-disabled");
  $("#connect-cancel").hidden = !on;
  $("#guide-back").hidden = on;
  const provider = state.provider;
  $("#connect-status-text").textContent = on && provider ? (state.mode === "relink" ? t("connect.checking_new", { provider: provider.name }) : t("connect.checking", { provider: provider.name })) : "";
}

/** Cancel: stop waiting and return to the form. The answer, when it comes, is ignored. */
function cancelConnect(opts = {}) {
  if (!state.connecting) return;
  state.connectRun += 1;
  setConnecting(false);
  // The key went out with the submission: like any submission, it leaves the form.
  clearSecrets();
  $("#connect-cancelled").hidden = false;
  if (!opts.quiet) {
    announce(t("connect.cancelled"));
    focusElement($("#credentials-title"));
  }
}

async function onSubmit(event) {
  event.preventDefault();
  if (state.connecting || !state.provider) return;
  const provider = state.provider;
  const relinkAccount = state.mode === "relink" ? state.relinkAccount : null;
  $("#connect-cancelled").hidden = true;

  // Check the values first (nothing leaves the computer): a problem is shown on its field
  // and in the summary, and nothing is sent.
  const preview = await runPreview({ submit: true });
  if (state.connecting) return;
  const problems = asList(preview && preview.problems).filter((p) => p && hasText(p.field) && !(relinkAccount && p.problem === "empty" && !isSecretField(provider, p.field)));
  if (problems.length) {
    showPreview(provider, preview, { submit: true });
    showErrorSummary(provider, problems);
    return;
  }
  clearFieldErrors();
  const fields = formValues();
  const notes = notesByField(preview);

  state.connectRun += 1;
  const run = state.connectRun;
  setConnecting(true);
  const stopProgress = await api.onLinkProgress((payload) => {
    if (state.connecting && run === state.connectRun) {
      const text = progressText(provider, payload);
      if (text) $("#connect-status-text").textContent = text;
    }
  });
  let summary = null;
  let error = null;
  try {
    summary = relinkAccount ? await api.relinkAccount(relinkAccount.id, fields) : await api.linkAccount(provider.id, fields);
  } catch (err) {
    error = err;
  } finally {
    stopProgress();
  }
  // Success or failure: no secret stays in the DOM.
  if (run !== state.connectRun) {
    // Cancelled meanwhile: the answer is ignored; a linked account shows in the list.
    if (summary) {
      announce(t("connect.late_success", { provider: provider.name }));
      if (state.view === "home") refreshAfterChange();
    }
    return;
  }
  // A key that was verified but could not be stored stays in the form, so "Try again"
  // after unlocking the keychain needs no new token (many providers show one only once).
  const verifiedNotStored = Boolean(error && NOT_STORED.has(error.code));
  if (!verifiedNotStored) clearSecrets();
  setConnecting(false);

  if (error) showFailure(provider, error, relinkAccount, fields);
  else if (relinkAccount) showRelinked(provider, summary || {}, relinkAccount, notes);
  else showSuccess(provider, summary || {}, notes);
}

/** Codes a link or relink can only reach after the provider accepted the key. */
const NOT_STORED = new Set(["keychain_unavailable", "storage_failed"]);

/** "Link anyway": the same values again, accepting the missing permissions. */
async function linkAnyway() {
  const pending = state.linkAnyway;
  state.linkAnyway = null;
  if (!pending) return;
  $("#link-anyway").hidden = true;
  try {
    const summary = await api.linkAccount(pending.provider.id, pending.fields, { acceptMissing: true });
    showSuccess(pending.provider, summary || {}, {});
  } catch (err) {
    showFailure(pending.provider, err, null, {});
  }
}

function isSecretField(provider, key) {
  const field = fieldOf(provider, key);
  return Boolean(field && field.secret === true);
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
  for (const id of ["#retry", "#done", "#result-cancel", "#relink-existing", "#result-show-step", "#link-anyway"]) $(id).hidden = true;
  delete $("#result-show-step").dataset.step;
  // The values a "link anyway" would resend (a secret among them) live no longer than
  // the result that offers it.
  state.linkAnyway = null;
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

/** Notes from preview_fields, one line per field; the link's own (the same codes) otherwise. */
function noteLines(provider, notes, summary) {
  const byField = notes && notes.size ? notes : notesByField(summary);
  return Array.from(byField.entries())
    .map(([key, changes]) => {
      const field = fieldOf(provider, key);
      const sentence = notesSentence(provider, key, changes);
      return sentence ? `${field ? field.label : key}: ${sentence}` : "";
    })
    .filter(Boolean);
}

function showSuccess(provider, summary, notes) {
  const providerName = beginSuccess("link", provider, summary);
  $("#result-title").textContent = t("result.connected", { provider: providerName });
  $("#result-message").textContent = successLine(provider, summary);
  renderSummary($("#result-body"), summary, provider, providerName, null, noteLines(provider, notes, summary));
  $("#done").hidden = false;
  showView("result", { focus: $("#result-title") });
  announce(`${$("#result-title").textContent}. ${$("#result-message").textContent}`);
}

/** Relink mode succeeded: the new key is in; tell the person to revoke the old one. */
function showRelinked(provider, summary, before, notes) {
  if (hasText(summary.id)) updateAccount(summary);
  const providerName = beginSuccess("relink", provider, summary);
  const title = accountTitle(summary.label ? summary : before);
  $("#result-title").textContent = t("result.replaced");
  $("#result-message").textContent = t("result.replaced_text", { account: title });

  const oldPrint = before.fingerprint;
  const newPrint = summary.fingerprint;
  const tellApart = hasText(oldPrint) && hasText(newPrint) && oldPrint !== newPrint;
  const revoke = revokeSteps({
    heading: t("revoke.old_heading", { provider: providerName }),
    intro: t("revoke.old_intro", { account: title, provider: providerName }),
    steps: [
      revokeText(provider, providerName),
      tellApart ? [t("revoke.old_ends_in"), " ", el("code", { text: oldPrint }), ". ", t("revoke.keep_new"), " ", el("code", { text: newPrint }), "."] : t("revoke.keep_pasted"),
    ],
  });
  renderSummary($("#result-body"), summary, provider, providerName, revoke, noteLines(provider, notes, summary));
  $("#done").hidden = false;
  showView("result", { focus: $("#result-title") });
  announce(`${t("result.replaced")}. ${t("revoke.old_heading", { provider: providerName })}`);
}

const PERM_STATE = { granted: "perm.state_granted", missing: "perm.state_missing", extra: "perm.state_extra", unchecked: "perm.state_unchecked" };

/** The permission checklist: granted ✓, missing ✗, extra as advice, unchecked. */
function permissionSection(permissions, providerName) {
  if (!permissions || typeof permissions !== "object") return null;
  const granted = asList(permissions.granted);
  const missing = asList(permissions.missing);
  const extra = asList(permissions.extra);
  const unchecked = asList(permissions.unchecked);
  if (!granted.length && !missing.length && !extra.length && !unchecked.length) return null;
  const titleId = uid("perm-title");
  const section = el("section", { className: "result-section permissions", attrs: { "aria-labelledby": titleId } });
  section.append(el("h2", { className: "section-title", text: t("perm.title"), attrs: { id: titleId } }));
  const item = (name, kind) =>
    el("li", { className: `perm perm-${kind}` }, icon(kind === "missing" ? "cross" : kind === "granted" ? "check" : "info", "icon perm-mark"), el("code", { text: name }), el("span", { className: "visually-hidden", text: ` (${t(PERM_STATE[kind])})` }));
  const rows = [...missing.map((n) => item(n, "missing")), ...granted.map((n) => item(n, "granted")), ...unchecked.map((n) => item(n, "unchecked"))];
  if (rows.length) section.append(el("ul", { className: "perm-list", attrs: { role: "list" } }, rows));
  if (missing.length) section.append(el("p", { className: "callout callout-warning callout-compact", text: t("perm.missing_advice") }));
  if (unchecked.length) section.append(el("p", { className: "perm-label muted", text: t("perm.unchecked_advice") }));
  if (extra.length) {
    section.append(
      el(
        "div",
        { className: "callout callout-info callout-compact" },
        el("p", {}, el("strong", { text: t("perm.tip") }), " ", t("perm.extra_advice", { provider: providerName })),
        el("ul", { className: "perm-list", attrs: { role: "list" } }, extra.map((n) => item(n, "extra"))),
      ),
    );
  }
  return section;
}

const STORE = { secret_service: "store.secret_service", macos_keychain: "store.macos_keychain", windows_credentials: "store.windows_credentials", memory: "store.memory" };

/** Notes, then `lead` (if any), details, permissions and where the key is kept. */
function renderSummary(body, summary, provider, providerName, lead, notes) {
  const status = statusInfo(summary.status);
  if (notes.length) {
    body.append(
      el(
        "ul",
        { className: "notes", attrs: { role: "list", "aria-label": t("result.notes") } },
        notes.map((note) => el("li", {}, icon("info", "icon note-icon"), el("span", { text: note }))),
      ),
    );
  }
  if (lead) body.append(lead);

  const rows = [];
  const addRow = (term, value, mono = false) => {
    if (value === undefined || value === null || String(value).trim() === "") return;
    rows.push(el("div", { className: "detail-row" }, el("dt", { text: term }), el("dd", {}, mono ? el("code", { text: value }) : String(value))));
  };
  addRow(t("detail.account"), summary.label);
  if (summary.company !== summary.label) addRow(t("detail.company"), summary.company);
  if (typeof summary.head_count === "number") addRow(t("detail.people"), formatNumber(summary.head_count));
  addRow(t("detail.checked_as"), summary.user);
  addRow(t("detail.key"), summary.fingerprint, true);
  addRow(t("detail.status"), status.text);
  if (rows.length) body.append(el("section", { className: "result-section", attrs: { "aria-label": t("detail.facts") } }, el("dl", { className: "details" }, rows)));

  const permissions = permissionSection(summary.permissions, providerName);
  if (permissions) body.append(permissions);

  if (summary.stored_in) {
    // The store is a code; the label is the keychain item's name, as the person finds it there.
    const where = t(own(STORE, summary.stored_in.store) ? STORE[summary.stored_in.store] : "store.keychain", { label: summary.stored_in.label });
    body.append(el("p", { className: "stored-in" }, icon("lock", "icon stored-icon"), el("span", {}, t("result.stored_in"), " ", el("span", { text: where }))));
  }
  void provider;
}

/** The guide step to look at again after a failure, if one fits the code. */
function relevantStep(provider, code, missing) {
  const steps = asList(provider && provider.steps);
  if (!steps.length) return -1;
  if (code === "missing_permission") {
    const byName = steps.findIndex((s) => asList(s.checklist).some((name) => missing.includes(name)));
    if (byName >= 0) return byName;
    return steps.findIndex((s) => asList(s.checklist).length > 0);
  }
  if (code === "bad_credentials") {
    for (let i = steps.length - 1; i >= 0; i -= 1) if (hasText(steps[i].warning)) return i;
    return steps.length - 1;
  }
  if (code === "wrong_tenant") return 0;
  return -1;
}

function showFailure(provider, error, relinkAccount = null, sent = {}) {
  state.lastError = error;
  state.lastSummary = null;
  resetResult(relinkAccount ? "relink" : "link");
  const code = error && own(CODE_TEXT, error.code) ? error.code : "internal";
  const result = $("#result");
  result.dataset.state = "error";
  result.dataset.code = code;
  const existingId = code === "already_linked" && hasText(error.account_id) ? error.account_id : null;
  // A duplicate is a detour, not a failure: amber, not red.
  result.classList.add(existingId ? "result-attention" : "result-error");

  $("#result-icon").textContent = "!";
  $("#result-icon").dataset.tone = existingId ? "attention" : "error";
  const [titleKey, , nextKey] = codeText(code);
  const notStored = NOT_STORED.has(code);
  const title = notStored ? t("result.not_stored_title") : t(titleKey, context(provider, error));
  $("#result-title").textContent = relinkAccount && !existingId && !notStored ? t("result.not_replaced") : title;
  // Non-secret values typed (or stored) fill the provider's {subdomain}-style placeholders.
  const publicFields = {};
  for (const field of asList(provider.fields)) {
    if (field.secret === true) continue;
    const value = own(sent, field.key) && hasText(sent[field.key]) ? sent[field.key] : relinkAccount && relinkAccount.fields && relinkAccount.fields[field.key];
    if (hasText(value)) publicFields[field.key] = cleanPublic(field, value);
  }
  const missing = asList(error.missing);
  $("#result-message").textContent = outcomeSentence(provider, code, { missing, retry_after_secs: error.retry_after_secs, fields: publicFields });

  const body = $("#result-body");
  if (notStored) {
    body.append(el("p", { className: "result-hint", attrs: { id: "not-stored" }, text: t(code === "storage_failed" ? "result.not_stored_disk" : "result.not_stored_keychain", { provider: provider.name }) }));
    body.append(el("p", { className: "result-hint", text: t("result.form_kept") }));
  }
  if (relinkAccount && !existingId) body.append(el("p", { className: "result-hint", text: t("result.keeps_key", { account: accountTitle(relinkAccount) }) }));
  if (code === "missing_permission" && missing.length) {
    body.append(renderChecklist(missing, t("result.add_permissions", { provider: provider.name }), { className: "missing-list", mark: "cross" }));
    if (!relinkAccount) {
      body.append(el("p", { className: "result-hint", text: t("result.limited_hint") }));
      state.linkAnyway = { provider, fields: sent };
      $("#link-anyway").hidden = false;
    }
  }
  if (code === "rate_limited" || code === "blocked") {
    if (typeof error.retry_after_secs === "number" && error.retry_after_secs > 0) body.append(el("p", { className: "result-hint", text: t("result.wait", { when: retryPhrase(error.retry_after_secs) }) }));
  }
  // The form keeps non-secret values; point at the field the backend named.
  if (code === "invalid_input" && hasText(error.field)) {
    const input = markFieldError(error.field, t("error.invalid_input.text"));
    const field = fieldOf(provider, error.field);
    if (input) body.append(el("p", { className: "result-hint", text: t("result.check_field", { label: field ? field.label : error.field }) }));
  }
  body.append(el("p", { className: "result-next" }, el("strong", { text: t("result.next") }), " ", t(nextKey, context(provider, error))));
  if (existingId) body.append(el("p", { className: "result-hint", text: t("result.cleared") }));

  const stepIndex = relevantStep(provider, code, missing);
  state.currentStep = stepIndex >= 0 ? stepIndex : state.currentStep;
  if (stepIndex >= 0) {
    const step = asList(provider.steps)[stepIndex];
    const show = $("#result-show-step");
    show.textContent = t("result.show_step", { n: stepIndex + 1, title: step.title });
    show.dataset.step = String(stepIndex);
    show.hidden = false;
  }
  body.append(details(error.message, code));

  $("#result-cancel").hidden = false;
  if (existingId) offerRelinkExisting(existingId);
  else $("#retry").hidden = false;
  showView("result", { focus: result });
  announce(`${$("#result-title").textContent} ${$("#result-message").textContent}`);
}

/** What a non-secret value looks like once cleaned (for {subdomain} in messages). */
function cleanPublic(field, value) {
  let v = String(value).trim();
  if (field.kind === "subdomain") {
    v = v.replace(/^[a-z]+:\/\//i, "").split(/[/?#]/)[0];
    if (hasText(field.domain) && v.toLowerCase().endsWith(`.${field.domain.toLowerCase()}`)) v = v.slice(0, -(field.domain.length + 1));
  }
  return v;
}

/** already_linked: the primary action replaces the key of the account that exists. */
function offerRelinkExisting(accountId) {
  const button = $("#relink-existing");
  button.dataset.accountId = accountId;
  const label = (account) => (account ? t("result.replace_existing", { account: accountTitle(account) }) : t("result.replace_existing_unnamed"));
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
      announce(t(codeText(err.code)[1], context(null, err)));
      return;
    }
    account = state.accounts.find((a) => a.id === id);
  }
  if (!account) {
    // Forgotten meanwhile: nothing to replace; the list shows what there is.
    announce(t("account.gone"));
    goHome();
    return;
  }
  await openRelink(account, { pasteAgain: true });
}

function retry() {
  // Back to the same form: non-secret values are kept, secrets were cleared.
  // Focus the field the backend complained about, else the form heading.
  const invalid = fieldInputs().find((input) => input.getAttribute("aria-invalid") === "true");
  const secret = fieldInputs().find((input) => input.dataset.secret === "true");
  const target = invalid || secret || $("#credentials-title");
  showView("guide", { focus: false });
  setCurrentStep(state.currentStep, { focus: false });
  target.scrollIntoView({ block: "center" });
  focusElement(target);
}

/** "Show step 3": the guide with the step that fits the failure marked and focused. */
function showRelevantStep() {
  const index = Number($("#result-show-step").dataset.step || "0");
  showView("guide", { focus: false });
  setCurrentStep(index);
}

// ---------------------------------------------------------------------------
// Settings.

const DEFAULT_SETTINGS = Object.freeze({ check_interval_hours: 6, notifications: true, start_at_login: false, rotation_reminder_days: null, language: "system" });

async function openSettings() {
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

function fillSettings(settings) {
  $("#setting-interval").value = String(settings.check_interval_hours);
  $("#setting-notifications").checked = settings.notifications === true;
  $("#setting-login").checked = settings.start_at_login === true;
  const rotation = $("#setting-rotation");
  const days = settings.rotation_reminder_days;
  const value = typeof days === "number" ? String(days) : "";
  if (value && !Array.from(rotation.options).some((o) => o.value === value)) {
    rotation.append(el("option", { text: t("settings.rotation_days", { count: days }), attrs: { value } }));
  }
  rotation.value = value;
  $("#setting-language").value = ["system", "en", "fr"].includes(settings.language) ? settings.language : "system";
  setFieldMessage($("#setting-interval"), "error", "");
}

function readSettings() {
  const interval = Number($("#setting-interval").value.trim());
  const rotation = $("#setting-rotation").value;
  return {
    check_interval_hours: Number.isInteger(interval) ? interval : NaN,
    notifications: $("#setting-notifications").checked,
    start_at_login: $("#setting-login").checked,
    rotation_reminder_days: rotation ? Number(rotation) : null,
    language: $("#setting-language").value,
  };
}

function showSettingsError(err) {
  const box = $("#settings-errors");
  $("#settings-errors-text").replaceChildren(t(codeText(err.code)[1], context(null, err)), " ", details(err.message, err.code) || "");
  box.hidden = false;
  focusElement(box);
}

async function saveSettings(event) {
  event.preventDefault();
  const form = $("#settings-form");
  if (form.getAttribute("aria-busy") === "true") return;
  const wanted = readSettings();
  const interval = $("#setting-interval");
  $("#settings-errors").hidden = true;
  setFieldMessage(interval, "error", "");
  if (!Number.isInteger(wanted.check_interval_hours) || wanted.check_interval_hours < 1 || wanted.check_interval_hours > 168) {
    setFieldMessage(interval, "error", t("settings.interval_invalid"));
    focusElement(interval);
    return;
  }
  form.setAttribute("aria-busy", "true");
  $("#settings-save").setAttribute("aria-disabled", "true");
  try {
    state.settings = await api.saveSettings(wanted);
  } catch (err) {
    if (err.code === "invalid_input" && err.field === "check_interval_hours") {
      setFieldMessage(interval, "error", t("settings.interval_invalid"));
      focusElement(interval);
    } else {
      showSettingsError(err);
    }
    return;
  } finally {
    form.removeAttribute("aria-busy");
    $("#settings-save").removeAttribute("aria-disabled");
  }
  await applyLanguage(state.settings.language);
  fillSettings(state.settings);
  $("#settings-status").textContent = t("settings.saved");
  focusElement($("#settings-title"));
}

// ---------------------------------------------------------------------------
// Language.

/** Switches the whole window to a settings.language value, at once. */
async function applyLanguage(preference) {
  const lang = resolveLanguage(preference);
  if (lang === state.lang && document.documentElement.lang === lang) return;
  state.lang = lang;
  setLanguage(lang);
  await loadProviders().catch(() => null);
  // Provider text in the open guide comes back in the new language; typed values stay.
  if (state.provider && state.providers) {
    const fresh = state.providers.find((p) => p.id === state.provider.id);
    if (fresh) {
      const keep = publicValues();
      state.provider = fresh;
      if (state.mode === "relink" && state.relinkAccount) renderGuide(fresh, { account: state.relinkAccount });
      else renderGuide(fresh);
      restoreValues(keep);
    }
  }
  if (state.accountsLoaded) renderAccounts(state.accounts);
  if ($("#providers").childElementCount) renderProviders(state.providers || []);
  renderNotice();
  renderHostOverrides();
  renderCheckAll();
  renderCrumbs();
}

// ---------------------------------------------------------------------------
// Host overrides: while a KEYSTEP_*_URL variable is set, keys go to a test host instead of
// the provider's own. They work in every build, so the window always says so, on every view.

async function loadHostOverrides() {
  try {
    state.hostOverrides = await api.listHostOverrides();
  } catch {
    state.hostOverrides = [];
  }
  renderHostOverrides();
}

function renderHostOverrides() {
  const list = state.hostOverrides;
  const items = list.map((o) => el("li", { text: t("overrides.item", { provider: o.provider_name, host: o.host, url: o.url }) }));
  $("#host-overrides-list").replaceChildren(...items);
  $("#host-overrides").hidden = list.length === 0;
}

// ---------------------------------------------------------------------------
// Boot.

function wire() {
  $("#add-account").addEventListener("click", () => openPicker());
  $("#check-all").addEventListener("click", () => checkAll());
  $("#open-settings").addEventListener("click", () => openSettings());
  $("#settings-back").addEventListener("click", () => goHome());
  $("#settings-form").addEventListener("submit", saveSettings);
  $("#account-back").addEventListener("click", () => goHome());
  $("#home-retry").addEventListener("click", () => loadAccounts());
  $("#picker-retry").addEventListener("click", () => openPicker());
  $("#picker-back").addEventListener("click", () => goHome());
  $("#provider-search").addEventListener("input", () => renderProviders(state.providers || []));
  $("#provider-search").addEventListener("keydown", (event) => {
    if (event.key === "Escape" && event.target.value) {
      event.preventDefault();
      event.target.value = "";
      renderProviders(state.providers || []);
    }
  });
  $("#guide-back").addEventListener("click", () => (state.mode === "relink" ? goHome() : openPicker()));
  $("#connect-cancel").addEventListener("click", () => cancelConnect());
  $('[data-view="guide"]').addEventListener("keydown", (event) => {
    if (event.key === "Escape" && state.connecting) {
      event.preventDefault();
      cancelConnect();
    }
  });
  $("#credentials").addEventListener("submit", onSubmit);
  $("#done").addEventListener("click", () => goHome());
  $("#result-cancel").addEventListener("click", () => goHome());
  $("#retry").addEventListener("click", retry);
  $("#link-anyway").addEventListener("click", linkAnyway);
  $("#result-show-step").addEventListener("click", showRelevantStep);
  $("#relink-existing").addEventListener("click", relinkExisting);
  $("#notice-dismiss").addEventListener("click", dismissNotice);
  window.setInterval(refreshTimes, 30000);
}

function listenToBackend() {
  api.onEvent("accounts-changed", () => {
    if (state.accountsLoaded) refreshAfterChange();
  });
  api.onEvent("checks-running", (payload) => setChecksRunning(Boolean(payload && payload.running)));
  api.onEvent("open-account", (payload) => {
    if (payload && hasText(payload.id)) openAccount(payload.id);
  });
  api.onEvent("add-account", () => openPicker());
}

async function boot() {
  wire();
  // The language comes first: everything after is worded in it.
  try {
    state.settings = await api.getSettings();
  } catch {
    state.settings = null;
  }
  state.lang = resolveLanguage(state.settings ? state.settings.language : "system");
  setLanguage(state.lang);
  listenToBackend();
  await loadHostOverrides();
  showView("home", { focus: false });
  // Warm the provider list so the picker opens instantly; errors show there.
  loadProviders().catch(() => {});
  await loadAccounts();
  // Once per start: match the account list with the keychain.
  await runReconcile();
  // Start-up is over: what a test (or a screen reader's first pass) can wait for.
  document.body.dataset.ready = "true";
}

if (document.readyState === "loading") {
  document.addEventListener("DOMContentLoaded", boot, { once: true });
} else {
  boot();
}
