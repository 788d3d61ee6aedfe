// @ts-check
// Whether the keychain could store a key now, said on the picker, the guide and the form
// (every [data-keychain-warning] box): most providers show a token once, so a locked
// keychain must be known before the person creates one, not after.

import * as api from "../api.js";
import { t } from "../i18n.js";
import { $, $$ } from "../lib/dom.js";
import { state } from "../lib/state.js";

const KEYCHAIN_TEXT = {
  locked: ["keychain.locked.title", "keychain.locked.text"],
  absent: ["keychain.absent.title", "keychain.absent.text"],
};

/** Asks get_keychain_state and shows (or hides) the warnings. */
export async function showKeychainState() {
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
    const [title, text] = KEYCHAIN_TEXT[/** @type {"locked"|"absent"} */ (found)];
    $("[data-keychain-title]", box).textContent = t(title);
    $("[data-keychain-text]", box).textContent = t(text);
  }
}
