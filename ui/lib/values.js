// @ts-check
// Reading values that come from the backend (or from a provider's catalogue entry), which
// may be missing, blank or of another type: the UI never trusts a shape it did not check.

/**
 * A string with something other than spaces in it.
 * @param {unknown} value
 * @returns {value is string}
 */
export function hasText(value) {
  return typeof value === "string" && value.trim() !== "";
}

/**
 * The array's items that are there and not blank; [] for anything but an array.
 * @template T
 * @param {T[] | null | undefined | unknown} value
 * @returns {T[]}
 */
export function asList(value) {
  return Array.isArray(value) ? value.filter((item) => item !== null && item !== undefined && String(item).trim() !== "") : [];
}

/**
 * Whether `object` has `key` of its own (never one from the prototype, which Tauri freezes).
 * @param {unknown} object
 * @param {unknown} key
 */
export function own(object, key) {
  return Boolean(object) && typeof object === "object" && Object.prototype.hasOwnProperty.call(object, /** @type {PropertyKey} */ (key));
}

/**
 * A lookup table's entry for `key` (a value from the backend), or undefined when the table
 * has no such entry of its own.
 * @template T
 * @param {Readonly<Record<string, T>>} table
 * @param {unknown} key
 * @returns {T | undefined}
 */
export function pick(table, key) {
  return own(table, key) ? table[/** @type {string} */ (key)] : undefined;
}
