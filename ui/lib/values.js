// Reading values that come from the backend (or from a provider's catalogue entry), which
// may be missing, blank or of another type: the UI never trusts a shape it did not check.

/** A string with something other than spaces in it. */
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
 * @param {PropertyKey} key
 */
export function own(object, key) {
  return Boolean(object) && typeof object === "object" && Object.prototype.hasOwnProperty.call(object, key);
}
