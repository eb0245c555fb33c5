import { h } from '../dom.js';
import { icon } from '../icons.js';
import type { AppState } from '../state.js';

/** Shown while the live connection is away; the stream resumes by itself when it is back. */
export function mountBanner(container: HTMLElement): (state: AppState) => void {
  const text = h('span', {}, '');
  const banner = h(
    'div',
    { class: 'banner', role: 'status', hidden: true },
    icon('wifiOff'),
    text,
    h('span', { class: 'spinner', 'aria-hidden': 'true' }),
  );
  container.append(banner);
  return (state) => {
    const away = state.connection === 'reconnecting' || !state.browserOnline;
    banner.hidden = !away;
    text.textContent = state.browserOnline
      ? 'Connection lost. Reconnecting…'
      : 'You are offline. Reconnecting…';
  };
}
