// @ts-check
// Sentences that depend on data values: an account's status, an outcome code, the notes and
// problems preview_fields reports. Never on provider ids: provider text comes from
// list_providers. Every locale key is written out in full so tests/ui/locales.mjs sees it.

import { fill, formatNumber, isTimestamp, joinChoices, joinList, retryPhrase, t } from "../i18n.js";
import { providerFor } from "./providers.js";
import { state } from "./state.js";
import { asList, hasText, own, pick } from "./values.js";

/**
 * @typedef {import("../shapes.js").AccountView} AccountView
 * @typedef {import("../shapes.js").ProviderView} ProviderView
 * @typedef {import("../shapes.js").Preview} Preview
 * @typedef {import("../shapes.js").FieldProblem} FieldProblem
 * @typedef {import("../shapes.js").FieldNote} FieldNote
 * @typedef {{retry_after_secs?: number, missing?: string[], fields?: Record<string, string>}} Extra
 *   what an outcome adds to its sentence: when to retry, what is missing, non-secret values
 */

export const CATEGORY = { hris: "category.hris", ats: "category.ats" };

const STATUS = {
  ok: { tone: "ok", key: "status.ok" },
  limited: { tone: "attention", key: "status.limited" },
  failing: { tone: "error", key: "status.failing" },
  needs_relink: { tone: "error", key: "status.needs_relink" },
  unknown: { tone: "unknown", key: "status.unknown" },
};

/**
 * An account status's tone (the chip's colour) and its words.
 * @param {string | null | undefined} status
 * @returns {{tone: string, text: string}}
 */
export function statusInfo(status) {
  const known = pick(STATUS, status) || { tone: "unknown", key: "status.pending" };
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
  host_changed: ["error.host_changed.title", "error.host_changed.text", "error.host_changed.next"],
  read_only: ["error.read_only.title", "error.read_only.text", "error.read_only.next"],
  store_unreachable: ["error.store_unreachable.title", "error.store_unreachable.text", "error.store_unreachable.next"],
  store_refused: ["error.store_refused.title", "error.store_refused.text", "error.store_refused.next"],
  store_changed: ["error.store_changed.title", "error.store_changed.text", "error.store_changed.next"],
  internal: ["error.internal.title", "error.internal.text", "error.internal.next"],
};

/** Codes a link or relink can only reach after the provider accepted the key: it works, but was not stored. */
export const NOT_STORED = new Set(["keychain_unavailable", "storage_failed"]);

/**
 * Whether the UI knows `code` (anything else is worded as "internal").
 * @param {unknown} code
 */
export function isKnownCode(code) {
  return own(CODE_TEXT, code);
}

/** @param {unknown} code */
function codeText(code) {
  return pick(CODE_TEXT, code) || CODE_TEXT.internal;
}

/**
 * Values for `{placeholders}` in text about a provider and an outcome. Only the provider's
 * name is read, so an account's `provider_name` will do before the provider list is in.
 * @param {{name: string} | null | undefined} provider
 * @param {Extra} [extra]
 */
export function context(provider, extra = {}) {
  return {
    provider: (provider && provider.name) || t("common.the_provider"),
    retry: retryPhrase(extra.retry_after_secs),
    missing: asList(extra.missing).length ? joinList(asList(extra.missing)) : undefined,
    ...(extra.fields || {}),
  };
}

/**
 * The short heading of an outcome code ("The key was not accepted").
 * @param {unknown} code
 * @param {{name: string} | null | undefined} [provider]
 * @param {Extra} [extra]
 */
export function codeTitle(code, provider, extra = {}) {
  return t(codeText(code)[0], context(provider, extra));
}

/**
 * The generic sentence of an outcome code ("Keystep couldn't reach {provider}…"), filled.
 * @param {unknown} code
 * @param {Record<string, unknown>} [params]
 */
export function codeSentence(code, params = {}) {
  return t(codeText(code)[1], params);
}

/**
 * What to do after an outcome ("Try again once you are online.").
 * @param {unknown} code
 * @param {Record<string, unknown>} [params]
 */
export function codeNext(code, params = {}) {
  return t(codeText(code)[2], params);
}

/**
 * The index of the guide step where the secret is copied (the provider file's
 * `secret_shown`), or -1.
 * @param {ProviderView | null | undefined} provider
 */
export function copyStepIndex(provider) {
  return asList(provider && provider.steps).findIndex((step) => step.secret_shown === "once" || step.secret_shown === "anytime");
}

/**
 * What to do after an outcome with this provider: as codeNext, except that a refused key
 * the provider shows only once cannot simply be copied again.
 * @param {ProviderView | null | undefined} provider
 * @param {unknown} code
 * @param {Record<string, unknown>} [params]
 */
export function outcomeNext(provider, code, params = {}) {
  const copy = asList(provider && provider.steps)[copyStepIndex(provider)];
  if (code === "bad_credentials" && copy && copy.secret_shown === "once") return t("error.bad_credentials.next_once", params);
  return codeNext(code, params);
}

/**
 * What went wrong with a call, as one sentence in the active language: the generic
 * sentence of the error's code, filled from the error (and the provider, when known).
 * @param {{code?: string} & Extra} err a KeystepError from ui/api.js
 * @param {ProviderView | null} [provider]
 */
export function errorSentence(err, provider = null) {
  return codeSentence(err.code, context(provider, err));
}

/**
 * What went wrong, in the active language: the provider's own advice for the code when it
 * has some (filled in completely), else the generic sentence.
 * @param {ProviderView | null | undefined} provider
 * @param {string} code
 * @param {Extra} [extra]
 */
export function outcomeSentence(provider, code, extra = {}) {
  const params = context(provider, extra);
  const messages = provider && provider.messages && typeof provider.messages === "object" ? provider.messages : {};
  const template = pick(messages, code);
  if (hasText(template)) {
    const usable = !(template.includes("{missing}") && !params.missing);
    const filled = fill(template, params);
    if (usable && !/\{[a-z_]+\}/.test(filled)) return filled;
  }
  return codeSentence(code, params);
}

/**
 * The provider's success line, the first template whose placeholders are all known.
 * @param {ProviderView | null | undefined} provider
 * @param {Partial<AccountView>} account
 */
export function successLine(provider, account) {
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

/**
 * How the UI names an account: its label, else its company, else its provider.
 * @param {Partial<AccountView> | null | undefined} account
 */
export function accountTitle(account) {
  if (!account) return "";
  if (hasText(account.label)) return account.label;
  if (hasText(account.company)) return account.company;
  return account.provider_name || t("common.this_account");
}

/**
 * What the account's state means, in the active language.
 * @param {AccountView} account
 */
export function accountSentence(account) {
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

/**
 * "Key 40 days old", from the backend's count (or the last change); "" when unknown.
 * @param {Partial<AccountView>} account
 */
export function keyAgeText(account) {
  /** @param {number} days */
  const age = (days) => (days < 1 ? t("account.key_created_today") : t("account.key_age", { count: days }));
  if (typeof account.key_age_days === "number" && Number.isFinite(account.key_age_days)) return age(account.key_age_days);
  if (isTimestamp(account.changed_at)) return age(Math.floor((Date.now() / 1000 - account.changed_at) / 86400));
  return "";
}

/**
 * The localized line for a link-progress payload: the provider's line for the check. ""
 * keeps the line already shown: the payload's own line is the backend's English.
 * @param {ProviderView | null | undefined} provider
 * @param {{check: string|null, doing: string}} payload
 */
export function progressText(provider, payload) {
  const check = asList(provider && provider.checks).find((c) => c && c.id === payload.check);
  return check && hasText(check.doing) ? check.doing : "";
}

/**
 * How to revoke a key in the provider: its own words, else the generic sentence.
 * @param {ProviderView | null | undefined} provider
 * @param {string} providerName
 */
export function revokeText(provider, providerName) {
  return provider && hasText(provider.revoke) ? provider.revoke : t("revoke.generic", { provider: providerName });
}

// ---------------------------------------------------------------------------
// The notes and problems of preview_fields, per field.

const NOTE = {
  trimmed_whitespace: "note.trimmed_whitespace",
  removed_quotes: "note.removed_quotes",
  removed_authorization_prefix: "note.removed_authorization_prefix",
  removed_bearer_prefix: "note.removed_bearer_prefix",
  removed_token_prefix: "note.removed_token_prefix",
  removed_scheme: "note.removed_scheme",
  removed_path: "note.removed_path",
  removed_domain: "note.removed_domain",
  removed_password: "note.removed_password",
  unusual_format: "note.unusual_format",
  split_pair: "note.split_pair",
  looks_retired: "note.looks_retired",
};

/** Notes that are sentences of their own, not parts of "We removed …". */
const OWN_SENTENCE = ["unusual_format", "split_pair", "looks_retired"];

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
  colon_in_key: "problem.colon_in_key",
  pasted_url: "problem.pasted_url",
  pasted_command: "problem.pasted_command",
  too_short: "problem.too_short",
};

/**
 * A provider's field by key.
 * @param {ProviderView | null | undefined} provider
 * @param {string} key
 */
export function fieldOf(provider, key) {
  return asList(provider && provider.fields).find((field) => field.key === key) || null;
}

/**
 * @param {ProviderView | null | undefined} provider
 * @param {string} key
 * @param {string} [otherKey]
 */
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

/**
 * A field's label as it reads inside a sentence: "Company subdomain" → "company subdomain",
 * "Service user ID" → "service user ID"; a label opening with an acronym ("API token") stays.
 * @param {string} label
 */
export function midSentence(label) {
  const first = String(label).split(/\s/)[0];
  if (first.length > 1 && first === first.toLocaleUpperCase()) return label;
  return label.charAt(0).toLocaleLowerCase() + label.slice(1);
}

/**
 * Sentence case for labels placed in a sentence: each of `labels` keeps its capital only
 * where it opens a sentence.
 * @param {string} text
 * @param {string[]} labels
 */
export function labelsInSentence(text, labels) {
  let out = text;
  for (const label of labels.filter(hasText)) {
    const lower = midSentence(label);
    if (lower === label) continue;
    let at = out.indexOf(label);
    while (at >= 0) {
      const opens = at === 0 || /[.!?:»]\s*$/.test(out.slice(0, at)) && !/:\s*$/.test(out.slice(0, at));
      if (!opens) out = out.slice(0, at) + lower + out.slice(at + label.length);
      at = out.indexOf(label, at + label.length);
    }
  }
  return out;
}

/**
 * The notes of one field as one sentence: "We removed “https://” in front of it and “.example.com”."
 * @param {ProviderView | null | undefined} provider
 * @param {string} key
 * @param {string[]} changes
 */
export function notesSentence(provider, key, changes) {
  const params = fieldParams(provider, key);
  const parts = changes.filter((c) => own(NOTE, c) && !OWN_SENTENCE.includes(c)).map((c) => t(pick(NOTE, c), params));
  const sentences = [];
  if (changes.includes("split_pair")) sentences.push(t(NOTE.split_pair, params));
  if (parts.length) sentences.push(t("note.we_removed", { what: joinList(parts) }));
  if (changes.includes("unusual_format")) sentences.push(t(NOTE.unusual_format, params));
  if (changes.includes("looks_retired")) {
    // The provider's own sentence (what it retired, when, what to use instead).
    const field = fieldOf(provider, key);
    sentences.push(field && hasText(field.retired) ? field.retired : t(NOTE.looks_retired, params));
  }
  return labelsInSentence(sentences.join(" "), [params.label]);
}

/**
 * @param {ProviderView | null | undefined} provider
 * @param {FieldProblem} problem
 */
export function problemSentence(provider, problem) {
  const key = pick(PROBLEM, problem.problem) || "problem.invalid";
  const params = fieldParams(provider, problem.field, problem.other);
  return labelsInSentence(t(key, params), [params.label, params.other_label]);
}

/**
 * Groups preview notes by field, in form order: Map(field -> [change]).
 * @param {{notes?: FieldNote[]} | null | undefined} preview a preview, or a link's answer (the same notes)
 * @returns {Map<string, string[]>}
 */
export function notesByField(preview) {
  const byField = new Map();
  for (const note of asList(preview && preview.notes)) {
    if (!note || !hasText(note.field) || !hasText(note.change)) continue;
    if (!byField.has(note.field)) byField.set(note.field, []);
    byField.get(note.field).push(note.change);
  }
  return byField;
}
