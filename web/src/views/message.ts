import { h, visuallyHidden } from '../dom.js';
import { icon } from '../icons.js';
import { renderMarkdownBlocks } from '../markdown.js';
import type { Message } from '../state.js';
import { formatCount } from './format.js';
import { renderAlert } from './notice.js';

export interface MessageHandlers {
  /** Absent where the answer cannot be asked again (it is not the last message). */
  onRetry?(messageId: string): void;
}

function copyButton(label: string, action: string): HTMLButtonElement {
  return h(
    'button',
    {
      type: 'button',
      class: 'icon-button icon-button--small',
      'aria-label': label,
      title: label,
      'data-copy': action,
    },
    icon('copy'),
  );
}

function usageLine(message: Message): HTMLElement | null {
  const parts: (string | HTMLElement)[] = [];
  if (message.model) parts.push(h('span', { class: 'meta-model' }, message.model));
  const usage = message.usage;
  if (usage) {
    const detail = [
      `${formatCount(usage.inputTokens)} in`,
      `${formatCount(usage.outputTokens)} out`,
      usage.reasoningTokens ? `${formatCount(usage.reasoningTokens)} reasoning` : '',
    ]
      .filter(Boolean)
      .join(' · ');
    parts.push(
      h('span', { class: 'meta-usage', title: detail }, `${formatCount(usage.totalTokens)} tokens`),
      h('span', { class: 'meta-usage-detail' }, `(${detail})`),
    );
  }
  return parts.length ? h('span', { class: 'meta-items' }, ...parts) : null;
}

/** Cut short on request (Stop), as opposed to interrupted. */
const isStopped = (message: Message) =>
  message.status === 'INCOMPLETE' && message.error?.code === 'ABORTED';

function statusBadge(message: Message): HTMLElement | null {
  if (message.status === 'INCOMPLETE') {
    const stopped = isStopped(message);
    return h(
      'span',
      {
        class: 'badge badge--warning',
        title: stopped
          ? 'You stopped this answer.'
          : 'This answer was interrupted before it finished.',
      },
      stopped ? 'Stopped' : 'Incomplete',
    );
  }
  if (message.status === 'FAILED') return h('span', { class: 'badge badge--danger' }, 'Failed');
  return null;
}

const TEXT_BLOCKS = 'p, li, h1, h2, h3, h4, h5, h6, blockquote, th, td';

/** The blocks a `.markdown` element shows: each one's HTML and how many nodes it put there. */
const shown = new WeakMap<HTMLElement, { blocks: string[]; nodes: number[] }>();

/**
 * Shows `text` in `content`, replacing only the blocks that changed since the last call: while
 * an answer streams, the blocks before its last stay the same nodes, so a link or Copy code
 * there can be clicked (a press whose button is replaced before it ends is no click), and a
 * frame highlights, sanitizes and builds only the blocks that changed (it still reads the whole
 * text into blocks, and compares them), and a long code block only once it ends.
 */
function fillMarkdown(content: HTMLElement, text: string, streaming: boolean): void {
  const blocks = renderMarkdownBlocks(text, streaming);
  const before = shown.get(content) ?? { blocks: [], nodes: [] };
  let same = 0;
  while (same < blocks.length && blocks[same] === before.blocks[same]) same++;
  const nodes = before.nodes.slice(0, same);
  const kept = nodes.reduce((sum, count) => sum + count, 0);
  while (content.childNodes.length > kept) content.lastChild!.remove();
  for (const html of blocks.slice(same)) {
    const template = document.createElement('template');
    template.innerHTML = html;
    const fragment = template.content;
    // Each block takes the direction of its own text: Arabic or Hebrew reads right to left.
    for (const block of fragment.querySelectorAll(TEXT_BLOCKS)) block.setAttribute('dir', 'auto');
    for (const head of fragment.querySelectorAll('.code-head')) {
      head.append(copyButton('Copy code', 'code'));
    }
    nodes.push(fragment.childNodes.length);
    content.append(fragment);
  }
  shown.set(content, { blocks, nodes });
}

/**
 * Brings the element of a streaming answer up to `message` in place when only its text changed
 * (it still streams, and had text before); false when it must be rendered anew.
 */
export function updateStreamingAnswer(
  element: HTMLElement,
  before: Message,
  message: Message,
): boolean {
  const textOnly =
    message.role !== 'USER' &&
    before.status === 'STREAMING' &&
    message.status === 'STREAMING' &&
    before.text !== '' &&
    message.text !== '';
  const content = textOnly ? element.querySelector<HTMLElement>('.markdown') : null;
  if (!content) return false;
  fillMarkdown(content, message.text, true);
  return true;
}

function renderAssistantBody(message: Message, handlers: MessageHandlers): HTMLElement[] {
  const streaming = message.status === 'STREAMING';
  const content = h('div', { class: 'markdown' });
  fillMarkdown(content, message.text, streaming);
  const parts: HTMLElement[] = [];
  if (streaming && message.text === '') {
    parts.push(
      h('div', { class: 'typing', 'aria-label': 'Thinking' }, h('span'), h('span'), h('span')),
    );
  } else {
    parts.push(content);
  }
  // A stop on request is not an error worth a red box; the badge says it.
  if (message.error && message.status === 'FAILED') {
    parts.push(
      renderAlert({
        code: message.error.code,
        message: message.error.message,
        onRetry:
          message.error.retryable && handlers.onRetry
            ? () => handlers.onRetry?.(message.id)
            : undefined,
      }),
    );
  } else if (
    message.status === 'INCOMPLETE' &&
    // Stopped on request, it needs no note, but the last answer may still be asked again.
    (!isStopped(message) || handlers.onRetry)
  ) {
    const retry = handlers.onRetry;
    const stopped = isStopped(message);
    parts.push(
      h(
        'p',
        { class: 'message-note' },
        stopped ? 'You stopped this answer. ' : 'This answer was interrupted before it finished. ',
        retry
          ? h(
              'button',
              { type: 'button', class: 'link-button', onClick: () => retry(message.id) },
              'Ask again',
            )
          : null,
      ),
    );
  }
  if (!streaming) {
    parts.push(
      h(
        'footer',
        { class: 'message-meta' },
        statusBadge(message),
        usageLine(message),
        message.text ? copyButton('Copy answer', 'message') : null,
      ),
    );
  }
  return parts;
}

/** One message; `data-status` and `aria-busy` follow the stream for styling and screen readers. */
export function renderMessage(message: Message, handlers: MessageHandlers): HTMLElement {
  const user = message.role === 'USER';
  const article = h(
    'article',
    {
      class: `message message--${user ? 'user' : 'assistant'}`,
      'data-message-id': message.id,
      'data-status': message.status,
      'aria-busy': message.status === 'STREAMING' ? 'true' : 'false',
    },
    visuallyHidden(user ? 'You said:' : 'Threadline answered:'),
  );
  if (user) {
    article.append(h('div', { class: 'bubble', dir: 'auto' }, message.text));
  } else {
    article.append(
      h('span', { class: 'avatar avatar--assistant', 'aria-hidden': 'true' }, 'T'),
      h('div', { class: 'message-body' }, ...renderAssistantBody(message, handlers)),
    );
  }
  return article;
}
