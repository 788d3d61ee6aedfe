// @ts-check
// An account's copies in team stores (issue 24), on the account view: each copy with its
// version, when the store last confirmed it, and whether it is current, stale or changed
// outside Keystep; and "Share with your team's store", which writes the key to Vault /
// OpenBao or AWS Secrets Manager. The Vault token box is a secret: cleared after each try.

import * as api from "../api.js";
import { ago, formatDateTime, isTimestamp, t } from "../i18n.js";
import { announce, busy, el, showText, uid } from "../lib/dom.js";
import { asList, hasText } from "../lib/values.js";
import { codeSentence, errorSentence } from "../lib/wording.js";
import { updateAccount } from "./accounts.js";

/** @typedef {import("../shapes.js").AccountView} AccountView */
/** @typedef {import("../shapes.js").StoreCopyView} StoreCopyView */

const STATE = {
  current: { tone: "ok", key: "copies.state.current" },
  stale: { tone: "attention", key: "copies.state.stale" },
  changed_outside: { tone: "error", key: "copies.state.changed_outside" },
};

/**
 * One copy's chip: its state in words and a tone.
 * @param {StoreCopyView} copy
 */
function stateChip(copy) {
  const known = copy.state === "current" ? STATE.current : copy.state === "changed_outside" ? STATE.changed_outside : STATE.stale;
  return el("span", { className: `chip chip-${known.tone}`, text: t(known.key) });
}

/**
 * The copies and the Share form, as one card.
 * @param {AccountView} account
 */
export function copiesSection(account) {
  const headingId = uid("copies");
  const copies = asList(account.copies);
  const list = el("ul", { className: "copy-list", attrs: { "aria-labelledby": headingId } });
  for (const copy of copies) {
    const when = isTimestamp(copy.confirmed_at) ? `${formatDateTime(copy.confirmed_at)} (${ago(copy.confirmed_at)})` : "—";
    const note = copy.state === "changed_outside" ? t("copies.changed_note") : copy.state === "stale" ? t("copies.stale_note") : "";
    list.append(
      el(
        "li",
        { className: "copy-item", attrs: { "data-target": copy.target, "data-state": copy.state } },
        el("code", { className: "copy-target", text: copy.target }),
        " ",
        stateChip(copy),
        el("span", { className: "muted copy-facts", text: t("copies.facts", { version: copy.version, when }) }),
        hasText(note) ? el("span", { className: "copy-note", text: note }) : null,
        hasText(copy.last_code) && copy.state !== "current" ? el("span", { className: "muted copy-code", text: codeSentence(copy.last_code) }) : null,
      ),
    );
  }
  const empty = el("p", { className: "muted copies-empty", text: t("copies.none"), attrs: { hidden: copies.length ? "" : null } });
  const targetId = uid("copy-target");
  const tokenId = uid("copy-token");
  const target = /** @type {HTMLInputElement} */ (el("input", { className: "text-input", attrs: { id: targetId, type: "text", name: "target", autocomplete: "off", spellcheck: "false", placeholder: "vault://vault.example.com:8200/secret/hr/key", "data-field": "target" } }));
  const token = /** @type {HTMLInputElement} */ (el("input", { className: "text-input", attrs: { id: tokenId, type: "password", name: "token", autocomplete: "off", "data-secret": "true" } }));
  const submit = el("button", { className: "btn btn-primary", text: t("copies.share"), attrs: { type: "submit", "data-action": "share" } });
  const error = el("p", { className: "field-error", attrs: { role: "alert", hidden: "" } });
  const form = el(
    "form",
    { className: "share-form", attrs: { "aria-label": t("copies.share_title"), novalidate: "" } },
    el("label", { text: t("copies.target_label"), attrs: { for: targetId } }),
    target,
    el("p", { className: "muted field-hint", text: t("copies.target_hint") }),
    el("label", { text: t("copies.token_label"), attrs: { for: tokenId } }),
    token,
    el("p", { className: "muted field-hint", text: t("copies.token_hint") }),
    error,
    submit,
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    error.hidden = true;
    const where = target.value.trim();
    if (!where) {
      showText(error, t("copies.target_missing"));
      target.focus();
      return;
    }
    const secret = token.value.trim();
    token.value = "";
    busy(submit, true);
    try {
      // Sharing again to a copy changed outside Keystep is the person's answer to its note:
      // overwrite what is there now. Any other address must be new or Keystep's own version.
      const replace = copies.some((c) => c.target === where && c.state === "changed_outside");
      const updated = await api.pushAccount(account.id, where, secret || null, replace);
      target.value = "";
      announce(t("copies.shared", { target: where }));
      updateAccount(updated);
    } catch (err) {
      showText(error, errorSentence(err));
    } finally {
      busy(submit, false);
    }
  });
  return el(
    "section",
    { className: "card result-section copies", attrs: { "aria-labelledby": headingId } },
    el("h2", { className: "section-title", text: t("copies.title"), attrs: { id: headingId } }),
    el("p", { className: "muted", text: t("copies.lead") }),
    list,
    empty,
    el("h3", { className: "subsection-title", text: t("copies.share_title") }),
    form,
  );
}
