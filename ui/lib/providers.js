// @ts-check
// The providers Keystep can connect (list_providers), in the active language: asked once
// per language and shared by every view; a second caller waits for the call under way.

import * as api from "../api.js";
import { state } from "./state.js";

/** @typedef {import("../shapes.js").ProviderView} ProviderView */

/** @returns {Promise<ProviderView[]>} */
export function loadProviders() {
  const lang = state.lang;
  if (state.providers && state.providersLang === lang) return Promise.resolve(state.providers);
  if (!state.providersPromise || state.providersPromise.lang !== lang) {
    /** @type {Promise<ProviderView[]> & {lang?: string}} */
    const promise = api
      .listProviders(lang)
      .then((providers) => {
        if (state.lang === lang) {
          state.providers = providers;
          state.providersLang = lang;
        }
        return providers;
      })
      .finally(() => {
        if (state.providersPromise === promise) state.providersPromise = null;
      });
    promise.lang = lang;
    state.providersPromise = promise;
  }
  return state.providersPromise;
}

/**
 * The providers, or null when they could not be listed: for a view that can do without
 * them (a sentence falls back to generic words); the picker says what went wrong.
 * @returns {Promise<ProviderView[] | null>}
 */
export async function tryLoadProviders() {
  try {
    return await loadProviders();
  } catch {
    return null;
  }
}

/**
 * The provider of an account, if the list is loaded.
 * @param {{provider?: string} | null | undefined} account
 * @returns {ProviderView | null}
 */
export function providerFor(account) {
  const id = account && account.provider;
  const found = (state.providers || []).find((p) => p.id === id);
  if (found) return found;
  // Handed over with the first view: the accounts' own providers, in the language they were
  // worded in.
  const handed = state.handedProviders && state.handedProviders.lang === state.lang ? state.handedProviders.list : [];
  return handed.find((p) => p.id === id) || null;
}

/**
 * Whether every account's provider is known, loaded or handed over: the cards then need no
 * guide to be worded.
 * @param {{provider?: string}[]} accounts
 */
export function knowsProvidersOf(accounts) {
  return accounts.every((account) => providerFor(account) !== null);
}
