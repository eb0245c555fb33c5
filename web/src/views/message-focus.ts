/**
 * The message log as one stop in the tab order (a roving tabindex): a long conversation would
 * otherwise put every message's Copy buttons and links between the rest of the page and the
 * composer. One message at a time, the last unless another was focused since, can be reached
 * with Tab, and so can its own controls; the arrow keys, Home and End move between messages.
 * The others keep their controls for the mouse, only out of the tab order.
 */
export interface MessageFocus {
  /**
   * After a render: `elements` are the messages shown, in order, and `changed` those built or
   * filled anew since the last call (their controls are new, and tabbable).
   */
  update(elements: HTMLElement[], changed: Iterable<HTMLElement>): void;
  /** The log shows no messages any more (another conversation is loading, or none). */
  clear(): void;
}

/**
 * What in a message Tab can reach: its controls, and code blocks and tables that scroll
 * sideways (Chromium puts a scroller without focusable content in the tab order).
 */
const TABBABLE = 'a[href], button, pre, table';

const MESSAGE = '[data-message-id]';

/** The message each key moves to from the one at `index`. */
const MOVES = new Map<string, (messages: HTMLElement[], index: number) => HTMLElement | undefined>([
  ['ArrowUp', (messages, index) => messages[index - 1]],
  ['ArrowDown', (messages, index) => messages[index + 1]],
  ['Home', (messages) => messages[0]],
  ['End', (messages) => messages.at(-1)],
]);

/** Puts `message` and what it holds in the tab order, or takes them out. */
function setReachable(message: HTMLElement, reachable: boolean): void {
  message.tabIndex = reachable ? 0 : -1;
  for (const element of message.querySelectorAll<HTMLElement>(TABBABLE)) {
    if (reachable) element.removeAttribute('tabindex');
    else element.tabIndex = -1;
  }
}

export function mountMessageFocus(log: HTMLElement, inner: HTMLElement): MessageFocus {
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

  // A message focused in any way (a click on its Copy button too) is where Tab comes back to.
  inner.addEventListener('focusin', (event) => {
    const message = (event.target as Element).closest<HTMLElement>(MESSAGE);
    if (!message || message.parentElement !== inner) return;
    chosenId = message.dataset.messageId ?? null;
    moveStop(message);
  });

  inner.addEventListener('keydown', (event) => {
    if (event.altKey || event.ctrlKey || event.metaKey || event.shiftKey) return;
    const pick = MOVES.get(event.key);
    const from = (event.target as Element).closest<HTMLElement>(MESSAGE);
    if (!pick || !from || from.parentElement !== inner) return;
    const messages = [...inner.querySelectorAll<HTMLElement>(`:scope > ${MESSAGE}`)];
    const to = pick(messages, messages.indexOf(from));
    // Past either end, the key scrolls the log as it would anyway.
    if (!to || to === event.target) return;
    event.preventDefault();
    to.focus({ preventScroll: true });
    // A message taller than the log is read from its start; a shorter one moves it no further
    // than needed, so the reader keeps their place.
    to.scrollIntoView({ block: to.offsetHeight > log.clientHeight ? 'start' : 'nearest' });
  });

  return {
    update(elements, changed) {
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
