// @ts-check
// The providers Keystep can connect (list_providers), in the active language: asked once
// per language and shared by every view; a second caller waits for the call under way.

import * as api from "../api.js";
import { state } from "./state.js";

/** @typedef {import("../api.js").ProviderView} ProviderView */

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
  const providers = state.providers || [];
  return providers.find((p) => p.id === (account && account.provider)) || null;
}
