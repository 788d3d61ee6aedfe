// @ts-check
// The permission checklist of a key: granted ✓, missing ✗, extra as least-privilege advice
// (which boxes to untick, as the provider's screen names them), unchecked, and what only the
// original guide asked for. On the account view and on a successful link's result.

import { t } from "../i18n.js";
import { el, icon, uid } from "../lib/dom.js";
import { asList, hasText } from "../lib/values.js";
import { purposeOf, shownPermission } from "./purpose.js";

const PERM_STATE = { granted: "perm.state_granted", missing: "perm.state_missing", extra: "perm.state_extra", unchecked: "perm.state_unchecked" };

/**
 * @param {import("../shapes.js").Permissions | null | undefined} permissions
 * @param {string} providerName
 * @param {{provider?: import("../shapes.js").ProviderView|null, purpose?: string}} [opts] the
 *   provider (for its screen's labels) and the purpose the key was held to
 * @returns {HTMLElement | null} null when the provider reports none
 */
export function permissionSection(permissions, providerName, opts = {}) {
  if (!permissions || typeof permissions !== "object") return null;
  const granted = asList(permissions.granted);
  const missing = asList(permissions.missing);
  const extra = asList(permissions.extra);
  const unchecked = asList(permissions.unchecked);
  const unconfirmed = asList(permissions.unconfirmed);
  if (!granted.length && !missing.length && !extra.length && !unchecked.length && !unconfirmed.length) return null;
  const provider = opts.provider || null;
  const titleId = uid("perm-title");
  const section = el("section", { className: "result-section permissions", attrs: { "aria-labelledby": titleId } });
  section.append(el("h2", { className: "section-title", text: t("perm.title"), attrs: { id: titleId } }));
  /**
   * @param {string} name
   * @param {keyof typeof PERM_STATE} kind
   */
  const item = (name, kind) =>
    el("li", { className: `perm perm-${kind}` }, icon(kind === "missing" ? "cross" : kind === "granted" ? "check" : "info", "icon perm-mark"), el("code", { text: shownPermission(provider, name) }), el("span", { className: "visually-hidden", text: ` (${t(PERM_STATE[kind])})` }));
  const rows = [...missing.map((n) => item(n, "missing")), ...granted.map((n) => item(n, "granted")), ...unchecked.map((n) => item(n, "unchecked"))];
  if (rows.length) section.append(el("ul", { className: "perm-list", attrs: { role: "list" } }, rows));
  if (missing.length) section.append(el("p", { className: "callout callout-warning callout-compact", text: t("perm.missing_advice") }));
  if (unchecked.length) section.append(el("p", { className: "perm-label muted", text: t("perm.unchecked_advice") }));
  if (unconfirmed.length) {
    section.append(el("p", { className: "perm-label muted", text: t("perm.unconfirmed_advice", { provider: providerName, names: unconfirmed.map((n) => shownPermission(provider, n)).join(", ") }) }));
  }
  if (extra.length) {
    const purpose = provider && hasText(opts.purpose) ? purposeOf(provider, String(opts.purpose)) : null;
    const advice = purpose ? t("perm.extra_advice_purpose", { provider: providerName, purpose: purpose.label }) : t("perm.extra_advice", { provider: providerName });
    section.append(
      el(
        "div",
        { className: "callout callout-info callout-compact least-privilege" },
        el("p", {}, el("strong", { text: t("perm.tip") }), " ", advice),
        el("ul", { className: "perm-list", attrs: { role: "list" } }, extra.map((n) => item(n, "extra"))),
      ),
    );
  }
  return section;
}
