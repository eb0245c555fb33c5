import type { Actions, ComposerText } from '../controller.js';
import { h } from '../dom.js';
import { icon } from '../icons.js';
import { type AppState, isStreaming } from '../state.js';

export interface Composer extends ComposerText {
  render(state: AppState, previous: AppState | undefined): void;
  fill(text: string): void;
  focus(): void;
}

const MAX_HEIGHT = 200;

/** Enter sends, Shift+Enter adds a line; while an answer streams the button stops it. */
export function mountComposer(container: HTMLElement, actions: Actions): Composer {
  const textarea = h('textarea', {
    id: 'composer-input',
    class: 'composer-input',
    dir: 'auto',
    rows: 1,
    placeholder: 'Message Threadline…',
    'aria-label': 'Message',
    'aria-describedby': 'composer-hint',
  });
  const send = h(
    'button',
    { type: 'submit', class: 'round-button', 'aria-label': 'Send message', title: 'Send (Enter)' },
    icon('send'),
  );
  const stop = h(
    'button',
    {
      type: 'button',
      class: 'round-button round-button--stop',
      'aria-label': 'Stop generating',
      title: 'Stop generating',
      onClick: () => void actions.stop(),
    },
    icon('stop'),
  );

  let streaming = false;
  const autosize = () => {
    textarea.style.height = 'auto';
    textarea.style.height = `${Math.min(textarea.scrollHeight, MAX_HEIGHT)}px`;
    send.disabled = textarea.value.trim() === '' || streaming;
  };

  const submit = async () => {
    const text = textarea.value;
    if (!text.trim() || streaming) return;
    textarea.value = '';
    autosize();
    const accepted = await actions.send(text);
    // Give the text back if it was not accepted and nothing new was typed meanwhile.
    if (!accepted && textarea.value === '') {
      textarea.value = text;
      autosize();
    }
  };

  textarea.addEventListener('input', autosize);
  textarea.addEventListener('keydown', (event) => {
    if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      void submit();
    }
  });

  const form = h(
    'form',
    {
      class: 'composer',
      onSubmit: (event: Event) => {
        event.preventDefault();
        void submit();
      },
    },
    h('div', { class: 'composer-box' }, textarea, send, stop),
    h(
      'p',
      { id: 'composer-hint', class: 'composer-hint' },
      h(
        'span',
        { class: 'hint-compose' },
        h('kbd', {}, 'Enter'),
        ' to send · ',
        h('kbd', {}, 'Shift'),
        '+',
        h('kbd', {}, 'Enter'),
        ' for a new line',
      ),
      // Shown instead while the keyboard is on a message (styles.css): how to move between them.
      h(
        'span',
        { class: 'hint-log' },
        h('kbd', {}, '↑'),
        ' ',
        h('kbd', {}, '↓'),
        ' between messages · ',
        h('kbd', {}, 'Home'),
        ' ',
        h('kbd', {}, 'End'),
        ' first and last',
      ),
    ),
  );
  container.append(form);

  return {
    render(state, previous) {
      streaming = isStreaming(state);
      // A button hidden while it has focus drops focus to the page: hand it on.
      const hadFocus = document.activeElement === (streaming ? send : stop);
      send.hidden = streaming;
      stop.hidden = !streaming;
      if (hadFocus) (streaming ? stop : textarea).focus();
      autosize();
      if (state.activeId !== previous?.activeId && state.screen === 'chat') textarea.focus();
    },
    fill(text) {
      textarea.value = text;
      autosize();
      textarea.focus();
    },
    focus() {
      textarea.focus();
    },
    take(text) {
      if (textarea.value.trim() !== text) return false;
      textarea.value = '';
      autosize();
      return true;
    },
    giveBack(text) {
      if (textarea.value !== '') return;
      textarea.value = text;
      autosize();
    },
  };
}
