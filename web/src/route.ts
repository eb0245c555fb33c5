/** The open conversation lives in the hash (`#/c/<id>`), so a reload reopens it. */
export function readRoute(): string | null {
  const match = /^#\/c\/([^/?#]+)$/.exec(window.location.hash);
  return match?.[1] ? decodeURIComponent(match[1]) : null;
}

export function writeRoute(conversationId: string | null, mode: 'push' | 'replace' = 'push'): void {
  const hash = conversationId ? `#/c/${encodeURIComponent(conversationId)}` : '';
  if (window.location.hash === hash || (!hash && !window.location.hash)) return;
  const url = window.location.pathname + window.location.search + hash;
  if (mode === 'push') window.history.pushState(null, '', url);
  else window.history.replaceState(null, '', url);
}

export function onRouteChange(listener: (conversationId: string | null) => void): () => void {
  const handler = () => listener(readRoute());
  window.addEventListener('popstate', handler);
  return () => window.removeEventListener('popstate', handler);
}
