// @ts-check
// Relative times ("checked 3 min ago", "next check in 5 h") on cards and the account view:
// each is a <time> that keeps its timestamp in data-ts, so refreshTimes() can re-word every
// one of them without redrawing anything.

import { ago, ahead, formatDateTime, isTimestamp, t } from "../i18n.js";
import { $$, el } from "./dom.js";
import { pick } from "./values.js";

/** The wording of each kind of time, by `data-kind`. */
const TIME_TEXT = {
  /** @param {number} ts */
  checked: (ts) => (isTimestamp(ts) ? t("account.checked", { when: ago(ts) }) : t("account.never_checked")),
  /** @param {number} ts */
  tried: (ts) => (isTimestamp(ts) ? t("account.tried", { when: ago(ts) }) : ""),
  /** @param {number} ts */
  answered: (ts) => (isTimestamp(ts) ? t("account.answered", { when: ago(ts) }) : ""),
  /** @param {number} ts */
  next: (ts) => (isTimestamp(ts) ? t("account.next_check", { when: ahead(ts) }) : ""),
  /** @param {number} ts */
  retry: (ts) => (isTimestamp(ts) ? ahead(ts) : ""),
  /** @param {number} ts */
  ago: (ts) => ago(ts),
  /**
   * @param {number} ts
   * @param {string} [what] the command that used the key
   */
  used: (ts, what) => (isTimestamp(ts) && what ? t("account.used", { when: ago(ts), command: what }) : ""),
  /**
   * @param {number} ts
   * @param {string} [what] the AI assistant that used it
   */
  used_by_assistant: (ts, what) => (isTimestamp(ts) && what ? t("account.used_by_assistant", { when: ago(ts), assistant: what }) : ""),
};

/**
 * A <time> worded for its kind, or null when there is nothing to say.
 * @param {keyof typeof TIME_TEXT} kind
 * @param {number | null | undefined} ts Unix seconds
 * @param {string} [className]
 * @param {string} [what] what the sentence names besides the time (the command or assistant, for "used")
 */
export function timeNode(kind, ts, className = "", what = "") {
  const text = TIME_TEXT[kind](ts, what);
  if (!text) return null;
  const node = el("time", { className: `card-time card-time-${kind} ${className}`.trim(), text });
  node.dataset.kind = kind;
  if (what) node.dataset.what = what;
  if (isTimestamp(ts)) {
    node.dateTime = new Date(ts * 1000).toISOString();
    node.dataset.ts = String(ts);
  }
  return node;
}

/** The documents whose times get their titles on hover (the UI harness boots app.js again). */
const titled = new WeakSet();

/**
 * Gives a relative time its full date and time as a title when the pointer comes over it, not
 * when it is drawn: formatting the titles of a hundred cards made the page's first
 * Intl.DateTimeFormat, which loads ICU's date data into the web process for good (~3 MiB;
 * issue 25). The title is set as the pointer enters, before the desktop shows its tooltip.
 * @param {Document} doc
 */
export function titleTimesOnHover(doc) {
  if (titled.has(doc)) return;
  titled.add(doc);
  doc.addEventListener("mouseover", (event) => {
    const time = event.target instanceof Element ? event.target.closest("time[data-ts]") : null;
    if (time instanceof HTMLElement && !time.title) time.title = formatDateTime(Number(time.dataset.ts));
  }, { passive: true });
}

/** Re-words every relative time on the page (every 30 s, from app.js). */
export function refreshTimes() {
  for (const time of $$("time[data-ts]")) {
    const format = pick(TIME_TEXT, time.dataset.kind);
    if (format) time.textContent = format(Number(time.dataset.ts), time.dataset.what || "");
  }
}
