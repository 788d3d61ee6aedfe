// @ts-check
// The window's state: one object, every field declared here with its type, so a newcomer
// finds in one place what the UI remembers between two events. Views read and write it;
// nothing else in the UI keeps state that outlives a call (the DOM aside).

/**
 * @typedef {import("../shapes.js").AccountView} AccountView
 * @typedef {import("../shapes.js").ProviderView} ProviderView
 * @typedef {import("../shapes.js").SettingsView} SettingsView
 * @typedef {import("../shapes.js").Preview} Preview
 * @typedef {import("../shapes.js").Orphan} Orphan
 * @typedef {import("../shapes.js").SafeMode} SafeMode
 * @typedef {"home"|"account"|"picker"|"guide"|"result"|"settings"} ViewName
 * @typedef {object} Reconciled what reconcile_accounts found at start-up (and since)
 * @property {string[]} needs_relink
 * @property {Orphan[]} orphans the ones not removed yet
 * @property {import("../api.js").KeystepError|null} problem
 * @property {import("../shapes.js").StartNotice|null} notice what start-up did to a damaged account list
 * @property {SafeMode|null} safeMode
 *
 * @typedef {object} State
 * @property {ViewName} view the view shown
 * @property {"en"|"fr"} lang the language every sentence is worded in
 * @property {SettingsView|null} settings as last read or saved
 * @property {ProviderView[]|null} providers once loaded, in `providersLang`
 * @property {"en"|"fr"|null} providersLang
 * @property {(Promise<ProviderView[]> & {lang?: string})|null} providersPromise the list_providers call under way
 * @property {{lang: string, list: ProviderView[]}|null} handedProviders the providers of the
 *   accounts the window handed over with the first view, in `lang` (used until `providers`)
 * @property {ProviderView|null} provider the provider shown in the guide
 * @property {boolean} connecting a link or relink is under way
 * @property {number} connectRun bumped by each submission and by Cancel: a stale result is ignored
 * @property {boolean} freshForm the next visit to a guide starts with an empty form
 * @property {unknown} lastError the last failure shown on the result view
 * @property {AccountView|null} lastSummary the last success shown on the result view
 * @property {{provider: ProviderView, pending: string}|null} linkAnyway what "Link anyway"
 *   links, while the result offers it: the id of the verified key the backend holds (never
 *   the key itself)
 * @property {AccountView[]} accounts the last list shown on home
 * @property {boolean} accountsLoaded
 * @property {Map<string, import("../shapes.js").LastUse>} lastUses each account's latest keystep run, by account id (list_last_uses)
 * @property {string|null} newAccountId an account just linked: home shows it once, in view
 * @property {"link"|"relink"} mode "link" adds an account; "relink" replaces an account's key
 * @property {AccountView|null} relinkAccount the account whose key is being replaced
 * @property {string} guideKey which form the guide shows: "link:<provider>" or "relink:<account>", plus the language
 * @property {number} currentStep the guide step marked "you are here"
 * @property {string} purpose what the key being linked is for (a purpose id of the provider)
 * @property {Set<string>} touched fields left once (their "empty" problem may show)
 * @property {Preview|null} preview the last preview_fields answer for the current form
 * @property {number} previewRun bumped by each preview: a stale answer is ignored
 * @property {Set<string>} checking ids of accounts being checked now
 * @property {boolean} checksRunning "Check all" or the schedule is checking every account
 * @property {string|null} detailId the account shown in the account view
 * @property {Reconciled|null} reconcile
 * @property {"ready"|"locked"|"absent"|string} keychain get_keychain_state, asked when a link or a relink starts
 * @property {Array<{provider: string, provider_name: string, host: string, url: string, variable: string}>} hostOverrides KEYSTEP_*_URL overrides in effect (list_host_overrides)
 */

/** @returns {State} */
function fresh() {
  return {
    view: "home",
    lang: "en",
    settings: null,
    providers: null,
    providersLang: null,
    providersPromise: null,
    handedProviders: null,
    provider: null,
    connecting: false,
    connectRun: 0,
    freshForm: false,
    lastError: null,
    lastSummary: null,
    linkAnyway: null,
    accounts: [],
    accountsLoaded: false,
    lastUses: new Map(),
    newAccountId: null,
    mode: "link",
    relinkAccount: null,
    guideKey: "",
    currentStep: 0,
    purpose: "read",
    touched: new Set(),
    preview: null,
    previewRun: 0,
    checking: new Set(),
    checksRunning: false,
    detailId: null,
    reconcile: null,
    keychain: "ready",
    hostOverrides: [],
  };
}

/** @type {State} */
export const state = fresh();

/** Back to the state of a window that just opened (at boot). */
export function resetState() {
  Object.assign(state, fresh());
}
