import { h } from '../dom.js';

/**
 * The message log as one stop in the tab order (a roving tabindex): a long conversation would
 * otherwise put every message's Copy buttons and links between the rest of the page and the
 * composer. One message at a time can be reached with Tab, and so can its own controls: the last,
 * unless the keyboard went to another since a question was last sent from this page. The arrow
 * keys, Home and End move between messages, as a description says when focus comes in. The
 * others keep their controls for the mouse, only out of the tab order.
 */
export interface MessageFocus {
  /**
   * After a render: `elements` are the messages shown, in order, and `changed` those built or
   * filled anew since the last call (their controls are new, and tabbable). `sent`: a question
   * was sent from this page since the last call.
   */
  update(elements: HTMLElement[], changed: Iterable<HTMLElement>, sent: boolean): void;
  /** Focuses `element`, the new copy of what had focus before a re-render replaced it. */
  restore(element: HTMLElement): void;
  /** The log shows no messages any more (another conversation is loading, or none). */
  clear(): void;
}

/**
 * What in a message Tab can reach: its controls, and code blocks and tables that scroll
 * sideways (Chromium puts a scroller without focusable content in the tab order).
 */
const TABBABLE = 'a[href], button, pre, table';

const MESSAGE = '[data-message-id]';

const HINT = 'Arrow keys move between messages; Home and End go to the first and last.';

interface Move {
  /** The message the key moves to from the one at `index`. */
  pick: (messages: HTMLElement[], index: number) => HTMLElement | undefined;
  /**
   * Which end of a message taller than the log comes into view: the end next to the message
   * ArrowUp came from, else the start, where it is read from.
   */
  block: ScrollLogicalPosition;
}

const MOVES = new Map<string, Move>([
  ['ArrowUp', { pick: (messages, index) => messages[index - 1], block: 'end' }],
  ['ArrowDown', { pick: (messages, index) => messages[index + 1], block: 'start' }],
  ['Home', { pick: (messages) => messages[0], block: 'start' }],
  ['End', { pick: (messages) => messages.at(-1), block: 'start' }],
]);

/**
 * Whether the edge of `message` that `key` heads for is outside the log's visible part (with
 * 1px of slack for fractional layout): the reader has not seen all of it yet.
 */
function farEdgeHidden(log: HTMLElement, message: HTMLElement, key: string): boolean {
  const view = log.getBoundingClientRect();
  const box = message.getBoundingClientRect();
  if (key === 'ArrowDown') return box.bottom > view.bottom + 1;
  if (key === 'ArrowUp') return box.top < view.top - 1;
  return false;
}

/** Puts `message` and what it holds in the tab order, or takes them out. */
function setReachable(message: HTMLElement, reachable: boolean): void {
  message.tabIndex = reachable ? 0 : -1;
  for (const element of message.querySelectorAll<HTMLElement>(TABBABLE)) {
    if (reachable) element.removeAttribute('tabindex');
    else element.tabIndex = -1;
  }
}

export function mountMessageFocus(log: HTMLElement, inner: HTMLElement): MessageFocus {
  // Hidden: it is read only as the description of what focus enters the log on. Beside the log
  // rather than in it: nothing but messages belongs in a live region.
  const hint = h('p', { id: 'message-log-hint', hidden: true }, HINT);
  log.after(hint);
  /** Set while focus goes back to a message a re-render replaced: it is not coming in anew. */
  let restoring = false;
  /** The message focused last, by id (a re-render replaces its element); null for the last one. */
  let chosenId: string | null = null;
  /** The message now in the tab order. */
  let stop: HTMLElement | null = null;

  const moveStop = (message: HTMLElement | null) => {
    if (message === stop) return;
    if (stop) setReachable(stop, false);
    if (message) setReachable(message, true);
    stop = message;
  };

  // A message reached with the keyboard is where Tab comes back to. A click focuses the message
  // too (it has a tabindex), but the mouse is no choice of a place in the tab order.
  inner.addEventListener('focusin', (event) => {
    const target = event.target as Element;
    const message = target.closest<HTMLElement>(MESSAGE);
    if (!message || message.parentElement !== inner || !target.matches(':focus-visible')) return;
    chosenId = message.dataset.messageId ?? null;
    moveStop(message);
  });

  // Focus coming into a message from outside the log is told how to move in it; moves inside
  // the log are not, so the hint is not read again at every arrow key.
  inner.addEventListener('focusin', (event) => {
    const target = event.target as HTMLElement;
    const from = event.relatedTarget as Node | null;
    if (restoring || !target.closest(MESSAGE) || (from && inner.contains(from))) return;
    target.setAttribute('aria-describedby', hint.id);
    target.addEventListener('focusout', () => target.removeAttribute('aria-describedby'), {
      once: true,
    });
  });

  inner.addEventListener('keydown', (event) => {
    if (event.altKey || event.ctrlKey || event.metaKey || event.shiftKey) return;
    const move = MOVES.get(event.key);
    const from = (event.target as Element).closest<HTMLElement>(MESSAGE);
    if (!move || !from || from.parentElement !== inner) return;
    // The rest of a message taller than the log comes first: the key scrolls the log as it
    // would anyway, and moves on once the message's far edge is in view.
    if (farEdgeHidden(log, from, event.key)) return;
    const messages = [...inner.querySelectorAll<HTMLElement>(`:scope > ${MESSAGE}`)];
    const to = move.pick(messages, messages.indexOf(from));
    // Past either end, the key scrolls the log as it would anyway.
    if (!to || to === event.target) return;
    event.preventDefault();
    to.focus({ preventScroll: true });
    // A message taller than the log shows the end the reader comes to it from; a shorter one
    // moves the log no further than needed, so the reader keeps their place.
    to.scrollIntoView({ block: to.offsetHeight > log.clientHeight ? move.block : 'nearest' });
  });

  return {
    restore(element) {
      restoring = true;
      try {
        element.focus({ preventScroll: true });
      } finally {
        restoring = false;
      }
    },
    update(elements, changed, sent) {
      // Sending a question moves the reader's attention to the newest turn. One that came from
      // another tab or client does not: the reader may be in the middle of an earlier message.
      if (sent) chosenId = null;
      const chosen = chosenId && elements.find((e) => e.dataset.messageId === chosenId);
      if (!chosen) chosenId = null;
      const next = chosen || elements.at(-1) || null;
      for (const element of changed) setReachable(element, element === next);
      moveStop(next);
    },
    clear() {
      chosenId = null;
      stop = null;
    },
  };
}
