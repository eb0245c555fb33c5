import { h } from '../dom.js';
import type { AppState } from '../state.js';

/** The app's name over a sign-in card. */
export const largeBrand = () =>
  h('div', { class: 'brand brand--large' }, h('span', { class: 'brand-mark' }, 'T'), 'Threadline');

export function renderSignIn(state: AppState, signIn: (token: string) => void): HTMLElement {
  const input = h('input', {
    id: 'token',
    name: 'token',
    type: 'password',
    class: 'input',
    required: true,
    autocomplete: 'current-password',
    spellcheck: 'false',
    'aria-describedby': state.signInError ? 'token-help token-error' : 'token-help',
    'aria-invalid': state.signInError ? 'true' : null,
  });
  const form = h(
    'form',
    {
      class: 'sign-in-card',
      'aria-labelledby': 'sign-in-title',
      onSubmit: (event: Event) => {
        event.preventDefault();
        if (input.value.trim()) signIn(input.value);
      },
    },
    largeBrand(),
    h('h1', { id: 'sign-in-title', class: 'sign-in-title' }, 'Sign in to continue'),
    h(
      'p',
      { id: 'token-help', class: 'muted' },
      'Paste the access token printed by ',
      h('code', {}, 'threadline serve'),
      ' or ',
      h('code', {}, 'threadline users add'),
      '. Opening the link that the server prints signs you in directly.',
    ),
    h(
      'label',
      { class: 'field', for: 'token' },
      h('span', { class: 'field-label' }, 'Access token'),
    ),
    input,
    state.signInError
      ? h('p', { id: 'token-error', class: 'field-error', role: 'alert' }, state.signInError)
      : null,
    h('button', { type: 'submit', class: 'button button--primary button--block' }, 'Sign in'),
  );
  queueMicrotask(() => input.focus());
  return h('main', { class: 'sign-in' }, form);
}
