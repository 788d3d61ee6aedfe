// @ts-check
// The banner shown while KEYSTEP_*_URL host overrides are set: keys then go to a test host
// instead of the provider's own. Overrides work in every build, so the window always says
// so, on every view, and the banner cannot be dismissed.

import { t } from "../i18n.js";
import { $, el } from "../lib/dom.js";
import { state } from "../lib/state.js";

/**
 * Keeps and draws the overrides list_host_overrides answered (asked once, at start-up, side
 * by side with start-up's other questions).
 * @param {import("../shapes.js").HostOverride[]} list
 */
export function show(list) {
  state.hostOverrides = list;
  render();
}

/** Draws the banner in the active language (again after a language change). */
export function render() {
  const list = state.hostOverrides;
  const items = list.map((o) => el("li", { text: t("overrides.item", { provider: o.provider_name, host: o.host, url: o.url }) }));
  $("#host-overrides-list").replaceChildren(...items);
  $("#host-overrides").hidden = list.length === 0;
}
