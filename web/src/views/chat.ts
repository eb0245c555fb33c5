import { copyText } from '../clipboard.js';
import type { Actions } from '../controller.js';
import { h } from '../dom.js';
import type { AppState, Message } from '../state.js';
import type { Composer } from './composer.js';
import { renderMessage, updateStreamingAnswer } from './message.js';
import { mountMessageFocus } from './message-focus.js';

const suggestions = [
  'Explain the difference between a process and a thread',
  'Write a TypeScript function that debounces another function',
  'Give me three ideas for a weekend project',
];

function emptyState(fill: (text: string) => void): HTMLElement {
  return h(
    'div',
    { class: 'empty-state' },
    h('div', { class: 'empty-mark', 'aria-hidden': 'true' }, 'T'),
    h('h2', {}, 'How can I help today?'),
    h('p', { class: 'muted' }, 'Ask anything. Answers stream in as they are written.'),
    h(
      'div',
      { class: 'suggestions' },
      ...suggestions.map((text) =>
        h('button', { type: 'button', class: 'suggestion', onClick: () => fill(text) }, text),
      ),
    ),
  );
}

/**
 * The message log. Messages are keyed by id and only re-rendered when their object changed,
 * so a stream re-renders one message per frame and the view stays pinned to the bottom while
 * the reader is there.
 */
export function mountChat(
  container: HTMLElement,
  actions: Actions,
  composer: Pick<Composer, 'fill' | 'focus'>,
): (state: AppState, previous: AppState | undefined) => void {
  // The scroller holds the live region (the messages) and, above it, the way to earlier ones:
  // nothing but messages belongs in a live region.
  const log = h('div', { class: 'log' });
  const inner = h('div', {
    class: 'log-inner',
    role: 'log',
    'aria-live': 'polite',
    'aria-relevant': 'additions',
    'aria-labelledby': 'chat-title',
  });
  log.append(inner);
  container.append(log);
  const atBottom = () => log.scrollHeight - log.scrollTop - log.clientHeight < 80;
  // Whether the reader is at the end, as of the last scroll: when the log's box shrinks (the
  // composer grows a line), a reader who was there stays there.
  let pinned = true;
  log.addEventListener('scroll', () => {
    pinned = atBottom();
  });
  new ResizeObserver(() => {
    if (pinned) log.scrollTop = log.scrollHeight;
  }).observe(log);
  // Above the messages of a conversation longer than a page, out of their live region.
  // aria-disabled, not disabled, while the page is read: a disabled button drops its focus.
  const earlier = h(
    'button',
    {
      type: 'button',
      class: 'button button--ghost button--small log-earlier',
      onClick: () => void actions.showEarlier(),
    },
    'Show earlier messages',
  );
  const rendered = new Map<string, { message: Message; element: HTMLElement; last: boolean }>();
  const handlers = { onRetry: (id: string) => actions.retryAnswer(id) };
  const messageFocus = mountMessageFocus(log, inner);

  log.addEventListener('click', (event) => {
    const button = (event.target as Element).closest<HTMLButtonElement>('[data-copy]');
    if (!button) return;
    const id = button.closest<HTMLElement>('[data-message-id]')?.dataset.messageId;
    const text =
      button.dataset.copy === 'code'
        ? (button.closest('.code-block')?.querySelector('code')?.textContent ?? '')
        : (rendered.get(id ?? '')?.message.text ?? '');
    void copyText(text).then((copied) => {
      button.classList.toggle('copied', copied);
      button.classList.toggle('copy-failed', !copied);
      button.setAttribute('aria-label', copied ? 'Copied' : 'Could not copy');
      setTimeout(() => {
        button.classList.remove('copied', 'copy-failed');
        button.setAttribute('aria-label', button.title);
      }, 1500);
    });
  });

  return (state, previous) => {
    if (
      state.messages === previous?.messages &&
      state.loadingMessages === previous.loadingMessages &&
      state.earlier === previous.earlier
    ) {
      return;
    }
    // Not at every frame of a streaming answer: only when it changed.
    if (state.earlier !== previous?.earlier) {
      earlier.setAttribute('aria-disabled', String(state.earlier === 'loading'));
    }
    const wasAtBottom = atBottom();
    // Read before the button may go: taken out, it takes focus with it.
    const earlierHadFocus = document.activeElement === earlier;
    if (state.loadingMessages || state.messages.length === 0 || state.earlier === 'none') {
      earlier.remove();
    } else if (!earlier.isConnected) {
      log.insertBefore(earlier, inner);
    }
    if (state.loadingMessages) {
      rendered.clear();
      messageFocus.clear();
      inner.replaceChildren(h('div', { class: 'log-loading', 'aria-label': 'Loading messages' }));
      return;
    }
    if (state.messages.length === 0) {
      rendered.clear();
      messageFocus.clear();
      // Kept when it is shown already: drawn anew, it would take the keyboard off a suggestion.
      if (!inner.firstElementChild?.classList.contains('empty-state')) {
        inner.replaceChildren(emptyState((text) => composer.fill(text)));
      }
      return;
    }
    // A question just added at the end (sent from here, or from another tab) is what the reader
    // wants to see, with its answer, wherever they had scrolled to.
    const asked = state.messages
      .slice(-2)
      .some((message) => message.role === 'USER' && !rendered.has(message.id));
    // Taken before any message changes: a streaming answer is brought up to date in place.
    const focused = focusedControl(inner);
    const changed: HTMLElement[] = [];
    const elements = state.messages.map((message, index) => {
      // Only the last answer can be asked again, so a message re-renders when it stops being last.
      const last = index === state.messages.length - 1;
      const known = rendered.get(message.id);
      if (known?.message === message && known.last === last) return known.element;
      if (
        known &&
        known.last === last &&
        updateStreamingAnswer(known.element, known.message, message)
      ) {
        rendered.set(message.id, { ...known, message });
        changed.push(known.element);
        return known.element;
      }
      const element = renderMessage(message, last ? handlers : {});
      // Only a message new to the list fades in; a streaming re-render must not flicker.
      if (!known) fadeIn(element);
      rendered.set(message.id, { message, element, last });
      changed.push(element);
      return element;
    });
    const ids = new Set(state.messages.map((m) => m.id));
    for (const id of rendered.keys()) if (!ids.has(id)) rendered.delete(id);
    const switched = state.activeId !== previous?.activeId || previous?.loadingMessages;
    // The message that was first stays where the reader saw it when earlier ones come in above.
    const anchor = switched ? undefined : rendered.get(previous?.messages[0]?.id ?? '')?.element;
    const prepended = anchor !== undefined && anchor !== elements[0];
    // Measured only then: a layout forced at every frame of a streaming answer costs.
    const anchorTop = prepended ? anchor.getBoundingClientRect().top : 0;
    // Pressed, it hands focus to the messages it read: gone, it would drop focus to the page,
    // and staying, it is out of view above them.
    const fromEarlier = prepended && earlierHadFocus;
    // Messages read back are history, not news: the live region does not read them out.
    if (prepended) inner.setAttribute('aria-live', 'off');
    placeChildren(inner, elements);
    if (prepended) {
      log.scrollTop += anchor.getBoundingClientRect().top - anchorTop;
      // After the accessibility tree has taken the change in, with the region off.
      setTimeout(() => inner.setAttribute('aria-live', 'polite'), 100);
    }
    // Only a question sent from here takes the tab stop.
    const sent = state.sentQuestions !== (previous?.sentQuestions ?? 0);
    messageFocus.update(elements, changed, sent);
    if (fromEarlier) {
      // The newest of those read: next to where the reader was, the rest above it.
      // Where it is: the view stays put, and the arrow keys bring the rest of it in.
      elements[elements.indexOf(anchor) - 1]?.focus({ preventScroll: true });
    } else if (focused && !inner.contains(document.activeElement)) {
      // A re-rendered message takes its controls with it: the new copy of the one that had
      // focus takes it back (a link or Copy code in a streaming answer), and a control that
      // is gone (Retry, once pressed) hands focus on to the composer.
      const again = focused.find(rendered.get(focused.messageId)?.element);
      if (again) messageFocus.restore(again);
      else composer.focus();
    }
    if ((wasAtBottom && !prepended) || switched || asked) {
      log.scrollTop = log.scrollHeight;
      pinned = true;
    }
  };
}

/**
 * Makes `elements` the children of `parent`, touching only what changed: elements taken out or
 * put in again lose focus and selection and restart their animation, so a streaming answer's
 * re-render must leave every other message where it is.
 */
function placeChildren(parent: HTMLElement, elements: HTMLElement[]): void {
  const wanted = new Set<Element>(elements);
  for (const child of [...parent.children]) if (!wanted.has(child)) child.remove();
  let cursor = parent.firstElementChild;
  for (const element of elements) {
    if (cursor === element) cursor = cursor.nextElementSibling;
    else parent.insertBefore(element, cursor);
  }
}

/** Fades a message in once; the class goes after, so a later move cannot replay it. */
function fadeIn(element: HTMLElement): void {
  element.classList.add('message--new');
  element.addEventListener('animationend', () => element.classList.remove('message--new'), {
    once: true,
  });
}

const CONTROLS = 'a[href], button';

/** A control's identity inside its message: its kind and how many of that kind come before. */
const controlKind = (element: HTMLElement) =>
  `${element.tagName}:${element.dataset.copy ?? element.getAttribute('href') ?? element.textContent}`;

/** The focused control in the log, and how to find its copy in a re-rendered message. */
function focusedControl(root: HTMLElement) {
  const active = document.activeElement;
  if (!(active instanceof HTMLElement) || !root.contains(active)) return null;
  const message = active.closest<HTMLElement>('[data-message-id]');
  // The message itself (moved to with the arrow keys): its new copy takes focus back.
  if (message === active) {
    return { messageId: message.dataset.messageId ?? '', find: (element?: HTMLElement) => element };
  }
  const kind = controlKind(active);
  const same = (parent: Element) =>
    [...parent.querySelectorAll<HTMLElement>(CONTROLS)].filter((c) => controlKind(c) === kind);
  const ordinal = message ? same(message).indexOf(active) : -1;
  return {
    messageId: message?.dataset.messageId ?? '',
    find: (element: HTMLElement | undefined): HTMLElement | undefined =>
      element && ordinal >= 0 ? same(element)[ordinal] : undefined,
  };
}
