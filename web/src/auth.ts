const STORAGE_KEY = 'threadline.token';

/** A link's token waiting for the user's choice; per tab, so that it outlives a reload. */
const OFFER_KEY = 'threadline.offeredToken';

/**
 * Takes a `?token=` out of the address bar, so the token is neither kept in the history nor
 * shared by copying the URL. It is saved at once when this browser holds no token or the same
 * one. A different one is returned, unsaved, for the user to confirm (`link-sign-in.ts`): a link
 * alone must not switch the account signed in here, or someone else's link would collect what
 * is typed next. Until the choice is made (`settleOffer`) it is returned again after a reload,
 * such as the one that follows a sign-in elsewhere; after a sign-out elsewhere it is dropped.
 */
export function takeTokenFromUrl(): string | null {
  const url = new URL(window.location.href);
  const fromUrl = url.searchParams.get('token')?.trim();
  if (fromUrl !== undefined) {
    url.searchParams.delete('token');
    window.history.replaceState(window.history.state, '', url.pathname + url.search + url.hash);
    if (fromUrl) window.sessionStorage.setItem(OFFER_KEY, fromUrl);
  }
  const offered = window.sessionStorage.getItem(OFFER_KEY);
  if (offered === null) return null;
  const current = loadToken();
  if (current !== null && current !== offered) return offered;
  settleOffer();
  // Only a link opened now signs in unasked. One left unanswered before a reload (another tab
  // signed out, say) must not: the sign-out would end in the link's account, in every tab.
  if (fromUrl === offered) saveToken(offered);
  return null;
}

/** The offered token was taken or declined. */
export function settleOffer(): void {
  window.sessionStorage.removeItem(OFFER_KEY);
}

export function loadToken(): string | null {
  try {
    return window.localStorage.getItem(STORAGE_KEY);
  } catch {
    return null;
  }
}

export function saveToken(token: string): void {
  window.localStorage.setItem(STORAGE_KEY, token);
}

/** Calls `listener` when another tab signs in or out (this tab's own changes do not count). */
export function onTokenChangeElsewhere(listener: () => void): void {
  window.addEventListener('storage', (event) => {
    if (event.key === STORAGE_KEY || event.key === null) listener();
  });
}

export function clearToken(): void {
  window.localStorage.removeItem(STORAGE_KEY);
}
