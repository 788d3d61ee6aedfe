// @ts-check
// Small DOM helpers. Nodes are built with createElement/textContent only: provider text is
// data, never markup (tests/ui/run.sh forbids parsing strings as HTML anywhere in ui/).

import { formatDateTime, t } from "../i18n.js";
import { hasText } from "./values.js";

let idCounter = 0;

/**
 * A fresh id for a built element ("account-label-7"), to tie labels and descriptions.
 * @param {string} prefix
 */
export function uid(prefix) {
  idCounter += 1;
  return `${prefix}-${idCounter}`;
}

/**
 * Create an element.
 * @template {keyof HTMLElementTagNameMap} K
 * @param {K} tag
 * @param {{className?: string, text?: unknown, attrs?: Record<string, unknown>}} [opts]
 * @param {...(Node|string|null|undefined|false|Array<unknown>)} children
 * @returns {HTMLElementTagNameMap[K]}
 */
export function el(tag, opts = {}, ...children) {
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
    node.append(/** @type {Node|string} */ (child));
  }
  return node;
}

/**
 * The first element matching `selector` (typed as T: the caller knows what it selects).
 * @template {Element} [T=HTMLElement]
 * @param {string} selector
 * @param {ParentNode} [root]
 * @returns {T}
 */
export const $ = (selector, root = document) => /** @type {T} */ (root.querySelector(selector));

/**
 * Every element matching `selector`, as an array.
 * @template {Element} [T=HTMLElement]
 * @param {string} selector
 * @param {ParentNode} [root]
 * @returns {T[]}
 */
export const $$ = (selector, root = document) => /** @type {T[]} */ (Array.from(root.querySelectorAll(selector)));

// Small stroke icons (UI chrome, not data). Built with createElementNS.
const ICONS = {
  lock: ["M6 10V7a6 6 0 0 1 12 0v3", "M5 10h14v10H5z", "M12 14v2.5"],
  info: ["M12 11v5.5", "M12 7.6v.1", "M12 21a9 9 0 1 0 0-18 9 9 0 0 0 0 18z"],
  external: ["M14 4h6v6", "M20 4l-9 9", "M18 14v5a1 1 0 0 1-1 1H5a1 1 0 0 1-1-1V7a1 1 0 0 1 1-1h5"],
  check: ["M5 12.5l4.5 4.5L19 7.5"],
  cross: ["M6.5 6.5l11 11", "M17.5 6.5l-11 11"],
  warning: ["M12 4l9 16H3z", "M12 10v4.5", "M12 17.4v.1"],
};

/**
 * @param {keyof typeof ICONS} name
 * @param {string} [className]
 */
export function icon(name, className = "icon") {
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

/** Room kept between the sticky header (or the window's bottom) and what is revealed. */
const REVEAL_GAP = 12;

/**
 * Moves keyboard focus to `node`, if there is one, and reveals `reveal` (the node itself by
 * default; a field's whole block, label and error included) below the sticky header. The
 * browser's own scroll on focus counted a control under the header as in view and left it
 * there (and WebKit's, from a script, does not scroll at all).
 * @param {HTMLElement | null | undefined} node
 * @param {HTMLElement | null} [reveal]
 */
export function focus(node, reveal = node) {
  if (!node) return;
  node.focus({ preventScroll: true });
  if (reveal) revealBelowHeader(reveal);
}

/**
 * Scrolls the window so `node` shows below the sticky header: with "start", its top just
 * under the header; with "nearest", the least scroll that shows it whole (or its top, when
 * it is taller than the window). Measured here rather than left to CSS scroll-padding,
 * which made WebKit's WebDriver refuse clicks on controls just below the window.
 * @param {Element} node
 * @param {"start" | "nearest"} [block]
 */
export function revealBelowHeader(node, block = "nearest") {
  // A node not drawn (its view hidden: a redraw of home while the picker shows) has no place
  // to reveal; its empty box would scroll the view that does show.
  if (node.closest("dialog") || !node.getClientRects().length) return;
  const header = document.querySelector(".app-header");
  const top = (header ? header.getBoundingClientRect().bottom : 0) + REVEAL_GAP;
  const bottom = window.innerHeight - REVEAL_GAP;
  const box = node.getBoundingClientRect();
  let by = 0;
  if (block === "start" || box.top < top) by = box.top - top;
  else if (box.bottom > bottom) by = Math.min(box.bottom - bottom, box.top - top);
  if (by) window.scrollBy(0, by);
}

/**
 * Resolves once the page has drawn its next frame: at once when the page is hidden (a window
 * started at login draws no frame), and after `latest` ms at the most. Start-up's later
 * questions wait for it: each IPC answer comes back through the window's main thread, and
 * asked before the first frame they held it and WebKit's answers to the first input
 * (docs/benchmarks.md, issue 25).
 * @param {number} [latest]
 * @returns {Promise<void>}
 */
export function afterNextFrame(latest = 1000) {
  return new Promise((resolve) => {
    let done = false;
    // A frame's callbacks run before it is painted: resolving on the next task lets the
    // paint go first.
    const go = () => {
      if (done) return;
      done = true;
      window.setTimeout(resolve, 0);
    };
    if (document.visibilityState === "hidden") {
      go();
      return;
    }
    window.requestAnimationFrame(go);
    // A busy machine can hold a frame for more than 100 ms (the UI checks' browser in CI did);
    // the latest is for a page hidden without saying so.
    window.setTimeout(go, latest);
  });
}

/**
 * Says `text` through the page's polite live region (#announcer).
 * @param {string} text
 */
export function announce(text) {
  const region = $("#announcer");
  region.textContent = "";
  // A fresh text node after a tick makes screen readers repeat equal messages.
  window.setTimeout(() => {
    region.textContent = text;
  }, 50);
}

/**
 * Shows `text` in `node`, or hides it when there is none ("set text or hide").
 * @param {HTMLElement} node
 * @param {string | null | undefined} text
 * @param {HTMLElement} [box] what shows or hides, when the text sits inside a callout
 */
export function showText(node, text, box = node) {
  node.textContent = text || "";
  box.hidden = !text;
}

/**
 * Marks a control busy or free again. aria-disabled rather than disabled: the control keeps
 * keyboard focus while busy, and its handler ignores a press (see isBusy).
 * @param {Element | null | undefined} control
 * @param {boolean} on
 */
export function busy(control, on) {
  if (!control) return;
  if (on) control.setAttribute("aria-disabled", "true");
  else control.removeAttribute("aria-disabled");
}

/** @param {Element} control */
export function isBusy(control) {
  return control.getAttribute("aria-disabled") === "true";
}

/**
 * A "Details" disclosure holding the backend's English sentence (and the code).
 * @param {unknown} message
 * @param {unknown} code
 */
export function details(message, code) {
  if (!hasText(message) && !hasText(code)) return null;
  const at = Date.now() / 1000;
  const summary = el("summary", { text: t("common.details") });
  const when = el("p", { className: "error-when" });
  const box = el(
    "details",
    { className: "tech-details" },
    summary,
    // What the sentence above does not say: the code, when, and the technical message.
    hasText(code) ? el("p", { className: "error-code" }, t("common.error_code"), " ", el("code", { text: code })) : null,
    when,
    hasText(message) ? el("p", { className: "tech-message" }, t("common.error_message"), " ", el("span", { text: message, attrs: { lang: "en" } })) : null,
  );
  // The time is worded when the details are first opened: worded as a card in trouble was
  // drawn, it made the page's first Intl.DateTimeFormat, whose ICU data the web process then
  // keeps (~3 MiB; issue 25). A click on the summary (the pointer, Enter or Space) comes
  // before the details open, so the line never shows empty; `toggle` covers any other opening.
  const word = () => {
    if (!when.textContent) when.textContent = t("common.error_when", { when: formatDateTime(at) });
  };
  summary.addEventListener("click", word);
  box.addEventListener("toggle", () => box.open && word());
  return box;
}
