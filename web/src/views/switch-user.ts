import { h } from '../dom.js';
import { largeBrand } from './sign-in.js';

/**
 * Asks whether a sign-in link may switch the user signed in here. Staying is the default
 * (focused first): a link someone else sent must not take over unnoticed. Names are undefined
 * when the server could not be asked.
 */
export function renderSwitchUser(
  current: string | undefined,
  offered: string | undefined,
  choose: (switchTo: boolean) => void,
): HTMLElement {
  const stay = h(
    'button',
    { type: 'button', class: 'button button--primary button--block', onClick: () => choose(false) },
    current ? `Stay signed in as ${current}` : 'Stay signed in',
  );
  const card = h(
    'section',
    { class: 'sign-in-card', 'aria-labelledby': 'switch-title' },
    largeBrand(),
    h('h1', { id: 'switch-title', class: 'sign-in-title' }, 'Switch user?'),
    h(
      'p',
      {},
      current && offered
        ? `You are signed in as ${current}. The link you opened signs in as ${offered}.`
        : 'The link you opened signs in with another token than the one this browser uses.',
    ),
    h(
      'p',
      { class: 'muted sign-in-note' },
      'Switch only if the link is your own: what you type next goes to the account you choose.',
    ),
    stay,
    h(
      'button',
      { type: 'button', class: 'button button--block', onClick: () => choose(true) },
      offered ? `Sign in as ${offered}` : "Use the link's token",
    ),
  );
  queueMicrotask(() => stay.focus());
  return h('main', { class: 'sign-in' }, card);
}
