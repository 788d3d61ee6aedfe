// @ts-check
// Keystep IPC wrapper.
//
// This is the ONLY module that talks to the Rust side. Each exported async
// function wraps exactly one Tauri command. A rejected invoke is turned into a
// thrown KeystepError carrying `.code`, `.message` and any extra fields the
// backend sent (`missing`, `retry_after_secs`, `field`, ...).

/** The closed set of error codes the backend may return. */
export const ERROR_CODES = Object.freeze([
  "invalid_input",
  "bad_credentials",
  "missing_permission",
  "wrong_tenant",
  "rate_limited",
  "blocked",
  "unreachable",
  "provider_error",
  "unexpected_response",
  "keychain_unavailable",
  "storage_failed",
  "not_found",
  "already_linked",
  "read_only",
  "host_changed",
  "store_unreachable",
  "store_refused",
  "store_changed",
  "internal",
]);

// The shapes the backend sends are typedefs in ./shapes.js; these are the ones used here.
/**
 * @typedef {import("./shapes.js").AccountView} AccountView
 * @typedef {import("./shapes.js").AssistantView} AssistantView
 * @typedef {import("./shapes.js").CheckView} CheckView
 * @typedef {import("./shapes.js").FieldCategory} FieldCategory
 * @typedef {import("./shapes.js").HostOverride} HostOverride
 * @typedef {import("./shapes.js").LastUse} LastUse
 * @typedef {import("./shapes.js").Preview} Preview
 * @typedef {import("./shapes.js").ProviderView} ProviderView
 * @typedef {import("./shapes.js").Reconciliation} Reconciliation
 * @typedef {import("./shapes.js").SettingsView} SettingsView
 * @typedef {import("./shapes.js").UseView} UseView
 */

const RESERVED = new Set(["code", "message", "name", "stack", "cause", "constructor", "prototype", "__proto__"]);

export class KeystepError extends Error {
  /**
   * @param {string} code one of ERROR_CODES
   * @param {string} message text written for the user
   * @param {Record<string, unknown>} [extra] additional fields from the backend
   */
  constructor(code, message, extra) {
    super(message);
    // Define rather than assign: the app runs with a frozen Object.prototype.
    Object.defineProperty(this, "name", { value: "KeystepError", writable: true, configurable: true });
    this.code = code;
    if (extra && typeof extra === "object") {
      for (const [key, value] of Object.entries(extra)) {
        if (!RESERVED.has(key)) {
          Object.defineProperty(this, key, { value, enumerable: true, writable: true, configurable: true });
        }
      }
    }
  }
}

const GENERIC_MESSAGE = "Something went wrong inside Keystep. Please try again.";

/**
 * Normalise whatever a rejected invoke gave us into a KeystepError.
 * @param {any} raw
 */
function toKeystepError(raw) {
  if (raw instanceof KeystepError) return raw;
  if (raw && typeof raw === "object" && typeof raw.code === "string") {
    const code = ERROR_CODES.includes(raw.code) ? raw.code : "internal";
    const message = typeof raw.message === "string" && raw.message.trim() ? raw.message : GENERIC_MESSAGE;
    return new KeystepError(code, message, raw);
  }
  // Plain strings (e.g. a command refused by the capability system) or JS
  // errors are not written for the user: keep them only as `detail`.
  const detail = typeof raw === "string" ? raw : raw && raw.message ? String(raw.message) : String(raw);
  return new KeystepError("internal", GENERIC_MESSAGE, { detail });
}

/**
 * @param {string} command
 * @param {Record<string, unknown>} args
 * @returns {Promise<any>} what the command returns, as the backend sent it
 */
async function call(command, args) {
  // Tauri's global API (app.withGlobalTauri); the stub in tests/ui defines the same.
  const tauri = /** @type {any} */ (window).__TAURI__;
  const invoke = tauri && tauri.core && tauri.core.invoke;
  if (typeof invoke !== "function") {
    throw new KeystepError("internal", "Keystep's background service isn't available. Please restart Keystep.", {
      detail: "window.__TAURI__.core.invoke is missing",
    });
  }
  try {
    return await invoke(command, args);
  } catch (raw) {
    throw toKeystepError(raw);
  }
}

/**
 * The first view's answers, as the window hands them over with the page (see
 * src-tauri/src/first_view.rs): the same as get_settings, list_host_overrides, get_desktop and
 * list_accounts would answer, so start-up draws without waiting for any of them, and the
 * accounts' providers as list_providers words them in `providers.lang` (none when that part
 * is missing or malformed: the page then asks). Taken once: a later start of the page, or a
 * reload (when they may be old), gets null and asks.
 * @typedef {{settings: SettingsView, host_overrides: HostOverride[], desktop: DesktopView, accounts: AccountView[], providers: {lang: string, list: ProviderView[]}}} FirstView
 * @returns {FirstView|null}
 */
export function takeFirstView() {
  const page = /** @type {any} */ (window);
  const handed = page.__keystepFirstView;
  delete page.__keystepFirstView;
  const navigation = /** @type {PerformanceNavigationTiming|undefined} */ (performance.getEntriesByType("navigation")[0]);
  if (!handed || typeof handed !== "object" || (navigation && navigation.type === "reload")) return null;
  const { settings, host_overrides: overrides, desktop, accounts } = handed;
  if (!settings || typeof settings !== "object" || !Array.isArray(overrides) || !desktop || typeof desktop !== "object" || !Array.isArray(accounts)) return null;
  const words = handed.providers;
  const list = words && typeof words.lang === "string" && Array.isArray(words.list) ? words.list.filter((/** @type {any} */ p) => p && typeof p === "object" && typeof p.id === "string") : [];
  return { settings, host_overrides: overrides, desktop: desktopView(desktop), accounts, providers: { lang: list.length ? words.lang : "", list } };
}

/**
 * @param {"en"|"fr"} lang the language of every text in the answer (names and scopes stay as the provider spells them)
 * @returns {Promise<ProviderView[]>} the providers Keystep can connect
 */
export async function listProviders(lang) {
  const result = await call("list_providers", { lang });
  return Array.isArray(result) ? result : [];
}

/**
 * What link_account would make of these values, without sending anything anywhere:
 * `{notes: [{field, change}], problems: [{field, problem, other?}]}` (codes only, no value).
 * @param {string} provider provider id
 * @param {Record<string, string>} fields every field value, secret ones included
 * @returns {Promise<Preview>}
 */
export async function previewFields(provider, fields) {
  const raw = await call("preview_fields", { provider, fields });
  const result = raw && typeof raw === "object" ? raw : {};
  return {
    notes: Array.isArray(result.notes) ? result.notes.filter((/** @type {any} */ n) => n && typeof n.field === "string" && typeof n.change === "string") : [],
    problems: Array.isArray(result.problems) ? result.problems.filter((/** @type {any} */ p) => p && typeof p.field === "string" && typeof p.problem === "string") : [],
  };
}

/**
 * The KEYSTEP_*_URL host overrides in effect (empty in normal use), for the banner.
 * @returns {Promise<HostOverride[]>}
 */
export async function listHostOverrides() {
  const result = await call("list_host_overrides", {});
  return Array.isArray(result) ? result : [];
}

/**
 * Whether the keychain could store a key now: `{state: "ready" | "locked" | "absent"}`.
 * @returns {Promise<{state: "ready"|"locked"|"absent"}>}
 */
export async function getKeychainState() {
  const raw = await call("get_keychain_state", {});
  const known = ["ready", "locked", "absent"];
  return { state: raw && known.includes(raw.state) ? raw.state : "ready" };
}

/** @returns {Promise<SettingsView>} */
export async function getSettings() {
  return call("get_settings", {});
}

/**
 * Save every setting at once; resolves to the settings as stored.
 * @param {SettingsView} settings
 * @returns {Promise<SettingsView>}
 */
export async function saveSettings(settings) {
  return call("save_settings", { settings });
}

/**
 * Closes the window as the saved settings say (when_closed), after the close question was
 * answered: hidden (checks go on) or Keystep quits.
 * @returns {Promise<null>}
 */
export async function closeWindow() {
  await call("close_window", {});
  return null;
}

/**
 * What the window needs to know of the desktop: whether a tray icon shows Keystep, and the
 * family of its interface font when the backend knows it.
 * @typedef {{tray: boolean, font?: string}} DesktopView
 */

/** @param {any} raw @returns {DesktopView} */
function desktopView(raw) {
  const font = raw && typeof raw.font === "string" ? raw.font : undefined;
  return font ? { tray: Boolean(raw.tray), font } : { tray: Boolean(raw && raw.tray) };
}

/** @returns {Promise<DesktopView>} */
export async function getDesktop() {
  return desktopView(await call("get_desktop", {}));
}

/**
 * Quits Keystep: the window and its background checks.
 * @returns {Promise<null>}
 */
export async function quitApp() {
  await call("quit_app", {});
  return null;
}

/**
 * An account's recent checks, newest first (at most 50).
 * @param {string} id account id
 * @returns {Promise<CheckView[]>}
 */
export async function listChecks(id) {
  const result = await call("list_checks", { id });
  return Array.isArray(result) ? result : [];
}

/**
 * Each account's latest use by `keystep run` or an AI assistant (accounts never used are
 * absent).
 * @returns {Promise<LastUse[]>}
 */
export async function listLastUses() {
  const result = await call("list_last_uses", {});
  return Array.isArray(result) ? result.filter((/** @type {any} */ u) => u && typeof u.account === "string" && typeof u.at === "number" && typeof u.command === "string").map((/** @type {any} */ u) => ({ ...u, assistant: u.assistant === true })) : [];
}

/**
 * An account's recent use by `keystep run` (newest first) and the lines to copy to use it.
 * @param {string} id account id
 * @returns {Promise<UseView>}
 */
export async function recentUse(id) {
  const result = await call("list_recent_use", { id });
  return { runs: Array.isArray(result && result.runs) ? result.runs : [], example: (result && result.example) || null };
}

/**
 * Check every account now; resolves when all are done (the UI must not wait on it).
 * @returns {Promise<null>}
 */
export async function checkAllAccounts() {
  await call("check_all_accounts", {});
  return null;
}

/**
 * Create, verify and store a key. A key that works but lacks permissions is refused with
 * `missing_permission` and a `pending` id: the backend holds the verified key a short while,
 * and linkPending(id) links it as limited, without the key being sent again.
 * @param {string} provider provider id
 * @param {Record<string, string>} fields every field value, secret ones included
 * @param {{purpose?: string, name?: string}} [options] purpose: what the key is for (`read`
 *   when left out); name: what to call the account, for a provider that cannot name the company
 * @returns {Promise<AccountView>} the new account
 */
export async function linkAccount(provider, fields, { purpose = undefined, name = undefined } = {}) {
  /** @type {Record<string, unknown>} */
  const args = { provider, fields };
  // Without one the backend holds the key to `read`.
  if (purpose) args.purpose = purpose;
  // Without one the account is named as the provider names it.
  if (name) args.name = name;
  return linked(await call("link_account", args));
}

/**
 * "Link anyway": links the key a missing_permission refusal held, as a limited account.
 * Only its id goes out; `not_found` once it is no longer held (ten minutes, once).
 * @param {string} id the refusal's `pending`
 * @returns {Promise<AccountView>} the new account
 */
export async function linkPending(id) {
  return linked(await call("link_pending", { id }));
}

/**
 * A fresh link's AccountView with what the window words kept to codes: `notes` as
 * `[{field, change}]`, `stored_in` as `{store, label}` (the store a code) or null.
 */
/**
 * @param {any} raw
 * @returns {AccountView}
 */
function linked(raw) {
  if (!raw || typeof raw !== "object") return raw;
  const notes = Array.isArray(raw.notes) ? raw.notes.filter((/** @type {any} */ n) => n && typeof n.field === "string" && typeof n.change === "string") : [];
  const where = raw.stored_in;
  const storedIn = where && typeof where === "object" && typeof where.store === "string" ? { store: where.store, label: typeof where.label === "string" ? where.label : "" } : null;
  return Object.assign({}, raw, { notes, stored_in: storedIn });
}

/** @returns {Promise<AccountView[]>} stored accounts */
export async function listAccounts() {
  const result = await call("list_accounts", {});
  return Array.isArray(result) ? result : [];
}

/**
 * Verify a new key for an existing account and swap it in place.
 * Non-secret fields left blank keep their stored values.
 * @param {string} id account id
 * @param {Record<string, string>} fields every field value, secret ones included
 * @returns {Promise<AccountView>}
 */
export async function relinkAccount(id, fields) {
  return linked(await call("relink_account", { id, fields }));
}

/**
 * Check an account's stored key again (emits `link-progress` while it runs).
 * @param {string} id account id
 * @returns {Promise<AccountView>} the account with a fresh status
 */
export async function checkAccount(id) {
  return call("check_account", { id });
}

/**
 * Give an account another name (1 to 80 characters).
 * @param {string} id account id
 * @param {string} label the new name
 * @returns {Promise<AccountView>}
 */
export async function renameAccount(id, label) {
  return call("rename_account", { id, label });
}

/**
 * How to use an account from an AI assistant: each assistant's snippet to start keystep mcp
 * for it, its fields' references, and the sensitive categories it shares.
 * @param {string} id account id
 * @returns {Promise<AssistantView>}
 */
export async function assistantSetup(id) {
  const result = await call("get_assistant_setup", { id });
  return {
    snippets: Array.isArray(result && result.snippets) ? result.snippets : [],
    categories: Array.isArray(result && result.categories) ? result.categories : [],
    references: Array.isArray(result && result.references) ? result.references : [],
    keystep_found: Boolean(result && result.keystep_found),
  };
}

/**
 * Share (or withhold again) one sensitive category of an account's data with AI assistants;
 * the choice is recorded in the use log.
 * @param {string} id account id
 * @param {FieldCategory} category
 * @param {boolean} shared
 * @returns {Promise<AssistantView>}
 */
export async function shareAccountFields(id, category, shared) {
  return call("share_account_fields", { id, category, shared });
}

/**
 * Hold an account's key to another purpose (one of its provider's `purposes`); the key is
 * checked again at once.
 * @param {string} id account id
 * @param {string} purpose the purpose's id (`read`, `full`…)
 * @returns {Promise<AccountView>}
 */
export async function setAccountPurpose(id, purpose) {
  return call("set_account_purpose", { id, purpose });
}

/**
 * Match the account list with the keychain (once, at start-up).
  * `notice` is what start-up did to a damaged account list, as a code the UI words.
 * @returns {Promise<Reconciliation>}
 */
export async function reconcileAccounts() {
  const raw = await call("reconcile_accounts", {});
  const result = raw && typeof raw === "object" ? raw : {};
  const needsRelink = Array.isArray(result.needs_relink) ? result.needs_relink.filter((/** @type {unknown} */ id) => typeof id === "string") : [];
  const orphans = Array.isArray(result.orphans)
    ? result.orphans.filter((/** @type {any} */ item) => item && typeof item === "object" && typeof item.account === "string")
    : [];
  const problem = result.problem && typeof result.problem === "object" ? toKeystepError(result.problem) : null;
  const said = result.notice && typeof result.notice === "object" && typeof result.notice.code === "string" ? result.notice : null;
  const notice = said
    ? {
        code: said.code,
        kept_as: typeof said.kept_as === "string" ? said.kept_as : "",
        rebuilt: typeof said.rebuilt === "number" ? said.rebuilt : 0,
        detail: typeof said.detail === "string" ? said.detail : "",
      }
    : null;
  // Safe mode: the account list could not be read. `reason` is a code the UI words.
  const safe = result.safe_mode && typeof result.safe_mode === "object" ? result.safe_mode : null;
  const safeMode = safe
    ? { reason: String(safe.reason), detail: typeof safe.detail === "string" ? safe.detail : "", rebuilt: safe.rebuilt === true }
    : null;
  return { needs_relink: needsRelink, orphans, problem, notice, safe_mode: safeMode };
}

/**
 * Make a Keystep keychain item that belongs to no account (an orphan's `account`) an account
 * again, from its label (the account list was lost, the key kept).
 * @param {string} id
 * @returns {Promise<AccountView>} the account, to check (status unknown) or relink
 */
export async function restoreOrphan(id) {
  return call("restore_orphan", { id });
}

/**
 * Delete a Keystep keychain item that belongs to no account (an orphan's `account`).
 * @param {string} id
 * @returns {Promise<null>}
 */
export async function removeOrphan(id) {
  await call("remove_orphan", { id });
  return null;
}

/**
 * Remove an account and its key from the keychain, after deleting the copies in team
 * stores the person chose (the others stay where they are).
 * @param {string} id account id
 * @param {string[]} [deleteCopies] the targets of the copies to delete
 * @returns {Promise<null>}
 */
export async function forgetAccount(id, deleteCopies = []) {
  await call("forget_account", { id, deleteCopies });
  return null;
}

/**
 * Share an account's key with the team's secret store (Vault/OpenBao KV v2 or AWS Secrets
 * Manager). The Vault token, when given, goes in and never comes back.
 * @param {string} id account id
 * @param {string} target vault://HOST[:PORT]/MOUNT/PATH or aws-sm://REGION/NAME
 * @param {string|null} token a Vault token to use and keep in the keychain, or null
 * @param {boolean} [replace] overwrite what the store holds now
 * @returns {Promise<AccountView>} the account, with its copies
 */
export async function pushAccount(id, target, token, replace = false) {
  return call("push_account", { id, target, token, replace });
}

/**
 * Ask the backend to open a guide step's link in the system browser.
 * @param {string} provider provider id
 * @param {string} step the step's id
 * @returns {Promise<null>}
 */
export async function openGuideLink(provider, step) {
  await call("open_guide_link", { provider, step });
  return null;
}

/** The events the backend sends to the window. */
export const EVENTS = Object.freeze(["accounts-changed", "checks-running", "open-account", "add-account", "link-progress", "close-asked"]);

/**
 * Calls `handler(payload)` on each `name` event. Resolves to a function that stops listening.
 * @param {string} name one of EVENTS
 * @param {(payload: unknown) => void} handler
 * @returns {Promise<() => void>}
 */
export async function onEvent(name, handler) {
  const tauri = /** @type {any} */ (window).__TAURI__;
  const events = tauri && tauri.event;
  if (!EVENTS.includes(name) || !events || typeof events.listen !== "function") return () => {};
  try {
    return await events.listen(name, (/** @type {{payload?: unknown}} */ event) => handler(event ? event.payload : undefined));
  } catch {
    return () => {};
  }
}

/**
 * Calls `onProgress({check, doing})` for each step the backend reports while it verifies a
 * key: `check` is the id of the provider's check (its localized line is in
 * ProviderView.checks), `doing` the English line. Resolves to a function that stops listening.
 * @param {(progress: {check: string|null, doing: string}) => void} onProgress
 * @returns {Promise<() => void>}
 */
export async function onLinkProgress(onProgress) {
  return onEvent("link-progress", (payload) => {
    const progress = /** @type {{check?: unknown, doing?: unknown}} */ (payload);
    if (progress && typeof progress === "object" && typeof progress.doing === "string") {
      onProgress({ check: typeof progress.check === "string" ? progress.check : null, doing: progress.doing });
    } else if (typeof payload === "string") {
      onProgress({ check: null, doing: payload });
    }
  });
}
