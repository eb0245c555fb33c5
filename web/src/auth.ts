const STORAGE_KEY = 'threadline.token';

/**
 * Moves a `?token=` from the address bar into localStorage, so the token is neither kept in
 * the history nor shared by copying the URL.
 */
export function captureTokenFromUrl(): void {
  const url = new URL(window.location.href);
  const token = url.searchParams.get('token');
  if (token === null) return;
  if (token.trim()) saveToken(token.trim());
  url.searchParams.delete('token');
  window.history.replaceState(window.history.state, '', url.pathname + url.search + url.hash);
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
